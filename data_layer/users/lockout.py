"""Login lockout after repeated failures; the state lives in the database (table login_attempts), so it
survives reloads and restarts."""

from __future__ import annotations

import datetime as dt
import os
import threading
from dataclasses import dataclass

import duckdb

from data_layer.errors import UserFacingError
from data_layer.users.account import normalize_username

DEFAULT_MAX_FAILED_LOGINS = 5


DEFAULT_LOCKOUT_MINUTES = 15


@dataclass(frozen=True)
class LockoutPolicy:
    max_failed: int = DEFAULT_MAX_FAILED_LOGINS
    minutes: int = DEFAULT_LOCKOUT_MINUTES

    @classmethod
    def from_env(cls) -> LockoutPolicy:
        return cls(
            _positive_int_env("VYPUSK_MAX_FAILED_LOGINS", DEFAULT_MAX_FAILED_LOGINS),
            _positive_int_env("VYPUSK_LOCKOUT_MINUTES", DEFAULT_LOCKOUT_MINUTES),
        )


def _positive_int_env(var: str, default: int) -> int:
    raw = os.environ.get(var, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise UserFacingError(
            f"Переменная окружения {var} должна быть целым числом больше нуля, а не «{raw}»."
        )
    return value


# One process serves every Streamlit session: serialise the read-modify-write of a counter.
_attempts_lock = threading.Lock()


def locked_until(cur: duckdb.DuckDBPyConnection, username: str, now: dt.datetime) -> dt.datetime | None:
    """End of the account's current lock, or None when it is not locked at `now`."""
    rows = cur.execute(
        "SELECT locked_until FROM login_attempts WHERE username = ?", [normalize_username(username)]
    ).fetchall()
    until = rows[0][0] if rows else None
    return until if until is not None and until > now else None


def record_failed_login(
    cur: duckdb.DuckDBPyConnection, username: str, now: dt.datetime, policy: LockoutPolicy
) -> dt.datetime | None:
    """Count a failed login; return the lock end when this failure locks the account.

    A lock that has expired starts a fresh count.
    """
    uname = normalize_username(username)
    with _attempts_lock:
        cur.execute("BEGIN TRANSACTION")
        try:
            rows = cur.execute(
                "SELECT failed_count, locked_until FROM login_attempts WHERE username = ?", [uname]
            ).fetchall()
            count, until = rows[0] if rows else (0, None)
            if until is not None and until <= now:
                count, until = 0, None
            if until is not None:  # still locked (a concurrent attempt): keep the lock as it is
                cur.execute("ROLLBACK")
                return until
            count += 1
            new_until = now + dt.timedelta(minutes=policy.minutes) if count >= policy.max_failed else None
            cur.execute("DELETE FROM login_attempts WHERE username = ?", [uname])
            cur.execute("INSERT INTO login_attempts VALUES (?, ?, ?)", [uname, count, new_until])
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
    return new_until


def reset_failed_logins(cur: duckdb.DuckDBPyConnection, username: str) -> None:
    """After a successful login, or `vypusk users unlock`."""
    with _attempts_lock:
        cur.execute("DELETE FROM login_attempts WHERE username = ?", [normalize_username(username)])


def failed_count(cur: duckdb.DuckDBPyConnection, username: str) -> int:
    rows = cur.execute(
        "SELECT failed_count FROM login_attempts WHERE username = ?", [normalize_username(username)]
    ).fetchall()
    return int(rows[0][0]) if rows else 0
