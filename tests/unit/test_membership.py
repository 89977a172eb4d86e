"""Cohort membership in time (docs/domain.md §2, issue 11 item 1): a graduate is in his cohort's figures at
D only from his own graduation date — counts, denominators, weekly points, risk group.

Cohort 2025, college P001, four graduates plus one without any status:
  early  graduates 28.02.2025 (part-time), employed from the snapshot of 07.03.2025;
  june   graduates 30.06.2025, employed from the snapshot of 04.07.2025;
  ahead  graduates 30.06.2025, reported «Прогноз: будет трудоустроен» in a snapshot of 07.03.2025,
         before his graduation (the status carries into his first day as a graduate);
  dec    graduates 20.12.2025 (a December graduate), employed from the snapshot of 26.12.2025;
  silent graduates 30.06.2025, never in a snapshot.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from data_layer.scope import OPERATOR
from metrics import engine, risk
from metrics.indicators import BUILTIN_BY_ID
from metrics.settings import RiskThresholds
from tests.factories import D, Region

EF = BUILTIN_BY_ID["employment_federal"]
C = 2025


@pytest.fixture
def con(tmp_path: Path):  # type: ignore[no-untyped-def]
    r = Region(tmp_path / "m.duckdb")
    early = r.graduate(cohort=C, graduation=D(2025, 2, 28))
    june = r.graduate(cohort=C, graduation=D(2025, 6, 30))
    ahead = r.graduate(cohort=C, graduation=D(2025, 6, 30))
    dec = r.graduate(cohort=C, graduation=D(2025, 12, 20))
    r.graduate(cohort=C, graduation=D(2025, 6, 30))  # silent
    r.status(early, D(2025, 3, 7), "employed", cohort=C)
    r.status(ahead, D(2025, 3, 7), "forecast_employed", cohort=C)
    r.status(june, D(2025, 7, 4), "employed", cohort=C)
    r.status(dec, D(2025, 12, 26), "employed", cohort=C)
    return r.done()


def _at(con, d):  # type: ignore[no-untyped-def]
    row = engine.indicator_table(con, OPERATOR, C, d, EF).row(0, named=True)
    return {
        k: row[k] for k in ("total", "employed", "forecast_employed", "unknown", "numerator", "denominator")
    }


def test_nobody_counts_before_the_first_graduation(con) -> None:  # type: ignore[no-untyped-def]
    assert engine.status_counts(con, OPERATOR, C, D(2025, 2, 27)).is_empty()
    assert engine.not_yet_graduated(con, OPERATOR, C, D(2025, 2, 27)) == 5


@pytest.mark.parametrize(
    ("when", "expected", "pending"),
    [
        # only the early graduate; his first snapshot is a week later
        (
            D(2025, 3, 1),
            dict(total=1, employed=0, forecast_employed=0, unknown=1, numerator=0, denominator=1),
            4,
        ),
        # 07.03: the early graduate works; «ahead» was reported but has not graduated: not counted
        (
            D(2025, 3, 7),
            dict(total=1, employed=1, forecast_employed=0, unknown=0, numerator=1, denominator=1),
            4,
        ),
        # 30.06: three June graduates join; «ahead» brings his pre-graduation forecast status
        (
            D(2025, 6, 30),
            dict(total=4, employed=1, forecast_employed=1, unknown=2, numerator=1, denominator=4),
            1,
        ),
        (
            D(2025, 7, 4),
            dict(total=4, employed=2, forecast_employed=1, unknown=1, numerator=2, denominator=4),
            1,
        ),
        # the December graduate is in no figure the day before his graduation ...
        (
            D(2025, 12, 19),
            dict(total=4, employed=2, forecast_employed=1, unknown=1, numerator=2, denominator=4),
            1,
        ),
        # ... and counts (without a status yet) from 20.12
        (
            D(2025, 12, 20),
            dict(total=5, employed=2, forecast_employed=1, unknown=2, numerator=2, denominator=5),
            0,
        ),
        (
            D(2025, 12, 26),
            dict(total=5, employed=3, forecast_employed=1, unknown=1, numerator=3, denominator=5),
            0,
        ),
    ],
)
def test_counts_at_a_date_include_only_graduates(con, when, expected, pending) -> None:  # type: ignore[no-untyped-def]
    assert _at(con, when) == expected
    assert engine.not_yet_graduated(con, OPERATOR, C, when) == pending


def test_weekly_points_carry_their_number_of_graduates(con) -> None:  # type: ignore[no-untyped-def]
    s = engine.weekly_series(con, OPERATOR, C, D(2025, 12, 31), EF)
    by_date = {r["date"]: (r["total"], r["numerator"], r["denominator"]) for r in s.iter_rows(named=True)}
    # first point: Friday 28.02, the early graduate alone (not the cohort of five)
    assert s["date"][0] == D(2025, 2, 28)
    assert by_date[D(2025, 2, 28)] == (1, 0, 1)
    assert by_date[D(2025, 3, 7)] == (1, 1, 1)
    assert by_date[D(2025, 6, 27)] == (1, 1, 1)  # the Friday before the June graduation
    assert by_date[D(2025, 7, 4)] == (4, 2, 4)
    assert by_date[D(2025, 12, 19)] == (4, 2, 4)
    assert by_date[D(2025, 12, 26)] == (5, 3, 5)
    # the series agrees with counts at each date
    for d in (D(2025, 3, 7), D(2025, 7, 4), D(2025, 12, 26)):
        assert by_date[d][0] == _at(con, d)["total"]


def test_breakdowns_and_series_by_college_agree(con) -> None:  # type: ignore[no-untyped-def]
    by_college = engine.status_counts(con, OPERATOR, C, D(2025, 3, 7), "college")
    assert by_college.select("code", "total").rows() == [("P001", 1)]
    wide = engine.counts_at_dates(con, OPERATOR, C, [D(2025, 3, 1), D(2025, 12, 20)], None, "college")
    assert wide.sort("date").select("date", "total").rows() == [(D(2025, 3, 1), 1), (D(2025, 12, 20), 5)]


def test_risk_group_only_after_graduation(con) -> None:  # type: ignore[no-untyped-def]
    t = RiskThresholds(n1_weeks=8, n2_weeks=4, n3_weeks=12)
    # 30.06 + 56 days = 25.08; from 26.08 «silent» has had no status for more than N1 weeks.
    # The December graduate has no status either, but is not a graduate yet: not in the group.
    counts = risk.risk_counts(con, OPERATOR, C, D(2025, 8, 26), t, "region")
    assert counts["risk_count"].to_list() == [1]
    assert risk.risk_counts(con, OPERATOR, C, D(2025, 8, 25), t, "region")["risk_count"].sum() == 0
    m = risk.membership(con, OPERATOR, C, [D(2025, 12, 19), D(2026, 2, 20)], t)
    # at 19.12 only «silent»; at 20.02.2026 the December graduate has a status (employed)
    assert m.group_by("d").agg(pl.len()).sort("d").rows() == [(D(2025, 12, 19), 1), (D(2026, 2, 20), 1)]
