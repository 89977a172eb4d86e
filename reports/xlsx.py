"""Excel rendering of the official reports (XlsxWriter): title block, multi-level headers, number
formats, column widths, print setup and document properties.

Safety: every text cell is written with `write_string` (never `write`, which turns a string that
starts with '=' into a formula), merged cells are merged empty and then filled with
`write_string`, and the workbook is opened with the string conversions switched off as a second
line of defence. Numbers are written as numbers at full precision; the number format only rounds
what is shown.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import polars as pl
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from reports import xlsx_bulk

Kind = Literal["text", "int", "pct", "num", "pp", "date"]

# Format codes are stored locale-neutral: ',' is the grouping and '.' the decimal mark of the file
# format; a Russian Excel or LibreOffice shows '#,##0' as «1 234» and '0.0%' as «62,5%».
NUM_FORMATS: dict[str, str] = {
    "int": "#,##0",
    "pct": "0.0%",
    "num": "0.0",
    "pp": "+0.0;-0.0;0.0",
    "date": "dd.mm.yyyy",
    "text": "@",
}
DASH = "—"
# the worksheets the reports are written into (tests compare them with XlsxWriter's plain Worksheet);
# the plain one under an XlsxWriter release the set-wise writer has not been tested with
WORKSHEET_CLASS: type[Worksheet] = xlsx_bulk.BulkWorksheet if xlsx_bulk.SUPPORTED else Worksheet
MIN_TITLE_COLS = 8
MAX_COL_WIDTH = 60.0
FONT = "Arial"


@dataclass(frozen=True)
class Col:
    """One table column: frame column `key`, header `label`, value kind, optional upper header
    `group` (consecutive columns with the same group share a merged cell) and column `number`
    (the row of column numbers of official forms: «А», «Б», «гр.05» …)."""

    key: str
    label: str
    kind: Kind = "text"
    group: str | None = None
    number: str | None = None
    width: float | None = None
    kind_key: str | None = None  # frame column giving each cell's kind (mixed units in one column)
    rotate: bool = False  # vertical header text: narrow numeric columns of official forms


@dataclass(frozen=True)
class Table:
    columns: tuple[Col, ...]
    rows: pl.DataFrame
    caption: str | None = None  # bold line above the table
    emphasis: str | None = None  # Boolean column of `rows`: bold (total) rows
    note: str | None = None  # line below the table
    empty_text: str = "Нет данных."


@dataclass(frozen=True)
class Sheet:
    name: str  # Russian, at most 31 characters
    tables: tuple[Table, ...]
    freeze_cols: int = 0  # identifier columns kept in view when scrolling right
    signature: bool = False  # a block for signatures below the last table
    paper: int = 9  # 9 = A4, 8 = A3 (wide official forms)


@dataclass(frozen=True)
class TitleBlock:
    report: str  # report name
    subject: str  # whom the report is about
    lines: tuple[str, ...]  # context: cohort and date, criteria version, data dates, definitions
    footer: str = ""  # short text for the printed page footer (code constants only)
    notice: str = ""  # a warning under the subject (demo databases: data_layer.db.DEMO_NOTICE)
    # e.g. «ЧЕРНОВИК …»: a red line above the title and the page header of every sheet
    mark: str | None = None

    def marked(self, mark: str) -> TitleBlock:
        return replace(self, mark=mark)


@dataclass(frozen=True)
class Properties:
    title: str
    subject: str
    author: str
    keywords: str
    comments: str
    created: dt.datetime
    category: str = "Мониторинг трудоустройства выпускников ПОО"
    company: str = "Выпускник — мониторинг трудоустройства выпускников ПОО Самарской области"


SIGNATURE_LINES: tuple[str, ...] = (
    "Руководитель  ______________________ / ______________________ /",
    "Исполнитель  ______________________ / ______________________ /   тел. ________________",
    "«____» ______________ 20____ г.",
)


@dataclass
class _Formats:
    book: xlsxwriter.Workbook
    cache: dict[tuple[Any, ...], Format] = field(default_factory=dict)
    cells: dict[tuple[str, bool, bool], Format] = field(default_factory=dict)

    def get(self, **props: Any) -> Format:
        key = tuple(sorted(props.items()))
        fmt = self.cache.get(key)
        if fmt is None:
            fmt = self.book.add_format({"font_name": FONT, "font_size": 10, **props})
            self.cache[key] = fmt
        return fmt

    def cell(self, kind: Kind, bold: bool = False, dash: bool = False) -> Format:
        # called once per data cell (millions in the federal regional form): remembered by its arguments
        fmt = self.cells.get((kind, bold, dash))
        if fmt is None:
            fmt = self.cells[(kind, bold, dash)] = self._cell(kind, bold, dash)
        return fmt

    def _cell(self, kind: Kind, bold: bool, dash: bool) -> Format:
        props: dict[str, Any] = {"border": 1, "valign": "top", "bold": bold}
        if dash:
            props["align"] = "center"
        elif kind == "text":
            props["text_wrap"] = True
        else:
            props["num_format"] = NUM_FORMATS[kind]
        if kind == "date" and not dash:
            props["align"] = "center"
        return self.get(**props)


def safe_sheet_name(name: str) -> str:
    """Excel forbids []:*?/\\ in sheet names and allows at most 31 characters."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("'") or "Лист"
    return cleaned[:31]


def _text_len(value: Any) -> int:
    if value is None:
        return 1
    if isinstance(value, float):
        return 10
    return max((len(part) for part in str(value).splitlines()), default=1)


def column_widths(table: Table) -> list[float]:
    """Widths in characters: the longest value (text capped), headers wrap at word boundaries."""
    widths: list[float] = []
    for col in table.columns:
        if col.width is not None:
            widths.append(col.width)
            continue
        longest_word = max((len(w) for w in col.label.split()), default=4)
        if col.kind == "text" and col.key in table.rows.columns and table.rows.height:
            sample = table.rows[col.key].head(2000).to_list()
            data = max(_text_len(v) for v in sample)
        elif col.kind == "date":
            data = 11
        else:
            data = 9
        widths.append(min(max(float(data) + 2, float(longest_word) + 2, 6.0), MAX_COL_WIDTH))
    return widths


def _lines_needed(text: str, width_chars: float) -> int:
    per_line = max(width_chars * 1.2, 6.0)  # Arial 10 is narrower than the width unit ('0' of Calibri 11)
    return sum(max(math.ceil(len(part) / per_line), 1) for part in text.split("\n"))


def _write_value(ws: Worksheet, r: int, c: int, value: Any, kind: Kind, fm: _Formats, bold: bool) -> None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        if kind == "text":
            ws.write_blank(r, c, None, fm.cell("text", bold))
        else:
            ws.write_string(r, c, DASH, fm.cell(kind, bold, dash=True))
        return
    if kind == "text":
        ws.write_string(r, c, str(value), fm.cell("text", bold))
    elif isinstance(value, bool):
        ws.write_string(r, c, "да" if value else "нет", fm.cell("text", bold))
    elif kind == "date" and isinstance(value, dt.date):
        d = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        ws.write_datetime(r, c, d, fm.cell("date", bold))
    elif isinstance(value, int | float):
        ws.write_number(r, c, value, fm.cell(kind, bold))
    else:
        ws.write_string(r, c, str(value), fm.cell("text", bold))


def _merge_text(ws: Worksheet, r0: int, c0: int, r1: int, c1: int, text: str, fmt: Format) -> None:
    """Merge then write the text with write_string: merge_range itself would call write()."""
    if r0 == r1 and c0 == c1:
        ws.write_string(r0, c0, text, fmt)
        return
    ws.merge_range(r0, c0, r1, c1, None, fmt)
    ws.write_string(r0, c0, text, fmt)


def _write_header(ws: Worksheet, row: int, table: Table, fm: _Formats, widths: list[float]) -> int:
    """Header rows (group row if any, label row, number row if any); returns the next free row."""
    head = fm.get(bold=True, border=1, text_wrap=True, align="center", valign="vcenter", bg_color="#E8EEF4")
    rot = fm.get(
        bold=True, border=1, text_wrap=True, align="center", valign="vcenter", bg_color="#E8EEF4", rotation=90
    )
    num = fm.get(italic=True, border=1, align="center", font_size=8, bg_color="#E8EEF4")
    cols = table.columns
    grouped = any(c.group for c in cols)
    label_row = row + 1 if grouped else row
    if grouped:
        c = 0
        while c < len(cols):
            g = cols[c].group
            single = c + 1 >= len(cols) or cols[c + 1].group != g
            if g is None or (single and g == cols[c].label):
                _merge_text(ws, row, c, label_row, c, cols[c].label, rot if cols[c].rotate else head)
                c += 1
                continue
            end = c
            while end + 1 < len(cols) and cols[end + 1].group == g:
                end += 1
            _merge_text(ws, row, c, row, end, g, head)
            for k in range(c, end + 1):
                ws.write_string(label_row, k, cols[k].label, rot if cols[k].rotate else head)
            c = end + 1
        group_lines = max(
            (_lines_needed(c.group or "", widths[i]) for i, c in enumerate(cols) if c.group), default=1
        )
        ws.set_row(row, 15 * min(group_lines, 4))
    else:
        for c, col in enumerate(cols):
            ws.write_string(label_row, c, col.label, rot if col.rotate else head)
    in_label_row = [(i, col) for i, col in enumerate(cols) if not (grouped and not col.group)]
    label_lines = max(
        (_lines_needed(col.label, widths[i]) for i, col in in_label_row if not col.rotate), default=1
    )
    height = 14 * min(max(label_lines, 2), 12)
    rotated = [len(col.label) for _, col in in_label_row if col.rotate]
    if rotated:
        height = max(height, min(6 * max(rotated), 190))
    ws.set_row(label_row, height)
    nxt = label_row + 1
    if any(c.number for c in cols):
        for c, col in enumerate(cols):
            ws.write_string(nxt, c, col.number or "", num)
        nxt += 1
    return nxt


def _write_table(
    ws: Worksheet, row: int, table: Table, fm: _Formats, widths: list[float]
) -> tuple[int, int, int]:
    """Caption, header and rows; returns (first header row, last header row, next free row)."""
    if table.caption:
        ws.write_string(row, 0, table.caption, fm.get(bold=True, font_size=11))
        row += 1
    first_header = row
    row = _write_header(ws, row, table, fm, widths)
    last_header = row - 1
    if table.rows.is_empty():
        ws.write_string(row, 0, table.empty_text, fm.get(italic=True))
        return first_header, last_header, row + 2
    if table.rows.height * len(table.columns) < xlsx_bulk.BULK_MIN_CELLS or not _write_rows_bulk(
        ws, row, table, fm, widths
    ):
        _write_rows_by_cell(ws, row, table, fm, widths)
    row += table.rows.height
    if table.note:
        ws.write_string(row, 0, table.note, fm.get(italic=True, font_size=9))
        row += 1
    return first_header, last_header, row + 1


def _write_rows_by_cell(ws: Worksheet, row: int, table: Table, fm: _Formats, widths: list[float]) -> None:
    """The data rows from `row` on, one XlsxWriter call per cell."""
    extra = [k for k in (table.emphasis, *(c.kind_key for c in table.columns)) if k]
    select = list(dict.fromkeys([*(c.key for c in table.columns), *extra]))
    pos = {k: i for i, k in enumerate(select)}
    cells = [
        (c, pos[col.key], col.kind, pos[col.kind_key] if col.kind_key else None)
        for c, col in enumerate(table.columns)
    ]
    emphasis = pos[table.emphasis] if table.emphasis else None
    text_cols = [(c, pos[col.key]) for c, col in enumerate(table.columns) if col.kind == "text"]
    lines_of: dict[tuple[int, str], int] = {}  # the same texts repeat down a column (college names)
    # columns as lists, zipped into rows: no query plan per table (DataFrame.select costs milliseconds
    # on a busy machine, and the scorecard zip writes 10 000 tables)
    for values in zip(*(table.rows.get_column(k).to_list() for k in select), strict=True):
        bold = bool(values[emphasis]) if emphasis is not None else False
        for c, i, kind, kind_at in cells:
            _write_value(ws, row, c, values[i], values[kind_at] if kind_at is not None else kind, fm, bold)
        # Readers do not recompute row heights on open (LibreOffice does not): size wrapped text here.
        lines = 1
        for c, i in text_cols:
            if values[i]:
                text = str(values[i])
                n = lines_of.get((c, text))
                if n is None:
                    n = lines_of[(c, text)] = _lines_needed(text, widths[c])
                lines = max(lines, n)
        if lines > 1:
            ws.set_row(row, 12.75 * min(lines, 30))
        row += 1


def _write_rows_bulk(ws: Worksheet, row: int, table: Table, fm: _Formats, widths: list[float]) -> bool:
    """The data rows from `row` on, set-wise (reports.xlsx_bulk: the same cells as
    `_write_rows_by_cell`); False, nothing written, when a column needs the cell-by-cell path."""
    rows = table.rows
    if not isinstance(ws, xlsx_bulk.BulkWorksheet) or any(c.kind_key for c in table.columns):
        return False
    bold = None
    if table.emphasis:
        if rows[table.emphasis].dtype != pl.Boolean:
            return False
        bold = rows[table.emphasis].fill_null(False)
    columns = [(c.key, c.kind) for c in table.columns]
    cells = xlsx_bulk.bulk_cells(ws, row, rows, columns, bold, fm.cell, DASH)
    if cells is None:
        return False
    ws.add_rows(row, cells, len(columns) - 1)
    # Readers do not recompute row heights on open (LibreOffice does not): size wrapped text here.
    per_col = [pl.Series([1] * rows.height, dtype=pl.Int64)]
    for c, col in enumerate(table.columns):
        if col.kind == "text":
            values = rows[col.key]
            uniq = values.drop_nulls().unique(maintain_order=True).to_list()
            needed = [_lines_needed(str(v), widths[c]) if v else 1 for v in uniq]
            per_col.append(values.replace_strict(uniq, needed, default=1, return_dtype=pl.Int64))
    lines = pl.DataFrame({str(i): s for i, s in enumerate(per_col)}).max_horizontal()
    for i in (lines > 1).arg_true().to_list():
        ws.set_row(row + i, 12.75 * min(int(lines[i]), 30))
    return True


def _write_title(ws: Worksheet, title: TitleBlock, fm: _Formats, span: int, total_width: float) -> int:
    big = fm.get(bold=True, font_size=14, text_wrap=True, valign="top")
    sub = fm.get(bold=True, font_size=11, text_wrap=True, valign="top")
    body = fm.get(text_wrap=True, valign="top", font_size=9)
    last = span - 1
    top = 0
    if title.mark:
        mark = fm.get(bold=True, font_size=14, font_color="#C00000", text_wrap=True, valign="top")
        _merge_text(ws, 0, 0, 0, last, title.mark, mark)
        ws.set_row(0, 20 * _lines_needed(title.mark, total_width * 0.8))
        top = 1
    _merge_text(ws, top, 0, top, last, title.report, big)
    # Width units are the "0" of Calibri 11; measured in LibreOffice, a unit holds about 1.8 chars of
    # Arial 9, 1.3 of Arial 11 bold and 0.95 of Arial 14 bold (`_lines_needed` multiplies by 1.2).
    ws.set_row(top, 20 * _lines_needed(title.report, total_width * 0.8))
    _merge_text(ws, top + 1, 0, top + 1, last, title.subject, sub)
    ws.set_row(top + 1, 16 * _lines_needed(title.subject, total_width * 1.1))
    row = top + 2
    if title.notice:
        warn = fm.get(bold=True, font_size=11, font_color="#C00000", text_wrap=True, valign="top")
        _merge_text(ws, row, 0, row, last, title.notice, warn)
        ws.set_row(row, 16 * _lines_needed(title.notice, total_width * 1.1))
        row += 1
    for line in title.lines:
        _merge_text(ws, row, 0, row, last, line, body)
        ws.set_row(row, 12.5 * _lines_needed(line, total_width * 1.4))
        row += 1
    return row + 1


def render_workbook(title: TitleBlock, sheets: Sequence[Sheet], props: Properties) -> bytes:
    """The workbook as bytes: each sheet starts with the title block, then its tables."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(
        buf,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "default_date_format": NUM_FORMATS["date"],
        },
    )
    book.set_properties(
        {
            "title": props.title,
            "subject": props.subject,
            "author": props.author,
            "company": props.company,
            "category": props.category,
            "keywords": props.keywords,
            "comments": props.comments,
            "created": props.created,
        }
    )
    book.set_custom_property("Язык", "ru-RU")
    fm = _Formats(book)
    used: set[str] = set()
    for sheet in sheets:
        name = safe_sheet_name(sheet.name)
        while name in used:
            name = safe_sheet_name(name[:28] + "_" + str(len(used)))
        used.add(name)
        ws = book.add_worksheet(name, worksheet_class=WORKSHEET_CLASS)
        _render_sheet(ws, sheet, title, fm)
    book.close()
    return buf.getvalue()


def _render_sheet(ws: Worksheet, sheet: Sheet, title: TitleBlock, fm: _Formats) -> None:
    n_cols = max((len(t.columns) for t in sheet.tables), default=1)
    widths = [8.0] * max(n_cols, MIN_TITLE_COLS)
    for t in sheet.tables:
        for i, w in enumerate(column_widths(t)):
            widths[i] = max(widths[i], w)
    for i, w in enumerate(widths):
        ws.set_column(i, i, w)
    span = max(n_cols, MIN_TITLE_COLS)
    row = _write_title(ws, title, fm, span, sum(widths[:span]))
    title_end = row
    headers: list[tuple[int, int]] = []
    for table in sheet.tables:
        first, last, row = _write_table(ws, row, table, fm, widths)
        headers.append((first, last))
    if sheet.signature:
        row += 1
        for line in SIGNATURE_LINES:
            ws.write_string(row, 0, line, fm.get(font_size=10))
            row += 2
    # One table: its header stays in view and repeats on every printed page. Several stacked
    # tables: keep the title block in view instead (a repeated header would belong to one table only).
    if len(sheet.tables) == 1:
        first, last = headers[0]
        ws.freeze_panes(last + 1, sheet.freeze_cols)
        ws.repeat_rows(first, last)
    else:
        ws.freeze_panes(title_end, 0)
    ws.set_landscape()
    ws.set_paper(sheet.paper)
    ws.fit_to_pages(1, 0)  # fit the width, as many pages down as needed
    ws.center_horizontally()
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    footer = f"{title.footer} · {title.notice}" if title.notice else title.footer
    ws.set_footer(f"&L{_footer_safe(footer)}&RСтраница &P из &N", {"margin": 0.25})
    if title.mark:
        ws.set_header(f'&C&"Arial,Bold"&14&KC00000{_footer_safe(title.mark)}', {"margin": 0.2})
    ws.ignore_errors({"number_stored_as_text": "A1:XFD1048576"})


def _footer_safe(text: str) -> str:
    # '&' starts a control code in headers and footers.
    return text.replace("&", "&&")[:200]
