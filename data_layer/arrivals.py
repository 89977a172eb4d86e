"""Arrival times of status snapshots (`snapshot_arrivals`): written by the importer from the
server's clock (data_layer/importer/store.py). The only other writer is the demo generator, which
simulates the arrivals of the synthetic region it has just built; it refuses any database that is
not the demo region, so no user-facing path can set an arrival time."""

from __future__ import annotations

import duckdb
import polars as pl

from data_layer import db
from data_layer.errors import UserFacingError


def replace_with_simulated(cur: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> int:
    """Replace every arrival of the demo region by simulated ones (columns college_code, cohort,
    snapshot_date, received_at in UTC); returns the number of rows. Demo databases only."""
    if db.get_meta(cur, "is_demo") != "1":
        raise UserFacingError("Время поступления срезов моделируется только в демонстрационной базе.")
    cur.register("_sim_arrivals", frame)
    try:
        cur.execute("BEGIN TRANSACTION")
        try:
            cur.execute("DELETE FROM snapshot_arrivals")
            cur.execute(
                """INSERT INTO snapshot_arrivals (college_code, cohort, snapshot_date, received_at, load_id, username)
                   SELECT college_code, cohort, snapshot_date, received_at, NULL, 'demo' FROM _sim_arrivals"""
            )
            db.bump_dataset_version(cur)
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
    finally:
        cur.unregister("_sim_arrivals")
    return frame.height


def snapshot_keys(cur: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every stored (college_code, cohort, snapshot_date)."""
    return cur.sql(
        "SELECT DISTINCT college_code, cohort, snapshot_date FROM status_rows ORDER BY 1, 2, 3"
    ).pl()
