"""Server-side session rules: revocation per user (session generation) and the two timeouts.

A login (form or re-authentication cookie) carries the user's generation at the time it was made
(the signed cookie and `st.session_state` hold it). Logout, a password change, disabling the account
and a role or scope change append a row to `session_revocations`, which raises the generation: every
session of that user, in every browser, ends on its next run (ui/auth.py checks on every run).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import duckdb

from data_layer.errors import UserFacingError
from data_layer.users.account import normalize_username

DEFAULT_IDLE_MINUTES = 30


DEFAULT_MAX_HOURS = 12.0


@dataclass(frozen=True)
class SessionPolicy:
    """Idle timeout (no run for that long ends the session) and absolute timeout (since the login)."""

    idle_minutes: float = DEFAULT_IDLE_MINUTES
    max_hours: float = DEFAULT_MAX_HOURS

    @property
    def idle(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.idle_minutes)

    @property
    def lifetime(self) -> dt.timedelta:
        return dt.timedelta(hours=self.max_hours)

    @classmethod
    def from_env(cls) -> SessionPolicy:
        """VYPUSK_SESSION_IDLE_MINUTES (default 30) and VYPUSK_SESSION_MAX_HOURS (default 12; the older
        VYPUSK_SESSION_DAYS is still read when the hours are not set)."""
        idle = _number_env("VYPUSK_SESSION_IDLE_MINUTES", DEFAULT_IDLE_MINUTES, 1, 24 * 60, "минут")
        if os.environ.get("VYPUSK_SESSION_MAX_HOURS", "").strip():
            hours = _number_env("VYPUSK_SESSION_MAX_HOURS", DEFAULT_MAX_HOURS, 0.1, 30 * 24, "часов")
        else:
            hours = 24 * _number_env("VYPUSK_SESSION_DAYS", DEFAULT_MAX_HOURS / 24, 0.001, 30, "дней")
        return cls(idle, hours)


def _number_env(var: str, default: float, low: float, high: float, unit: str) -> float:
    raw = os.environ.get(var, "").strip().replace(",", ".")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not low <= value <= high:
        low_text = f"{low:g}".replace(".", ",")
        raise UserFacingError(f"{var} должна быть числом {unit} от {low_text} до {high:g}, а не «{raw}».")
    return value


def session_generation(cur: duckdb.DuckDBPyConnection, username: str) -> int:
    """How many times the user's sessions were revoked; a session made at a lower number is over."""
    rows = cur.execute(
        "SELECT count(*) FROM session_revocations WHERE username = ?", [normalize_username(username)]
    ).fetchall()
    return int(rows[0][0])


def revoke_sessions(cur: duckdb.DuckDBPyConnection, username: str, now: dt.datetime, reason: str) -> int:
    """End every session of the user (on their next run); returns the new generation.

    Runs inside the caller's transaction (the write that causes it and its audit entry)."""
    uname = normalize_username(username)
    cur.execute("INSERT INTO session_revocations VALUES (?, ?, ?)", [uname, now, reason])
    return session_generation(cur, uname)


def session_end_reason(
    policy: SessionPolicy, login_at: dt.datetime, last_seen: dt.datetime, now: dt.datetime
) -> str | None:
    """Why a session is over by the clock (Russian), or None while it is still valid."""
    if now - login_at > policy.lifetime:
        hours = f"{policy.max_hours:g}".replace(".", ",")
        return f"Сеанс завершён: с момента входа прошло больше {hours} ч. Войдите снова."
    if now - last_seen > policy.idle:
        minutes = f"{policy.idle_minutes:g}".replace(".", ",")
        return f"Сеанс завершён: не было действий больше {minutes} мин. Войдите снова."
    return None
