"""Data quality per college and territory, for the ministry (issue 13): when each college last sent
data, the share of its graduates without a status, conflicts of its declared statuses with УФНС and
ЦЗН, ФИС ФРДО completeness and the reconciliation state. Aggregates only (no personal data).

- last_upload: the newest accepted load holding the college's status rows (server time), and
  last_snapshot: the newest «Дата актуализации» on or before the as-of date;
- no_status_share: («Не определился» + «Нет данных») / graduates at the as-of date;
- ufns_conflicts: declared work not confirmed by УФНС + work found by УФНС the college did not declare;
  czn_conflicts: registered at a ЦЗН while the college declares work (metrics.verification);
- frdo_completeness: graduates of the list found in ФИС ФРДО / list (metrics.reconciliation);
- reconciliation: the newest decisions of the college and the territory.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from data_layer.scope import Scope
from metrics import engine, reconciliation, verification

DECISIONS = {"confirmed": "подтверждено", "returned": "возвращено"}


def college_quality(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    verified: pl.DataFrame | None = None,
    reconciled: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per college of the cohort in scope (columns in the module docstring, plus
    college_code, short_name, full_name, tu_code, tu_name, total). `verified`: the scope's
    `verification.verification_frame`, `reconciled`: its `reconciliation.reconciliation_table`, when
    the caller keeps them (ui/parts.py, ui/cached.py)."""
    colleges = engine.college_list(cur, scope).select(
        "college_code", "short_name", "full_name", "tu_code", "tu_name"
    )
    counts = engine.status_counts(cur, scope, cohort, as_of, "college").select(
        pl.col("code").alias("college_code"),
        "total",
        (pl.col("unknown") + pl.col("undetermined")).alias("no_status"),
    )
    if verified is None:
        verified = verification.verification_frame(cur, scope, cohort, as_of)
    if reconciled is None:
        reconciled = reconciliation.reconciliation_table(cur, scope, cohort)
    ver = verification.verification_summary(verified).select(
        "college_code",
        (pl.col("unconfirmed") + pl.col("found_external")).alias("ufns_conflicts"),
        "czn_conflicts",
    )
    rec = reconciled.select(
        "college_code",
        "matched",
        "list_count",
        pl.col("completeness").alias("frdo_completeness"),
        pl.col("college_decision").replace_strict(DECISIONS, default=None, return_dtype=pl.Utf8),
        pl.col("territory_decision").replace_strict(DECISIONS, default=None, return_dtype=pl.Utf8),
    )
    uploads = _uploads(cur, scope, cohort, as_of)
    out = (
        counts.join(colleges, on="college_code", how="left")
        .join(uploads, on="college_code", how="left")
        .join(ver, on="college_code", how="left")
        .join(rec, on="college_code", how="left")
    )
    return out.with_columns(
        no_status_share=pl.when(pl.col("total") > 0).then(pl.col("no_status") / pl.col("total")),
        ufns_conflicts=pl.col("ufns_conflicts").fill_null(0),
        czn_conflicts=pl.col("czn_conflicts").fill_null(0),
        reconciliation=pl.when(pl.col("territory_decision").is_not_null())
        .then(pl.lit("ТУ: ") + pl.col("territory_decision"))
        .when(pl.col("college_decision").is_not_null())
        .then(pl.lit("ПОО: ") + pl.col("college_decision") + pl.lit(", ТУ: не рассмотрено"))
        .otherwise(pl.lit("не начата")),
    ).sort("short_name")


def _uploads(cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, as_of: dt.date) -> pl.DataFrame:
    """Per college in scope: last_upload (server time) and last_snapshot."""
    allowed = scope.allowed_colleges(cur)
    return cur.sql(
        """SELECT s.college_code, max(l.loaded_at) AS last_upload, max(s.snapshot_date) AS last_snapshot
           FROM (SELECT DISTINCT college_code, snapshot_date, load_id FROM status_rows
                 WHERE cohort = ? AND snapshot_date <= ?) s
           LEFT JOIN loads l USING (load_id)
           WHERE ?::VARCHAR[] IS NULL OR s.college_code IN (SELECT unnest(?::VARCHAR[]))
           GROUP BY 1""",
        params=[cohort, as_of, allowed, allowed],
    ).pl()


def territory_quality(colleges: pl.DataFrame) -> pl.DataFrame:
    """The same per territory: sums of counts, shares over the territory's graduates, the oldest
    «last upload» of its colleges (the one to chase), ФИС ФРДО completeness over the territory's lists
    and how many colleges the territory has confirmed."""
    return (
        colleges.group_by("tu_code", "tu_name")
        .agg(
            pl.len().alias("colleges"),
            pl.col("total").sum(),
            pl.col("no_status").sum(),
            pl.col("last_upload").min().alias("oldest_upload"),
            pl.col("last_snapshot").min().alias("oldest_snapshot"),
            pl.col("ufns_conflicts").sum(),
            pl.col("czn_conflicts").sum(),
            pl.col("matched").sum(),
            pl.col("list_count").sum(),
            (pl.col("territory_decision") == "подтверждено").sum().alias("reconciled"),
        )
        .with_columns(
            no_status_share=pl.when(pl.col("total") > 0).then(pl.col("no_status") / pl.col("total")),
            frdo_completeness=pl.when(pl.col("list_count") > 0).then(
                pl.col("matched") / pl.col("list_count")
            ),
        )
        .sort("tu_name")
    )
