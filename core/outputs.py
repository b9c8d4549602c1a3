"""One encoder per output kind, so that text from sources can never act as code in an export.

- Spreadsheet cells (XLSX, `append_row`): a string a spreadsheet would read as a formula (it
  starts — after any spaces — with `=`, `+`, `-`, `@`, a tab, CR or LF, or their full-width or
  small forms) is stored as a text cell with the quote prefix (Excel's and LibreOffice's own
  "this is text" mark), never as a formula; control characters XLSX cannot hold are removed;
  numbers stay numbers.
- CSV cells (`csv_cell`, `csv_row`): the same strings get a leading `'` (OWASP's advice for
  CSV injection), control characters other than tab and LF are removed (a CR becomes LF, so the
  cell is quoted and cannot start a row of its own); numbers stay numbers.
- PDF text (`pdf_text`): for reportlab's Paragraph, which reads a subset of HTML (`<img>` of a
  local file, `<a href>`, `<font>`, `<para>`, entities): `&`, `<` and `>` are escaped, so
  nothing from data becomes markup; control characters are removed and line breaks become
  spaces.
- Chart text (`chart_text`): Plotly draws labels, hover texts, legend names, tick texts and
  annotations through its own HTML subset (`<a href>`, `<br>`, `<b>`, `<span style>`, entities);
  `&`, `<` and `>` are escaped, so Plotly shows the literal text; line breaks become spaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, time
from typing import Any

# what a spreadsheet may take as the start of a formula or a DDE call (OWASP: = + - @ tab CR),
# with LF, the full-width forms (＝ ＋ － ＠) and the small forms (﹢ ﹣ ﹫) some versions fold
FORMULA_LEADS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20\ufe62\ufe63\ufe6b")
# spaces a spreadsheet may skip before the formula sign
_LEADING_BLANKS = " \u00a0\u3000"
# C0 controls other than tab, LF and CR, DEL and the C1 controls
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# every C0 control (line breaks included), DEL, C1 controls and the Unicode line/paragraph separators
_ALL_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def starts_formula(text: str) -> bool:
    """Whether a spreadsheet could read `text` as a formula."""
    stripped = text.lstrip(_LEADING_BLANKS)
    return text[:1] in FORMULA_LEADS or stripped[:1] in FORMULA_LEADS


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# -- spreadsheets (XLSX) -------------------------------------------------------------------

def sheet_cell(value: Any) -> Any:
    """The value to store in an XLSX cell: numbers as numbers, None as empty, text without the
    control characters XLSX cannot hold. `append_row` marks formula-like text as text."""
    if value is None:
        return None
    if isinstance(value, bool | date | time) or _is_number(value):
        return value  # numbers stay numbers, dates dates
    return _CONTROL.sub("", str(value))


def append_row(sheet: Any, values: Iterable[Any]) -> None:
    """Appends a row to an openpyxl worksheet with every string stored as text: a string that
    looks like a formula gets data type "s" and the quote prefix, so no spreadsheet runs it."""
    sheet.append([sheet_cell(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            if cell.data_type != "s":
                cell.data_type = "s"
            if starts_formula(cell.value):
                cell.quotePrefix = True


# -- CSV -----------------------------------------------------------------------------------

def csv_cell(value: Any) -> Any:
    """A CSV cell: numbers as numbers, None as empty, formula-like text with a leading `'`."""
    if value is None:
        return ""
    if isinstance(value, bool) or _is_number(value):
        return value
    # a lone CR is a line break to a spreadsheet, but Python's csv leaves it unquoted with "\n" endings
    text = _CONTROL.sub("", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    return "'" + text if starts_formula(text) else text


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]


# -- PDF (reportlab Paragraph) -------------------------------------------------------------

def _plain_line(value: Any) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")
    return _ALL_CONTROL.sub("", text)


def _escape_markup(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def pdf_text(value: Any) -> str:
    """Text for a reportlab Paragraph that shows exactly the characters given: no markup, no
    image, no link, no entity from data."""
    return _escape_markup(_plain_line(value))


# -- charts (Plotly) -----------------------------------------------------------------------

def chart_text(value: Any) -> Any:
    """A label, hover text, legend name or tick text Plotly shows as plain text; anything that
    is not a string (numbers, dates, None) is returned as it is."""
    if not isinstance(value, str):
        return value
    return _escape_markup(_plain_line(value))
