"""Timeliness by arrival (metrics/timeliness.py): deadlines of the schedule, first arrival per week,
back-filled snapshots late; arrival times recorded by the importer only. Hand-computed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from data_layer.scope import Scope
from metrics import criteria, timeliness
from metrics.timeliness import Schedule
from tests.factories import Region
from tests.fixtures.import_helpers import (
    GRAD_HEADER,
    STATUS_HEADER,
    csv_bytes,
    grad_row,
    must_load,
    region,
    snils,
)

D = dt.date
T = dt.datetime


def test_first_deadline_is_the_first_friday_after_graduation() -> None:
    # graduation on Friday 28.06.2024: the first deadline is Friday 05.07 (not Saturday 29.06),
    # 18:00 Samara = 14:00 UTC
    got = timeliness.deadlines(D(2024, 6, 28), 2024, timeliness.DEFAULT, T(2024, 7, 13))
    assert got == [(D(2024, 7, 5), T(2024, 7, 5, 14)), (D(2024, 7, 12), T(2024, 7, 12, 14))]
    assert all(d.isoweekday() == 5 for d, _ in got)
    # graduation on Thursday 27.06: Friday 28.06 is already a deadline
    assert timeliness.deadlines(D(2024, 6, 27), 2024, timeliness.DEFAULT, T(2024, 6, 29))[0][0] == D(
        2024, 6, 28
    )


def test_current_cohort_schedule_then_weekly_as_previous_cohort() -> None:
    # a December graduate; every two weeks on Wednesdays at 12:00 Samara (08:00 UTC) in 2024, then
    # weekly from the first Wednesday of 2025
    s = Schedule(weekday=3, hour=12, every_weeks=2)
    got = [d for d, _ in timeliness.deadlines(D(2024, 12, 10), 2024, s, T(2025, 1, 16))]
    assert got == [D(2024, 12, 11), D(2024, 12, 25), D(2025, 1, 1), D(2025, 1, 8), D(2025, 1, 15)]
    # the deadline hour counts: at 07:59 UTC on 15.01 that week's deadline has not passed yet
    assert len(timeliness.deadlines(D(2024, 12, 10), 2024, s, T(2025, 1, 15, 7, 59))) == 4


def _arrival(
    con: duckdb.DuckDBPyConnection, snap: dt.date, received: dt.datetime, college: str = "P001"
) -> None:
    con.execute("INSERT INTO snapshot_arrivals VALUES (?, 2024, ?, ?, NULL, 'u')", [college, snap, received])


def test_back_filled_snapshot_is_late_and_first_arrival_counts(tmp_path: Path) -> None:
    r = Region(tmp_path / "t.duckdb")
    k = r.graduate(graduation=D(2024, 6, 28))
    for day in (D(2024, 7, 5), D(2024, 7, 12), D(2024, 7, 19), D(2024, 7, 24)):
        r.status(k, day, "employed")
    con = r.done()
    _arrival(con, D(2024, 6, 28), T(2024, 6, 28, 10))  # dated on graduation day: no week
    _arrival(con, D(2024, 7, 5), T(2024, 7, 5, 13))  # 17:00 Samara, before 18:00: on time
    _arrival(con, D(2024, 7, 5), T(2024, 8, 1, 9))  # reloaded later: the first arrival counts
    _arrival(con, D(2024, 7, 12), T(2024, 7, 12, 15))  # 19:00 Samara: an hour late
    _arrival(con, D(2024, 7, 19), T(2024, 8, 9, 9))  # back-filled three weeks later: late
    _arrival(con, D(2024, 7, 24), T(2024, 7, 24, 6))  # Wednesday: on time for the week of 26.07
    t = timeliness.college_timeliness(con, 2024, D(2024, 7, 26), now_utc=T(2024, 8, 10)).row(0, named=True)
    # weeks 05.07, 12.07, 19.07, 26.07: on time 05.07 and 26.07; late 12.07 and 19.07
    assert (t["expected_weeks"], t["updated_weeks"], t["late_weeks"], t["missed_weeks"]) == (4, 2, 2, 2)
    assert t["timeliness"] == 0.5
    assert t["last_update"] == D(2024, 7, 24)
    # on 26.07 at 16:00 Samara (12:00 UTC) the week of 26.07 is not due yet: 3 weeks, 1 on time
    early = timeliness.college_timeliness(con, 2024, D(2024, 7, 26), now_utc=T(2024, 7, 26, 12)).row(
        0, named=True
    )
    assert (early["expected_weeks"], early["updated_weeks"]) == (3, 1)
    # a schedule on Mondays 10:00 (06:00 UTC): 01.07 (no snapshot), 08.07 (05.07, arrived 05.07: on
    # time), 15.07 (12.07, arrived 12.07: on time), 22.07 (19.07, back-filled 09.08: late); the
    # snapshot of 24.07 belongs to 29.07, after the evaluation date
    con.execute("INSERT INTO update_schedules VALUES (2024, 1, 10, 1, TIMESTAMP '2024-06-01 00:00', 'bc')")
    mon = timeliness.college_timeliness(con, 2024, D(2024, 7, 26), now_utc=T(2024, 8, 10)).row(0, named=True)
    assert (mon["expected_weeks"], mon["updated_weeks"], mon["late_weeks"]) == (4, 2, 1)


def test_criterion_value_is_the_on_time_share(tmp_path: Path) -> None:
    r = Region(tmp_path / "t.duckdb")
    k = r.graduate(graduation=D(2024, 6, 28))
    r.status(k, D(2024, 7, 5), "employed")
    con = r.done()
    _arrival(con, D(2024, 7, 5), T(2024, 7, 5, 10))
    v = criteria.college_metric_values(con, 2024, D(2024, 7, 26)).row(0, named=True)
    assert v["timeliness"] == 0.25  # 1 of the 4 Fridays 05.07–26.07


def test_events_count_the_preparation_year_only(tmp_path: Path) -> None:
    r = Region(tmp_path / "t.duckdb")
    r.graduate(graduation=D(2024, 6, 28))
    con = r.done()
    for day, n in ((D(2023, 9, 20), 100), (D(2023, 10, 1), 2), (D(2024, 5, 31), 3), (D(2024, 6, 10), 50)):
        con.execute("INSERT INTO events VALUES ('P001', ?, 'иное', ?, ?, 0, NULL)", [day, f"e{n}", n])
    v = criteria.college_metric_values(con, 2024, D(2024, 7, 26)).row(0, named=True)
    assert v["events_per_graduate"] == 5.0  # 2 + 3 participations in October–May, one graduate


def test_the_importer_records_arrivals_from_its_own_clock(tmp_path: Path) -> None:
    con = region(tmp_path / "i.duckdb")
    must_load(con, csv_bytes(GRAD_HEADER, [grad_row(1), grad_row(2)]), "g.csv")
    before = timeliness.utc_now()
    st = [[snils(1), "P001", "05.07.2024", "06"], [snils(2), "P001", "12.07.2024", "09"]]
    must_load(con, csv_bytes(STATUS_HEADER, st), "s.csv", scope=Scope("college", "P001", "col"))
    # the same snapshot of 05.07 loaded again with other content: a second arrival, the first kept
    must_load(con, csv_bytes(STATUS_HEADER, [[snils(1), "P001", "05.07.2024", "09"]]), "s2.csv")
    rows = con.execute(
        "SELECT snapshot_date, received_at, username FROM snapshot_arrivals ORDER BY received_at, snapshot_date"
    ).fetchall()
    assert [(d, u) for d, _, u in rows] == [
        (D(2024, 7, 5), "col"),
        (D(2024, 7, 12), "col"),
        (D(2024, 7, 5), "operator"),
    ]
    assert all(before <= t <= timeliness.utc_now() for _, t, _ in rows)
    assert rows[0][1] <= rows[2][1]


@pytest.mark.parametrize(
    ("s", "ok"), [(Schedule(5, 18, 1), True), (Schedule(0, 18, 1), False), (Schedule(5, 24, 1), False)]
)
def test_schedule_validation(s: Schedule, ok: bool) -> None:
    assert (timeliness.validate_schedule(s) == []) is ok
