"""The DuckDB connection as seen from Streamlit pages.

One base connection per database file and process (`st.cache_resource`), and a fresh cursor per
query or transaction: DuckDB 2.0 refuses concurrent calls on one connection (docs/architecture.md §5.2).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import streamlit as st

from data_layer import config, db, logs, service


def configure_logging() -> None:
    """stderr for the service manager, СНИЛС masked in every handler (data_layer.logs); idempotent,
    called on every run so that handlers Streamlit adds later get the filter too."""
    logs.configure()


@st.cache_resource(show_spinner=False)
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    con = db.get_connection(path)
    # the app server's smaller DuckDB memory limit (data_layer.db.memory_limit: its peak memory)
    db.limit_memory(con, db.memory_limit(app=True), shared=True)
    # While this process holds the file, backups and health checks of other processes go through
    # its housekeeping thread (data_layer.service); it ends when the connection is closed.
    service.ensure_running(path)
    return con


def get_con() -> duckdb.DuckDBPyConnection:
    """The cached base connection to the database of `VYPUSK_DB` (or the default file)."""
    path = str(config.db_path())
    con = _connection(path)
    try:
        con.cursor().close()
    except duckdb.ConnectionException:
        # Closed behind our back (db.close_all in tests, a file swap): open a new one.
        _connection.clear(path)
        con = _connection(path)
    return con


@contextmanager
def cursor() -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh cursor on the cached connection; use one per query or transaction."""
    with get_con().cursor() as cur:
        yield cur
