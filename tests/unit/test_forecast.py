"""The learned year-end forecast (metrics/forecast.py) on hand-computed trajectories."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from metrics import forecast
from metrics.indicators import BUILTIN_BY_ID
from tests.factories import Region

D = dt.date
EF = BUILTIN_BY_ID["employment_federal"]


@pytest.fixture
def region(tmp_path: Path) -> Region:
    return Region(tmp_path / "t.duckdb")


def _cohort(region: Region, college: str, cohort: int, n: int, snapshots: dict[dt.date, int]) -> None:
    """n graduates on 28 June; at each snapshot date the first k of them are employed, the rest
    undetermined (in the denominator of employment_federal)."""
    keys = [region.graduate(college=college, cohort=cohort, graduation=D(cohort, 6, 28)) for _ in range(n)]
    for day, k in snapshots.items():
        for i, key in enumerate(keys):
            region.status(key, day, "employed" if i < k else "undetermined", college=college, cohort=cohort)


def _history(region: Region) -> None:
    # 2021, P001: monitored monthly around week 4 (26.07.2021): 2 of 10 on 12.07, 6 of 10 on 09.08,
    # so at 26.07 (14 of 28 days) the interpolated rate is 0.2 + 0.4 * 14/28 = 0.4; on 30.12.2022
    # 10 of 10: share 0.4 / 1.0 = 0.4.
    _cohort(region, "P001", 2021, 10, {D(2021, 7, 12): 2, D(2021, 8, 9): 6, D(2022, 12, 30): 10})
    # 2022, P001: 4 of 10 at week 4 (26.07.2022), 8 of 10 at the end: share 0.5.
    _cohort(region, "P001", 2022, 10, {D(2022, 7, 26): 4, D(2023, 12, 29): 8})
    # 2022, P002: 2 of 10 at week 4, 8 of 10 at the end: share 0.25.
    _cohort(region, "P002", 2022, 10, {D(2022, 7, 26): 2, D(2023, 12, 29): 8})
    # 2022, P003: 5 graduates only (below MIN_DENOMINATOR): teaches nothing.
    _cohort(region, "P003", 2022, 5, {D(2022, 7, 26): 5, D(2023, 12, 29): 5})
    # the current cohort: graduated 28.06.2024
    _cohort(region, "P001", 2024, 10, {D(2024, 7, 26): 3})


def test_combine_median_and_range_by_hand() -> None:
    # forecasts 0.3/0.4 = 0.75, 0.3/0.5 = 0.6, 0.3/0.25 = 1.2 -> capped 1.0; sorted 0.6, 0.75, 1.0
    med, low, high = forecast.combine(0.3, [0.4, 0.5, 0.25, 0.0]) or (0, 0, 0)
    assert med == pytest.approx(0.75)
    assert low == pytest.approx(0.6 + 0.15 * 0.2)  # position 0.2 between 0.6 and 0.75
    assert high == pytest.approx(0.75 + 0.25 * 0.8)  # position 1.8 between 0.75 and 1.0
    assert forecast.combine(0.3, [0.0, -1.0]) is None


def test_trajectory_shares_by_hand(region: Region) -> None:
    _history(region)
    con = region.done()
    s = forecast.trajectory_shares(con, [2021, 2022], 4, EF)
    got = {(r["cohort"], r["college_code"]): r["share"] for r in s.iter_rows(named=True)}
    assert got == pytest.approx({(2021, "P001"): 0.4, (2022, "P001"): 0.5, (2022, "P002"): 0.25})


def test_year_end_forecast_from_past_cohorts(region: Region) -> None:
    _history(region)
    con = region.done()
    assert forecast.week_after_graduation(con, 2024, D(2024, 7, 26)) == 4
    assert forecast.past_cohorts(con, 2024, D(2024, 7, 26)) == [2021, 2022]
    # 2022 closes on 31.12.2023: not known yet in June 2023
    assert forecast.past_cohorts(con, 2024, D(2023, 6, 1)) == [2021]
    p = forecast.year_end(con, 2024, D(2024, 7, 26), 0.3, EF, target=0.625, need=4)
    assert p.year_end == D(2025, 12, 31)
    assert p.projected_rate == pytest.approx(0.75)
    assert p.low == pytest.approx(0.63) and p.high == pytest.approx(0.95)
    assert p.cohorts == (2021, 2022) and p.trajectories == 3 and p.week == 4
    assert not p.closed and p.places_needed == 4


def test_no_history_no_forecast_and_closed_window(region: Region) -> None:
    _cohort(region, "P001", 2024, 10, {D(2024, 7, 26): 3})
    con = region.done()
    p = forecast.year_end(con, 2024, D(2024, 7, 26), 0.3, EF)
    assert p.projected_rate is None and p.trajectories == 0 and p.week == 4
    done = forecast.year_end(con, 2024, D(2025, 12, 31), 0.7, EF)
    assert done.closed and done.projected_rate == done.low == done.high == 0.7


def test_project_series_uses_the_last_point(region: Region) -> None:
    from data_layer.scope import OPERATOR
    from metrics import engine

    _history(region)
    con = region.done()
    series = engine.weekly_series(con, OPERATOR, 2024, D(2024, 7, 26), EF)
    p = forecast.project_series(con, series, 2024, EF, 0.625)
    assert p.projected_rate == pytest.approx(0.75)  # rate 3/10 at week 4, as above
    assert p.places_needed == 4  # ceil(0.625 * 10) - 3


def test_backtest_by_hand(region: Region) -> None:
    # 2021 (closed 31.12.2022): 5 of 10 employed 13 weeks after 28.06.2021 (27.09.2021), 10 of 10 at
    # the end -> share 0.5. 2023: 4 of 10 at 27.09.2023 -> forecast 0.4 / 0.5 = 0.8; actually 7 of 10
    # on 31.12.2024 -> error +10 p.p.; one trajectory: the range is the point, the actual is outside.
    _cohort(region, "P001", 2021, 10, {D(2021, 9, 27): 5, D(2022, 12, 30): 10})
    _cohort(region, "P001", 2023, 10, {D(2023, 9, 27): 4, D(2024, 12, 27): 7})
    con = region.done()
    r = forecast.backtest(con, 2023, EF, 13)
    assert r["made_on"] == "2023-09-27" and r["learned_from"] == [2021] and r["trajectories"] == 1
    assert r["rate_then"] == pytest.approx(0.4) and r["actual"] == pytest.approx(0.7)
    assert r["forecast"] == pytest.approx(0.8) and r["low"] == r["high"] == pytest.approx(0.8)
    assert r["error_pp"] == pytest.approx(10.0) and r["inside_range"] is False
