"""The downloadable Excel report of a load's problems (docs/data_contract.md §2)."""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING

import xlsxwriter

from data_layer.importer.kinds import KINDS

if TYPE_CHECKING:
    from data_layer.importer.pipeline import LoadResult

HEADERS = ("Строка", "Столбец", "Значение", "Проблема", "Тип")
SEVERITY_LABELS = {"error": "ошибка", "warning": "предупреждение"}
# Fixed creation time: the same result gives byte-identical files.
_CREATED = dt.datetime(2000, 1, 1)


def problems_to_xlsx(result: LoadResult) -> bytes:
    """Sheet «Проблемы»: one row per error, then per warning; sheet «Итог»: the summary."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    )
    wb.set_properties({"title": f"Проверка файла {result.file_name}", "created": _CREATED})
    head = wb.add_format(
        {"bold": True, "bg_color": "#DDE4EE", "border": 1, "text_wrap": True, "valign": "top"}
    )
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    err = wb.add_format({"text_wrap": True, "valign": "top", "font_color": "#9C0006"})
    ws = wb.add_worksheet("Проблемы")
    ws.write_row(0, 0, HEADERS, head)
    r = 1
    for p in (*result.errors, *result.warnings):
        if p.row is not None:
            ws.write_number(r, 0, p.row, wrap)
        else:
            ws.write_blank(r, 0, None, wrap)
        ws.write_string(r, 1, p.column or "", wrap)
        ws.write_string(r, 2, p.value or "", wrap)
        ws.write_string(r, 3, p.message, err if p.severity == "error" else wrap)
        ws.write_string(r, 4, SEVERITY_LABELS.get(p.severity, p.severity), wrap)
        r += 1
    ws.set_column(0, 0, 9)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 2, 24)
    ws.set_column(3, 3, 80)
    ws.set_column(4, 4, 16)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(r - 1, 1), len(HEADERS) - 1)

    summary = wb.add_worksheet("Итог")
    rows = [
        ("Файл", result.file_name),
        ("Вид файла", KINDS.get(result.kind or "", "не определён")),
        ("Итог", result.message),
        ("Строк с данными", result.rows),
        ("Ошибок", len(result.errors)),
        ("Предупреждений", len(result.warnings)),
    ]
    for i, (k, v) in enumerate(rows):
        summary.write_string(i, 0, k, head)
        if isinstance(v, int):
            summary.write_number(i, 1, v, wrap)
        else:
            summary.write_string(i, 1, v, wrap)
    summary.set_column(0, 0, 22)
    summary.set_column(1, 1, 90)
    wb.close()
    return buf.getvalue()
