"""``python -m ppp_assess.i18n COMMAND``: the translation commands, without the app.

Use it where the app cannot start yet, for example to compile the catalogs of a
production installation (``python -m ppp_assess.i18n compile``). The translations folder
is ``PPP_ASSESS_TRANSLATIONS``, or ``translations/`` of the checkout.
"""

from ppp_assess.i18n.commands import translations_group

if __name__ == "__main__":
    translations_group(prog_name="python -m ppp_assess.i18n")
