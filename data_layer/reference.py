"""Reference lookups that carry no personal data and need no scope: territories and municipalities
(every role sees the whole map; the figures on it are scoped by the metrics queries)."""

from __future__ import annotations

import duckdb
import polars as pl


def municipalities(cur: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every municipality with its territorial unit: oktmo, name, kind, tu_code, tu_name."""
    return cur.sql(
        """SELECT m.oktmo, m.name, m.kind, m.tu_code, t.name AS tu_name
           FROM municipalities m LEFT JOIN territories t USING (tu_code)
           ORDER BY m.tu_code, m.name"""
    ).pl()
