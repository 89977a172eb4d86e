"""`load_files`: a batch of files (`vypusk load a b c`, the benchmark's build) gives the same results
and the same stored data as `load_file` called for each file in turn, while a status file is
validated ahead only beside another status file's write (pipeline._VALIDATE_BESIDE)."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import duckdb
import pytest

from data_layer.importer import LoadResult, load_file, pipeline
from data_layer.importer.pipeline import load_files
from tests.fixtures.import_helpers import GRAD_HEADER, STATUS_HEADER, csv_bytes, grad_row, region, snils


def _batch() -> list[tuple[bytes, str]]:
    grads = [grad_row(1), grad_row(2), grad_row(3), grad_row(4, "P002")]
    more = [*grads[:3], grad_row(5)]  # P001's list again, with graduate 5
    return [
        (csv_bytes(GRAD_HEADER, grads), "grads.csv"),
        # needs the list loaded just before it: never validated beside the list's write
        (csv_bytes(STATUS_HEADER, [[snils(1), "P001", "02.09.2024", "06"]]), "st1.csv"),
        (csv_bytes(STATUS_HEADER, [[snils(1), "P001", "09.09.2024", "09"], [snils(2), "P001", "09.09.2024", "06"]]), "st2.csv"),
        (csv_bytes(STATUS_HEADER, [[snils(9), "P001", "16.09.2024", "06"]]), "bad.csv"),  # not listed: refused
        (b"", "empty.csv"),  # unreadable: refused before validation
        (csv_bytes(STATUS_HEADER, [[snils(1), "P001", "09.09.2024", "09"], [snils(2), "P001", "09.09.2024", "06"]]), "st2_again.csv"),
        (csv_bytes(STATUS_HEADER, [[snils(4), "P002", "09.09.2024", "12"]]), "st3.csv"),
        (csv_bytes(GRAD_HEADER, more), "grads2.csv"),
        (csv_bytes(STATUS_HEADER, [[snils(5), "P001", "23.09.2024", "06"]]), "st4.csv"),
    ]  # fmt: skip


def _outcome(res: LoadResult) -> tuple[Any, ...]:
    errors = [(p.row, p.column, p.message) for p in res.errors]
    warnings = [(p.row, p.column, p.message) for p in res.warnings]
    # «уже загружен 04.12.2026 в 19:55»: the two databases load at different moments
    message = re.sub(r"\d\d\.\d\d\.\d{4} в \d\d:\d\d", "<когда>", res.message)
    return (
        res.ok,
        res.kind,
        res.file_name,
        res.rows,
        res.unchanged,
        message,
        errors,
        warnings,
        res.pairs,
    )


def _stored(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows without its time columns (the two databases load at different moments)."""
    with con.cursor() as cur:
        tables = [
            r[0]
            for r in cur.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                "AND NOT temporary ORDER BY 1"
            ).fetchall()
        ]
        out = {}
        for t in tables:
            cols = [
                r[0]
                for r in cur.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
                    "AND table_name = ? AND data_type NOT LIKE 'TIMESTAMP%' ORDER BY column_index",
                    [t],
                ).fetchall()
            ]
            names = ", ".join(f'"{c}"' for c in cols)
            out[t] = cur.execute(f"SELECT {names} FROM {t} ORDER BY ALL").fetchall()
    return out


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(file name, thread name) of every validation, in the order they ran."""
    seen: list[tuple[str, str]] = []
    real = pipeline._validate

    def spy(cur: duckdb.DuckDBPyConnection, table: Any, *args: Any) -> Any:
        seen.append((str(table.frame.height), threading.current_thread().name))
        return real(cur, table, *args)

    monkeypatch.setattr(pipeline, "_validate", spy)
    return seen


def test_batch_equals_one_file_at_a_time(tmp_path: Path, validations: list[tuple[str, str]]) -> None:
    one = region(tmp_path / "one.duckdb")
    batch = region(tmp_path / "batch.duckdb")
    try:
        singles = [load_file(one, data, name) for data, name in _batch()]
        validations.clear()
        got: list[LoadResult] = []
        results = load_files(batch, _batch(), on_result=got.append)
        assert got == results  # each result reported as it came, in order
        assert [_outcome(r) for r in results] == [_outcome(r) for r in singles]
        assert [r.ok for r in results] == [True, True, True, False, False, True, True, True, True]
        assert results[5].unchanged and "уже загружен" in results[5].message
        assert "<когда>" in _outcome(results[5])[5]
        assert "нет в списках фактического выпуска" in results[3].errors[0].message
        assert _stored(batch) == _stored(one)
    finally:
        one.close()
        batch.close()
    ahead = [thread.startswith("load-ahead") for _, thread in validations]
    # grads, st1 (after a list: not ahead), st2 (ahead beside st1), bad (beside st2), st2_again (after
    # the refused empty file: not ahead), st3 (beside st2_again), grads2, st4 (after a list: not ahead)
    assert ahead == [False, False, True, True, False, True, False, False]


def test_a_failed_validation_ahead_is_done_again_in_the_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = region(tmp_path / "one.duckdb")
    batch = region(tmp_path / "batch.duckdb")
    real = pipeline._validate
    failed: list[str] = []

    def flaky(cur: duckdb.DuckDBPyConnection, table: Any, *args: Any) -> Any:
        if threading.current_thread().name.startswith("load-ahead"):
            failed.append(table.kind)
            raise duckdb.IOException("IO Error: could not read block")
        return real(cur, table, *args)

    try:
        singles = [load_file(one, data, name) for data, name in _batch()]
        monkeypatch.setattr(pipeline, "_validate", flaky)
        results = load_files(batch, _batch())
        assert failed == ["statuses"] * 3
        assert [_outcome(r) for r in results] == [_outcome(r) for r in singles]
        assert _stored(batch) == _stored(one)
    finally:
        one.close()
        batch.close()


def test_big_files_are_not_read_ahead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above AHEAD_MAX_BYTES nothing is read ahead: neither a big next file nor the next file while a
    big one is written (two big files are never in memory at once)."""
    batch = _batch()[:3]  # grads.csv (the biggest), st1.csv, st2.csv
    assert len(batch[0][0]) > max(len(batch[1][0]), len(batch[2][0]))
    monkeypatch.setattr(pipeline, "AHEAD_MAX_BYTES", max(len(batch[1][0]), len(batch[2][0])))
    con = region(tmp_path / "t.duckdb")
    reads: dict[str, str] = {}
    real = pipeline._read_file

    def spy(source: Any, file_name: str, *args: Any) -> Any:
        reads[file_name] = threading.current_thread().name
        return real(source, file_name, *args)

    monkeypatch.setattr(pipeline, "_read_file", spy)
    try:
        results = load_files(con, batch)
    finally:
        con.close()
    assert [r.ok for r in results] == [True, True, True]
    ahead = {name: thread.startswith("load-ahead") for name, thread in reads.items()}
    # st1 follows the big list: read when its turn comes; st2 is read while st1 is written
    assert ahead == {"grads.csv": False, "st1.csv": False, "st2.csv": True}


def test_nothing_runs_beside_a_load_that_makes_room(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file whose load makes DuckDB's cache give back memory (db.make_room lowers the instance's
    limit for an instant) is never loaded while another file is read or validated ahead: make_room
    never runs while a query of the other thread may."""
    from data_layer.importer import validate

    con = region(tmp_path / "t.duckdb")
    monkeypatch.setattr(validate, "ROOM_MIN_BYTES", 1)  # every file needs room
    rooms: list[str] = []
    monkeypatch.setattr(
        validate, "make_room", lambda cur, need: rooms.append(threading.current_thread().name)
    )
    seen: list[str] = []
    real = pipeline._read_file

    def spy(*args: Any) -> Any:
        seen.append(threading.current_thread().name)
        return real(*args)

    monkeypatch.setattr(pipeline, "_read_file", spy)
    try:
        results = load_files(con, _batch()[:4])
    finally:
        con.close()
    assert [r.ok for r in results] == [True, True, True, False]
    assert len(rooms) == 8  # before each parse and before each validation, all in the loading thread
    assert not any(t.startswith("load-ahead") for t in rooms + seen)
