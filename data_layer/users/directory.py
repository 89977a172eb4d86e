"""Who a user is: every account known (file plus demo) and the role scope of one user name."""

from __future__ import annotations

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
