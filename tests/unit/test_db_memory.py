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
