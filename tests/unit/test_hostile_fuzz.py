"""Fuzzed variants of real-shaped files (issue 12): random cell text, byte flips and truncations of
a graduation list never raise; a refused file changes no table and is answered in Russian."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data_layer.importer import load_file
from tests.fixtures.import_helpers import GRAD_HEADER, csv_bytes, digest, grad_row, region, xlsx_bytes
from tests.unit.test_hostile_files import russian

BASE_ROWS = [grad_row(i) for i in range(1, 6)]


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    c = region(tmp_path_factory.mktemp("fuzz") / "f.duckdb")
    yield c
    c.close()


def _check(con: duckdb.DuckDBPyConnection, data: bytes, name: str) -> None:
    before = {t: v for t, v in digest(con).items() if t != "audit_log"}
    res = load_file(con, data, name)  # must not raise
    if res.ok:
        return  # a variant that is still a valid list is loaded (replacing the previous one)
    for p in [res.message, *(e.message for e in res.errors)]:
        assert russian(p), p
    assert {t: v for t, v in digest(con).items() if t != "audit_log"} == before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    row=st.integers(0, 4),
    col=st.integers(0, len(GRAD_HEADER) - 1),
    text=st.text(st.characters(codec="utf-8"), max_size=60),
    as_xlsx=st.booleans(),
)
def test_random_cell_text(
    con: duckdb.DuckDBPyConnection, row: int, col: int, text: str, as_xlsx: bool
) -> None:
    rows = [list(r) for r in BASE_ROWS]
    rows[row][col] = text
    data = xlsx_bytes(GRAD_HEADER, rows) if as_xlsx else csv_bytes(GRAD_HEADER, rows)
    _check(con, data, "fuzz.xlsx" if as_xlsx else "fuzz.csv")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
    cut=st.integers(0, 10**6),
    as_xlsx=st.booleans(),
)
def test_byte_flips_and_truncation(
    con: duckdb.DuckDBPyConnection, flips: list[tuple[int, int]], cut: int, as_xlsx: bool
) -> None:
    data = bytearray(xlsx_bytes(GRAD_HEADER, BASE_ROWS) if as_xlsx else csv_bytes(GRAD_HEADER, BASE_ROWS))
    for pos, value in flips:
        data[pos % len(data)] = value
    data = data[: max(1, cut % (len(data) + 1))]
    _check(con, bytes(data), "fuzz.xlsx" if as_xlsx else "fuzz.csv")
