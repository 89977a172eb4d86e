"""Year-end forecast learned from earlier cohorts' trajectories (issue 11, item 7).

For a past cohort c whose monitoring window has closed (31 December of c + 1 on or before the date
of the forecast) and a college k of it, the *share* reached at week w after graduation is

    s(c, k, w) = rate(c, k, at graduation_c + 7·w) / rate(c, k, on 31 December of c + 1)

where graduation_c is the cohort's main graduation date (the median graduation date of the
region). A cohort now at week w with rate r is forecast to end at r / s for every past trajectory
(c, k); the forecast is the median of these values and the range is their 10th–90th percentile
(four trajectories in five end inside it), each capped to [0, 100 %]. Colleges with fewer than
MIN_DENOMINATOR graduates in the indicator's denominator on 31 December, or a final rate of 0,
teach nothing and are left out. After the window has closed the forecast is the rate itself.
Trajectories are aggregates of the whole region (no personal data), whatever the viewer's scope.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb
import polars as pl

from data_layer.scope import OPERATOR
from metrics import engine
from metrics.indicators import Indicator, places_needed, with_indicator

MIN_DENOMINATOR = 10
LOW_Q, HIGH_Q = 0.1, 0.9


@dataclass(frozen=True)
class Projection:
    """The year-end forecast of a rate and what is still needed to reach the target now."""

    year_end: dt.date
    projected_rate: float | None  # median of the forecasts of all past trajectories
    low: float | None  # 10th percentile
    high: float | None  # 90th percentile
    week: int | None  # weeks after the main graduation at the last point
    cohorts: tuple[int, ...]  # the past cohorts learned from
    trajectories: int  # number of (cohort, college) trajectories behind the range
    target: float | None
    places_needed: int | None  # graduates still to place now to reach the target
    closed: bool = False  # the window is over: the «forecast» is the actual year-end value


def quantile(values: Sequence[float], q: float) -> float:
    """Linear-interpolation quantile (the same as numpy's default and polars' 'linear')."""
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def combine(rate_now: float, shares: Sequence[float]) -> tuple[float, float, float] | None:
    """(median, low, high) of the year-end forecasts rate_now / share over the past trajectories.

    Shares of 0 or less carry no information and are skipped; forecasts are capped to [0, 1]."""
    forecasts = [min(max(rate_now / s, 0.0), 1.0) for s in shares if s > 0]
    if not forecasts:
        return None
    return quantile(forecasts, 0.5), quantile(forecasts, LOW_Q), quantile(forecasts, HIGH_Q)


def main_graduation(cur: duckdb.DuckDBPyConnection, cohort: int) -> dt.date | None:
    """The cohort's main graduation date: the median graduation date of its graduates (region)."""
    row = cur.execute(
        "SELECT CAST(quantile_disc(graduation_date, 0.5) AS DATE) FROM graduates WHERE cohort = ?", [cohort]
    ).fetchall()
    return row[0][0] if row and row[0][0] is not None else None


def week_after_graduation(cur: duckdb.DuckDBPyConnection, cohort: int, date: dt.date) -> int | None:
    g = main_graduation(cur, cohort)
    return None if g is None else max((date - g).days // 7, 0)


def past_cohorts(cur: duckdb.DuckDBPyConnection, cohort: int, as_of: dt.date) -> list[int]:
    """Earlier cohorts whose monitoring window closed on or before `as_of` (their year-end is known)."""
    rows = cur.execute(
        "SELECT DISTINCT cohort FROM graduates WHERE cohort < ? ORDER BY 1", [cohort]
    ).fetchall()
    return [int(r[0]) for r in rows if engine.window_end(int(r[0])) <= as_of]


def _bracket(
    cur: duckdb.DuckDBPyConnection, cohort: int, at: dt.date, end: dt.date
) -> tuple[dt.date, dt.date]:
    """The cohort's snapshot dates around `at`: the last on or before it and the first after it
    (both `at` when there is none on that side, or the later one falls after `end`)."""
    row = cur.execute(
        """SELECT max(snapshot_date) FILTER (WHERE snapshot_date <= ?),
                  min(snapshot_date) FILTER (WHERE snapshot_date > ?)
           FROM status_rows WHERE cohort = ?""",
        [at, at, cohort],
    ).fetchall()[0]
    before = row[0] if row[0] is not None else at
    after = row[1] if row[1] is not None and row[1] <= end else at
    return before, after


def trajectory_shares(
    cur: duckdb.DuckDBPyConnection,
    past: Sequence[int],
    week: int,
    indicator: Indicator,
    forecast: bool = False,
) -> pl.DataFrame:
    """Per past cohort and college: rate at `week` after the main graduation, rate on 31 December
    of the following year and their ratio `share`. Columns: cohort, college_code, rate_week,
    rate_end, share.

    Older cohorts may have been monitored monthly: the rate at the week is then interpolated in
    time between the snapshots around it (a snapshot tells the state on its date; the status
    reported a month later had mostly begun in between)."""
    frames = [frame for c in past if (frame := _cohort_rates(cur, c, week, indicator, forecast)) is not None]
    schema = {
        "cohort": pl.Int64,
        "college_code": pl.Utf8,
        "rate_week": pl.Float64,
        "rate_end": pl.Float64,
        "share": pl.Float64,
    }
    if not frames:
        return pl.DataFrame(schema=schema)
    return (
        pl.concat(frames, how="diagonal_relaxed")
        .filter((pl.col("den_end") >= MIN_DENOMINATOR) & (pl.col("rate_end") > 0))
        .select(
            "cohort",
            pl.col("code").alias("college_code"),
            pl.col("rate_week").cast(pl.Float64),
            pl.col("rate_end").cast(pl.Float64),
            (pl.col("rate_week") / pl.col("rate_end")).cast(pl.Float64).alias("share"),
        )
        .sort("cohort", "college_code")
    )


def _cohort_rates(
    cur: duckdb.DuckDBPyConnection, c: int, week: int, indicator: Indicator, forecast: bool
) -> pl.DataFrame | None:
    """One past cohort by college: rate_end and den_end at the window's end, rate_week interpolated
    between the snapshots around the week; None without a main graduation."""
    g = main_graduation(cur, c)
    if g is None:
        return None
    end = engine.window_end(c)
    at = min(g + dt.timedelta(days=7 * week), end)
    before, after = _bracket(cur, c, at, end)
    counts = engine.counts_at_dates(cur, OPERATOR, c, sorted({before, after, end}), by="college")
    rated = with_indicator(counts, indicator, forecast)

    def rate_on(d: dt.date, name: str) -> pl.DataFrame:
        return rated.filter(pl.col("date") == d).select("code", pl.col("rate").fill_null(0.0).alias(name))

    t = (at - before).days / (after - before).days if after > before else 0.0
    fin = rated.filter(pl.col("date") == end).select(
        "code", pl.col("rate").alias("rate_end"), pl.col("denominator").alias("den_end")
    )
    return (
        fin.join(rate_on(before, "r0"), on="code", how="left")
        .join(rate_on(after, "r1"), on="code", how="left")
        .with_columns(pl.col("r0").fill_null(0.0), pl.col("r1").fill_null(0.0))
        .with_columns(rate_week=pl.col("r0") + (pl.col("r1") - pl.col("r0")) * t, cohort=pl.lit(c, pl.Int64))
    )


def year_end(
    cur: duckdb.DuckDBPyConnection,
    cohort: int,
    date: dt.date,
    rate_now: float | None,
    indicator: Indicator,
    forecast: bool = False,
    target: float | None = None,
    need: int | None = None,
    trajectory: Callable[[list[int], int], pl.DataFrame] | None = None,
) -> Projection:
    """The forecast for 31 December of cohort + 1 of a rate `rate_now` observed at `date`.
    `trajectory(past, week)`: `trajectory_shares` of these cohorts, when the caller keeps them."""
    end = engine.window_end(cohort)
    week = week_after_graduation(cur, cohort, date)
    if rate_now is None or week is None:
        return Projection(end, None, None, None, week, (), 0, target, need)
    if date >= end:
        return Projection(end, rate_now, rate_now, rate_now, week, (), 0, target, need, closed=True)
    past = past_cohorts(cur, cohort, date)
    shares = trajectory(past, week) if trajectory else trajectory_shares(cur, past, week, indicator, forecast)
    got = combine(rate_now, shares["share"].to_list())
    if got is None:
        return Projection(end, None, None, None, week, tuple(past), 0, target, need)
    used = tuple(sorted({int(c) for c in shares["cohort"].to_list()}))
    return Projection(end, got[0], got[1], got[2], week, used, shares.height, target, need)


def last_point(series: pl.DataFrame, target: float | None) -> tuple[dt.date | None, float | None, int | None]:
    """(date, rate, graduates still to place to reach the target) at the last point of a weekly
    series (engine.weekly_series) that has a rate: what a forecast starts from."""
    pts = series.filter(pl.col("rate").is_not_null()).sort("date")
    if pts.is_empty():
        return None, None, None
    last = pts.row(-1, named=True)
    need = places_needed(last["numerator"], last["denominator"], target) if target is not None else None
    return last["date"], last["rate"], need


def project_series(
    cur: duckdb.DuckDBPyConnection,
    series: pl.DataFrame,
    cohort: int,
    indicator: Indicator,
    target: float | None,
    forecast: bool = False,
) -> Projection:
    """The forecast from the last point of a weekly series."""
    date, rate, need = last_point(series, target)
    if date is None:
        return Projection(engine.window_end(cohort), None, None, None, None, (), 0, target, None)
    return year_end(cur, cohort, date, rate, indicator, forecast, target, need)


def backtest(
    cur: duckdb.DuckDBPyConnection, cohort: int, indicator: Indicator, weeks_after: int = 13
) -> dict[str, object]:
    """Forecast of a closed cohort's regional rate made `weeks_after` weeks after its main
    graduation (learning only from cohorts closed by then) against its actual 31 December rate."""
    g = main_graduation(cur, cohort)
    if g is None:
        return {"cohort": cohort, "error": "нет выпускников"}
    made = g + dt.timedelta(days=7 * weeks_after)
    end = engine.window_end(cohort)
    counts = with_indicator(engine.counts_at_dates(cur, OPERATOR, cohort, [made, end]), indicator)
    rate = {r["date"]: r["rate"] for r in counts.iter_rows(named=True)}
    p = year_end(cur, cohort, made, rate.get(made), indicator)
    actual = rate.get(end)
    return {
        "cohort": cohort,
        "made_on": made.isoformat(),
        "rate_then": rate.get(made),
        "forecast": p.projected_rate,
        "low": p.low,
        "high": p.high,
        "learned_from": list(p.cohorts),
        "trajectories": p.trajectories,
        "actual": actual,
        "error_pp": None if p.projected_rate is None or actual is None else (p.projected_rate - actual) * 100,
        "inside_range": None
        if p.low is None or p.high is None or actual is None
        else p.low <= actual <= p.high,
    }
