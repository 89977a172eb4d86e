"""Account changes (`vypusk users`): the credentials file and the audit entry 'user_change' of the
database together. The entry is written first, in a transaction that commits only after the file
was written: a failing entry stops the change, a failing change rolls the entry back.

Without a database yet (first set-up) the change is made without an entry; the functions return
whether it was audited so the command can say so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager

import duckdb

from data_layer import config
from data_layer.db import open_database
from data_layer.errors import DatabaseLockedError, UserFacingError
from data_layer.scope import OPERATOR, ROLE_LABELS, Role
from data_layer.users import (
    UserRecord,
    check_scope_code_exists,
    credentials_file,
    load_users,
    normalize_username,
    reset_failed_logins,
    validate_role_scope,
    validate_username,
)
from ops.transaction import audited


@contextmanager
def _audit_db(db: str | None) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A cursor on the database for checks and the audit entry; None when no database exists yet."""
    p = config.db_path(db)
    if not p.exists():
        yield None
        return
    try:
        con = open_database(p)
    except DatabaseLockedError as exc:
        raise UserFacingError(
            f"База данных {p} занята запущенным приложением. Изменения учётных записей записываются "
            "в журнал аудита этой базы: остановите приложение и повторите команду."
        ) from exc
    with closing(con), con.cursor() as cur:
        yield cur


def _change(
    db: str | None, obj: str, details: str, apply: Callable[[duckdb.DuckDBPyConnection | None], object]
) -> bool:
    """Apply a change with its audit entry; False when there is no database to audit in."""
    with _audit_db(db) as cur:
        if cur is None:
            apply(None)
            return False
        with audited(cur, OPERATOR, "user_change", obj, details, bump=False, audit_first=True):
            apply(cur)
    return True


def describe(role: Role, code: str | None) -> str:
    return f"роль «{ROLE_LABELS[role]}»" + (f", код {code}" if code else "")


def check_new_user(username: str, role: str, code: str | None) -> tuple[str, Role, str | None]:
    """Normalised (name, role, code) of an account that may be added (asked before the password)."""
    uname = validate_username(username)
    r, c = validate_role_scope(role, code)
    if uname in load_users():
        raise UserFacingError(f"Пользователь «{uname}» уже существует.")
    return uname, r, c


def require_existing(username: str) -> str:
    uname = normalize_username(username)
    if uname not in load_users():
        raise UserFacingError(f"Пользователь «{uname}» не найден.")
    return uname


def add_user(
    db: str | None, username: str, password: str, role: str, code: str | None, full_name: str | None
) -> tuple[UserRecord, bool]:
    uname, r, c = check_new_user(username, role, code)
    added: list[UserRecord] = []

    def apply(cur: duckdb.DuckDBPyConnection | None) -> None:
        if cur is not None:
            check_scope_code_exists(cur, r, c)
        added.append(credentials_file.add_user(uname, password, r, c, full_name))

    was_audited = _change(db, uname, f"Добавлен пользователь: {describe(r, c)}", apply)
    return added[0], was_audited


def set_disabled(db: str | None, username: str, disabled: bool) -> bool:
    uname = normalize_username(username)
    details = "Учётная запись отключена" if disabled else "Учётная запись включена"
    return _change(db, uname, details, lambda _cur: credentials_file.set_disabled(uname, disabled))


def set_password(db: str | None, username: str, password: str) -> bool:
    uname = require_existing(username)
    return _change(db, uname, "Пароль изменён", lambda _cur: credentials_file.set_password(uname, password))


def unlock(db: str | None, username: str) -> bool:
    uname = normalize_username(username)

    def apply(cur: duckdb.DuckDBPyConnection | None) -> None:
        if cur is None:
            raise UserFacingError("База данных не найдена: блокировки хранятся в ней.")
        reset_failed_logins(cur, uname)

    return _change(db, uname, "Блокировка входа снята", apply)
