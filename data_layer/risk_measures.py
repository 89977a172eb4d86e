"""«Меры поддержки» imported from the colleges' status files (docs/domain.md §6).

The measures a college records are kept in `case_measures` (data_layer.cases, written by ops.cases);
the free-text measures of the first release (table risk_measures, kept as it was) were copied there
by the migration m20261203_cases.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from data_layer.scope import Scope


def imported_measures(
    cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, as_of: dt.date
) -> pl.DataFrame:
    """«Меры поддержки» from the colleges' status files: per graduate the latest non-empty text in a
    snapshot dated on or before `as_of` (columns college_code, person_key, support_measures,
    snapshot_date)."""
    scope.require_personal_data()
    allowed = scope.allowed_colleges(cur)
    return cur.sql(
        """SELECT college_code, person_key, support_measures, snapshot_date FROM status_rows
           WHERE cohort = ? AND snapshot_date <= ?
             AND support_measures IS NOT NULL AND trim(support_measures) <> ''
             AND (?::VARCHAR[] IS NULL OR college_code IN (SELECT unnest(?::VARCHAR[])))
           QUALIFY row_number() OVER (PARTITION BY college_code, person_key ORDER BY snapshot_date DESC) = 1
           ORDER BY college_code, person_key""",
        params=[cohort, as_of, allowed, allowed],
    ).pl()
