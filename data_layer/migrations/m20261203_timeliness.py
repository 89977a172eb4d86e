"""Arrival times of status snapshots and the base centre's update schedule per cohort (issue 11, item 5)."""

from __future__ import annotations

import duckdb

DESCRIPTION = (
    "snapshot_arrivals: when the server received each (college, cohort, «Дата актуализации») snapshot, "
    "every load kept (backfilled from loads.loaded_at); update_schedules: weekday and hour of the "
    "weekly deadline per cohort, every change kept"
)


def up(con: duckdb.DuckDBPyConnection) -> None:
    # Append-only: a reload of the same snapshot adds a row, so the first arrival stays known.
    # received_at is UTC (naive TIMESTAMP), taken by the server when the file came in.
    con.execute(
        """CREATE TABLE IF NOT EXISTS snapshot_arrivals (
            college_code VARCHAR NOT NULL, cohort INTEGER NOT NULL, snapshot_date DATE NOT NULL,
            received_at TIMESTAMP NOT NULL, load_id BIGINT, username VARCHAR)"""
    )
    con.execute(
        """INSERT INTO snapshot_arrivals
           SELECT s.college_code, s.cohort, s.snapshot_date, min(l.loaded_at), s.load_id, min(l.username)
           FROM (SELECT DISTINCT college_code, cohort, snapshot_date, load_id FROM status_rows) s
           JOIN loads l ON l.load_id = s.load_id
           GROUP BY s.college_code, s.cohort, s.snapshot_date, s.load_id"""
    )
    # key: cohort; the newest set_at is in force. weekday: ISO (1 = Monday ... 7 = Sunday); hour:
    # the deadline hour, Samara time; every_weeks: the period of the current cohort's updates.
    con.execute(
        """CREATE TABLE IF NOT EXISTS update_schedules (
            cohort INTEGER NOT NULL, weekday INTEGER NOT NULL, hour INTEGER NOT NULL,
            every_weeks INTEGER NOT NULL DEFAULT 1, set_at TIMESTAMP NOT NULL, set_by VARCHAR NOT NULL)"""
    )
