"""Appending newer snapshots to the status spells (data_layer.spells.append_spells), also after
cutting them back when a load replaces the newest snapshots (spells.cut_back), writes exactly the
rows a full rebuild (rebuild_spells) writes.

Two levels: loads through the importer (in order, several dates in one file, out of order,
a replaced snapshot, an undo), each followed by a row-by-row comparison with a full rebuild of the
same database; and random histories (new, replaced newest, replaced older and in-between snapshots)
written straight into status_rows."""

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
    # the newest snapshot again with other statuses: cut back to 13.09 and appended (every graduate
    # of P001 graduated before 20.09)
    last = _load(con, "s3b.csv", [_status(1, "20.09.2024", "06"), _status(3, "20.09.2024", "13")])
    assert len(rebuilt) == 1 and _stored(con) == _full_rebuild(con)
    # undo of the replacement: the previous 20.09 rows are back, rebuilt
    with con.cursor() as cur:
        undo_load(cur, BASE, last)
    assert len(rebuilt) == 2 and _stored(con) == _full_rebuild(con)
    # after the undo the next weekly snapshot is appended again; another college is untouched
    _load(con, "s4.csv", [_status(1, "27.09.2024", "14"), _status(5, "27.09.2024", "06", college="P002")])
    assert len(rebuilt) == 2 and _stored(con) == _full_rebuild(con)


def _periods(con: duckdb.DuckDBPyConnection, n: int) -> list[tuple[Any, ...]]:
    return rows(
        con,
        "SELECT status, valid_from, valid_to, declared_from FROM status_spells WHERE person_key = ? "
        "ORDER BY valid_from",
        [snils(n, formatted=False)],
    )


def test_replacing_the_newest_snapshot_cuts_back_and_appends(
    con: duckdb.DuckDBPyConnection, rebuilt: list[list[tuple[str, int]]]
) -> None:
    # graduate 6 of the 2023 cohort in the same college: a second pair in the replaced partition
    must_load(con, csv_bytes(GRAD_HEADER, [grad_row(6, graduation="30.06.2023")]), "g2023.csv")
    rebuilt.clear()
    _load(con, "s1.csv", [_status(1, "13.09.2024", "06", "да"), _status(2, "13.09.2024", "09"),
                          _status(4, "13.09.2024", "22"), _status(6, "13.09.2024", "14")])  # fmt: skip
    _load(con, "s2.csv", [_status(1, "20.09.2024", "06", "да"), _status(2, "20.09.2024", "06"),
                          _status(3, "20.09.2024", "14"), _status(4, "20.09.2024", "06"),
                          _status(6, "20.09.2024", "06")])  # fmt: skip
    assert rebuilt == [] and _stored(con) == _full_rebuild(con)
    # 20.09 again, fewer graduates: 1 changes status on 20.09, 2 and 4 are not in it (their 13.09
    # status goes on), 3 the same; graduate 6 (2023) neither — his pair is cut back with no new row
    _load(con, "s2b.csv", [_status(1, "20.09.2024", "09"), _status(3, "20.09.2024", "14")])
    assert rebuilt == [] and _stored(con) == _full_rebuild(con)
    # hand-checked: 2 — unknown to 13.09, then гр.09 open again; 4 — forecast from his graduation on
    assert _periods(con, 2) == [
        ("unknown", dt.date(2024, 6, 30), dt.date(2024, 9, 13), None),
        ("continuing_education", dt.date(2024, 9, 13), FAR, dt.date(2024, 9, 13)),
    ]
    assert _periods(con, 4) == [("forecast_employed", dt.date(2024, 9, 15), FAR, dt.date(2024, 9, 13))]
    assert _periods(con, 6)[-1] == ("czn_unemployed", dt.date(2024, 9, 13), FAR, dt.date(2024, 9, 13))
    # 20.09 again with more graduates, and 27.09 in the same file: cut at 20.09, two dates appended
    _load(con, "s2c.csv", [_status(1, "20.09.2024", "06", "да"), _status(2, "20.09.2024", "06"),
                           _status(3, "20.09.2024", "14"), _status(4, "20.09.2024", "06"),
                           _status(6, "20.09.2024", "06"), _status(1, "27.09.2024", "06", "нет"),
                           _status(2, "27.09.2024", "09"), _status(6, "27.09.2024", "06")])  # fmt: skip
    assert rebuilt == [] and _stored(con) == _full_rebuild(con)
    assert _periods(con, 2) == [
        ("unknown", dt.date(2024, 6, 30), dt.date(2024, 9, 13), None),
        ("continuing_education", dt.date(2024, 9, 13), dt.date(2024, 9, 20), dt.date(2024, 9, 13)),
        ("employed", dt.date(2024, 9, 20), dt.date(2024, 9, 27), dt.date(2024, 9, 20)),
        ("continuing_education", dt.date(2024, 9, 27), FAR, dt.date(2024, 9, 27)),
    ]
    # an older snapshot replaced (27.09 stays after it): both pairs rebuilt
    _load(con, "s1b.csv", [_status(1, "13.09.2024", "14"), _status(6, "13.09.2024", "06")])
    assert rebuilt == [[("P001", 2023), ("P001", 2024)]] and _stored(con) == _full_rebuild(con)


def test_replacing_before_a_graduation_rebuilds(
    con: duckdb.DuckDBPyConnection, rebuilt: list[list[tuple[str, int]]]
) -> None:
    # graduate 4 graduates on 15.09: a spell of his that ended by then was never stored, so the
    # spells cannot be cut back at 06.09 or 13.09 — the pair is rebuilt
    _load(con, "s1.csv", [_status(1, "06.09.2024", "06"), _status(4, "06.09.2024", "22")])
    _load(con, "s2.csv", [_status(1, "13.09.2024", "06"), _status(4, "13.09.2024", "09")])
    assert rebuilt == []
    _load(con, "s2b.csv", [_status(1, "13.09.2024", "14"), _status(4, "13.09.2024", "06")])
    assert rebuilt == [[("P001", 2024)]] and _stored(con) == _full_rebuild(con)
    assert _periods(con, 4) == [("employed", dt.date(2024, 9, 15), FAR, dt.date(2024, 9, 13))]
    # after his graduation date the newest snapshot is cut back again
    _load(con, "s3.csv", [_status(1, "20.09.2024", "06"), _status(4, "20.09.2024", "09")])
    _load(con, "s3b.csv", [_status(1, "20.09.2024", "09")])
    assert len(rebuilt) == 1 and _stored(con) == _full_rebuild(con)


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
_ROW_COLUMNS = ["college_code", "snapshot_date", "cohort", "person_key", "status", "status_start",
                "by_specialty", "discharge_date", "load_id"]  # fmt: skip
# a load's snapshots: newer than every stored one, the newest again (alone, with a newer one, or
# with the very same rows), an older one again, a new one between stored ones
_KINDS = ("new", "newest", "newest_and_new", "identical", "older", "between")


def _history_db(path: Path, rng: random.Random) -> tuple[duckdb.DuckDBPyConnection, list[tuple[str, int]]]:
    """P001: 1-8 graduates of 2024 (graduation dates around the first snapshots) and 0-3 of 2023."""
    con = db.open_database(path)
    people = [(f"K{i}", 2024) for i in range(rng.randint(1, 8))] + [
        (f"J{i}", 2023) for i in range(rng.randint(0, 3))
    ]
    for key, cohort in people:
        graduation = rng.choice(_GRADUATION) if cohort == 2024 else dt.date(2023, 6, 30)
        con.execute(
            """INSERT INTO graduates (person_key, last_name, first_name, birth_date, sex, college_code,
                   program_code, study_form, graduation_date, cohort)
               VALUES (?, 'Иванов', 'Иван', DATE '2004-01-01', 'М', 'P001', '09.02.07', 'очная', ?, ?)""",
            [key, graduation, cohort],
        )
    spells.rebuild_spells(con)
    return con, people


def _snapshot_rows(
    rng: random.Random, people: list[tuple[str, int]], dates: list[dt.date], load_id: int
) -> list[list[Any]]:
    """About three of four graduates in each snapshot (a replacement may hold fewer or more)."""
    out = []
    for d in dates:
        for key, cohort in people:
            if rng.random() < 0.75:
                start = rng.choice([None, dt.date(2024, 7, 1)])
                discharge = rng.choice([None, None, dt.date(2024, 5, 1)])
                status = rng.choice(_CODES)
                out.append(["P001", d, cohort, key, status, start, rng.random() < 0.5, discharge, load_id])
    return out


def _store_and_update(
    con: duckdb.DuckDBPyConnection, lines: list[list[Any]], load_id: int
) -> tuple[set[tuple[str, int]], set[tuple[str, int]]]:
    """Replace the (college, date) partitions of one load's rows and update the spells as
    store.apply does; returns (the pairs rebuilt, the pairs whose stored rows it replaced)."""
    frame = pl.DataFrame(lines, schema=_ROW_COLUMNS, orient="row")
    firsts = frame.group_by("college_code", "cohort").agg(pl.col("snapshot_date").min().alias("first_new"))
    parts = """EXISTS (SELECT 1 FROM _lines l WHERE l.college_code = t.college_code
                                                AND l.snapshot_date = t.snapshot_date)"""
    with con.cursor() as cur:
        cur.execute("BEGIN TRANSACTION")
        cur.register("_lines", frame)
        replaced = cur.sql(
            f"""SELECT college_code, cohort, min(snapshot_date) AS first_replaced FROM status_rows t
                WHERE {parts} GROUP BY ALL"""
        ).pl()
        cur.execute(f"DELETE FROM status_rows AS t WHERE {parts}")
        cur.execute(f"INSERT INTO status_rows ({', '.join(_ROW_COLUMNS)}) SELECT * FROM _lines")
        cur.unregister("_lines")
        rebuilt = spells.update_after_status_load(cur, load_id, firsts, replaced)
        cur.execute("COMMIT")
    return rebuilt, {(str(c), int(y)) for c, y, _ in replaced.iter_rows()}


def _dates(kind: str, rng: random.Random, stored: list[dt.date]) -> list[dt.date]:
    newest = stored[-1]
    later = newest + dt.timedelta(days=rng.choice([4, 7, 14]))
    if kind == "new":
        return [later] + ([later + dt.timedelta(days=3)] if rng.random() < 0.4 else [])
    if kind == "newest_and_new":
        return [newest, later]
    if kind == "older" and len(stored) > 1:
        return [rng.choice(stored[:-1])]
    if kind == "between" and stored[-1] - stored[-2] > dt.timedelta(days=1):
        return [stored[-2] + dt.timedelta(days=1)]
    return [newest]


def _one_history(tmp_path: Path, seed: int, paths: dict[str, int]) -> None:
    rng = random.Random(seed)
    con, people = _history_db(tmp_path / f"h{seed}.duckdb", rng)
    last_graduation = max(rows(con, "SELECT graduation_date FROM graduates WHERE cohort = 2024"))[0]
    stored = [dt.date(2024, 7, 5)]
    schedule = ["new", "new", *rng.sample([*_KINDS, "newest"], k=len(_KINDS) + 1)]
    for load_id, kind in enumerate(schedule, start=1):
        dates = _dates(kind, rng, stored)
        if kind == "identical":
            same = f"SELECT {', '.join(_ROW_COLUMNS[:-1])}, ? FROM status_rows WHERE snapshot_date = ?"
            lines = [list(r) for r in rows(con, same, [load_id, dates[0]])]
        else:
            lines = _snapshot_rows(rng, people, dates, load_id)
        if not lines:
            continue
        rebuilt, replaced = _store_and_update(con, lines, load_id)
        stored = sorted({*stored, *dates})
        assert _stored(con) == _full_rebuild(con), f"seed {seed}, load {load_id} ({kind}: {dates})"
        if kind in ("new", "newest", "newest_and_new", "identical"):
            # a cut before a graduation date rebuilds (the pair of 2023 never: graduated long before)
            late = last_graduation >= dates[0] and ("P001", 2024) in replaced
            assert rebuilt == ({("P001", 2024)} if late else set()), f"seed {seed}, load {load_id} ({kind})"
            paths["rebuilt" if late else ("cut" if replaced else "appended")] += 1
    con.close()


@pytest.mark.parametrize("chunk", range(4))
def test_random_histories_appended_match_a_full_rebuild(tmp_path: Path, chunk: int) -> None:
    paths = {"appended": 0, "cut": 0, "rebuilt": 0}
    for seed in range(chunk * 8, chunk * 8 + 8):
        _one_history(tmp_path, seed, paths)
    assert min(paths.values()) > 0, paths  # every path ran
