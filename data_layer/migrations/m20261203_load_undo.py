"""Undo of a load: what each load replaced is kept, so the latest load of a college and kind can be
rolled back (issue 13). `loads` gets `undone_at`/`undone_by`; every table a load writes with a
`load_id` gets a `replaced_<table>` twin holding the rows a load deleted, tagged `replaced_by`.

A later migration that adds a stored column to one of these tables must add it to the twin too.
"""

from __future__ import annotations

import duckdb

DESCRIPTION = "undo of loads: loads.undone_at/undone_by and replaced_<table> copies of replaced rows"

TABLES = (
    "graduates",
    "status_rows",
    "ufns_records",
    "czn_records",
    "frdo_records",
    "events",
    "career_tracks",
)


def up(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("ALTER TABLE loads ADD COLUMN IF NOT EXISTS undone_at TIMESTAMP")
    con.execute("ALTER TABLE loads ADD COLUMN IF NOT EXISTS undone_by VARCHAR")
    for table in TABLES:  # names are code constants
        con.execute(
            f"CREATE TABLE IF NOT EXISTS replaced_{table} AS "
            f"SELECT *, NULL::BIGINT AS replaced_by FROM {table} LIMIT 0"
        )
