"""The set-wise writing of big tables (reports.xlsx_bulk) gives the same workbook as writing cell by
cell: every cell's value, type, number format, boldness and alignment, the row heights, the merged
ranges — on a table with every kind of value, and on the reports of the test region."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
from xlsxwriter.worksheet import Worksheet

from data_layer.scope import OPERATOR
from reports import DRAFT_KINDS, REPORT_KINDS, render_report, xlsx, xlsx_bulk
from reports.xlsx import Col, Properties, Sheet, Table, TitleBlock, render_workbook
from tests.unit.test_reports import AS_OF, CODES, COHORT, FIXED_TIME, _build_region

PROPS = Properties("t", "s", "a", "k", "c", dt.datetime(2024, 11, 29, 12, 0))
TITLE = TitleBlock("Отчёт", "Регион", ("Строка контекста",), footer="f")
LONG = "Государственное бюджетное профессиональное образовательное учреждение Самарской области " * 2


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def _cells(data: bytes) -> dict[str, Any]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    out: dict[str, Any] = {"sheets": book.sheetnames}
    for ws in book.worksheets:
        out[f"{ws.title}:merged"] = sorted(str(r) for r in ws.merged_cells.ranges)
        out[f"{ws.title}:freeze"] = ws.freeze_panes
        for row in ws.iter_rows():
            out[f"{ws.title}:h{row[0].row}"] = ws.row_dimensions[row[0].row].height
            for c in row:
                out[f"{ws.title}:{c.coordinate}"] = (
                    c.value,
                    c.data_type,
                    c.number_format,
                    c.font.b,
                    c.alignment.horizontal,
                    c.alignment.wrap_text,
                    c.border.left.style,
                )
    return out


def _both(monkeypatch: pytest.MonkeyPatch, render: Any) -> tuple[bytes, bytes, int]:
    """(cell by cell into XlsxWriter's own Worksheet, set-wise into BulkWorksheet, rows written
    set-wise). Cell by cell, BulkWorksheet's faster cell writer gives the very same bytes."""
    monkeypatch.setattr(xlsx_bulk, "BULK_MIN_CELLS", 10**12)
    monkeypatch.setattr(xlsx, "WORKSHEET_CLASS", Worksheet)
    by_cell = render()
    monkeypatch.setattr(xlsx, "WORKSHEET_CLASS", xlsx_bulk.BulkWorksheet)
    assert _parts(render()) == _parts(by_cell)
    written: list[int] = []
    add_rows = xlsx_bulk.BulkWorksheet.add_rows

    def spy(self: xlsx_bulk.BulkWorksheet, first: int, cells: list[str], last_col: int) -> None:
        written.append(len(cells))
        add_rows(self, first, cells, last_col)

    monkeypatch.setattr(xlsx_bulk, "BULK_MIN_CELLS", 0)
    monkeypatch.setattr(xlsx_bulk.BulkWorksheet, "add_rows", spy)
    return by_cell, render(), sum(written)


def test_every_kind_of_value_is_written_as_cell_by_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = pl.DataFrame(
        {
            "name": ["=1+2", None, "СПК", LONG, "", "СПК"],
            "flag": [True, False, None, True, False, True],  # a text column of booleans: str()
            "n": [1, None, 0, -5, 123456789012, 7],
            "share": [0.1, 2 / 3, None, float("nan"), 1e-7, 0.625],
            "pp": [1.25, -3.0, 0.0, None, 12.3456789, 5.0],
            "total": [False, False, True, False, None, True],
            "day": [
                dt.date(2024, 11, 29),
                None,
                dt.date(1900, 1, 1),
                dt.date(2025, 1, 3),
                None,
                dt.date(2024, 8, 2),
            ],
        }
    )
    cols = (
        Col("name", "ПОО", width=20),
        Col("flag", "Признак"),
        Col("n", "Выпускников", "int", group="Группа"),
        Col("share", "Доля", "pct", group="Группа"),
        Col("pp", "Отклонение", "pp", number="гр.05"),
        Col("day", "Дата", "date"),
    )
    table = Table(cols, rows, caption="Таблица", emphasis="total", note="Примечание")
    sheets = [Sheet("Лист", (table, Table(cols[:2], rows.head(2)))), Sheet("Второй", (table,), freeze_cols=1)]
    by_cell, bulk, n = _both(monkeypatch, lambda: render_workbook(TITLE, sheets, PROPS))
    assert n == 2 * rows.height + 2  # every table went the set-wise way (limit 0)
    assert _cells(by_cell) == _cells(bulk)
    injected = [v for k, v in _cells(bulk).items() if k.startswith("Лист:A") and v[0] == "=1+2"]
    assert injected and injected[0][1] == "s"  # written as text, not as a formula


def test_columns_the_set_wise_path_cannot_write_fall_back(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = pl.DataFrame({"d": ["2024-11-29", None], "n": [1, 2], "kind": ["int", "pct"]})
    cols = (Col("d", "Дата", "date"), Col("n", "Число", "num", kind_key="kind"))  # text in a date column
    sheets = [Sheet("Лист", (Table(cols, rows),))]
    by_cell, bulk, n = _both(monkeypatch, lambda: render_workbook(TITLE, sheets, PROPS))
    assert n == 0
    assert _cells(by_cell) == _cells(bulk)


@pytest.mark.parametrize("draft", [False, True])
def test_reports_of_the_test_region_are_the_same_set_wise(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, draft: bool
) -> None:
    con = _build_region(tmp_path / "r.duckdb")
    written: dict[str, int] = {}
    with con.cursor() as cur:
        for kind in REPORT_KINDS:
            if draft and kind not in DRAFT_KINDS:
                continue

            def render(kind: str = kind) -> bytes:
                return render_report(
                    cur, OPERATOR, kind, COHORT, AS_OF, CODES.get(kind), generated_at=FIXED_TIME, draft=draft
                )[0]

            by_cell, bulk, n = _both(monkeypatch, render)
            written[kind] = n
            assert _cells(by_cell) == _cells(bulk), kind
    con.close()
    # the forms' tables go the set-wise way (tables with dates or mixed units: cell by cell)
    assert written["regional"] > 0 and (draft or written["territory"] > 0)


def test_installed_xlsxwriter_is_a_tested_release() -> None:
    # The comparisons above run against the installed XlsxWriter; when they pass under a new release,
    # add it to TESTED_XLSXWRITER (until then the reports fall back to the plain Worksheet).
    import xlsxwriter

    assert xlsx_bulk.SUPPORTED, (
        f"XlsxWriter {xlsxwriter.__version__} not in {sorted(xlsx_bulk.TESTED_XLSXWRITER)}"
    )
    assert xlsx.WORKSHEET_CLASS is xlsx_bulk.BulkWorksheet
