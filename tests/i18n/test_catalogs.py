"""The catalogs as a build gate, and the catalog tooling itself.

The gates: the committed templates match a fresh extraction, every catalog compiles
(Babel's checks, our placeholder rules and ``msgfmt --check-format``), and every locale
listed in :data:`COMPLETE_LOCALES` is 100 % translated in both domains, without fuzzy
entries, in step with the templates.
"""

from __future__ import annotations

import difflib
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from ppp_assess.config import UN_LOCALES
from ppp_assess.i18n import catalogs
from ppp_assess.i18n.placeholders import placeholder_problems

#: Languages whose translation is finished. A language joins this list the day its
#: catalogs pass `flask --app wsgi translations check --locale CODE`; from then on any
#: untranslated, fuzzy or stale message in it fails the build (see docs/translating.md).
COMPLETE_LOCALES: list[str] = ["fr", "ru", "es", "ar", "zh"]

#: Every language the platform ships besides the source language, English.
TARGET_LOCALES = [code for code in UN_LOCALES if code != catalogs.SOURCE_LOCALE]

COMMITTED_CATALOGS = sorted(catalogs.TRANSLATIONS_DIR.glob("*/LC_MESSAGES/*.po"))


def _catalog_id(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.stem}"


# --- Gates on the committed files ------------------------------------------------------


@pytest.mark.parametrize("domain", catalogs.DOMAINS)
def test_committed_template_matches_a_fresh_extraction(domain: str) -> None:
    committed = catalogs.template_path(domain).read_text(encoding="utf-8")
    fresh = catalogs.render_template_text(domain)
    if committed != fresh:
        diff = "".join(list(difflib.unified_diff(
            committed.splitlines(keepends=True), fresh.splitlines(keepends=True),
            f"committed {domain}.pot", f"extracted {domain}.pot", n=1))[:60])
        pytest.fail(f"translations/{domain}.pot is stale: run "
                    f"`flask --app wsgi translations extract` and commit it.\n{diff}")


@pytest.mark.parametrize("locale", TARGET_LOCALES)
@pytest.mark.parametrize("domain", catalogs.DOMAINS)
def test_every_language_has_its_catalogs(locale: str, domain: str) -> None:
    assert catalogs.catalog_path(locale, domain).is_file(), (
        f"run `flask --app wsgi translations update --locale {locale}`")


def test_no_catalog_for_the_source_language() -> None:
    assert not (catalogs.TRANSLATIONS_DIR / catalogs.SOURCE_LOCALE).exists()


@pytest.mark.parametrize("path", COMMITTED_CATALOGS, ids=_catalog_id)
def test_every_catalog_compiles(path: Path) -> None:
    catalog = catalogs.read_catalog(path, path.parent.parent.name)
    problems = catalogs.catalog_problems(catalog, path)
    assert not problems, "\n".join(str(problem) for problem in problems)


@pytest.mark.skipif(shutil.which("msgfmt") is None,
                    reason="msgfmt (Debian package gettext) is not installed")
@pytest.mark.parametrize("path", COMMITTED_CATALOGS, ids=_catalog_id)
def test_every_catalog_passes_msgfmt(path: Path) -> None:
    result = subprocess.run(["msgfmt", "--check-format", "-o", "/dev/null", str(path)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_complete_locales_are_languages_we_ship() -> None:
    assert set(COMPLETE_LOCALES) <= set(TARGET_LOCALES)


@pytest.mark.parametrize("locale", COMPLETE_LOCALES)
def test_complete_locale_is_complete(locale: str) -> None:
    problems = catalogs.check(only=[locale], details=20)
    assert not problems, (
        f"{locale} is listed as complete but:\n" + "\n".join(str(p) for p in problems))


# --- The tooling, on scratch folders ----------------------------------------------------

TEMPLATE = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"

#, python-format
msgid "%(count)s answers saved"
msgstr ""

msgid "Approve"
msgstr ""

#, python-format
msgid "%(num)s question"
msgid_plural "%(num)s questions"
msgstr[0] ""
msgstr[1] ""

msgid "Hello {name}"
msgstr ""
"""


def _folder(tmp_path: Path, template: str = TEMPLATE,
            questionnaires: str = 'msgid ""\nmsgstr ""\n') -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "messages.pot").write_text(template, encoding="utf-8")
    (tmp_path / "questionnaires.pot").write_text(questionnaires, encoding="utf-8")
    return tmp_path


def _load(path: Path, locale: str) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _translate(path: Path, locale: str, strings: dict[str, str | tuple[str, ...]]) -> None:
    catalog = _load(path, locale)
    for msgid, string in strings.items():
        message = catalog.get(msgid)
        assert message is not None, msgid
        message.string = string
    path.write_text(catalogs.render_po(catalog, domain=path.stem), encoding="utf-8")


def test_extraction_is_stable(tmp_path: Path) -> None:
    first = catalogs.extract(tmp_path)
    texts = {path: path.read_text(encoding="utf-8") for path, _changed in first}
    second = catalogs.extract(tmp_path)
    assert all(changed for _path, changed in first)
    assert not any(changed for _path, changed in second)
    assert {path: path.read_text(encoding="utf-8") for path, _ in second} == texts
    for text in texts.values():
        assert "POT-Creation-Date" not in text and "Generated-By" not in text
        # Files are named, lines are not: moving code inside a file changes nothing.
        assert re.search(r"^#: .*:\d+", text, flags=re.MULTILINE) is None


def test_update_creates_catalogs_without_guesses_and_keeps_translations(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    catalogs.update(["fr"], folder)
    path = catalogs.catalog_path("fr", "messages", folder)
    assert not any(message.fuzzy for message in _load(path, "fr"))
    _translate(path, "fr", {"Approve": "Approuver"})
    # The source of one message changes slightly, another is removed: nothing turns fuzzy
    # (Babel would otherwise guess "%(count)s answers saved" for the new text).
    changed = TEMPLATE.replace("%(count)s answers saved", "%(count)s answers were saved")
    changed = changed.replace('msgid "Hello {name}"\nmsgstr ""\n', "")
    (folder / "messages.pot").write_text(changed, encoding="utf-8")
    _translate(path, "fr", {"%(count)s answers saved": "%(count)s réponses enregistrées"})
    catalogs.update((), folder)
    catalog = _load(path, "fr")
    assert not any(message.fuzzy for message in catalog)
    assert catalog.get("Approve").string == "Approuver"
    assert catalog.get("%(count)s answers were saved").string == ""
    assert catalog.get("Hello {name}") is None
    assert "#~" not in path.read_text(encoding="utf-8")  # no obsolete entries kept


def test_update_does_not_turn_a_message_that_became_plural_fuzzy(tmp_path: Path) -> None:
    folder = _folder(tmp_path, 'msgid ""\nmsgstr ""\n\nmsgid "%(num)s file"\nmsgstr ""\n')
    catalogs.update(["ru"], folder)
    path = catalogs.catalog_path("ru", "messages", folder)
    _translate(path, "ru", {"%(num)s file": "%(num)s файл"})
    (folder / "messages.pot").write_text(
        'msgid ""\nmsgstr ""\n\n#, python-format\nmsgid "%(num)s file"\n'
        'msgid_plural "%(num)s files"\nmsgstr[0] ""\nmsgstr[1] ""\n', encoding="utf-8")
    catalogs.update((), folder)
    message = _load(path, "ru").get("%(num)s file")
    assert not message.fuzzy
    assert message.string == ("", "", "")


def test_update_refuses_english_and_unknown_codes(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    with pytest.raises(catalogs.CatalogError, match="source language"):
        catalogs.update(["en"], folder)
    with pytest.raises(catalogs.CatalogError, match="Unknown locale"):
        catalogs.update(["xx_QQ"], folder)


def test_updated_catalog_is_written_stably(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    first = catalogs.update(["ar"], folder)
    second = catalogs.update((), folder)
    assert all(changed for _path, changed in first)
    assert not any(changed for _path, changed in second)
    text = catalogs.catalog_path("ar", "messages", folder).read_text(encoding="utf-8")
    assert "nplurals=6" in text and "PO-Revision-Date" not in text


def _ready(tmp_path: Path, locale: str, strings: dict[str, str | tuple[str, ...]]) -> Path:
    folder = _folder(tmp_path)
    catalogs.update([locale], folder)
    _translate(catalogs.catalog_path(locale, "messages", folder), locale, strings)
    return folder


FRENCH = {
    "%(count)s answers saved": "%(count)s réponses enregistrées",
    "Approve": "Approuver",
    "%(num)s question": ("%(num)s question", "%(num)s de questions", "%(num)s questions"),
    "Hello {name}": "Bonjour {name}",
}


def test_a_complete_catalog_passes_check_and_compiles(tmp_path: Path) -> None:
    folder = _ready(tmp_path, "fr", FRENCH)
    assert catalogs.check(folder) == []
    written = catalogs.compile_catalogs(folder)
    assert {path.name for path in written} == {"messages.mo", "questionnaires.mo"}
    entry = next(s for s in catalogs.status(folder) if s.domain == "messages")
    assert entry.complete and entry.percent == 100


@pytest.mark.parametrize(("msgid", "translation", "problem"), [
    ("%(count)s answers saved", "réponses enregistrées", "drops placeholders: %(count)s"),
    ("%(count)s answers saved", "%(nombre)s réponses", "does not have: %(nombre)s"),
    ("Hello {name}", "Bonjour {nom}", "does not have: {nom}"),
    ("Hello {name}", "Bonjour", "drops placeholders: {name}"),
    ("%(num)s question", ("%(num)s question", "questions", "%(num)s questions"),
     "form 1 drops placeholders: %(num)s"),
])
def test_placeholder_mismatches_fail_compile_and_check(tmp_path: Path, msgid: str,
                                                       translation: str | tuple[str, ...],
                                                       problem: str) -> None:
    folder = _ready(tmp_path, "fr", {**FRENCH, msgid: translation})
    with pytest.raises(catalogs.CatalogError, match=problem.replace("(", r"\(")
                       .replace(")", r"\)")):
        catalogs.compile_catalogs(folder)
    assert not list(folder.glob("*/LC_MESSAGES/*.mo")), "nothing is written on errors"
    assert any(problem in str(p) for p in catalogs.check(folder))


def test_untranslated_fuzzy_and_stale_catalogs_fail_check(tmp_path: Path) -> None:
    folder = _ready(tmp_path, "es", {"Approve": "Aprobar"})
    path = catalogs.catalog_path("es", "messages", folder)
    catalog = _load(path, "es")
    catalog.get("Hello {name}").string = "Hola {name}"
    catalog.get("Hello {name}").flags.add("fuzzy")
    path.write_text(catalogs.render_po(catalog, domain="messages"), encoding="utf-8")
    (folder / "messages.pot").write_text(TEMPLATE + '\nmsgid "New text"\nmsgstr ""\n',
                                         encoding="utf-8")
    problems = [str(problem) for problem in catalogs.check(folder)]
    assert any("2 untranslated" in text for text in problems), problems
    assert any("fuzzy" in text and "Hello {name}" in text for text in problems), problems
    assert any("out of date" in text and "1 missing" in text for text in problems), problems
    entry = next(s for s in catalogs.status(folder) if s.domain == "messages")
    assert not entry.complete
    assert (entry.total, entry.translated, entry.fuzzy, entry.missing) == (5, 1, 1, 1)


def test_percent_signs_in_texts_compile(tmp_path: Path) -> None:
    questionnaire_template = (
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "%"\nmsgstr ""\n\nmsgid "50%"\nmsgstr ""\n\n'
        'msgid "More than 50% of the budget"\nmsgstr ""\n')
    catalog = read_po(io.BytesIO(questionnaire_template.encode()))
    folder = _folder(tmp_path, questionnaires=catalogs.render_po(catalog,
                                                                 domain="questionnaires"))
    # The messages domain: a literal percent sign in a formatted message is "%%".
    (folder / "messages.pot").write_text(
        'msgid ""\nmsgstr ""\n\n#, python-format\nmsgid "%(share)s%% of answers"\nmsgstr ""\n',
        encoding="utf-8")
    catalogs.update(["fr", "zh"], folder)
    _translate(catalogs.catalog_path("fr", "questionnaires", folder), "fr", {
        "%": "%", "50%": "50 %", "More than 50% of the budget": "Plus de 50 % du budget"})
    _translate(catalogs.catalog_path("zh", "questionnaires", folder), "zh", {
        "%": "%", "50%": "50%", "More than 50% of the budget": "超过预算的50%"})
    _translate(catalogs.catalog_path("fr", "messages", folder), "fr",
               {"%(share)s%% of answers": "%(share)s %% des réponses"})
    _translate(catalogs.catalog_path("zh", "messages", folder), "zh",
               {"%(share)s%% of answers": "%(share)s%%的回答"})
    assert catalogs.check(folder) == []
    assert len(catalogs.compile_catalogs(folder)) == 4
    if shutil.which("msgfmt"):
        for path in folder.glob("*/LC_MESSAGES/*.po"):
            result = subprocess.run(["msgfmt", "--check-format", "-o", "/dev/null", str(path)],
                                    capture_output=True, text=True, check=False)
            assert result.returncode == 0, result.stderr


def test_forms_for_a_single_number_may_leave_the_count_out() -> None:
    arabic = Catalog(locale="ar")
    arabic.add(("%(num)s answer", "%(num)s answers"),
               ("لا إجابات", "إجابة واحدة", "إجابتان", "%(num)s إجابات", "%(num)s إجابة",
                "%(num)s إجابة"), flags=["python-format"])
    plural = catalogs._plural_function(arabic)
    assert list(placeholder_problems(arabic.get("%(num)s answer"), plural)) == []
    # Russian "one" covers 1, 21, 31...: the count must stay.
    russian = Catalog(locale="ru")
    russian.add(("%(num)s answer", "%(num)s answers"), ("один ответ", "%(num)s ответа",
                                                        "%(num)s ответов"),
                flags=["python-format"])
    problems = list(placeholder_problems(russian.get("%(num)s answer"),
                                         catalogs._plural_function(russian)))
    assert problems == ["form 0 drops placeholders: %(num)s"]


def test_cli_check_and_status_fail_on_incomplete_catalogs(make_app, tmp_path: Path) -> None:
    folder = _ready(tmp_path / "translations", "fr", {"Approve": "Approuver"})
    runner = make_app(translations_dir=str(folder), locales=("en",)).test_cli_runner()
    status = runner.invoke(args=["translations", "status"])
    assert status.exit_code == 1 and "INCOMPLETE" in status.output
    check = runner.invoke(args=["translations", "check", "--locale", "fr"])
    assert check.exit_code == 1 and "3 untranslated" in check.output
    _translate(catalogs.catalog_path("fr", "messages", folder), "fr", FRENCH)
    assert runner.invoke(args=["translations", "check"]).exit_code == 0
    assert runner.invoke(args=["translations", "status"]).exit_code == 0
    compiled = runner.invoke(args=["translations", "compile"])
    assert compiled.exit_code == 0 and "compiled 2 catalogs" in compiled.output


def test_cli_compile_reports_every_error(make_app, tmp_path: Path) -> None:
    folder = _ready(tmp_path / "translations", "fr", {
        **FRENCH, "Hello {name}": "Bonjour {nom}", "%(count)s answers saved": "réponses"})
    runner = make_app(translations_dir=str(folder), locales=("en",)).test_cli_runner()
    result = runner.invoke(args=["translations", "compile"])
    assert result.exit_code == 1
    assert "{nom}" in result.output and "%(count)s" in result.output


def test_commands_run_without_the_app(tmp_path: Path) -> None:
    """Production compiles before the app can start: ``python -m ppp_assess.i18n``."""
    folder = _folder(tmp_path / "translations")
    environment = {**os.environ, "PPP_ASSESS_TRANSLATIONS": str(folder),
                   "PPP_ASSESS_ENV": "production"}

    def run(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "ppp_assess.i18n", *arguments],
                              capture_output=True, text=True, check=False, env=environment)

    assert run("update", "--locale", "zh").returncode == 0
    _translate(catalogs.catalog_path("zh", "messages", folder), "zh", {
        "%(count)s answers saved": "已保存%(count)s个回答", "Approve": "批准",
        "%(num)s question": ("%(num)s个问题",), "Hello {name}": "你好，{name}"})
    compiled = run("compile")
    assert compiled.returncode == 0, compiled.stderr
    assert catalogs.catalog_path("zh", "messages", folder).with_suffix(".mo").is_file()
    assert run("check").returncode == 0
