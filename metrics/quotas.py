"""Employment by college × specialty over the last three cohorts, for admission quotas (КЦП, issue 13).

Cohorts are compared at the same point of their cycle: cohort C at the as-of date D, cohort C−k at
D − k years (capped at its monitoring window), so a young cohort is not set against a finished one.
The indicator is any registry indicator (the headline one on the page). A group with fewer than
SMALL_GROUP graduates is marked «мало данных»; its trend is not computed. Trend = rate of the newest
cohort − rate of the oldest cohort with data, in percentage points.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import duckdb
import polars as pl

from data_layer.scope import Scope
from metrics import engine
from metrics.indicators import Indicator

SMALL_GROUP = 10  # fewer graduates: «мало данных», no trend
YEARS = 3


def same_point(as_of: dt.date, newest: int, cohort: int) -> dt.date:
    """`as_of` moved back by (newest − cohort) years, never after the cohort's window (29 Feb → 28 Feb)."""
    k = newest - cohort
    try:
        d = as_of.replace(year=as_of.year - k)
    except ValueError:
        d = as_of.replace(year=as_of.year - k, day=28)
    return min(d, engine.window_end(cohort))


def quota_table(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    newest: int,
    as_of: dt.date,
    indicator: Indicator,
    groups: Callable[[int, dt.date], pl.DataFrame] | None = None,
) -> tuple[pl.DataFrame, list[int]]:
    """One row per (college, program) seen in any of the cohorts: college_code, college_name,
    full_name, program_code, program_name, tu_code, then per cohort Y: total_Y, rate_Y (None when
    the group had no graduates), small_Y; trend_pp (None when the first or last group is small).
    `groups(cohort, date)`: the scope's `engine.indicator_table` by college_program, when the caller
    keeps it (ui/parts.py)."""
    if groups is None:

        def groups(c: int, point: dt.date) -> pl.DataFrame:
            return engine.indicator_table(cur, scope, c, point, indicator, "college_program")

    cohorts = [c for c in engine.cohorts(cur, scope) if newest - YEARS < c <= newest]
    keys = ["college_code", "college_name", "full_name", "program_code", "program_name", "tu_code"]
    frames = []
    for c in cohorts:
        t = groups(c, same_point(as_of, newest, c))
        frames.append(
            t.select(
                *keys,
                pl.col("total").alias(f"total_{c}"),
                pl.col("rate").alias(f"rate_{c}"),
            )
        )
    if not frames:
        return pl.DataFrame(schema={k: pl.Utf8 for k in keys}), []
    out = frames[0]
    for f in frames[1:]:
        out = out.join(f, on=keys, how="full", coalesce=True)
    for c in cohorts:
        out = out.with_columns(
            pl.col(f"total_{c}").fill_null(0),
            (pl.col(f"total_{c}").fill_null(0) < SMALL_GROUP).alias(f"small_{c}"),
        )
    first, last = cohorts[0], cohorts[-1]
    trend = pl.when(~pl.col(f"small_{first}") & ~pl.col(f"small_{last}") & (first != last)).then(
        (pl.col(f"rate_{last}") - pl.col(f"rate_{first}")) * 100
    )
    return out.with_columns(trend.alias("trend_pp")).sort(
        ["college_name", "program_code", "college_code"]
    ), cohorts
