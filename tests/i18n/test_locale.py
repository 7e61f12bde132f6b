"""Choosing the request's language, start-up validation, direction and the language menu."""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from babel import numbers
from babel.messages.catalog import Catalog
from flask import Flask
from flask_babel import force_locale, get_locale, gettext
from sqlalchemy import func, select

from ppp_assess import create_app
from ppp_assess.config import UN_LOCALES, ConfigurationError, Settings
from ppp_assess.domain.display import rounded_score, whole_percent
from ppp_assess.i18n import catalogs
from ppp_assess.models import AuditEvent, Base, User
from ppp_assess.presentation import percent_text, score_text, with_decimals
from ppp_assess.services.accounts import set_preferred_locale
from ppp_assess.unit_of_work import get_database
from ppp_assess.web import locale as web_locale
from ppp_assess.web.locale import (
    locale_info,
    select_locale,
    switch_locale_url,
    validate_locales,
)
from tests.factories import Factory, sign_in
from tests.i18n.pages import read_page


@pytest.fixture
def six(app: Flask) -> Flask:
    """Return the test app, which offers the six languages."""
    return app


def _html(client, url: str, **kwargs) -> tuple[str | None, str | None]:
    page = read_page(client.get(url, **kwargs).get_data(as_text=True))
    return page.html_lang, page.html_dir


# --- Start-up validation ----------------------------------------------------------------


def _settings(tmp_path: Path, **overrides) -> Settings:
    return Settings.from_env({"PPP_ASSESS_INSTANCE": str(tmp_path)}, **overrides)


def test_offered_locales_are_those_configured_and_compiled(tmp_path, compiled_translations):
    settings = _settings(tmp_path)
    assert validate_locales(settings, compiled_translations) == UN_LOCALES


def test_unknown_locale_stops_the_start_up(tmp_path, compiled_translations):
    settings = _settings(tmp_path, locales=("en", "fr", "xx_QQ"))
    with pytest.raises(ConfigurationError, match="Unknown locale 'xx_QQ'"):
        validate_locales(settings, compiled_translations)


def test_locale_without_catalogs_is_left_out_with_a_warning(tmp_path, caplog):
    empty = tmp_path / "translations"
    empty.mkdir()
    with caplog.at_level(logging.WARNING, logger="ppp_assess.web.locale"):
        offered = validate_locales(_settings(tmp_path, locales=("en", "ar")), empty)
    assert offered == ("en",)
    assert "Locale ar has no compiled catalogs" in caplog.text


def test_production_refuses_a_locale_without_catalogs(tmp_path):
    settings = _settings(tmp_path, env="production", secret_key="s" * 40, audit_key="a" * 40,
                         database_url="postgresql://x@localhost/db", locales=("en", "ar"))
    with pytest.raises(ConfigurationError, match="'ar' has no compiled catalogs"):
        validate_locales(settings, tmp_path)


def test_default_locale_must_be_servable(tmp_path):
    settings = _settings(tmp_path, locales=("en", "fr"), default_locale="fr")
    with pytest.raises(ConfigurationError, match="default locale 'fr'"):
        validate_locales(settings, tmp_path)


def test_one_compiled_domain_is_not_enough(tmp_path, compiled_translations):
    partial = tmp_path / "translations"
    shutil.copytree(compiled_translations / "fr", partial / "fr")
    (partial / "fr" / "LC_MESSAGES" / "questionnaires.mo").unlink()
    assert validate_locales(_settings(tmp_path, locales=("en", "fr")), partial) == ("en",)


def test_create_app_reads_the_translations_folder_setting(make_app, tmp_path):
    app = make_app(translations_dir=str(tmp_path), locales=("en", "fr"))
    assert web_locale.available_locales(app) == ("en",)


# --- CLDR facts -------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "direction", "name"), [
    ("en", "ltr", "English"), ("fr", "ltr", "Français"), ("ru", "ltr", "Русский"),
    ("es", "ltr", "Español"), ("ar", "rtl", "العربية"), ("zh", "ltr", "中文"),
])
def test_locale_info_comes_from_cldr(code, direction, name):
    info = locale_info(code)
    assert (info.language_tag, info.text_direction, info.display_name) == (code, direction, name)
    assert info.is_rtl == (code == "ar")


def test_language_tag_is_bcp47():
    assert locale_info("pt_BR").language_tag == "pt-BR"


# --- Selection precedence ---------------------------------------------------------------


def test_default_when_nothing_decides(six):
    assert _html(six.test_client(), "/") == ("en", "ltr")


def test_accept_language_is_negotiated(six):
    client = six.test_client()
    assert _html(client, "/", headers={"Accept-Language": "ar-EG,ar;q=0.9,en;q=0.5"}) == (
        "ar", "rtl")
    assert _html(client, "/", headers={"Accept-Language": "zh-CN"})[0] == "zh"
    assert _html(client, "/", headers={"Accept-Language": "de-DE, es;q=0.8"})[0] == "es"
    assert _html(client, "/", headers={"Accept-Language": "de-DE"})[0] == "en"


def test_query_parameter_wins_and_is_remembered(six):
    client = six.test_client()
    headers = {"Accept-Language": "ru"}
    assert _html(client, "/", headers=headers)[0] == "ru"
    assert _html(client, "/?lang=fr", headers=headers)[0] == "fr"
    # Remembered in the session: it now beats the browser.
    assert _html(client, "/", headers=headers)[0] == "fr"
    with client.session_transaction() as session:
        assert session["locale"] == "fr"


def test_query_parameter_accepts_region_variants_and_ignores_unknown_codes(six):
    client = six.test_client()
    assert _html(client, "/?lang=fr-CA")[0] == "fr"
    assert _html(client, "/?lang=de")[0] == "fr"  # not offered: the remembered one stays
    assert _html(client, "/?lang=<script>")[0] == "fr"


def test_session_beats_the_profile_which_beats_the_browser(six, factory, db):
    user = factory.user(locale="zh")
    db.commit()
    client = six.test_client()
    sign_in(client, user.email)
    headers = {"Accept-Language": "es"}
    assert _html(client, "/", headers=headers)[0] == "zh"
    with client.session_transaction() as session:
        session["locale"] = "ru"
    assert _html(client, "/", headers=headers)[0] == "ru"


def test_profile_locale_not_offered_falls_through(make_app, compiled_translations):
    app = make_app(translations_dir=str(compiled_translations), locales=("en", "fr"))
    with app.app_context():
        session = get_database(app).new_session(write=True)
        email = Factory(session).user(locale="ar").email
        session.commit()
        session.close()
    client = app.test_client()
    sign_in(client, email)
    assert _html(client, "/", headers={"Accept-Language": "fr"})[0] == "fr"


def _database_state(db) -> tuple[dict[str, int], str | None]:
    """Return the row count of every table and the head of the audit chain."""
    counts = {table.name: db.scalar(select(func.count()).select_from(table)) or 0
              for table in Base.metadata.sorted_tables}
    head = db.scalar(select(AuditEvent.hash).order_by(AuditEvent.sequence.desc()).limit(1))
    return counts, head


def test_a_get_with_lang_changes_nothing_stored(six, factory, db):
    user = factory.user(locale="es")
    db.commit()
    client = six.test_client()
    sign_in(client, user.email)
    before = _database_state(db)
    assert _html(client, "/?lang=ar") == ("ar", "rtl")
    assert _html(client, "/auth/profile?lang=zh")[0] == "zh"
    db.expire_all()
    assert _database_state(db) == before
    assert db.get(User, user.id).locale == "es"
    # The session keeps the choice for this browser only.
    assert _html(client, "/")[0] == "zh"
    other = six.test_client()
    sign_in(other, user.email)
    assert _html(other, "/")[0] == "es"


def test_the_language_menu_posts_the_signed_in_users_preference(six, factory, db):
    user = factory.user(locale="es")
    db.commit()
    client = six.test_client()
    sign_in(client, user.email)
    menu = client.get("/projects/").get_data(as_text=True)
    assert 'action="/language"' in menu and 'name="locale" value="ar"' in menu
    response = client.post("/language", data={"locale": "ar", "next": "/projects/"})
    assert response.status_code == 302 and response.headers["Location"] == "/projects/"
    db.expire_all()
    assert db.get(User, user.id).locale == "ar"
    # Stored in the profile: a new session on another device starts in that language.
    other = six.test_client()
    sign_in(other, user.email)
    assert _html(other, "/")[0] == "ar"


def test_the_language_menu_refuses_unknown_languages_and_foreign_targets(six, factory, db):
    user = factory.user(locale="es")
    db.commit()
    client = six.test_client()
    sign_in(client, user.email)
    response = client.post("/language", data={"locale": "xx", "next": "//evil.example/"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    db.expire_all()
    assert db.get(User, user.id).locale == "es"


def test_the_language_survives_signing_in(six, factory, db):
    user = factory.user()
    db.commit()
    client = six.test_client()
    client.get("/?lang=ru")
    sign_in(client, user.email)
    assert _html(client, "/")[0] == "ru"


def test_select_locale_outside_a_request_is_the_default(six):
    with six.app_context():
        assert select_locale() == "en"


def test_set_preferred_locale_writes_only_changes(factory, db):
    user = factory.user(locale="fr")
    assert set_preferred_locale(db, user, "fr") is False
    assert set_preferred_locale(db, user, "zh") is True
    assert user.locale == "zh"
    events = list(db.scalars(select(AuditEvent).where(
        AuditEvent.object_id == str(user.id), AuditEvent.action == "user.locale_changed")))
    assert [(event.before, event.after) for event in events] == [
        ({"locale": "fr"}, {"locale": "zh"})]


# --- Direction and the language menu ----------------------------------------------------


def test_arabic_pages_are_right_to_left_with_the_rtl_styles(six):
    client = six.test_client()
    arabic = client.get("/?lang=ar").get_data(as_text=True)
    assert re.search(r'<html lang="ar" dir="rtl">', arabic)
    # Static files are linked under content-hashed names (app-rtl.<hash>.css).
    assert re.search(r'css/app-rtl(\.[0-9a-f]+)?\.css', arabic)
    french = client.get("/?lang=fr").get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in french and "app-rtl" not in french


def _menu(html: str) -> list[dict[str, str]]:
    menu = re.search(r'<nav class="language-menu".*?</nav>', html, re.DOTALL)
    assert menu is not None
    items = []
    for match in re.finditer(r"<(a|span) ([^>]*)>([^<]*)</\1>", menu.group(0)):
        attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', match.group(2)))
        items.append({"tag": match.group(1), "text": match.group(3), **attributes})
    return items


def test_language_menu_names_each_language_in_itself(six):
    html = six.test_client().get("/?lang=fr").get_data(as_text=True)
    items = _menu(html)
    assert [item["text"] for item in items] == [
        "English", "Français", "Русский", "Español", "العربية", "中文"]
    current = [item for item in items if item["tag"] == "span"]
    assert len(current) == 1 and current[0]["lang"] == "fr"
    assert current[0]["aria-current"] == "true"
    for item in items:
        if item["tag"] == "a":
            assert item["lang"] == item["hreflang"] == item["href"].rsplit("lang=", 1)[1]
    arabic = next(item for item in items if item["lang"] == "ar")
    assert arabic["dir"] == "rtl"
    assert re.search(r'<nav class="language-menu" aria-label="Langue">', html) or \
        'aria-label="Language"' in html


def test_language_menu_keeps_the_page_and_its_query(six):
    html = six.test_client().get("/auth/sign-in?next=%2Fprojects%2F&lang=es").get_data(
        as_text=True)
    links = {item["lang"]: item["href"] for item in _menu(html) if item["tag"] == "a"}
    assert links["ar"] == "/auth/sign-in?next=%2Fprojects%2F&amp;lang=ar"
    assert links["en"] == "/auth/sign-in?next=%2Fprojects%2F&amp;lang=en"


def test_language_menu_on_a_post_only_page_leads_home(six):
    with six.test_request_context("/auth/sign-out", method="POST"):
        assert switch_locale_url("zh") == "/?lang=zh"
    with six.test_request_context("/auth/sign-in?next=/x&next=/y", method="POST"):
        # A form page answered by POST can be fetched again: same page, same query.
        assert switch_locale_url("zh") == "/auth/sign-in?next=%2Fx&next=%2Fy&lang=zh"


def test_language_menu_is_hidden_with_one_language(make_app):
    app = make_app(locales=("en",))
    assert 'class="language-menu"' not in app.test_client().get("/").get_data(as_text=True)


# --- Formatting -------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "number", "score", "percent", "money", "date"), [
    ("en", "1,234,567.5", "86.5", "46%", "$1,234.50", "Mar 5, 2025"),
    ("fr", "1\u202f234\u202f567,5", "86,5", "46\u00a0%", "1\u202f234,50\u00a0$US", "5 mars 2025"),
    ("ar", "1,234,567.5", "86.5", "46%", "\u200f1,234.50\u00a0US$", "05\u200f/03\u200f/2025"),
    ("zh", "1,234,567.5", "86.5", "46%", "US$1,234.50", "2025年3月5日"),
])
def test_formatting_filters_follow_the_locale(six, code, number, score, percent, money, date):
    # Literals too: Jinja must not format them once, at compile time, in no locale.
    template = six.jinja_env.from_string(
        "{{ 1234567.5|number }}|{{ 86.45|score }}|{{ share|percent }}|"
        "{{ amount|money('USD') }}|{{ day|date }}|{{ none|number }}{{ none|date }}")
    with six.test_request_context(), force_locale(code):
        rendered = template.render(day=dt.date(2025, 3, 5), share=0.456, amount=1234.5)
    assert rendered.split("|") == [number, score, percent, money, date, ""]


def test_score_filters_round_half_up_and_mark_missing_scores(six):
    template = six.jinja_env.from_string(
        "{{ 72.25|score }}|{{ 72.0|score }}|{{ 100|score }}|{{ 4.45|points }}|{{ none|score }}|"
        "{{ none|score('n/a') }}|{{ 3|number }}|{{ 2500000000|money('USD', true) }}|"
        "{{ 2|days }}")
    with six.test_request_context(), force_locale("fr"):
        assert template.render().split("|") == [
            "72,3", "72,0", "100,0", "4,5", "–", "n/a", "3", "2,5\u00a0Md\u00a0$US", "2\u00a0jours"]


def test_kept_score_and_percent_texts_match_babel_in_every_locale(six):
    # Scores and percents are formatted once per locale and value, then kept: each text
    # is what Babel writes from the locale's own pattern, whichever locale asked first.
    values = [0, -0.0, 0.04, 4.45, 72.25, 86.45, 100, 1234.56]
    shares = [0, 0.004, 0.456, 2 / 3, 1]
    for _round in range(2):
        for code in ("en", "fr", "ar", "zh", "ru", "es"):
            with six.test_request_context(), force_locale(code):
                locale = get_locale()
                decimal = with_decimals(locale.decimal_formats[None].pattern, 1)
                percent = with_decimals(locale.percent_formats[None].pattern, 0)
                assert [score_text(value) for value in values] == [
                    numbers.format_decimal(rounded_score(value), format=decimal, locale=locale)
                    for value in values]
                assert [percent_text(share) for share in shares] == [
                    numbers.format_percent(Decimal(whole_percent(share)) / 100,
                                           format=percent, locale=locale)
                    for share in shares]


def test_flask_babels_own_filters_are_not_offered(six):
    # Every page formats through the presentation module, so one score reads the same.
    for name in ("decimalformat", "percentformat", "dateformat", "datetimeformat"):
        assert name not in six.jinja_env.filters


# --- Catalog loading --------------------------------------------------------------------


def _one_message_catalogs(folder: Path, translation: str) -> Path:
    for domain in catalogs.DOMAINS:
        catalog = Catalog(locale="fr", domain=domain)
        if domain == "messages":
            catalog.add("Sign in", translation)
        path = catalogs.catalog_path("fr", domain, folder)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(catalogs.render_po(catalog, domain=domain), encoding="utf-8")
    catalogs.compile_catalogs(folder)
    return folder


def test_each_app_reads_its_own_translations_folder(tmp_path):
    apps = []
    for name, translation in (("a", "Connexion"), ("b", "Entrer")):
        folder = _one_message_catalogs(tmp_path / name, translation)
        # No database work here: plain apps, so no two test transactions compete.
        apps.append(create_app({"env": "testing", "instance_path": str(tmp_path / "instance"),
                                "database_url": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
                                "secret_key": "test", "translations_dir": str(folder),
                                "locales": ("en", "fr")}))
    try:
        for app, expected in ((apps[0], "Connexion"), (apps[1], "Entrer"),
                              (apps[0], "Connexion")):
            with app.test_request_context("/?lang=fr"):
                assert gettext("Sign in") == expected
    finally:
        for app in apps:
            get_database(app).dispose()


def test_language_name_filter(six):
    template = six.jinja_env.from_string("{{ code|language_name }}")
    with six.test_request_context():
        assert [template.render(code=code) for code in ("ar", "zh", None, "xx_QQ")] == [
            "العربية", "中文", "", "xx_QQ"]


def test_translate_in_templates_leaves_percent_signs_alone(app) -> None:
    from flask import render_template_string

    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        rendered = render_template_string("{{ translate(text) }}", text="5 % to 15 % of air")
    assert rendered == "5 % to 15 % of air"


def test_machine_datetimes_are_valid_html_in_utc_to_the_second(six):
    template = six.jinja_env.from_string(
        "{{ naive|machine_datetime }}|{{ aware|machine_datetime }}|{{ day|machine_datetime }}|"
        "{{ none|machine_datetime }}")
    paris = dt.timezone(dt.timedelta(hours=1))
    with six.test_request_context(), force_locale("ar"):
        rendered = template.render(naive=dt.datetime(2025, 3, 5, 14, 2, 9, 123456),
                                   aware=dt.datetime(2025, 3, 5, 15, 2, 9, 999999, tzinfo=paris),
                                   day=dt.date(2025, 3, 5), none=None)
    assert rendered.split("|") == ["2025-03-05T14:02:09Z", "2025-03-05T14:02:09Z",
                                   "2025-03-05", ""]


def test_each_request_gets_its_locale_parsed_once_per_process(app: Flask) -> None:
    chosen = []
    for tag in ("ar", "fr", "ar", "zh"):
        with app.test_request_context(f"/?lang={tag}"):
            chosen.append(get_locale())
    assert [str(locale) for locale in chosen] == ["ar", "fr", "ar", "zh"]
    assert chosen[0] is chosen[2] and chosen[0].text_direction == "rtl"
    with app.test_request_context("/", headers={"Accept-Language": "es-ES,es;q=0.9"}):
        assert str(get_locale()) == "es"
