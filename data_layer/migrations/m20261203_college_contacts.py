"""Optional contacts of each college's career centre (ЦСТВ) in the colleges reference (issue 13):
who is responsible, a phone and an e-mail, shown to the ministry, the territory and the base centre
on the week's discipline page next to a late college."""

from __future__ import annotations

import duckdb

DESCRIPTION = "colleges.contact_person, phone, email (optional contacts of the ЦСТВ)"


def up(con: duckdb.DuckDBPyConnection) -> None:
    for column in ("contact_person", "phone", "email"):  # code constants
        con.execute(f"ALTER TABLE colleges ADD COLUMN IF NOT EXISTS {column} VARCHAR")
