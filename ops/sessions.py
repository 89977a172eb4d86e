"""Login, failed login and logout: the counters and session revocations of data_layer.users with their
audit entries, each in one transaction (ui/auth.py decides, this module writes)."""

from __future__ import annotations

import datetime as dt

import duckdb

from data_layer import audit
from data_layer.scope import Scope
from data_layer.users import (
    LockoutPolicy,
    normalize_username,
    record_failed_login,
    reset_failed_logins,
    revoke_sessions,
    session_generation,
)
from ops.transaction import audited


def _source_note(source: str) -> str:
    return f"Адрес: {source}"


def login_succeeded(cur: duckdb.DuckDBPyConnection, scope: Scope, source: str) -> int:
    """Clear the failure count of this (name, source) only, audit the login; the user's generation."""
    with audited(cur, scope, "login", scope.username, _source_note(source), bump=False):
        reset_failed_logins(cur, scope.username, source)
    return session_generation(cur, scope.username)


def login_failed(
    cur: duckdb.DuckDBPyConnection, username: str, source: str, now: dt.datetime, policy: LockoutPolicy
) -> tuple[int, dt.datetime | None]:
    """Count a failure of (name, source) with its audit entries; (failures in a row, end of the wait)."""
    uname = normalize_username(username)
    counted: list[int] = []

    def entries(count: int, until: dt.datetime | None) -> None:
        counted.append(count)
        audit.record(cur, uname, None, "login_failed", uname, _source_note(source))
        if until is not None:
            details = (
                f"{count} неудачных попыток подряд, следующая попытка не раньше {until:%d.%m.%Y %H:%M:%S}"
            )
            audit.record(cur, uname, None, "login_locked", uname, f"{details}. {_source_note(source)}")

    until = record_failed_login(cur, uname, source, now, policy, on_recorded=entries)
    return (counted[0] if counted else policy.max_failed), until


def login_refused(cur: duckdb.DuckDBPyConnection, username: str, source: str) -> None:
    """An attempt while its source still has to wait: audited, the password is not even checked."""
    uname = normalize_username(username)
    note = "Попытка входа во время задержки. " + _source_note(source)
    audit.record(cur, uname, None, "login_locked", uname, note)


def logout(cur: duckdb.DuckDBPyConnection, scope: Scope, now: dt.datetime, *, revoke: bool = True) -> None:
    """Audit the logout and, with `revoke`, end every session of the user (per user: all browsers), in
    one transaction. Demo accounts are shared by everybody who opens the demo (their password is on the
    login page), so their logout ends only the session that logs out (`revoke=False`)."""
    with audited(cur, scope, "logout", scope.username, None, bump=False):
        if revoke:
            revoke_sessions(cur, scope.username, now, "выход")
