"""Criterion metric values per college (region-wide: ranks compare all colleges)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import duckdb
import polars as pl

from data_layer.scope import OPERATOR, Scope
from metrics import engine, indicators, reconciliation, risk, settings, timeliness, verification
from metrics.criteria.model import METRICS

WEEKLY_HISTORY_MAX = 100_000  # graduates of a cohort up to which criterion 4 uses weekly checkpoints


def preparation_year(cohort: int, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The cohort's own preparation year (docs/domain.md §2, §8 criterion 9): 1 October before graduation to
    31 May of the graduation year, not after the evaluation date."""
    return dt.date(cohort - 1, 10, 1), min(dt.date(cohort, 5, 31), as_of)


def timeliness_table(
    cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, as_of: dt.date
) -> pl.DataFrame:
    """Timeliness of updates per college in scope (metrics.timeliness): last update, expected,
    on-time, late and missed weeks."""
    allowed = scope.allowed_colleges(cur)
    t = timeliness.college_timeliness(cur, cohort, as_of)
    names = engine.college_list(cur, scope).select("college_code", "short_name", "tu_code")
    out = names.join(t, on="college_code", how="inner")
    if allowed is not None:
        out = out.filter(pl.col("college_code").is_in(allowed))
    return out.with_columns(days_since_update=(pl.lit(as_of) - pl.col("last_update")).dt.total_days()).sort(
        "short_name"
    )


def college_metric_values(
    cur: duckdb.DuckDBPyConnection,
    cohort: int,
    as_of: dt.date,
    step_days: int | None = None,
    register: Callable[[int], pl.DataFrame] | None = None,
    verified: pl.DataFrame | None = None,
    reconciled: pl.DataFrame | None = None,
    activity: tuple[pl.DataFrame, pl.DataFrame] | None = None,
) -> pl.DataFrame:
    """Every criteria metric for every college (region-wide: ranks compare all colleges).

    Columns: college_code, short_name, tu_code, tu_name, total, then one Float64 column per metric
    of METRICS plus `indicator:<id>` for custom indicators. Kept by the caller (ui/parts.py): the
    region's `risk.risk_register` with checkpoints every `step_days` (`register(step_days)`),
    `verified`, `reconciled` and `activity` (verification frame, reconciliation table, `activity_values`)."""
    reg = indicators.registry(cur)
    counts = engine.status_counts(cur, OPERATOR, cohort, as_of, "college")
    base = counts.select(
        pl.col("code").alias("college_code"),
        pl.col("name").alias("short_name"),
        "tu_code",
        "tu_name",
        "total",
    )
    for ind_id, ind in reg.items():
        f = indicators.with_indicator(counts, ind).select(pl.col("code").alias("college_code"), "rate")
        alias = ind_id if ind_id in METRICS else f"indicator:{ind_id}"
        base = base.join(f.rename({"rate": alias}), on="college_code", how="left")
    czn = counts.select(
        pl.col("code").alias("college_code"),
        pl.when(pl.col("total") > 0)
        .then(pl.col("czn_unemployed") / pl.col("total"))
        .alias("czn_unemployed_share"),
    )
    base = base.join(czn, on="college_code", how="left")
    thr = settings.risk_thresholds(cur)
    if step_days is None:
        # "Ever in the risk group" is checked weekly; at federal scale every fourth week keeps the
        # region-wide history query within a page render (README, "Скорость").
        step_days = 7 if int(counts["total"].sum()) <= WEEKLY_HISTORY_MAX else 28
    history = register(step_days) if register is not None else None
    res = risk.resolved_share_by_college(cur, OPERATOR, cohort, as_of, thr, step_days, history).select(
        "college_code", pl.col("resolved_share").alias("risk_resolved")
    )
    tml = timeliness.college_timeliness(cur, cohort, as_of).select("college_code", "timeliness")
    if verified is None:
        verified = verification.verification_frame(cur, OPERATOR, cohort, as_of)
    ver = verification.verification_summary(verified).select(
        "college_code", pl.col("confirmed_share").alias("verification")
    )
    rec = reconciled if reconciled is not None else reconciliation.reconciliation_table(cur, OPERATOR, cohort)
    rec = rec.select("college_code", pl.col("completeness").alias("frdo_completeness"))
    tracks, events = activity or activity_values(cur, cohort, as_of)
    for extra in (res, tml, ver, rec, tracks, events):
        base = base.join(extra, on="college_code", how="left")
    # risk_resolved: colleges with nobody ever in the risk group have nothing to resolve -> full marks.
    base = base.with_columns(pl.col("risk_resolved").fill_null(1.0).alias("risk_resolved"))
    return base.sort("college_code")


def activity_values(
    cur: duckdb.DuckDBPyConnection, cohort: int, as_of: dt.date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Criteria 8 and 9 per college: share with a career track, event participations per graduate
    (graduation lists, career tracks and events only: no status data)."""
    academic_year = f"{cohort - 1}/{cohort}"
    tracks = cur.sql(
        """SELECT g.college_code, count(*) FILTER (WHERE t.person_key IS NOT NULL) / count(*) AS career_tracks
           FROM graduates g LEFT JOIN (SELECT DISTINCT person_key, college_code FROM career_tracks
                                       WHERE academic_year = ?) t USING (person_key, college_code)
           WHERE g.cohort = ? GROUP BY 1""",
        params=[academic_year, cohort],
    ).pl()
    events = cur.sql(
        """SELECT g.college_code, coalesce(e.participants, 0) / g.n AS events_per_graduate
           FROM (SELECT college_code, count(*) AS n FROM graduates WHERE cohort = ? GROUP BY 1) g
           LEFT JOIN (SELECT college_code, sum(graduate_participants) AS participants FROM events
                      WHERE event_date >= ? AND event_date <= ? GROUP BY 1) e USING (college_code)""",
        params=[cohort, *preparation_year(cohort, as_of)],
    ).pl()
    return tracks, events


def known_metrics(cur: duckdb.DuckDBPyConnection) -> set[str]:
    reg = indicators.registry(cur)
    return set(METRICS) | {f"indicator:{i}" for i in reg if i not in METRICS}
