"""Set-wise writing of the data rows of big report tables (the federal regional form has millions of
cells): the cells' XML is built column by column with polars instead of one XlsxWriter call per cell
at write time and another per cell at close.

The XML is what XlsxWriter itself writes for the same calls (`write_number`, `write_string`,
`write_blank` with the same formats; shared strings through the workbook's string table), so the
workbook's content is the same: only the work is done set-wise. `BulkWorksheet` writes the
prepared rows in their place among the rows XlsxWriter writes (titles, headers, notes), and writes
the cells written one by one with a shorter path to the same XML (tests compare the bytes with
XlsxWriter's own Worksheet).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import polars as pl
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import (
    CellBlankTuple,
    CellDatetimeTuple,
    CellNumberTuple,
    CellStringTuple,
    Worksheet,
)

# Tables with fewer data cells are written cell by cell (set-wise work costs ~1,5 ms a table: it pays
# from about 100 rows of 7 columns on: the scorecards' small tables are written cell by cell).
BULK_MIN_CELLS = 1000
# Numbers XlsxWriter writes as '%.16G': integers below this print the same as polars' cast to text.
_INT_EXACT = 10**15
# Strings at most this long cannot exceed Excel's 32 767 UTF-16 units (longer ones: cell by cell).
_STR_SAFE = 16383
_NUMERIC_KINDS = frozenset({"int", "pct", "num", "pp"})
_FAST_CELLS = frozenset({CellNumberTuple, CellDatetimeTuple, CellStringTuple, CellBlankTuple})
# BulkWorksheet overrides private methods of XlsxWriter's Worksheet and writes the XML that this
# XlsxWriter writes (tests/unit/test_xlsx_bulk.py compares the bytes). Another XlsxWriter release may
# write other XML: then the reports use the plain Worksheet (slower, the same content) until the tests
# have been run against that release and it is added here.
TESTED_XLSXWRITER = frozenset({"3.3.1"})
SUPPORTED = xlsxwriter.__version__ in TESTED_XLSXWRITER


class BulkWorksheet(Worksheet):
    """A worksheet that also writes rows whose cells' XML was prepared set-wise (`add_rows`)."""

    def __init__(self) -> None:
        super().__init__()
        self.bulk_rows: dict[int, str] = {}  # row -> its <c> elements
        self.bulk_last_col: dict[int, int] = {}

    def add_rows(self, first: int, cells: list[str], last_col: int) -> None:
        """Rows first, first + 1, … with cells in columns 0..last_col (every column has a cell)."""
        if not cells:
            return
        for i, xml in enumerate(cells, start=first):
            if self.table.get(i):
                raise ValueError(f"row {i} already has cells written one by one")
            self.bulk_rows[i] = xml
            self.bulk_last_col[i] = last_col
        self._check_dimensions(first, 0)
        self._check_dimensions(first + len(cells) - 1, last_col)

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        # XlsxWriter's own XML for the formatted number, date, shared-string and blank cells the
        # reports write one by one, without its general path (regular expressions per attribute)
        kind = type(cell)
        if kind not in _FAST_CELLS or cell.format is None or self.constant_memory:
            super()._write_cell(row, col, cell)
            return
        head = f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{cell.format._get_xf_index()}"'
        if kind is CellStringTuple:
            self.fh.write(f'{head} t="s"><v>{cell.string}</v></c>')
        elif kind is CellBlankTuple:
            self.fh.write(f"{head}/>")
        else:
            self.fh.write(f"{head}><v>{cell.number:.16G}</v></c>")

    def _calculate_spans(self) -> None:
        # As XlsxWriter's, with the prepared rows' columns counted too.
        spans: dict[int, str] = {}
        lo: int | None = None
        hi = 0
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            cols = [*self.table.get(row_num, {}), *self.comments.get(row_num, {})]
            if row_num in self.bulk_last_col:
                cols += [0, self.bulk_last_col[row_num]]
            if cols:
                lo = min(cols) if lo is None else min(lo, *cols)
                hi = max(hi, *cols)
            if (row_num + 1) % 16 == 0 or row_num == self.dim_rowmax:
                if lo is not None:
                    spans[row_num // 16] = f"{lo + 1}:{hi + 1}"
                lo, hi = None, 0
        self.row_spans = spans

    def _write_rows(self) -> None:
        if not self.bulk_rows:
            super()._write_rows()
            return
        self._calculate_spans()
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            span = self.row_spans.get(row_num // 16)
            cells = self.bulk_rows.get(row_num)
            if cells is not None:
                self._write_row(row_num, span, self.row_info.get(row_num))
                self.fh.write(cells)
                self._xml_end_tag("row")
            elif self.table.get(row_num):
                self._write_row(row_num, span, self.row_info.get(row_num))
                for col_num in sorted(self.table[row_num]):
                    self._write_cell(row_num, col_num, self.table[row_num][col_num])
                self._xml_end_tag("row")
            elif row_num in self.row_info or row_num in self.comments:
                self._write_empty_row(row_num, span, self.row_info.get(row_num))


def _shared(ws: Worksheet, text: str, uses: int) -> str:
    """The shared-string index of `text` used by `uses` cells (counted as XlsxWriter counts them)."""
    index = ws.str_table._get_shared_string_index(text)
    ws.str_table.count += uses - 1
    return str(index)


def _xf(fmt: Format) -> str:
    return str(fmt._get_xf_index())


def _by_bold(pair: tuple[Format, Format] | None, any_bold: bool, normal: Format) -> pl.Expr:
    """The style index of each cell: the bold format on emphasised rows."""
    if pair is None or not any_bold:
        return pl.lit(_xf(normal))
    return pl.when(pl.col("_b")).then(pl.lit(_xf(pair[1]))).otherwise(pl.lit(_xf(pair[0])))


def _number_texts(ws: Worksheet, s: pl.Series) -> tuple[pl.Series, pl.Series]:
    """(the '%.16G' text XlsxWriter writes for each number or date, missing flags: null or NaN)."""
    if s.dtype.is_integer():
        return s.cast(pl.Utf8), s.is_null()
    if s.dtype == pl.Date:
        days = {
            d: f"{ws._convert_date_time(dt.datetime.combine(d, dt.time())):.16G}"
            for d in s.drop_nulls().unique()
        }
        return s.replace_strict(
            list(days), list(days.values()), default=None, return_dtype=pl.Utf8
        ), s.is_null()
    values = s.to_list()
    texts = [None if v is None or math.isnan(v) else f"{v:.16G}" for v in values]
    return pl.Series(texts, dtype=pl.Utf8), pl.Series([t is None for t in texts], dtype=pl.Boolean)


def _text_values(s: pl.Series) -> pl.Series:
    """The text written in a text column: str() of the value; None (a blank cell) for nothing."""
    if s.dtype == pl.Utf8:
        return s
    return pl.Series(
        [None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in s.to_list()],
        dtype=pl.Utf8,
    )


def eligible(s: pl.Series, kind: str) -> bool:
    """Whether the column's cells can be written set-wise exactly as cell by cell: text, dates of a
    date column, numbers of a numeric kind (no booleans, texts in number columns, infinities, huge
    integers)."""
    if kind == "text":
        longest = _text_values(s).str.len_chars().max()
        return longest is None or int(longest) <= _STR_SAFE  # type: ignore[arg-type]
    if kind == "date":
        return s.dtype == pl.Date
    if kind not in _NUMERIC_KINDS:
        return False
    if s.dtype.is_integer():
        big = s.drop_nulls().abs().max()
        return big is None or int(big) < _INT_EXACT  # type: ignore[arg-type]
    if s.dtype.is_float():
        return not bool(s.is_infinite().any())  # XlsxWriter refuses infinities: cell by cell says so
    return False


def _cell(ref: str, style: pl.Expr, tail: str, value: pl.Expr | None = None) -> pl.Expr:
    parts = [pl.lit(f'<c r="{ref}'), pl.col("_rn"), pl.lit('" s="'), style, pl.lit(tail)]
    if value is not None:
        parts += [value, pl.lit("</v></c>")]
    return pl.concat_str(parts)


def column_cells(
    ws: Worksheet, c: int, s: pl.Series, kind: str, cell: Any, any_bold: bool, dash_text: str
) -> tuple[pl.Expr, dict[str, pl.Series]]:
    """The <c> element of every row of an `eligible` column `c` (an expression over the frame of
    `bulk_cells`) and the frame columns it needs. `cell(kind, bold, dash)` gives the formats
    (reports.xlsx._Formats.cell); a missing number is the text `dash_text` in its dash format."""
    letter = xl_col_to_name(c)
    if kind == "text":
        texts = _text_values(s)
        present = texts.drop_nulls()
        uses = dict(present.value_counts().iter_rows())
        first = present.unique(maintain_order=True).to_list()  # indexed in order of appearance
        index = [_shared(ws, t, uses[t]) for t in first]
        idx = texts.replace_strict(first, index, default=None, return_dtype=pl.Utf8)
        style = _by_bold((cell("text", False), cell("text", True)), any_bold, cell("text", False))
        expr = (
            pl.when(pl.col(f"_i{c}").is_null())
            .then(_cell(letter, style, '"/>'))
            .otherwise(_cell(letter, style, '" t="s"><v>', pl.col(f"_i{c}")))
        )
        return expr, {f"_i{c}": idx}
    texts, missing = _number_texts(ws, s)
    style = _by_bold((cell(kind, False), cell(kind, True)), any_bold, cell(kind, False))
    value = _cell(letter, style, '"><v>', pl.col(f"_v{c}"))
    n_missing = int(missing.sum())
    if not n_missing:
        return value, {f"_v{c}": texts}
    dash_style = _by_bold(
        (cell(kind, False, True), cell(kind, True, True)), any_bold, cell(kind, False, True)
    )
    dash = _cell(letter, dash_style, '" t="s"><v>', pl.lit(_shared(ws, dash_text, n_missing)))
    return pl.when(pl.col(f"_m{c}")).then(dash).otherwise(value), {f"_v{c}": texts, f"_m{c}": missing}


def bulk_cells(
    ws: Worksheet,
    first_row: int,
    rows: pl.DataFrame,
    columns: Sequence[tuple[str, str]],
    bold: pl.Series | None,
    cell: Any,
    dash_text: str,
) -> list[str] | None:
    """Each row's <c> elements for `columns` ((frame column, kind) in sheet order from column A),
    rows written from `first_row`; missing numbers are the text `dash_text`; None when some column
    needs the cell-by-cell path."""
    if not all(eligible(rows[key], kind) for key, kind in columns):
        return None
    n = rows.height
    any_bold = bold is not None and bool(bold.any())
    frame: dict[str, pl.Series] = {
        "_rn": pl.int_range(first_row + 1, first_row + 1 + n, eager=True).cast(pl.Utf8),
        "_b": bold if bold is not None else pl.Series([False] * n, dtype=pl.Boolean),
    }
    exprs: list[pl.Expr] = []
    for c, (key, kind) in enumerate(columns):
        expr, needs = column_cells(ws, c, rows[key], kind, cell, any_bold, dash_text)
        exprs.append(expr)
        frame |= needs
    return pl.DataFrame(frame).select(pl.concat_str(exprs).alias("xml"))["xml"].to_list()
