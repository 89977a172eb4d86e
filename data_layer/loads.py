"""The history of accepted loads (table `loads`), as each role may see it.

`loads.college_code` holds the comma-separated codes of the colleges a file touched (NULL for
region-wide files: reference data, УФНС, ЦЗН). A college sees its own loads (its code alone); the base
centre sees all of them.
"""

from __future__ import annotations

import duckdb
import polars as pl

from data_layer.scope import Scope
from data_layer.text import mask_snils_columns

DEFAULT_LIMIT = 200


def load_history(cur: duckdb.DuckDBPyConnection, scope: Scope, limit: int = DEFAULT_LIMIT) -> pl.DataFrame:
    """Newest first: load_id, loaded_at, username, file_name, kind, college_code, scope_key, rows,
    warnings, replaced_rows, undone_at, undone_by.

    The base centre sees every load. A college sees only its own loads: those of its college alone
    (not region-wide files of the base centre that also held its rows). A territory sees the loads
    of its colleges alone; the ministry, having no upload page, sees all."""
    allowed = scope.allowed_colleges(cur)
    history = cur.sql(
        """SELECT load_id, loaded_at, username, file_name, kind, college_code, scope_key, rows, warnings,
                  replaced_rows, undone_at, undone_by
           FROM loads
           WHERE ?::VARCHAR[] IS NULL OR college_code IN (SELECT unnest(?::VARCHAR[]))
           ORDER BY load_id DESC LIMIT ?""",
        params=[allowed, allowed, max(int(limit), 1)],
    ).pl()
    return mask_snils_columns(history, "file_name")  # names stored before they were cleaned on the way in
