"""Data for the monitoring pages: one call per screen block into the cached metrics, shaped by
metrics.views (targets, change since a month ago, ranks, labels, small-group masking).

Pages read these instead of combining metric calls themselves, so every screen gets the same
figures for the same context and the AppTests can recompute them the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from data_layer.scope import Scope
from metrics import forecast, views
from metrics.forecast import Projection
from metrics.indicators import Indicator
from ui import cached
from ui.filter_context import Context

Filters = tuple[tuple[str, str], ...]
COUNTS = ("places_needed", "risk_count")  # shown as labels: «<5» for small groups in aggregate views


@dataclass(frozen=True)
class Frame:
    """What a monitoring page needs about the chosen indicator."""

    v: int
    indicator: Indicator
    target: float | None
    target_cohort: int | None
    mask_small: bool

    @property
    def lower_is_better(self) -> bool:
        return self.indicator.lower_is_better


def frame(scope: Scope, ctx: Context) -> Frame:
    v = cached.version()
    ind = cached.indicator_registry(v)[ctx.indicator]
    t = cached.target(v, ctx.indicator, ctx.cohort)
    return Frame(v, ind, t[0] if t else None, t[1] if t else None, not scope.sees_personal_data)


def table(
    scope: Scope,
    ctx: Context,
    fr: Frame,
    by: str,
    filters: Filters = (),
    *,
    change: bool = False,
) -> pl.DataFrame:
    """indicator_table for `by` with gap to target, places needed, optionally the change since a
    month ago, and Russian labels (small groups masked for aggregate roles)."""
    now = cached.indicator_table(fr.v, scope, ctx.cohort, ctx.as_of, ctx.indicator, by, filters, ctx.forecast)
    out = views.vs_target(now, fr.target, fr.lower_is_better)
    if change:
        before = cached.indicator_table(
            fr.v, scope, ctx.cohort, views.month_before(ctx.as_of), ctx.indicator, by, filters, ctx.forecast
        )
        out = views.with_change(out, before)
    return views.count_labels(views.with_labels(out, fr.mask_small), COUNTS, fr.mask_small)


def region_row(scope: Scope, ctx: Context, fr: Frame, filters: Filters = ()) -> dict[str, Any]:
    """The one-row total of the scope (region, or the territory's colleges, or one college)."""
    t = table(scope, ctx, fr, "region", filters, change=True)
    return t.row(0, named=True) if t.height else {}


def trend(scope: Scope, ctx: Context, fr: Frame, filters: Filters = ()) -> tuple[pl.DataFrame, Projection]:
    """The weekly series and the learned year-end forecast from its last point (metrics.forecast)."""
    series = cached.weekly_series(fr.v, scope, ctx.cohort, ctx.as_of, ctx.indicator, filters, ctx.forecast)
    date, rate, need = forecast.last_point(series, fr.target)
    projection = cached.year_end_forecast(
        fr.v, ctx.cohort, date or ctx.as_of, rate, ctx.indicator, ctx.forecast, fr.target, need
    )
    return series, projection


def risk_total(scope: Scope, ctx: Context, fr: Frame, filters: Filters = ()) -> int:
    rc = cached.risk_counts(fr.v, scope, ctx.cohort, ctx.as_of, "region", filters)
    return int(rc["risk_count"].sum()) if rc.height else 0


def confirmed_share(scope: Scope, ctx: Context, fr: Frame, filters: Filters = ()) -> dict[str, Any]:
    """Verification summary of the scope: confirmed_share, confirmed, unconfirmed, declared_work."""
    s = cached.verification_summary(fr.v, scope, ctx.cohort, ctx.as_of, "", filters)
    return s.row(0, named=True) if s.height else {}


def ranking(scope: Scope, ctx: Context, fr: Frame, filters: Filters = ()) -> pl.DataFrame:
    """Colleges ranked by the indicator (with `filters`), with rank change since a month ago, size
    band by the college's whole graduation, the band's median and labels."""
    now = cached.indicator_table(
        fr.v, scope, ctx.cohort, ctx.as_of, ctx.indicator, "college", filters, ctx.forecast
    )
    before = cached.indicator_table(
        fr.v,
        scope,
        ctx.cohort,
        views.month_before(ctx.as_of),
        ctx.indicator,
        "college",
        filters,
        ctx.forecast,
    )
    sizes = cached.indicator_table(
        fr.v, scope, ctx.cohort, ctx.as_of, ctx.indicator, "college", (), ctx.forecast
    )
    out = views.with_rank_change(now, before, fr.lower_is_better)
    out = views.with_change(out, before)
    out = views.vs_target(out, fr.target, fr.lower_is_better)
    out = views.peer_medians(views.with_size_band(out, sizes))
    return views.count_labels(views.with_labels(out, fr.mask_small), COUNTS, fr.mask_small)


def municipalities(fr: Frame) -> pl.DataFrame:
    """Reference municipalities with their territory (the map's areas)."""
    return cached.municipalities(fr.v)


def colleges(scope: Scope) -> pl.DataFrame:
    """Colleges in scope with their territory (college_code, short_name, tu_code, tu_name, ...)."""
    return cached.college_list(cached.version(), scope)


def data_dates(scope: Scope) -> dict[str, Any]:
    return cached.data_dates(cached.version(), scope)


def cohort_summary(scope: Scope, today: dt.date | None = None) -> pl.DataFrame:
    """Per cohort in scope: graduates, colleges with graduates, newest status date (as_of)."""
    v = cached.version()
    today = today or cached.deadline_clock()
    ind = cached.headline(v)
    rows = []
    for cohort in cached.cohorts(v, scope):
        as_of = cached.default_as_of(v, scope, cohort, today)
        by_college = cached.indicator_table(v, scope, cohort, as_of, ind, "college")
        rows.append((cohort, int(by_college["total"].sum()), by_college.height, as_of))
    return pl.DataFrame(
        rows,
        schema={"cohort": pl.Int64, "graduates": pl.Int64, "colleges": pl.Int64, "as_of": pl.Date},
        orient="row",
    ).sort("cohort", descending=True)


def territory_table(scope: Scope, ctx: Context, fr: Frame) -> pl.DataFrame:
    """Territorial units with the indicator, change since a month ago, number of colleges with
    graduates and the risk group size."""
    out = table(scope, ctx, fr, "territory", change=True)
    by_college = cached.indicator_table(fr.v, scope, ctx.cohort, ctx.as_of, ctx.indicator, "college")
    n = (
        by_college.group_by("tu_code")
        .agg(pl.len().cast(pl.Int64).alias("colleges"))
        .rename({"tu_code": "code"})
    )
    risk = cached.risk_counts(fr.v, scope, ctx.cohort, ctx.as_of, "territory").select("code", "risk_count")
    out = (
        out.join(n, on="code", how="left")
        .join(risk, on="code", how="left")
        .with_columns(pl.col("colleges").fill_null(0), pl.col("risk_count").fill_null(0))
    )
    return views.count_labels(views.mask_columns(out, ("risk_count",), fr.mask_small), COUNTS, fr.mask_small)


def college_table(scope: Scope, ctx: Context, fr: Frame, territory: str | None = None) -> pl.DataFrame:
    """Colleges (optionally of one territory) with the indicator, change since a month ago, gap to
    the target and the risk group size."""
    filters: Filters = (("territory", territory),) if territory else ()
    out = table(scope, ctx, fr, "college", filters, change=True)
    risk = cached.risk_counts(fr.v, scope, ctx.cohort, ctx.as_of, "college", filters).select(
        "code", "risk_count"
    )
    out = out.join(risk, on="code", how="left").with_columns(pl.col("risk_count").fill_null(0))
    return views.count_labels(views.mask_columns(out, ("risk_count",), fr.mask_small), COUNTS, fr.mask_small)


def comparison_rate(
    scope: Scope, ctx: Context, fr: Frame, level: str, code: str | None = None
) -> float | None:
    """The indicator over the whole region or one territory (aggregates, for comparison)."""
    c = cached.comparison(fr.v, scope, ctx.cohort, ctx.as_of, ctx.indicator, level, code, ctx.forecast)
    return c["rate"][0] if c.height else None


@dataclass(frozen=True)
class CollegeRating:
    score: float
    max_score: float
    rank: int
    rated: int  # colleges in the region-wide rating
    category: str
    version: int
    points: pl.DataFrame  # criterion, points, max_points
    published: str | None = None  # label of the published rating shown, None: the current calculation
    current_score: float | None = None  # «текущий расчёт» beside a published rating
    current_rank: int | None = None


def college_rating(scope: Scope, ctx: Context, fr: Frame, college: str) -> CollegeRating | None:
    """The college's ЦСТВ effectiveness score and region-wide place under the published criteria."""
    from metrics.criteria import CATEGORY_LABELS

    pub = cached.rating_publication(fr.v, ctx.cohort, ctx.as_of)
    current = cached.rating(fr.v, scope, ctx.cohort, ctx.as_of, pub.criteria_version if pub else None)
    rated = cached.published_rating(fr.v, scope, pub.publication_id) if pub else current
    row = rated.filter(pl.col("college_code") == college)
    if row.is_empty():
        return None
    r = row.row(0, named=True)
    cs = pub.criteria_set if pub else cached.criteria_set(fr.v, ctx.cohort, r["criteria_version"])
    points = pl.DataFrame(
        [(c.name, r.get(f"pts:{c.id}"), c.weight * c.scale.max_points()) for c in cs.criteria],
        schema={"criterion": pl.Utf8, "points": pl.Float64, "max_points": pl.Float64},
        orient="row",
    )
    now = current.filter(pl.col("college_code") == college)
    now_row = now.row(0, named=True) if pub and now.height else None
    return CollegeRating(
        score=r["score"],
        max_score=cs.max_score(),
        rank=r["rank"],
        rated=pub.colleges_total if pub else cached.college_metric_values(fr.v, ctx.cohort, ctx.as_of).height,
        category=CATEGORY_LABELS.get(r["category"], r["category"]),
        version=r["criteria_version"],
        points=points,
        published=pub.label() if pub else None,
        current_score=now_row["score"] if now_row else None,
        current_rank=now_row["rank"] if now_row else None,
    )
