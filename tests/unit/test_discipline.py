"""The week's discipline (metrics.discipline) on hand-made arrivals: the deadline of the schedule
(Friday 18:00 Samara = 14:00 UTC), the first arrival per week, days late counted in started days."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from data_layer.scope import Scope
from metrics import discipline
from tests.factories import D, Region

T = dt.datetime


def _region(path: Path):  # type: ignore[no-untyped-def]
    r = Region(path)
    for college in ("P001", "P002", "P003"):
        r.graduate(college=college, graduation=D(2024, 6, 28))
    con = r.done()
    con.execute(
        "UPDATE colleges SET contact_person = 'Иванова Е. П.', phone = '+7 846 555-00-01' WHERE college_code = 'P002'"
    )
    for college, snap, received in (
        ("P001", D(2024, 7, 5), T(2024, 7, 5, 10)),  # in time (deadline 05.07 14:00 UTC)
        ("P001", D(2024, 7, 12), T(2024, 7, 13, 9)),  # 19 hours late: day 1
        ("P001", D(2024, 7, 12), T(2024, 7, 13, 11)),  # a second arrival of that week: the first counts
        ("P002", D(2024, 7, 5), T(2024, 7, 8, 15)),  # 3 days 1 hour late: 4 started days
    ):
        con.execute(
            "INSERT INTO snapshot_arrivals VALUES (?, 2024, ?, ?, NULL, 'u')", [college, snap, received]
        )
    return con


def test_week_grid_and_current_week(tmp_path: Path) -> None:
    con = _region(tmp_path / "d.duckdb")
    now = T(2024, 7, 13, 12)
    grid = discipline.week_grid(con.cursor(), Scope("ministry"), 2024, now)
    got = {
        (r["college_code"], r["deadline"]): (r["on_time"], r["days_late"]) for r in grid.iter_rows(named=True)
    }
    assert got == {
        ("P001", D(2024, 7, 5)): (True, 0),
        ("P001", D(2024, 7, 12)): (False, 1),
        ("P002", D(2024, 7, 5)): (False, 4),
        ("P002", D(2024, 7, 12)): (False, 1),  # nothing yet: 22 hours after the deadline
        ("P003", D(2024, 7, 5)): (False, 8),  # nothing: 7 days 22 hours
        ("P003", D(2024, 7, 12)): (False, 1),
    }
    names = discipline.colleges_with_contacts(con.cursor(), Scope("ministry"))
    due, week = discipline.current_week(grid, names)
    assert due == D(2024, 7, 12)
    # late first (most days late first, then by short name СМК, СПК, ТТК): all three are one day behind
    assert week.select("college_code", "state", "days_late").rows() == [
        ("P002", "не прислала", 1),
        ("P001", "с опозданием", 1),
        ("P003", "не прислала", 1),
    ]
    p2 = week.filter(college_code="P002").row(0, named=True)
    assert (p2["contact_person"], p2["phone"], p2["tu_code"]) == ("Иванова Е. П.", "+7 846 555-00-01", "TU01")


def test_scope_and_next_deadline(tmp_path: Path) -> None:
    con = _region(tmp_path / "d.duckdb")
    grid = discipline.week_grid(con.cursor(), Scope("college", "P003"), 2024, T(2024, 7, 13, 12))
    assert set(grid.get_column("college_code")) == {"P003"}
    grid = discipline.week_grid(con.cursor(), Scope("territory", "TU02"), 2024, T(2024, 7, 13, 12))
    assert set(grid.get_column("college_code")) == {"P003"}
    # Thursday 11.07.2024 10:00 Samara: the next deadline is Friday 12.07 18:00
    nxt = discipline.next_deadline(
        con.cursor(), 2024, T(2024, 7, 11, 10, tzinfo=dt.timezone(dt.timedelta(hours=4)))
    )
    assert nxt == T(2024, 7, 12, 18)


def test_coming_week_counts_what_already_arrived(tmp_path: Path) -> None:
    con = _region(tmp_path / "d.duckdb")
    con.execute(
        "INSERT INTO snapshot_arrivals VALUES ('P003', 2024, DATE '2024-07-11', TIMESTAMP '2024-07-11 08:00', NULL, 'u')"
    )
    # Thursday 11.07 12:00 UTC: the coming deadline is 12.07; P001's snapshot of 12.07 arrives only on 13.07
    nxt, sent = discipline.coming_week(con.cursor(), Scope("ministry"), 2024, T(2024, 7, 11, 12))
    assert nxt == D(2024, 7, 12)
    assert sent.rows() == [("P003", T(2024, 7, 11, 8))]
    _, later = discipline.coming_week(con.cursor(), Scope("ministry"), 2024, T(2024, 7, 12, 13))
    assert later.get_column("college_code").to_list() == ["P003"]
    _, mine = discipline.coming_week(con.cursor(), Scope("college", "P001"), 2024, T(2024, 7, 11, 12))
    assert mine.is_empty()
