"""Graduating students at risk before graduation (issue 14, part 3), by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_layer.errors import ScopeError
from data_layer.scope import OPERATOR, Scope
from metrics import pregraduation as pg
from tests.factories import D, Region


def test_students_at_risk_by_hand(tmp_path: Path) -> None:
    r = Region(tmp_path / "p.duckdb")
    s1, s2, s3 = (r.graduate(cohort=2026, graduation=D(2026, 6, 30)) for _ in range(3))
    done = r.graduate(cohort=2025, graduation=D(2025, 6, 30))  # last year's: not a student
    con = r.done()
    t1 = "12345678901"
    con.execute(
        "INSERT INTO career_tracks VALUES (?, 'P001', '2025/2026', 'трудоустройство', DATE '2025-10-01', NULL),"
        "(?, 'P001', '2025/2026', 'не определился', DATE '2025-10-01', NULL),"
        "(?, 'P003', '2025/2026', 'продолжение обучения', DATE '2025-10-20', NULL),"
        "(?, 'P001', '2024/2025', 'трудоустройство', DATE '2024-10-01', NULL)",
        [s1, s3, t1, done],
    )
    con.execute(
        "INSERT INTO events VALUES ('P001', DATE '2025-10-10', 'ярмарка вакансий', 'Ярмарка', 5, 3, NULL),"
        "('P003', DATE '2025-08-10', 'ярмарка вакансий', 'Летняя', 7, 2, NULL)"  # before 1 September
    )
    as_of = D(2025, 11, 14)
    assert pg.graduating_year(as_of) == 2026 and pg.in_season(as_of)
    got = pg.students_at_risk(con, OPERATOR, as_of)
    assert {(r["person_key"], tuple(r["reasons"])) for r in got.to_dicts()} == {
        (s2, ("no_track",)),
        (s3, ("undetermined",)),
        (t1, ("no_events",)),  # P003: its only event was in August
    }
    assert pg.counts(con, Scope("ministry"), as_of).select("college_code", "students", "at_risk").rows() == [
        ("P001", 3, 2),
        ("P003", 1, 1),
    ]
    # the track formed on 20.10 is not known yet on 15.10: t1 is not a student then (no list row)
    assert t1 not in pg.students_at_risk(con, OPERATOR, D(2025, 10, 15))["person_key"].to_list()
    assert pg.students_at_risk(con, Scope("college", "P003"), as_of)["person_key"].to_list() == [t1]
    with pytest.raises(ScopeError):
        pg.students_at_risk(con, Scope("territory", "TU01"), as_of)
