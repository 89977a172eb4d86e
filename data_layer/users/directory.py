"""Who a user is: every account known (file plus demo) and the role scope of one user name."""

from __future__ import annotations

import datetime as dt
import os
from contextlib import closing
from pathlib import Path

import duckdb

from data_layer import config
from data_layer.db import open_database
from data_layer.errors import ScopeError
from data_layer.scope import Scope
from data_layer.users.account import UserRecord, normalize_username
from data_layer.users.credentials_file import load_users
from data_layer.users.demo import DEMO_USERNAMES, demo_users
from data_layer.users.lockout import delayed_users


def all_users(cur: duckdb.DuckDBPyConnection | None, path: Path | None = None) -> dict[str, UserRecord]:
    """File accounts plus, on a demo database, the demo accounts (the demo ones win a name clash)."""
    users = load_users(path)
    if cur is not None:
        users.update(demo_users(cur))
    return users


def scope_for_user(name: str, db: str | os.PathLike[str] | None = None) -> Scope:
    """The role scope of an account (`vypusk ... --user NAME`); unknown or disabled → ScopeError."""
    uname = normalize_username(name)
    rec = load_users().get(uname)
    if rec is None and uname in DEMO_USERNAMES:
        p = config.db_path(db)
        if p.exists():
            with closing(open_database(p)) as con, con.cursor() as cur:
                rec = demo_users(cur).get(uname)
        if rec is None:
            raise ScopeError(
                f"Демонстрационная учётная запись «{uname}» доступна только на демонстрационной базе данных."
            )
    if rec is None:
        raise ScopeError(f"Пользователь «{uname}» не найден. Список пользователей: vypusk users list.")
    if rec.disabled:
        raise ScopeError(f"Учётная запись «{uname}» отключена.")
    return rec.scope()


def account_overview(
    cur: duckdb.DuckDBPyConnection, now: dt.datetime, path: Path | None = None
) -> list[dict[str, object]]:
    """Every account (file, then demo) with its last login (from the audit log) and login delay.

    Keys: username, name, role, code, state («активна», «отключена», «демо»), last_login, delayed_until,
    delayed_sources, editable (file accounts only: demo accounts are not in the file)."""
    accounts = all_users(cur, path)
    last = dict(
        cur.execute(
            "SELECT username, max(event_at) FROM audit_log WHERE action = 'login' GROUP BY username"
        ).fetchall()
    )
    delays = delayed_users(cur, now)
    rows = []
    for u in sorted(accounts.values(), key=lambda r: (r.demo, r.username)):
        until, sources = delays.get(u.username, (None, 0))
        rows.append(
            {
                "username": u.username,
                "name": u.name,
                "role": u.role,
                "code": u.code,
                "state": "демо" if u.demo else ("отключена" if u.disabled else "активна"),
                "last_login": last.get(u.username),
                "delayed_until": until,
                "delayed_sources": sources,
                "editable": not u.demo,
            }
        )
    return rows
