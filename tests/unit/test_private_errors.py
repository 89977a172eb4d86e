"""Russian and private errors (issue 12): a СНИЛС typed into the wrong column (shifted columns are
the commonest mistake) is echoed in the error list as the value of that column — masked like every
СНИЛС on screen (***-***-001 19), in the list on the page, the Excel error report and the audit."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import duckdb
import openpyxl
import pytest

from data_layer.importer import LoadResult, load_file
from data_layer.importer.preview import preview_file
from data_layer.importer.report import problems_to_xlsx
from data_layer.scope import OPERATOR
from tests.fixtures.import_helpers import (
    GRAD_HEADER,
    STATUS_HEADER,
    csv_bytes,
    grad_row,
    must_load,
    region,
    snils,
)

FULL = re.compile(r"\d{3}[-_ .]?\d{3}[-_ .]?\d{3}[-_ .]?\d{2}")
S = snils(1)  # 200-000-001 19


def _grad(**changes: str) -> list[str]:
    row = grad_row(1)
    for header, value in changes.items():
        row[GRAD_HEADER.index(header.replace("_", " "))] = value
    return row


CASES = {
    "in_surname_with_nul": csv_bytes(GRAD_HEADER, [_grad(Фамилия=S + "\x00")]),
    "in_birth_date": csv_bytes(GRAD_HEADER, [_grad(Дата_рождения=S)]),
    "in_college_code": csv_bytes(GRAD_HEADER, [_grad(Код_ПОО=S)]),
    "digits_only_in_program": csv_bytes(GRAD_HEADER, [_grad(Код_специальности=snils(1, formatted=False))]),
    "in_status": csv_bytes(STATUS_HEADER, [[S, "P001", "02.09.2024", S]]),
    "in_status_date": csv_bytes(STATUS_HEADER, [[S, "P001", S, "06"]]),
}


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    c = region(tmp_path_factory.mktemp("private") / "p.duckdb")
    must_load(c, csv_bytes(GRAD_HEADER, [grad_row(i) for i in range(1, 4)]), "g.csv")
    yield c
    c.close()


def _texts(res: LoadResult) -> list[str]:
    return [t for p in (*res.errors, *res.warnings) for t in (p.value or "", p.message)]


@pytest.mark.parametrize("case", list(CASES))
def test_snils_in_a_wrong_column_is_masked_everywhere(case: str, con: duckdb.DuckDBPyConnection) -> None:
    res = load_file(con, CASES[case], f"{case}.csv")
    assert not res.ok
    assert any("***-***-001 19" in t for t in _texts(res)), _texts(res)  # still findable in the file
    assert not [t for t in _texts(res) if FULL.search(t)], _texts(res)
    previewed = preview_file(con, CASES[case], f"{case}.csv", scope=OPERATOR)
    assert isinstance(previewed, LoadResult) and not [t for t in _texts(previewed) if FULL.search(t)]
    book = openpyxl.load_workbook(io.BytesIO(problems_to_xlsx(res)), read_only=True)
    cells = [str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v]
    assert not [c for c in cells if FULL.search(c)], cells
    with con.cursor() as cur:
        details = cur.execute("SELECT details FROM audit_log ORDER BY event_id DESC LIMIT 2").fetchall()
    assert not [d for (d,) in details if FULL.search(d or "")]


def test_the_snils_column_keeps_its_masked_value(con: duckdb.DuckDBPyConnection) -> None:
    res = load_file(con, csv_bytes(GRAD_HEADER, [grad_row(1), grad_row(1)]), "dup.csv")
    assert [p.value for p in res.errors if p.column == "СНИЛС"] == ["***-***-001 19"]
