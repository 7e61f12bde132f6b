"""The texts of an XLSForm export, in every offered language, from the catalogs."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ppp_assess import presentation
from ppp_assess.domain.schema import Questionnaire
from ppp_assess.domain.xlsform import SOURCE_LANGUAGE, Language
from ppp_assess.services.xlsform import xlsform_bytes
from ppp_assess.web.locale import available_locales


def workbook_languages(app: Flask | None = None) -> list[Language]:
    """Return the offered languages, English first, each named in itself."""
    codes = [SOURCE_LANGUAGE] + [code for code in available_locales(app or current_app)
                                 if code != SOURCE_LANGUAGE]
    return [Language(code, presentation.language_name(code)) for code in codes]


def xlsform_workbook(questionnaire: Questionnaire,
                     languages: Sequence[Language] | None = None) -> bytes:
    """Return the XLSForm workbook of a questionnaire with its texts in every language."""
    chosen = list(languages or workbook_languages())
    msgids = questionnaire.msgids()
    translations: dict[str, dict[str, str]] = {}
    not_applicable: dict[str, str] = {}
    for language in chosen:
        with force_locale(language.code):
            not_applicable[language.code] = _("Not applicable")
            if language.code != SOURCE_LANGUAGE:
                translations[language.code] = {msgid: presentation.data_text(msgid)
                                               for msgid in msgids}
    return xlsform_bytes(questionnaire, chosen, translations, not_applicable)
