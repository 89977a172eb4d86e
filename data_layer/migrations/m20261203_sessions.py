"""Sessions and login delay (issue 12, item 5).

- `session_revocations`: one row per revocation of a user's sessions (logout, password change,
  disabling, a role or scope change). The number of rows of a user is the user's session generation:
  a login carries the generation it was made at, and a session whose generation is older ends on its
  next run. Append-only, so concurrent revocations never conflict.
- `login_attempts` gets a `source` (the client address) and `last_failed_at`: failures are counted per
  (user name, source), so somebody else's failures never delay a real user's login from elsewhere.
  Rows written before this migration have no source and delay nobody.
"""

from __future__ import annotations

import duckdb

DESCRIPTION = "session_revocations; login_attempts.source, last_failed_at (login delay per name and source)"


def up(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """CREATE TABLE IF NOT EXISTS session_revocations (
            username VARCHAR NOT NULL, revoked_at TIMESTAMP NOT NULL, reason VARCHAR)"""
    )
    con.execute("ALTER TABLE login_attempts ADD COLUMN IF NOT EXISTS source VARCHAR")
    con.execute("ALTER TABLE login_attempts ADD COLUMN IF NOT EXISTS last_failed_at TIMESTAMP")
