"""Login delay after repeated failures, per (user name, source); the state lives in the database
(table login_attempts), so it survives reloads and restarts.

The source is the client's address (ui/auth.py: the connection's address, or behind a trusted proxy
the address the proxy put last into X-Forwarded-For). Failures from one source delay only that source:
an attacker guessing a password from one address slows himself down and cannot lock the real user out
of the account from another address. The first `max_failed - 1` failures cost nothing, then each
failure makes the source wait `delay_seconds`, doubling with every further failure up to `minutes`.
A successful login clears the count of its own source only (never the attacker's); a day without
failures starts afresh; `vypusk users unlock` and the «Пользователи» page clear every source.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from data_layer.errors import UserFacingError
from data_layer.users.account import normalize_username

DEFAULT_MAX_FAILED_LOGINS = 5


DEFAULT_LOCKOUT_MINUTES = 5


DEFAULT_LOGIN_DELAY_SECONDS = 30


QUIET_RESET = dt.timedelta(days=1)


LOCAL_SOURCE = "локально"


@dataclass(frozen=True)
class LockoutPolicy:
    max_failed: int = DEFAULT_MAX_FAILED_LOGINS
    minutes: int = DEFAULT_LOCKOUT_MINUTES  # the cap of the growing delay
    delay_seconds: int = DEFAULT_LOGIN_DELAY_SECONDS  # the first delay

    @classmethod
    def from_env(cls) -> LockoutPolicy:
        return cls(
            _positive_int_env("VYPUSK_MAX_FAILED_LOGINS", DEFAULT_MAX_FAILED_LOGINS),
            _positive_int_env("VYPUSK_LOCKOUT_MINUTES", DEFAULT_LOCKOUT_MINUTES),
            _positive_int_env("VYPUSK_LOGIN_DELAY_SECONDS", DEFAULT_LOGIN_DELAY_SECONDS),
        )

    def delay(self, failures: int) -> dt.timedelta | None:
        """The wait after the `failures`-th failure in a row (None: no wait yet)."""
        if failures < self.max_failed:
            return None
        seconds = self.delay_seconds * 2 ** min(failures - self.max_failed, 30)
        return dt.timedelta(seconds=min(seconds, self.minutes * 60))


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


def source_of(peer: str | None, forwarded_for: list[str], trusted_proxies: str) -> str:
    """The client's address for the login delay.

    `peer` is the address of the connection (None for the loopback, as Streamlit reports it). Only when
    the peer is one of `trusted_proxies` (comma-separated addresses or networks, VYPUSK_TRUSTED_PROXY)
    is X-Forwarded-For believed, and then only its last entry: the one the trusted proxy added itself
    (whatever the client sent comes before it)."""
    peer_ip = _ip(peer) if peer else ipaddress.ip_address("127.0.0.1")
    if peer_ip is None:
        return _source(peer)
    entries = [e.strip() for value in forwarded_for for e in value.split(",") if e.strip()]
    if entries and _trusted(peer_ip, trusted_proxies):
        forwarded = _ip(entries[-1])
        if forwarded is not None:
            return str(forwarded)
    return str(peer_ip) if peer else LOCAL_SOURCE


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, trusted_proxies: str) -> bool:
    for item in trusted_proxies.split(","):
        try:
            if item.strip() and ip in ipaddress.ip_network(item.strip(), strict=False):
                return True
        except ValueError:
            raise UserFacingError(
                f"VYPUSK_TRUSTED_PROXY: «{item.strip()}» — не IP-адрес и не сеть (пример: 127.0.0.1,10.0.0.0/8)."
            ) from None
    return False


def _source(source: str | None) -> str:
    return (source or "").strip() or LOCAL_SOURCE


# One process serves every Streamlit session: serialise the read-modify-write of a counter.
_attempts_lock = threading.Lock()


def _row(
    cur: duckdb.DuckDBPyConnection, uname: str, source: str
) -> tuple[int, dt.datetime | None, dt.datetime | None]:
    rows = cur.execute(
        "SELECT failed_count, locked_until, last_failed_at FROM login_attempts WHERE username = ? AND source = ?",
        [uname, source],
    ).fetchall()
    return (int(rows[0][0]), rows[0][1], rows[0][2]) if rows else (0, None, None)


def locked_until(
    cur: duckdb.DuckDBPyConnection, username: str, source: str | None, now: dt.datetime
) -> dt.datetime | None:
    """Until when this source must wait before trying this user name again; None: it may try now."""
    _count, until, _last = _row(cur, normalize_username(username), _source(source))
    return until if until is not None and until > now else None


def record_failed_login(
    cur: duckdb.DuckDBPyConnection,
    username: str,
    source: str | None,
    now: dt.datetime,
    policy: LockoutPolicy,
    on_recorded: Callable[[int, dt.datetime | None], None] | None = None,
) -> dt.datetime | None:
    """Count a failed login of (user name, source); return the end of the wait it causes, if any.

    `on_recorded(count, until)` runs inside the counter's transaction (the caller's audit entries), so
    the count and its entries are committed together or not at all."""
    uname, src = normalize_username(username), _source(source)
    with _attempts_lock:
        cur.execute("BEGIN TRANSACTION")
        try:
            count, until, last = _row(cur, uname, src)
            if until is not None and until > now:  # a concurrent attempt during the wait: keep it as is
                cur.execute("ROLLBACK")
                return until
            if last is not None and now - last > QUIET_RESET:
                count = 0
            count += 1
            wait = policy.delay(count)
            new_until = now + wait if wait is not None else None
            cur.execute("DELETE FROM login_attempts WHERE username = ? AND source = ?", [uname, src])
            cur.execute(
                "INSERT INTO login_attempts (username, failed_count, locked_until, source, last_failed_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [uname, count, new_until, src, now],
            )
            if on_recorded is not None:
                on_recorded(count, new_until)
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
    return new_until


def reset_failed_logins(cur: duckdb.DuckDBPyConnection, username: str, source: str | None = None) -> None:
    """After a successful login (its own source only), or unlock (source None: every source)."""
    uname = normalize_username(username)
    with _attempts_lock:
        if source is None:
            cur.execute("DELETE FROM login_attempts WHERE username = ?", [uname])
        else:
            cur.execute(
                "DELETE FROM login_attempts WHERE username = ? AND source = ?", [uname, _source(source)]
            )


def failed_count(cur: duckdb.DuckDBPyConnection, username: str, source: str | None) -> int:
    return _row(cur, normalize_username(username), _source(source))[0]


def delayed_users(cur: duckdb.DuckDBPyConnection, now: dt.datetime) -> dict[str, tuple[dt.datetime, int]]:
    """User name → (latest end of a wait, number of sources waiting), for the users still waiting."""
    rows = cur.execute(
        """SELECT username, max(locked_until), count(*) FROM login_attempts
           WHERE locked_until > ? GROUP BY username""",
        [now],
    ).fetchall()
    return {r[0]: (r[1], int(r[2])) for r in rows}
