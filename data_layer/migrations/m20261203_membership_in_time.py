"""Cohort membership in time and the N3 clock (issue 11, items 1 and 9).

`status_spells` gets `declared_from` (the first snapshot of the run of the spell's status) and is
rebuilt: spells now start no earlier than the graduate's graduation date (data_layer.spells).
The table is derived from `graduates` and `status_rows`, which are left as they are."""

from __future__ import annotations

import duckdb

from data_layer.spells import rebuild_spells

DESCRIPTION = "status_spells: declared_from; spells clipped to the graduation date (rebuilt)"


def up(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("ALTER TABLE status_spells ADD COLUMN IF NOT EXISTS declared_from DATE")
    rebuild_spells(con)
