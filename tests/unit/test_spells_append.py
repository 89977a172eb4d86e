"""Appending newer snapshots to the status spells (data_layer.spells.append_spells) writes exactly
the rows a full rebuild (rebuild_spells) writes.

Two levels: loads through the importer (in order, several dates in one file, out of order,
a replaced snapshot, an undo), each followed by a row-by-row comparison with a full rebuild of the
same database; and random histories written straight into status_rows."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

from data_layer import db, spells
from data_layer.scope import Scope
from ops.loads import undo_load
from tests.fixtures.import_helpers import (
    GRAD_HEADER,
    STATUS_HEADER,
    csv_bytes,
    grad_row,
    must_load,
    region,
    rows,
    snils,
)

BASE = Scope("base_centre", None, "base")
STATUS_FULL = [*STATUS_HEADER, "По специальности", "Дата начала статуса"]
FAR = dt.date(9999, 12, 31)


def _full_rebuild(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """The spells a full rebuild writes (rolled back: the stored ones stay)."""
    with con.cursor() as cur:
        cur.execute("BEGIN TRANSACTION")
        spells.rebuild_spells(cur)
        out = cur.execute("SELECT * FROM status_spells ORDER BY ALL").fetchall()
        cur.execute("ROLLBACK")
    return out


def _stored(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return rows(con, "SELECT * FROM status_spells ORDER BY ALL")


@pytest.fixture
def rebuilt(monkeypatch: pytest.MonkeyPatch) -> list[list[tuple[str, int]]]:
    """The pairs of every rebuild_spells call (to tell the append path from a rebuild)."""
    calls: list[list[tuple[str, int]]] = []
    real = spells.rebuild_spells

    def spy(cur: duckdb.DuckDBPyConnection, pairs: Any = None) -> None:
        listed = None if pairs is None else sorted(set(pairs))
        if listed:
            calls.append(listed)
        real(cur, pairs)

    monkeypatch.setattr(spells, "rebuild_spells", spy)
    return calls


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """P001 graduates 1-4 (4 graduates on 15.09.2024, after the first snapshots), P002 graduate 5."""
    c = region(tmp_path / "t.duckdb")
    grads = [grad_row(1), grad_row(2), grad_row(3), grad_row(4, graduation="15.09.2024"), grad_row(5, "P002")]
    must_load(c, csv_bytes(GRAD_HEADER, grads), "g.csv")
    yield c
    c.close()


def _status(n: int, date: str, code: str, by: str = "", start: str = "", college: str = "P001") -> list[str]:
    return [snils(n), college, date, code, by, start]


def _load(con: duckdb.DuckDBPyConnection, name: str, lines: list[list[str]]) -> int:
    res = must_load(con, csv_bytes(STATUS_FULL, lines), name, scope=BASE)
    assert res.load_id is not None
    return res.load_id


def test_newer_snapshots_are_appended_with_the_rows_of_a_full_rebuild(
    con: duckdb.DuckDBPyConnection, rebuilt: list[list[tuple[str, int]]]
) -> None:
    _load(con, "s1.csv", [_status(1, "06.09.2024", "06", "да"), _status(2, "06.09.2024", "09"),
                          _status(4, "06.09.2024", "22")])  # fmt: skip
    assert rebuilt == [] and _stored(con) == _full_rebuild(con)
    # one file, two newer dates: 1 same, then by_specialty changes (new spell, same run);
    # 2 changes status; 3 gets a first status; 4 (graduates 15.09) employed from 20.09
    _load(con, "s2.csv", [
        _status(1, "13.09.2024", "06", "да"), _status(1, "20.09.2024", "06", "нет"),
        _status(2, "13.09.2024", "06"), _status(3, "20.09.2024", "14", start="01.09.2024"),
        _status(4, "13.09.2024", "22"), _status(4, "20.09.2024", "06"),
    ])  # fmt: skip
    assert rebuilt == [] and _stored(con) == _full_rebuild(con)
    # hand-checked: graduate 1 — unknown to 06.09, employed by specialty, employed not by
    # specialty from 20.09, both declared on 06.09 (one run of the status)
    assert rows(
        con,
        "SELECT status, by_specialty, valid_from, valid_to, declared_from FROM status_spells "
        "WHERE person_key = ? ORDER BY valid_from",
        [snils(1, formatted=False)],
    ) == [
        ("unknown", False, dt.date(2024, 6, 30), dt.date(2024, 9, 6), None),
        ("employed", True, dt.date(2024, 9, 6), dt.date(2024, 9, 20), dt.date(2024, 9, 6)),
        ("employed", False, dt.date(2024, 9, 20), FAR, dt.date(2024, 9, 6)),
    ]
    # graduate 4: the forecast before graduation carries into 15.09 (clipped), then employed
    assert rows(
        con,
        "SELECT status, valid_from, valid_to, declared_from FROM status_spells WHERE person_key = ? "
        "ORDER BY valid_from",
        [snils(4, formatted=False)],
    ) == [
        ("forecast_employed", dt.date(2024, 9, 15), dt.date(2024, 9, 20), dt.date(2024, 9, 6)),
        ("employed", dt.date(2024, 9, 20), FAR, dt.date(2024, 9, 20)),
    ]


def test_older_replaced_and_undone_snapshots_rebuild_and_match(
    con: duckdb.DuckDBPyConnection, rebuilt: list[list[tuple[str, int]]]
) -> None:
    _load(con, "s1.csv", [_status(1, "06.09.2024", "06"), _status(2, "06.09.2024", "09")])
    _load(con, "s3.csv", [_status(1, "20.09.2024", "14"), _status(3, "20.09.2024", "06")])
    assert rebuilt == []
    # an older snapshot in the middle: rebuilt, same rows as from scratch
    _load(con, "s2.csv", [_status(1, "13.09.2024", "09"), _status(2, "13.09.2024", "09")])
    assert rebuilt == [[("P001", 2024)]] and _stored(con) == _full_rebuild(con)
    # the newest snapshot again with other statuses: replaced, rebuilt
    last = _load(con, "s3b.csv", [_status(1, "20.09.2024", "06"), _status(3, "20.09.2024", "13")])
    assert len(rebuilt) == 2 and _stored(con) == _full_rebuild(con)
    # undo of the replacement: the previous 20.09 rows are back, rebuilt
    with con.cursor() as cur:
        undo_load(cur, BASE, last)
    assert len(rebuilt) == 3 and _stored(con) == _full_rebuild(con)
    # after the undo the next weekly snapshot is appended again; another college is untouched
    _load(con, "s4.csv", [_status(1, "27.09.2024", "14"), _status(5, "27.09.2024", "06", college="P002")])
    assert len(rebuilt) == 3 and _stored(con) == _full_rebuild(con)


def test_graduation_list_after_statuses_rebuilds(
    con: duckdb.DuckDBPyConnection, rebuilt: list[list[tuple[str, int]]]
) -> None:
    _load(con, "s1.csv", [_status(1, "06.09.2024", "06"), _status(2, "06.09.2024", "09")])
    # graduate 2 leaves the list, 6 joins: rebuilt; the next snapshot appends on the new list
    must_load(con, csv_bytes(GRAD_HEADER, [grad_row(1), grad_row(3), grad_row(4), grad_row(6)]), "g2.csv")
    assert rebuilt == [[("P001", 2024)]]
    _load(con, "s2.csv", [_status(1, "13.09.2024", "09"), _status(6, "13.09.2024", "06")])
    assert len(rebuilt) == 1 and _stored(con) == _full_rebuild(con)


# ---------------------------------------------------------------- random histories, no importer

_CODES = ("employed", "czn_unemployed", "continuing_education", "unknown")
_GRADUATION = (dt.date(2024, 6, 28), dt.date(2024, 7, 10), dt.date(2024, 8, 1))


def _history_db(path: Path, rng: random.Random) -> tuple[duckdb.DuckDBPyConnection, int]:
    con = db.open_database(path)
    n = rng.randint(1, 8)
    for i in range(n):
        con.execute(
            """INSERT INTO graduates (person_key, last_name, first_name, birth_date, sex, college_code,
                   program_code, study_form, graduation_date, cohort)
               VALUES (?, 'Иванов', 'Иван', DATE '2004-01-01', 'М', 'P001', '09.02.07', 'очная', ?, 2024)""",
            [f"K{i}", rng.choice(_GRADUATION)],
        )
    spells.rebuild_spells(con)
    return con, n


def _snapshot_rows(rng: random.Random, people: int, dates: list[dt.date], load_id: int) -> list[list[Any]]:
    out = []
    for d in dates:
        for i in range(people):
            if rng.random() < 0.75:
                start = rng.choice([None, dt.date(2024, 7, 1)])
                discharge = rng.choice([None, None, dt.date(2024, 5, 1)])
                status = rng.choice(_CODES)
                out.append(["P001", d, 2024, f"K{i}", status, start, rng.random() < 0.5, discharge, load_id])
    return out


def _store_and_update(con: duckdb.DuckDBPyConnection, lines: list[list[Any]], load_id: int) -> bool:
    """Store one load's rows and update the spells as store.apply does; True when appended."""
    frame = pl.DataFrame(
        lines,
        schema=["college_code", "snapshot_date", "cohort", "person_key", "status", "status_start",
                "by_specialty", "discharge_date", "load_id"],
        orient="row",
    )  # fmt: skip
    firsts = frame.group_by("college_code", "cohort").agg(pl.col("snapshot_date").min().alias("first_new"))
    with con.cursor() as cur:
        cur.execute("BEGIN TRANSACTION")
        appendable = spells.appendable_pairs(cur, firsts)
        cur.register("_lines", frame)
        cur.execute(
            """INSERT INTO status_rows (college_code, snapshot_date, cohort, person_key, status, status_start,
                   by_specialty, discharge_date, load_id) SELECT * FROM _lines"""
        )
        cur.unregister("_lines")
        rest = spells.append_spells(cur, load_id, appendable)
        spells.rebuild_spells(cur, rest | ({("P001", 2024)} - appendable))
        cur.execute("COMMIT")
    return bool(appendable - rest)


@pytest.mark.parametrize("seed", range(40))
def test_random_histories_appended_match_a_full_rebuild(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    con, people = _history_db(tmp_path / "h.duckdb", rng)
    day = dt.date(2024, 6, 20)
    appended = 0
    for load_id in range(1, 6):
        day += dt.timedelta(days=rng.choice([4, 7, 14]))
        dates = [day] + ([day + dt.timedelta(days=3)] if rng.random() < 0.4 else [])
        day = dates[-1]
        lines = _snapshot_rows(rng, people, dates, load_id)
        if not lines:
            continue
        appended += _store_and_update(con, lines, load_id)
        assert _stored(con) == _full_rebuild(con), f"seed {seed}, load {load_id}"
    assert appended > 0  # the append path ran
    con.close()
