"""DuckDB's memory limit: 1 GB for the command line and bulk loads, less for the app server
(data_layer.db.memory_limit; README, «Память приложения»), VYPUSK_DUCKDB_MEMORY for both."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from data_layer import db
from data_layer.errors import UserFacingError


def _limit(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT current_setting('memory_limit')").fetchone()
    assert row is not None
    return str(row[0])


def _shown(limit: str) -> str:
    """How DuckDB reports the limit `limit` (it prints sizes in its own units)."""
    with duckdb.connect(config={"memory_limit": limit}) as con:
        return _limit(con)


def test_defaults_and_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(db.MEMORY_ENV, raising=False)
    assert db.memory_limit() == "1GB"
    assert db.memory_limit(app=True) == "500MB"
    monkeypatch.setenv(db.MEMORY_ENV, " 2GB ")
    assert db.memory_limit() == "2GB"
    assert db.memory_limit(app=True) == "2GB"
    for bad in ("1GB'; DROP TABLE meta; --", "lots", "12"):
        monkeypatch.setenv(db.MEMORY_ENV, bad)
        with pytest.raises(UserFacingError, match=db.MEMORY_ENV):
            db.memory_limit(app=True)


def test_the_command_line_opens_with_the_bulk_limit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(db.MEMORY_ENV, raising=False)
    with db.open_database(tmp_path / "a.duckdb") as con:
        assert _limit(con) == _shown(db.BULK_MEMORY) == _shown("1GB") != _shown("500MB")
        db.limit_memory(con, "500MB")
        assert _limit(con) == _shown("500MB")


def test_the_app_connection_gets_the_app_limit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from ui import connection

    monkeypatch.delenv(db.MEMORY_ENV, raising=False)
    monkeypatch.setenv("VYPUSK_DB", str(tmp_path / "app.duckdb"))
    try:
        with connection.cursor() as cur:
            assert _limit(cur) == _shown(db.APP_MEMORY)
    finally:
        connection._connection.clear()
        db.close_all()


def _cached_mb(con: duckdb.DuckDBPyConnection) -> float:
    row = con.execute("SELECT sum(memory_usage_bytes) / 2^20 FROM duckdb_memory()").fetchone()
    assert row is not None
    return float(row[0] or 0)


def test_make_room_drops_cached_blocks_and_keeps_the_limit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A big file's validation gets memory from DuckDB's cache (issue 16): the blocks beyond
    `limit − need` are dropped, the limit is the one set before (not DuckDB's rounded text of it)."""
    monkeypatch.setenv(db.MEMORY_ENV, "400MB")
    path = tmp_path / "a.duckdb"
    with db.open_database(path) as con:
        con.execute(
            "CREATE TABLE t AS SELECT random() AS a, random() AS b, random() AS c FROM range(8000000)"
        )
        con.execute("CHECKPOINT")
    with db.open_database(path) as con:
        con.execute("SELECT sum(a), sum(b), sum(c) FROM t").fetchall()  # the table's blocks cached
        assert _cached_mb(con) > 150
        db.make_room(con, 10 * 2**20)  # room enough already: nothing dropped
        assert _cached_mb(con) > 150
        db.make_room(con, 350 * 2**20)  # keeps a quarter of the limit at least
        assert _cached_mb(con) <= 100
        assert _limit(con) == _shown("400MB")
        assert con.execute("SELECT count(*) FROM t").fetchall()[0][0] == 8_000_000


def test_make_room_leaves_a_shared_instance_alone(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """On the app server's instance other sessions' queries run at any moment: they must never meet a
    lowered limit, so make_room does nothing there (limit_memory(..., shared=True))."""
    monkeypatch.setenv(db.MEMORY_ENV, "400MB")
    monkeypatch.setattr(db, "_SHARED", set())
    path = tmp_path / "a.duckdb"
    with db.open_database(path) as con:
        con.execute("CREATE TABLE t AS SELECT random() AS a, random() AS b FROM range(8000000)")
        con.execute("CHECKPOINT")
    with db.open_database(path) as con:
        db.limit_memory(con, "400MB", shared=True)
        con.execute("SELECT sum(a), sum(b) FROM t").fetchall()
        before = _cached_mb(con)
        assert before > 100
        db.make_room(con, 350 * 2**20)
        assert _cached_mb(con) == before
