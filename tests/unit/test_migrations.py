"""Schema migrations: an existing database is upgraded in place, once, keeping its rows."""

from __future__ import annotations

from pathlib import Path

import duckdb

from data_layer import migrations
from data_layer.schema import DDL, apply_schema


def test_baseline_database_is_upgraded_once_and_keeps_its_rows(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    for stmt in DDL:  # a database as the first release left it: baseline tables, no migrations table
        con.execute(stmt)
    con.execute("INSERT INTO meta VALUES ('schema_version', '1'), ('dataset_version', '7')")
    con.execute("INSERT INTO territories VALUES ('TU01', 'Центральное', 'Тольятти', 'ok')")

    apply_schema(con)
    ids = [m.migration_id for m in migrations.available()]
    recorded = [r[0] for r in con.execute("SELECT migration_id FROM schema_migrations ORDER BY 1").fetchall()]
    assert recorded == sorted(ids)
    assert con.execute("SELECT count(*) FROM territories").fetchone() == (1,)
    assert con.execute("SELECT value FROM meta WHERE key = 'dataset_version'").fetchone() == ("7",)

    apply_schema(con)  # a second open applies nothing again
    assert migrations.migrate(con) == []
    assert con.execute("SELECT count(*) FROM schema_migrations").fetchone() == (len(ids),)


def test_migrations_run_in_name_order() -> None:
    ids = [m.migration_id for m in migrations.available()]
    assert ids == sorted(ids)
    assert all(i.startswith("m") for i in ids)
