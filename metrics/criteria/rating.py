"""The rating: points per criterion, total score, rank (1, 2, 2, 4), category, and what-if comparison.

Score of a college = sum of weight x points; rank = standard competition rank by score; category
from the set's thresholds.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from data_layer.scope import Scope
from metrics.criteria.model import CriteriaSet
from metrics.criteria.store import published
from metrics.criteria.values import college_metric_values


def score(values: pl.DataFrame, cs: CriteriaSet) -> pl.DataFrame:
    """Points per criterion (columns `pts:<criterion id>`), total score, rank and category."""
    out = values
    for c in cs.criteria:
        series = values[c.metric] if c.metric in values.columns else pl.Series([None] * values.height)
        pts = [c.weight * c.scale.points(v) for v in series.to_list()]
        out = out.with_columns(pl.Series(f"pts:{c.id}", pts, dtype=pl.Float64))
    pts_cols = [f"pts:{c.id}" for c in cs.criteria]
    out = out.with_columns(score=pl.sum_horizontal(pts_cols).round(6) if pts_cols else pl.lit(0.0))
    out = out.with_columns(rank=pl.col("score").rank(method="min", descending=True).cast(pl.Int64))
    out = out.with_columns(
        category=pl.when(pl.col("score") >= cs.high_from - 1e-9)
        .then(pl.lit("high"))
        .when(pl.col("score") >= cs.medium_from - 1e-9)
        .then(pl.lit("medium"))
        .otherwise(pl.lit("low")),
    )
    return out.sort(["rank", "short_name"])


def rating(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    cs: CriteriaSet | None = None,
    values: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The rating of all colleges under a criteria set (default: the newest published one),
    filtered to the colleges in scope (ranks stay region-wide)."""
    cs = cs or published(cur, cohort)
    vals = values if values is not None else college_metric_values(cur, cohort, as_of)
    rated = score(vals, cs).with_columns(
        criteria_version=pl.lit(cs.version, dtype=pl.Int64), criteria_year=pl.lit(cs.year, dtype=pl.Int64)
    )
    allowed = scope.allowed_colleges(cur)
    if allowed is not None:
        rated = rated.filter(pl.col("college_code").is_in(allowed))
    return rated


def what_if(base: pl.DataFrame, candidate: pl.DataFrame) -> pl.DataFrame:
    """Rank changes per college between two ratings (e.g. published vs draft).

    rank_change > 0 means the college moves up under the candidate set.
    """
    a = base.select(
        "college_code",
        "short_name",
        pl.col("score").alias("score_base"),
        pl.col("rank").alias("rank_base"),
        pl.col("category").alias("category_base"),
    )
    b = candidate.select(
        "college_code",
        pl.col("score").alias("score_new"),
        pl.col("rank").alias("rank_new"),
        pl.col("category").alias("category_new"),
    )
    return (
        a.join(b, on="college_code", how="full", coalesce=True)
        .with_columns(
            rank_change=(pl.col("rank_base") - pl.col("rank_new")).cast(pl.Int64),
            score_change=pl.col("score_new") - pl.col("score_base"),
            category_changed=pl.col("category_base") != pl.col("category_new"),
        )
        .sort("rank_new")
    )
