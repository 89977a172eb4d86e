"""Schema migrations: every change to an existing database's schema after the baseline DDL.

The baseline (`data_layer.schema.DDL`) is what the first release created; it stays as it was.
Every later change is one module in this package named `m<YYYYMMDD>_<topic>.py` with

    DESCRIPTION = "what it changes"
    def up(con): ...        # plain DDL/DML on the given connection

Modules run once each, in name order, each in its own transaction with its row in
`schema_migrations`, on every read-write open. So a database made by any earlier release is brought
up to date in place and user data is kept: never drop or rewrite a user table, add to it
(`ALTER TABLE ... ADD COLUMN IF NOT EXISTS`, new tables, backfills from existing rows).
Module names rather than a counter, so that changes developed side by side do not collide.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from types import ModuleType

import duckdb

_TABLE = """CREATE TABLE IF NOT EXISTS schema_migrations (
    migration_id VARCHAR NOT NULL, description VARCHAR, applied_at TIMESTAMP NOT NULL)"""


@dataclass(frozen=True)
class Migration:
    migration_id: str
    description: str
    module: ModuleType


def available() -> list[Migration]:
    """Every migration module of this package, in the order they run."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("m"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.append(Migration(info.name, str(getattr(module, "DESCRIPTION", "")), module))
    return sorted(found, key=lambda m: m.migration_id)


def applied(con: duckdb.DuckDBPyConnection) -> set[str]:
    con.execute(_TABLE)
    return {r[0] for r in con.execute("SELECT migration_id FROM schema_migrations").fetchall()}


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the missing migrations in order; returns the ids applied now."""
    done = applied(con)
    ran: list[str] = []
    for m in available():
        if m.migration_id in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            m.module.up(con)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, now()::TIMESTAMP)",
                [m.migration_id, m.description],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        ran.append(m.migration_id)
    return ran
