"""A questionnaire as an XLSForm workbook, and an XLSForm workbook as a questionnaire.

The workbook is plain data here: sheet name -> rows of cells, the first row the column
names. The services read and write it with openpyxl.

Writing (:func:`build_xlsform`)
    ``survey``: one group per section, one row per question, ``choices``: one list per
    answer set and per question with its own options (a scale is a list of its points,
    with ``na`` when the question takes it), ``settings``: form id, title, version and
    default language. Texts go to ``label::English (en)``, ``hint::Français (fr)`` …
    columns, one per language. What XLSForm has no column for (scores, weights,
    critical flags, evidence, actions, references, levels, the questionnaire's id and
    version) goes to columns whose names start with ``ppp_``, which XLSForm tools
    ignore, and to the ``ppp_levels`` sheet.

Reading (:func:`read_xlsform`)
    Maps back what has an equivalent and lists, for everything else, the sheet, row,
    column and why in the :class:`Report`. The result is a questionnaire document (the
    shape of a questionnaire file) plus the translations found in the other language
    columns; whether it is a valid questionnaire is the loader's to say.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .relevant import RelevantError, from_relevant, to_relevant
from .schema import (
    NA,
    MultiChoiceScoring,
    Option,
    Question,
    Questionnaire,
    QuestionType,
)

#: A cell of a sheet.
Cell = str | int | float | None

#: The source language of questionnaire texts.
SOURCE_LANGUAGE = "en"

_SELECT_TYPES = {QuestionType.choice: "select_one", QuestionType.multi_choice: "select_multiple",
                 QuestionType.scale: "select_one"}
_PLAIN_TYPES = {QuestionType.number: "decimal", QuestionType.text: "text",
                QuestionType.date: "date"}
#: XLSForm types that carry no answer: skipped on import, with a line in the report.
_NOT_QUESTIONS = frozenset({
    "note", "calculate", "start", "end", "today", "deviceid", "subscriberid", "simserial",
    "phonenumber", "username", "email", "audit", "start-geopoint", "hidden",
})
_LANGUAGE_COLUMN = re.compile(r"^(?P<base>[a-z_]+)::(?P<language>.+)$")
_LANGUAGE_CODE = re.compile(r"\((?P<code>[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)\)\s*$")
_ID = re.compile(r"[^a-z0-9]+")
_VERSION = re.compile(r"^\d+\.\d+$")


@dataclass(frozen=True)
class Language:
    """A language of the workbook: its code and its name in itself."""

    code: str
    name: str

    @property
    def suffix(self) -> str:
        """The column suffix: ``English (en)``."""
        return f"{self.name} ({self.code})"


# --------------------------------------------------------------------------- writing


class _Texts:
    def __init__(self, languages: Sequence[Language],
                 translations: Mapping[str, Mapping[str, str]]) -> None:
        self.languages = languages
        self.translations = translations

    def columns(self, base: str) -> list[str]:
        return [f"{base}::{language.suffix}" for language in self.languages]

    def cells(self, msgid: str | None) -> list[Cell]:
        if msgid is None:
            return [None] * len(self.languages)
        return [msgid if language.code == SOURCE_LANGUAGE
                else self.translations.get(language.code, {}).get(msgid, msgid)
                for language in self.languages]


_SURVEY_PLAIN = ["type", "name"]
_SURVEY_AFTER = ["required", "relevant", "constraint", "ppp_type", "ppp_answer_set",
                 "ppp_weight", "ppp_scored", "ppp_critical", "ppp_evidence", "ppp_scoring",
                 "ppp_min", "ppp_max", "ppp_na", "ppp_bands", "ppp_max_length",
                 "ppp_basis_instrument", "ppp_basis_part", "ppp_basis_wording"]
_SURVEY_TEXTS = ["label", "hint", "ppp_description", "ppp_action", "ppp_reference",
                 "ppp_unit", "ppp_min_label", "ppp_max_label"]


def build_xlsform(questionnaire: Questionnaire, languages: Sequence[Language],
                  translations: Mapping[str, Mapping[str, str]],
                  not_applicable: Mapping[str, str]) -> dict[str, list[list[Cell]]]:
    """Return the XLSForm workbook of a questionnaire, sheet by sheet.

    :param questionnaire: the questionnaire version.
    :param languages: the languages to write, English first.
    :param translations: language code -> msgid -> translation (English needs none; a
        missing translation is written in English).
    :param not_applicable: language code -> the label of a scale's "not applicable" point.
    :return: sheet name -> rows, the column names first.
    """
    texts = _Texts(languages, translations)
    types = {question.id: question.type for question in questionnaire.all_questions()}
    header: list[str] = list(_SURVEY_PLAIN)
    for base in _SURVEY_TEXTS:
        header += texts.columns(base)
    header += _SURVEY_AFTER
    survey: list[list[Cell]] = [list(header)]
    for section in questionnaire.sections:
        group: dict[str, Cell] = {"type": "begin_group", "name": section.id,
                                  "ppp_weight": section.weight}
        # Section conditions, context questions, exclusive options and the basis come
        # with version 2.0 of the format; files and models without them are read as before.
        section_condition = getattr(section, "show_if", None)
        if section_condition is not None:
            group["relevant"] = to_relevant(section_condition, types)
        survey.append(_row(header, texts, group,
                           {"label": section.title, "ppp_description": section.description}))
        for question in section.questions:
            survey.append(_question_row(header, texts, question, types))
        survey.append(_row(header, texts, {"type": "end_group", "name": section.id}, {}))
    choices = _choices(questionnaire, texts, not_applicable)
    return {
        "survey": survey,
        "choices": choices,
        "settings": _settings(questionnaire, texts),
        "ppp_levels": _levels(questionnaire, texts),
    }


def _row(header: Sequence[str], texts: _Texts, plain: Mapping[str, Cell],
         translated: Mapping[str, str | None]) -> list[Cell]:
    values: dict[str, Cell] = dict(plain)
    for base, msgid in translated.items():
        for column, cell in zip(texts.columns(base), texts.cells(msgid), strict=True):
            values[column] = cell
    return [values.get(column) for column in header]


def _yes(flag: bool) -> str | None:
    return "yes" if flag else None


def _question_row(header: Sequence[str], texts: _Texts, question: Question,
                  types: Mapping[str, QuestionType]) -> list[Cell]:
    context = bool(getattr(question, "context", False))
    plain: dict[str, Cell] = {
        "name": question.id,
        "required": _yes(question.required),
        "ppp_weight": None if context else question.weight,
        "ppp_scored": "no" if context else None,
        "ppp_critical": _yes(question.critical),
        "ppp_evidence": question.evidence.value,
    }
    basis = getattr(question, "basis", None)
    if basis is not None:
        plain["ppp_basis_instrument"] = basis.instrument
        plain["ppp_basis_part"] = basis.part
        plain["ppp_basis_wording"] = str(basis.wording)
    if question.show_if is not None:
        plain["relevant"] = to_relevant(question.show_if, types)
    translated: dict[str, str | None] = {"label": question.text, "hint": question.guidance,
                                         "ppp_action": question.action,
                                         "ppp_reference": question.reference}
    if question.type in (QuestionType.choice, QuestionType.multi_choice):
        plain["type"] = f"{_SELECT_TYPES[question.type]} {_list_name(question)}"
        plain["ppp_answer_set"] = question.answer_set
        if question.type is QuestionType.multi_choice:
            plain["ppp_scoring"] = question.multi_scoring.value
            alone = [option.value for option in question.options
                     if (option.score is None and question.scored)
                     or getattr(option, "exclusive", False)]
            if alone:
                tests = " or ".join(f"selected(., '{value}')" for value in alone)
                plain["constraint"] = f"not({tests}) or count-selected(.) = 1"
    elif question.type is QuestionType.scale:
        assert question.scale is not None
        plain["type"] = f"select_one {question.id}"
        plain["ppp_type"] = QuestionType.scale.value
        plain["ppp_min"] = question.scale.min
        plain["ppp_max"] = question.scale.max
        plain["ppp_na"] = _yes(question.na)
        translated["ppp_min_label"] = question.scale.min_label
        translated["ppp_max_label"] = question.scale.max_label
    else:
        plain["type"] = _PLAIN_TYPES[question.type]
    if question.type is QuestionType.number:
        plain["ppp_min"] = question.minimum
        plain["ppp_max"] = question.maximum
        plain["ppp_na"] = _yes(question.na)
        plain["ppp_bands"] = "; ".join(f"{_plain_number(band.min)}: {_plain_number(band.score)}"
                                       for band in question.bands) or None
        translated["ppp_unit"] = question.unit
        bounds = ([f". >= {_plain_number(question.minimum)}"] if question.minimum is not None
                  else []) + ([f". <= {_plain_number(question.maximum)}"]
                              if question.maximum is not None else [])
        plain["constraint"] = " and ".join(bounds) or None
    if question.type is QuestionType.text:
        plain["ppp_max_length"] = question.max_length
        plain["constraint"] = f"string-length(.) <= {question.max_length}"
    return _row(header, texts, plain, translated)


def _plain_number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _list_name(question: Question) -> str:
    return question.answer_set or question.id


def _score_cell(option: Option, scored: bool) -> Cell:
    if not scored:
        return None
    return "null" if option.score is None else option.score


def _choices(questionnaire: Questionnaire, texts: _Texts,
             not_applicable: Mapping[str, str]) -> list[list[Cell]]:
    header: list[Cell] = ["list_name", "name", *texts.columns("label"), "ppp_score",
                          "ppp_exclusive"]
    rows: list[list[Cell]] = [header]

    def option_rows(list_name: str, options: Sequence[Option]) -> None:
        scored = any(option.score is not None for option in options)
        for option in options:
            rows.append([list_name, option.value, *texts.cells(option.label),
                         _score_cell(option, scored),
                         _yes(bool(getattr(option, "exclusive", False)))])

    for name, options in questionnaire.answer_sets.items():
        option_rows(name, options)
    for question in questionnaire.all_questions():
        if question.type in (QuestionType.choice, QuestionType.multi_choice):
            if question.answer_set is None:
                option_rows(question.id, question.options)
        elif question.type is QuestionType.scale:
            assert question.scale is not None
            for point in range(question.scale.min, question.scale.max + 1):
                end = (question.scale.min_label if point == question.scale.min
                       else question.scale.max_label if point == question.scale.max else None)
                labels = texts.cells(end)
                rows.append([question.id, str(point),
                             *(str(point) if label is None else f"{point} – {label}"
                               for label in labels), None, None])
            if question.na:
                rows.append([question.id, NA,
                             *(not_applicable.get(language.code, "Not applicable")
                               for language in texts.languages), None, None])
    return rows


def _settings(questionnaire: Questionnaire, texts: _Texts) -> list[list[Cell]]:
    default = texts.languages[0].suffix
    header: list[Cell] = [
        "form_title", "form_id", "version", "default_language", "ppp_questionnaire_id",
        "ppp_version", "ppp_subject", *texts.columns("ppp_title"),
        *texts.columns("ppp_description"), "ppp_source_title", "ppp_source_symbol",
        "ppp_source_year", "ppp_critical_cap", "ppp_evidence_threshold"]
    row: list[Cell] = [
        questionnaire.title, questionnaire.id, questionnaire.version, default,
        questionnaire.id, questionnaire.version, questionnaire.subject.value,
        *texts.cells(questionnaire.title), *texts.cells(questionnaire.description),
        questionnaire.source.title, questionnaire.source.symbol, questionnaire.source.year,
        questionnaire.critical_cap, questionnaire.evidence_threshold,
    ]
    return [header, row]


def _levels(questionnaire: Questionnaire, texts: _Texts) -> list[list[Cell]]:
    header: list[Cell] = ["id", "min", *texts.columns("label"), *texts.columns("description")]
    rows: list[list[Cell]] = [header]
    for level in questionnaire.levels:
        rows.append([level.id, level.min, *texts.cells(level.label),
                     *texts.cells(level.description)])
    return rows


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class ReportLine:
    """Something of the workbook that was not mapped, or mapped with a default."""

    sheet: str
    #: 1-based spreadsheet row; 0 for the sheet as a whole.
    row: int
    column: str
    why: str

    def __str__(self) -> str:
        where = f"{self.sheet}" + (f" row {self.row}" if self.row else "")
        return f"{where}" + (f", column {self.column}" if self.column else "") + f": {self.why}"


@dataclass
class XlsformImport:
    """What reading an XLSForm gave."""

    #: The questionnaire document, shaped like a questionnaire file.
    document: dict[str, Any]
    #: Language code -> English msgid -> translation, from the other language columns.
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    report: list[ReportLine] = field(default_factory=list)


#: A sheet as read: (1-based row number, column name -> cell) for every non-empty row.
SheetRows = list[tuple[int, dict[str, Cell]]]


def _text(cell: Cell) -> str | None:
    if cell is None:
        return None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = str(cell).strip()
    return text or None


def _flag(cell: Cell) -> bool:
    return (_text(cell) or "").lower() in {"yes", "true", "true()", "1"}


def _float(cell: Cell) -> float | None:
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return float(cell)
    text = _text(cell)
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _tidy(number: float) -> int | float:
    return int(number) if number.is_integer() else number


class _Reader:
    def __init__(self, sheets: Mapping[str, SheetRows]) -> None:
        self.sheets = sheets
        self.report: list[ReportLine] = []
        self.translations: dict[str, dict[str, str]] = {}
        self.languages: dict[str, str] = {}  # column suffix -> code
        self.source_suffix: str | None = None
        #: Whether the workbook was written by :func:`build_xlsform` (its constraints are
        #: derived from the ``ppp_`` columns, which are read instead).
        self.ours = False
        #: The rows of every choice list, to record their translations once a question
        #: uses the list as options (a scale's points are no texts of the questionnaire).
        self.choice_rows: dict[str, list[tuple[int, dict[str, Cell]]]] = {}
        self.recorded: set[str] = set()

    def record_list(self, list_name: str) -> None:
        if list_name in self.recorded:
            return
        self.recorded.add(list_name)
        for number, row in self.choice_rows.get(list_name, []):
            self.text("choices", number, row, "label")

    def note(self, sheet: str, row: int, column: str, why: str) -> None:
        self.report.append(ReportLine(sheet, row, column, why))

    def find_languages(self, default_language: str | None) -> None:
        suffixes: list[str] = []
        for rows in self.sheets.values():
            for _, row in rows:
                for column in row:
                    match = _LANGUAGE_COLUMN.match(column)
                    if match and match["language"] not in suffixes:
                        suffixes.append(match["language"])
        for suffix in suffixes:
            code = _LANGUAGE_CODE.search(suffix)
            self.languages[suffix] = code["code"].lower() if code else suffix.lower()
        english = [suffix for suffix, code in self.languages.items() if code == SOURCE_LANGUAGE]
        if english:
            self.source_suffix = english[0]
        elif default_language in self.languages:
            self.source_suffix = default_language
        elif self.languages:
            self.source_suffix = next(iter(self.languages))
        if self.source_suffix and self.languages[self.source_suffix] != SOURCE_LANGUAGE:
            self.note("settings", 0, "default_language",
                      f"no English column: the texts of {self.source_suffix} are the source "
                      "texts")

    def text(self, sheet: str, number: int, row: Mapping[str, Cell], base: str, *,
             record: bool = True) -> str | None:
        """Return the source text of a translated column and record its translations."""
        source = _text(row.get(f"{base}::{self.source_suffix}")) if self.source_suffix else None
        if source is None:
            source = _text(row.get(base))
        if source is None or not record:
            return source
        for suffix, code in self.languages.items():
            if suffix == self.source_suffix:
                continue
            translated = _text(row.get(f"{base}::{suffix}"))
            if translated is not None:
                self.translations.setdefault(code, {})[source] = translated
        return source


def _sheet(sheets: Mapping[str, SheetRows], name: str) -> SheetRows:
    return sheets.get(name, [])


def read_xlsform(sheets: Mapping[str, SheetRows]) -> XlsformImport:
    """Return the questionnaire document that an XLSForm workbook describes.

    :param sheets: sheet name (lower case) -> its non-empty rows.
    :return: the document, the translations and the report of what was not mapped.
    """
    reader = _Reader(sheets)
    settings_rows = _sheet(sheets, "settings")
    settings = settings_rows[0][1] if settings_rows else {}
    reader.ours = _text(settings.get("ppp_questionnaire_id")) is not None
    reader.find_languages(_text(settings.get("default_language")))
    document: dict[str, Any] = _header(reader, settings)
    choices = _read_choices(reader)
    sections, used_lists = _read_survey(reader, choices, str(document["id"]))
    answer_sets = {name: options for name, options in choices.items()
                   if name in used_lists.get("sets", set())}
    if answer_sets:
        document["answer_sets"] = answer_sets
    document["sections"] = sections
    if not sections:
        reader.note("survey", 0, "", "no question could be mapped")
    return XlsformImport(document=document, translations=reader.translations,
                         report=reader.report)


def _header(reader: _Reader, settings: Mapping[str, Cell]) -> dict[str, Any]:
    title = reader.text("settings", 2, settings, "ppp_title") or _text(settings.get("form_title"))
    form_id = _text(settings.get("ppp_questionnaire_id")) or _text(settings.get("form_id"))
    slug = _ID.sub("-", (form_id or title or "imported-form").lower()).strip("-")
    if form_id != slug:
        reader.note("settings", 2, "form_id", f"the id is written {slug!r}")
    version = _text(settings.get("ppp_version")) or _text(settings.get("version"))
    if version is None or not _VERSION.match(version):
        reader.note("settings", 2, "version",
                    f"{version!r} is not MAJOR.MINOR: the version is written 1.0")
        version = "1.0"
    subject = _text(settings.get("ppp_subject"))
    if subject not in ("organisation", "project"):
        reader.note("settings", 2, "ppp_subject",
                    "no subject: the questionnaire is written about an organisation")
        subject = "organisation"
    document: dict[str, Any] = {"id": slug, "version": version, "subject": subject,
                                "title": title or slug}
    description = reader.text("settings", 2, settings, "ppp_description")
    if description:
        document["description"] = description
    source: dict[str, Any] = {"title": _text(settings.get("ppp_source_title")) or title or slug}
    if settings.get("ppp_source_title") is None:
        reader.note("settings", 2, "ppp_source_title",
                    "no source instrument: the form's title is written as the source")
    if _text(settings.get("ppp_source_symbol")):
        source["symbol"] = _text(settings.get("ppp_source_symbol"))
    if _float(settings.get("ppp_source_year")) is not None:
        source["year"] = int(_float(settings.get("ppp_source_year")) or 0)
    document["source"] = source
    levels = []
    for number, row in _sheet(reader.sheets, "ppp_levels"):
        level: dict[str, Any] = {"id": _text(row.get("id")), "min": _tidy(_float(row.get("min"))
                                                                           or 0.0),
                                 "label": reader.text("ppp_levels", number, row, "label")}
        description = reader.text("ppp_levels", number, row, "description")
        if description:
            level["description"] = description
        levels.append(level)
    if not levels:
        reader.note("ppp_levels", 0, "", "no levels: the four standard levels are written")
        levels = [{"id": "exemplary", "min": 85, "label": "Exemplary"},
                  {"id": "advanced", "min": 65, "label": "Advanced"},
                  {"id": "developing", "min": 40, "label": "Developing"},
                  {"id": "initial", "min": 0, "label": "Initial"}]
    scoring: dict[str, Any] = {"levels": levels}
    cap = _text(settings.get("ppp_critical_cap"))
    scoring["critical_cap"] = cap or (levels[1]["id"] if len(levels) > 1 else levels[0]["id"])
    threshold = _float(settings.get("ppp_evidence_threshold"))
    if threshold is not None and threshold != 0.5:
        scoring["evidence_threshold"] = threshold
    document["scoring"] = scoring
    return document


def _read_choices(reader: _Reader) -> dict[str, list[dict[str, Any]]]:
    lists: dict[str, list[dict[str, Any]]] = {}
    for number, row in _sheet(reader.sheets, "choices"):
        list_name = _text(row.get("list_name"))
        value = _text(row.get("name"))
        if list_name is None or value is None:
            reader.note("choices", number, "name" if list_name else "list_name",
                        "a choice needs a list name and a name")
            continue
        reader.choice_rows.setdefault(list_name, []).append((number, row))
        option: dict[str, Any] = {"value": value, "label": reader.text(
            "choices", number, row, "label", record=False) or value}
        score = _text(row.get("ppp_score"))
        if score is not None:
            try:
                option["score"] = None if score == "null" else _tidy(float(score))
            except ValueError:
                reader.note("choices", number, "ppp_score", f"{score!r} is not a number")
        if _flag(row.get("ppp_exclusive")):
            option["exclusive"] = True
        lists.setdefault(list_name, []).append(option)
    return lists


def _read_survey(reader: _Reader, choices: Mapping[str, list[dict[str, Any]]],
                 form_id: str) -> tuple[list[dict[str, Any]], dict[str, set[str]]]:
    sections: list[dict[str, Any]] = []
    types: dict[str, QuestionType] = {}
    used: dict[str, set[str]] = {"sets": set()}
    list_uses: dict[str, int] = {}
    for _, row in _sheet(reader.sheets, "survey"):
        parts = (_text(row.get("type")) or "").split()
        if len(parts) == 2 and parts[0] in ("select_one", "select_multiple"):
            list_uses[parts[1]] = list_uses.get(parts[1], 0) + 1
    depth = 0
    skipping = 0
    current: dict[str, Any] | None = None
    for number, row in _sheet(reader.sheets, "survey"):
        raw_type = _text(row.get("type")) or ""
        lowered = " ".join(raw_type.lower().split())
        if lowered in ("begin group", "end group", "begin repeat", "end repeat"):
            kind = lowered.replace(" ", "_")
        else:
            kind = lowered.split(" ")[0] if lowered else ""
        name = _text(row.get("name"))
        if kind == "begin_repeat":
            skipping += 1
            reader.note("survey", number, "type", "repeats have no equivalent: the repeat and "
                        "its questions are left out")
            continue
        if kind == "end_repeat":
            skipping = max(0, skipping - 1)
            continue
        if skipping:
            continue
        if kind == "begin_group":
            depth += 1
            if depth > 1:
                reader.note("survey", number, "type", "a group inside a group has no "
                            "equivalent: its questions join the enclosing section")
                continue
            section: dict[str, Any] = {
                "id": _ID.sub("-", (name or f"section-{len(sections) + 1}").lower()).strip("-"),
                "title": reader.text("survey", number, row, "label") or name or "Section"}
            description = reader.text("survey", number, row, "ppp_description")
            if description:
                section["description"] = description
            weight = _float(row.get("ppp_weight"))
            if weight is not None:
                section["weight"] = _tidy(weight)
            relevant = _text(row.get("relevant"))
            if relevant:
                try:
                    section["show_if"] = from_relevant(relevant, types)
                except RelevantError as error:
                    reader.note("survey", number, "relevant",
                                f"{error}: the section is always shown")
            section["questions"] = []
            sections.append(section)
            current = section
            continue
        if kind == "end_group":
            depth = max(0, depth - 1)
            if depth == 0:
                current = None
            continue
        if not kind:
            if name:
                reader.note("survey", number, "type", "no type: the row is left out")
            continue
        if kind in _NOT_QUESTIONS:
            reader.note("survey", number, "type", f"{kind} is not a question: left out")
            continue
        question = _read_question(reader, number, row, kind, raw_type, choices, list_uses,
                                  types, used, form_id)
        if question is None:
            continue
        if current is None:
            current = {"id": "general", "title": "General", "questions": []}
            sections.append(current)
            reader.note("survey", number, "", "questions outside a group are put in a "
                        "section 'general'")
        current["questions"].append(question)
        types[question["id"]] = QuestionType(question["type"])
    return [section for section in sections if section["questions"]], used


def _read_question(reader: _Reader, number: int, row: Mapping[str, Cell], kind: str,
                   raw_type: str, choices: Mapping[str, list[dict[str, Any]]],
                   list_uses: Mapping[str, int], types: Mapping[str, QuestionType],
                   used: dict[str, set[str]], form_id: str) -> dict[str, Any] | None:
    name = _text(row.get("name"))
    if name is None:
        reader.note("survey", number, "name", "a question needs a name: the row is left out")
        return None
    qid = _ID.sub("-", name.lower()).strip("-")
    if qid != name:
        reader.note("survey", number, "name", f"the name is written {qid!r}")
    ours = _text(row.get("ppp_type"))
    question: dict[str, Any] = {"id": qid}
    if kind in ("select_one", "select_multiple") or kind.startswith("select_one_") or \
            kind.startswith("select_multiple_"):
        parts = raw_type.split()
        if len(parts) != 2 or parts[1] not in choices:
            reader.note("survey", number, "type",
                        f"{raw_type!r}: the choice list is missing or not supported")
            return None
        list_name = parts[1]
        if ours == "scale" and kind == "select_one":
            question["type"] = "scale"
            values = [option["value"] for option in choices[list_name]
                      if option["value"] != NA]
            try:
                points = [int(value) for value in values]
            except ValueError:
                points = []
            if not points:
                reader.note("survey", number, "type", "a scale's choices must be whole numbers")
                return None
            scale: dict[str, Any] = {"min": int(_float(row.get("ppp_min")) or min(points)),
                                     "max": int(_float(row.get("ppp_max")) or max(points))}
            for end in ("min_label", "max_label"):
                label = reader.text("survey", number, row, f"ppp_{end}")
                if label:
                    scale[end] = label
            question["scale"] = scale
        else:
            question["type"] = "choice" if kind == "select_one" else "multi_choice"
            reader.record_list(list_name)
            answer_set = _text(row.get("ppp_answer_set"))
            if answer_set is None and list_uses.get(list_name, 0) > 1:
                answer_set = list_name
            if answer_set is not None:
                question["answers"] = answer_set
                used["sets"].add(answer_set)
            else:
                question["options"] = [dict(option) for option in choices[list_name]]
        if kind != "select_one" and kind != "select_multiple":
            reader.note("survey", number, "type", f"{kind}: read as a plain choice list")
    elif kind in ("integer", "decimal"):
        question["type"] = "number"
    elif kind == "range":
        question["type"] = "scale"
        parameters = dict(part.split("=", 1) for part in (_text(row.get("parameters")) or
                                                          "").split() if "=" in part)
        try:
            question["scale"] = {"min": int(parameters.get("start", "0")),
                                 "max": int(parameters.get("end", "10"))}
        except ValueError:
            reader.note("survey", number, "parameters", "a range needs whole numbers")
            return None
        if parameters.get("step", "1") != "1":
            reader.note("survey", number, "parameters", "a step other than 1 has no "
                        "equivalent: every whole number is allowed")
    elif kind == "text":
        question["type"] = "text"
    elif kind == "date":
        question["type"] = "date"
    else:
        reader.note("survey", number, "type", f"the type {raw_type!r} has no equivalent: "
                    "the row is left out")
        return None
    text = reader.text("survey", number, row, "label")
    if text is None:
        reader.note("survey", number, "label", "no label: the name is written as the text")
    question["text"] = text or name
    guidance = reader.text("survey", number, row, "hint")
    if guidance:
        question["guidance"] = guidance
    _read_type_keys(reader, number, row, question)
    weight = _float(row.get("ppp_weight"))
    if (_text(row.get("ppp_scored")) or "").lower() in ("no", "false"):
        question["scored"] = False
    elif weight is not None:
        question["weight"] = _tidy(weight)
    question["required"] = _flag(row.get("required"))
    if not question["required"] and _text(row.get("required")) not in (None, "no", "false",
                                                                       "false()"):
        reader.note("survey", number, "required", "only yes or no is read: not required")
    evidence = _text(row.get("ppp_evidence"))
    if evidence:
        question["evidence"] = evidence
    question["critical"] = _flag(row.get("ppp_critical"))
    relevant = _text(row.get("relevant"))
    if relevant:
        try:
            question["show_if"] = from_relevant(relevant, types)
        except RelevantError as error:
            reader.note("survey", number, "relevant", f"{error}: the question is always shown")
    action = reader.text("survey", number, row, "ppp_action")
    if action:
        question["action"] = action
    reference = reader.text("survey", number, row, "ppp_reference")
    if reference is None:
        reference = f"{form_id}, {name}"
        reader.note("survey", number, "ppp_reference",
                    f"no reference: written as {reference!r}")
    question["reference"] = reference
    basis = {key: _text(row.get(f"ppp_basis_{key}")) for key in ("instrument", "part",
                                                                 "wording")}
    if any(basis.values()):
        question["basis"] = basis
    for column in ("calculation", "choice_filter", "repeat_count", "trigger"):
        if _text(row.get(column)):
            reader.note("survey", number, column, "has no equivalent: ignored")
    if _text(row.get("constraint")) and not reader.ours and question["type"] != "number":
        reader.note("survey", number, "constraint", "has no equivalent: ignored")
    return question


_BOUND = re.compile(r"^\.\s*(>=|<=)\s*(-?\d+(?:\.\d+)?)$")


def _read_type_keys(reader: _Reader, number: int, row: Mapping[str, Cell],
                    question: dict[str, Any]) -> None:
    kind = question["type"]
    if kind == "scale":
        if _flag(row.get("ppp_na")):
            question["na"] = True
    elif kind == "multi_choice":
        scoring = _text(row.get("ppp_scoring"))
        if scoring in {item.value for item in MultiChoiceScoring}:
            question["scoring"] = scoring
    elif kind == "number":
        minimum, maximum = _float(row.get("ppp_min")), _float(row.get("ppp_max"))
        constraint = _text(row.get("constraint"))
        if minimum is None and maximum is None and constraint:
            for part in re.split(r"\s+and\s+", constraint):
                match = _BOUND.match(part.strip())
                if match is None:
                    reader.note("survey", number, "constraint",
                                f"only bounds such as '. >= 0 and . <= 100' are read: {part!r}")
                    continue
                if match[1] == ">=":
                    minimum = float(match[2])
                else:
                    maximum = float(match[2])
        if minimum is not None:
            question["min"] = _tidy(minimum)
        if maximum is not None:
            question["max"] = _tidy(maximum)
        unit = reader.text("survey", number, row, "ppp_unit")
        if unit:
            question["unit"] = unit
        bands = _text(row.get("ppp_bands"))
        if bands:
            try:
                question["bands"] = [
                    {"min": _tidy(float(low)), "score": _tidy(float(score))}
                    for low, score in (part.split(":") for part in bands.split(";"))]
            except ValueError:
                reader.note("survey", number, "ppp_bands",
                            "bands are written 'min: score; min: score'")
        if _flag(row.get("ppp_na")):
            question["na"] = True
    elif kind == "text":
        length = _float(row.get("ppp_max_length"))
        if length is not None:
            question["max_length"] = int(length)


def section_and_question_names(questionnaire: Questionnaire) -> dict[str, Question]:
    """Return every column name a submission export may give a question, to the question.

    ODK Central joins group and question names with ``-``, KoboToolbox with ``/``;
    both may also give the bare name.

    :param questionnaire: the questionnaire the form was exported from.
    :return: column name -> question.
    """
    names: dict[str, Question] = {}
    for section in questionnaire.sections:
        for question in section.questions:
            for name in (question.id, f"{section.id}-{question.id}",
                         f"{section.id}/{question.id}", f"{section.id}.{question.id}"):
                names[name] = question
    return names
