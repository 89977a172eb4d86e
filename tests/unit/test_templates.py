"""Import templates (reports.templates): the weekly status template of a college is its graduates with
their current statuses, and the very same file uploaded back is a valid snapshot; the graduation
list round-trips; every kind has a blank template the importer recognises."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import duckdb
import openpyxl
import pytest

from data_layer.errors import ScopeError
from data_layer.importer import load_file
from data_layer.importer.kinds import KINDS, SPEC_BY_KIND, match_header
from data_layer.importer.readers import UnreadableFileError, read_table
from data_layer.scope import Scope
from reports import templates
from tests.fixtures.import_helpers import (
    STATUS_HEADER,
    csv_bytes,
    digits,
    region_with_a_snapshot,
    snils,
)

D = dt.date
P001 = Scope("college", "P001", "col1")
P002 = Scope("college", "P002", "col2")


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = region_with_a_snapshot(tmp_path / "t.duckdb")
    yield c
    c.close()


def _sheet(data: bytes) -> list[list[object]]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames[:2] == ["Статусы", "Инструкция"] or wb.sheetnames[:2] == ["Выпуск", "Инструкция"]
    return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


def test_weekly_template_lists_own_graduates_with_current_status(con: duckdb.DuckDBPyConnection) -> None:
    data = templates.weekly_status_template(con.cursor(), P001, "P001", D(2024, 9, 13))
    rows = _sheet(data)
    head = rows[0]
    body = [r for r in rows[1:] if any(v is not None for v in r)]
    assert len(body) == 3  # P001's three graduates, not P002's
    col = {h: i for i, h in enumerate(head)}
    by_snils = {r[col["СНИЛС"]]: r for r in body}
    assert by_snils[digits(1)][col["Статус"]] == "Трудоустроен (трудовой договор, договор ГПХ)"
    assert by_snils[digits(2)][col["Статус"]] == "Продолжает обучение"
    assert by_snils[digits(3)][col["Статус"]] is None  # no status yet: to be filled in
    assert by_snils[digits(3)][col["ФИО"]] == "Сидоров Иван"
    assert {r[col["Дата актуализации"]] for r in body} == {dt.datetime(2024, 9, 13)}


def test_weekly_template_protection_and_dropdown(con: duckdb.DuckDBPyConnection) -> None:
    data = templates.weekly_status_template(con.cursor(), P001, "P001", D(2024, 9, 13))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Статусы"]
    assert ws.protection.sheet
    head = [c.value for c in ws[1]]
    snils_col = head.index("СНИЛС") + 1
    status_col = head.index("Статус") + 1
    assert ws.cell(2, snils_col).protection.locked
    assert not ws.cell(2, status_col).protection.locked
    letter = openpyxl.utils.get_column_letter(status_col)
    dv = [v for v in ws.data_validations.dataValidation if letter + "2" in str(v.sqref)]
    assert dv and dv[0].type == "list" and "Списки" in dv[0].formula1
    lists = wb["Списки"]
    options = [c.value for c in lists[letter] if c.value]
    assert "Продолжает обучение" in options and "Нет данных" not in options


def test_weekly_template_uploaded_back_is_a_snapshot(con: duckdb.DuckDBPyConnection) -> None:
    # Fill the one empty status, as the instructions ask, then upload the file back.
    data = templates.weekly_status_template(con.cursor(), P001, "P001", D(2024, 9, 13))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Статусы"]
    head = [c.value for c in ws[1]]
    for r in range(2, 5):
        if ws.cell(r, head.index("Статус") + 1).value is None:
            ws.cell(r, head.index("Статус") + 1).value = "Самозанятый (налог на профессиональный доход)"
    out = io.BytesIO()
    wb.save(out)
    res = load_file(con, out.getvalue(), "неделя.xlsx", scope=P001)
    assert res.ok, [p.message for p in res.errors]
    assert res.kind == "statuses" and res.rows == 3
    assert not res.warnings  # ФИО is a known column, not «неизвестный столбец»
    got = dict(
        con.execute(
            "SELECT person_key, status FROM status_rows WHERE snapshot_date = DATE '2024-09-13'"
        ).fetchall()
    )
    assert got == {digits(1): "employed", digits(2): "continuing_education", digits(3): "self_employed"}


def test_weekly_template_refuses_other_college(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ScopeError):
        templates.weekly_status_template(con.cursor(), P002, "P001", D(2024, 9, 13))
    with pytest.raises(ScopeError):
        templates.weekly_status_template(con.cursor(), Scope("ministry"), "P001", D(2024, 9, 13))


def test_graduation_list_round_trip(con: duckdb.DuckDBPyConnection) -> None:
    data = templates.graduation_list_template(con.cursor(), P001, "P001", 2024)
    rows = [r for r in _sheet(data)[1:] if any(v is not None for v in r)]
    assert len(rows) == 3
    before = con.execute("SELECT count(*) FROM graduates").fetchall()[0][0]
    res = load_file(con, data, "выпуск.xlsx", scope=P001)
    assert res.ok and res.kind == "graduates", [p.message for p in res.errors]
    assert res.unchanged  # identical to what is stored
    assert con.execute("SELECT count(*) FROM graduates").fetchall()[0][0] == before


@pytest.mark.parametrize("kind", templates.LOAD_ORDER)
def test_blank_template_is_recognised(kind: str) -> None:
    data = templates.blank_template(kind)
    # The header row is found (the file is refused only for having no data rows yet) ...
    with pytest.raises(UnreadableFileError, match="только строка заголовков"):
        read_table(data, f"{kind}.xlsx")
    # ... and every header names a column of the kind, every required column is there.
    head = [c.value for c in openpyxl.load_workbook(io.BytesIO(data)).worksheets[0][1]]
    fields = {match_header(kind, h) for h in head}
    assert None not in fields
    assert {c.field for c in SPEC_BY_KIND[kind].required} <= fields


def test_load_order_puts_references_first() -> None:
    order = list(templates.LOAD_ORDER)
    assert set(order) == set(KINDS) and set(templates._NEEDS) == set(KINDS)
    assert order.index("colleges") < order.index("graduates") < order.index("statuses")
    assert [n[0] for n in templates.load_order_notes()] == list(range(1, len(order) + 1))


def test_statuses_before_any_graduation_list_say_what_to_load_first(con: duckdb.DuckDBPyConnection) -> None:
    # P003 has no graduation list: one message naming the missing step instead of a row per graduate.
    rows = [[snils(10 + i), "P003", "06.09.2024", "06"] for i in range(5)]
    res = load_file(con, csv_bytes(STATUS_HEADER, rows), "06_statuses.csv")
    assert not res.ok
    assert len(res.errors) == 1
    assert "ещё не загружен список фактического выпуска" in res.errors[0].message
    assert "05_graduates.xlsx" in res.errors[0].message and res.errors[0].value == "P003"
