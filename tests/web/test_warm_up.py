"""A new app server process compiles its templates and reads its catalogs before serving."""

from __future__ import annotations

from ppp_assess.web import warm_up
from ppp_assess.web.locale import available_locales


def test_warming_up_compiles_every_page_template_and_reads_every_catalog(app) -> None:
    cache = app.jinja_env.cache
    assert cache is not None
    cache.clear()
    app.extensions.pop("ppp_translations", None)
    warm_up(app)
    compiled = {name for _loader, name in list(cache.keys())}
    assert {"base.html", "assessments/section.html", "_macros/questions.html"} <= compiled
    assert len(compiled) == len([name for name in app.jinja_env.list_templates()
                                 if name.endswith(".html")])
    catalogs = app.extensions["ppp_translations"]
    assert len(catalogs) == len(available_locales(app)) >= 6
