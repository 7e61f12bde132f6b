"""XLSForm workbooks on disk: writing a questionnaire out, reading one in.

The mapping itself is :mod:`ppp_assess.domain.xlsform`'s; this module turns its sheets
into an ``.xlsx`` file with openpyxl and back. Text cells are written as text, so a
label that begins with ``=`` stays a label and never becomes a formula; a workbook's
formulas are read as the text of the formula, never computed.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import yaml

from ppp_assess.domain.schema import Questionnaire
from ppp_assess.domain.xlsform import (
    Cell,
    Language,
    SheetRows,
    XlsformImport,
    build_xlsform,
    read_xlsform,
)

#: Most rows read from one sheet of an uploaded workbook.
MAX_ROWS = 20_000
#: Most columns read from one sheet.
MAX_COLUMNS = 200


class WorkbookError(ValueError):
    """A file that is not a readable XLSX workbook."""


def write_xlsform(target: str | Path | IO[bytes], questionnaire: Questionnaire,
                  languages: Sequence[Language], translations: Mapping[str, Mapping[str, str]],
                  not_applicable: Mapping[str, str]) -> None:
    """Write the XLSForm workbook of ``questionnaire`` to ``target``.

    :param target: a file name or a binary stream.
    :param questionnaire: the questionnaire version.
    :param languages: the languages of the label and hint columns, English first.
    :param translations: language code -> msgid -> translation.
    :param not_applicable: language code -> the label of the "not applicable" point.
    """
    sheets = build_xlsform(questionnaire, languages, translations, not_applicable)
    write_sheets(target, sheets)


def write_sheets(target: str | Path | IO[bytes], sheets: Mapping[str, Sequence[Sequence[Cell]]]
                 ) -> None:
    """Write sheets of cells to an XLSX file, every text cell as text."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            cells: list[Any] = []
            for value in row:
                if isinstance(value, str):
                    cell = WriteOnlyCell(sheet, value=None)
                    # Set as a string: openpyxl would read a leading "=" as a formula.
                    cell._value = value
                    cell.data_type = "s"
                    cells.append(cell)
                else:
                    cells.append(value)
            sheet.append(cells)
    workbook.save(target)


def xlsform_bytes(questionnaire: Questionnaire, languages: Sequence[Language],
                  translations: Mapping[str, Mapping[str, str]],
                  not_applicable: Mapping[str, str]) -> bytes:
    """Return the XLSForm workbook of ``questionnaire`` as bytes (see :func:`write_xlsform`)."""
    buffer = io.BytesIO()
    write_xlsform(buffer, questionnaire, languages, translations, not_applicable)
    return buffer.getvalue()


def read_sheets(source: str | Path | IO[bytes]) -> dict[str, SheetRows]:
    """Read every sheet of an XLSX workbook: lower-cased sheet name -> its non-empty rows.

    The first row of a sheet names its columns; cells are read as stored (formulas as
    their text). At most :data:`MAX_ROWS` rows and :data:`MAX_COLUMNS` columns a sheet.

    :raises WorkbookError: when the file is not an XLSX workbook.
    """
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(source, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise WorkbookError("The file is not an XLSX workbook.") from error
    sheets: dict[str, SheetRows] = {}
    try:
        for sheet in workbook.worksheets:
            rows: SheetRows = []
            header: list[str] = []
            for number, values in enumerate(sheet.iter_rows(values_only=True,
                                                            max_col=MAX_COLUMNS), start=1):
                if number > MAX_ROWS + 1:
                    raise WorkbookError(f"The sheet {sheet.title} has more than {MAX_ROWS} rows.")
                if not header:
                    header = [str(value).strip() if value is not None else ""
                              for value in values]
                    continue
                row = {header[index]: _cell(value) for index, value in enumerate(values)
                       if index < len(header) and header[index] and value not in (None, "")}
                if row:
                    rows.append((number, row))
            sheets[sheet.title.strip().lower()] = rows
    finally:
        workbook.close()
    return sheets


def _cell(value: Any) -> Cell:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | str):
        return value
    return str(value)


def import_xlsform(source: str | Path | IO[bytes]) -> XlsformImport:
    """Read an XLSForm workbook into a questionnaire document (see :func:`read_xlsform`).

    :raises WorkbookError: when the file is not an XLSX workbook.
    """
    return read_xlsform(read_sheets(source))


def questionnaire_yaml(document: Mapping[str, Any]) -> str:
    """Return a questionnaire document as the text of a questionnaire file."""
    return yaml.safe_dump(dict(document), allow_unicode=True, sort_keys=False, width=100)
