"""Account changes, from the «Пользователи» page (the app's own database connection, while the app
runs) and from `vypusk users` (which opens the database itself, so only while the app is stopped).

Only the base centre manages accounts: every function takes the acting `Scope` and refuses other roles
(and so does data_layer.users.credentials_file, which writes the file).

Atomicity. The accounts live in the YAML credentials file; the audit entry 'user_change' and, for a
change that must end the user's sessions (password, disabling, role or scope), the revocation row live
in the database. No transaction spans a file and a database, so the order is: open a database
transaction, write the entry and the revocation, replace the file atomically (temporary file + rename
under a file lock), commit.
- the entry or the revocation fails → the file is not touched, the error is raised;
- the file write fails → the transaction rolls back (no entry, no revocation), the error is raised;
- the commit fails after the file was replaced (say the disk filled up in between) → the file holds the
  change without its entry: a `UserFacingError` says exactly that (page: a red message, CLI: exit
  code 2) and the log has it too. Never silent.

Without a database yet (first set-up with `vypusk users add`) the change is made without an entry; the
CLI functions return whether it was audited so the command can say so.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager

import duckdb

from data_layer import config
from data_layer.db import open_database
from data_layer.errors import DatabaseLockedError, UserFacingError
from data_layer.scope import OPERATOR, ROLE_LABELS, Role, Scope
from data_layer.users import (
    UserRecord,
    check_scope_code_exists,
    credentials_file,
    load_users,
    normalize_username,
    require_user_admin,
    reset_failed_logins,
    revoke_sessions,
    validate_role_scope,
    validate_username,
)
from ops.transaction import audited

log = logging.getLogger(__name__)


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
            f"База данных {p} занята запущенным приложением. Управляйте пользователями на странице "
            "«Пользователи» приложения (роль «Базовый центр») или остановите приложение и повторите команду."
        ) from exc
    with closing(con), con.cursor() as cur:
        yield cur


def _change(
    cur: duckdb.DuckDBPyConnection | None,
    actor: Scope,
    obj: str,
    details: str,
    apply: Callable[[duckdb.DuckDBPyConnection | None], object],
    *,
    revoke: str | None = None,
) -> bool:
    """Apply a change with its audit entry (and revocation); False when there is no database to audit in."""
    require_user_admin(actor)
    if cur is None:
        apply(None)
        return False
    applied = False
    try:
        with audited(cur, actor, "user_change", obj, details, bump=False, audit_first=True):
            if revoke is not None:
                revoke_sessions(cur, obj, dt.datetime.now(), revoke)
            apply(cur)
            applied = True
    except Exception as exc:
        if not applied:
            raise
        log.error("account %s changed in the credentials file, audit entry lost: %s", obj, exc)
        raise UserFacingError(
            f"Изменение учётной записи «{obj}» сохранено в файле учётных записей, но не записано в журнал "
            f"действий: {exc}. Проверьте место на диске и сообщите администратору."
        ) from exc
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
        raise UserFacingError(f"Пользователь «{uname}» не найден в файле учётных записей.")
    return uname


def _not_self(actor: Scope, uname: str, what: str) -> None:
    """The page's user cannot lock himself out; the server's owner (the CLI) is not an account."""
    if actor is not OPERATOR and normalize_username(actor.username) == uname:
        raise UserFacingError(
            f"Нельзя {what} свою учётную запись: попросите другого сотрудника базового центра."
        )


# ---------------------------------------------------------------- on a cursor (the page, and the CLI)


def create_user(
    cur: duckdb.DuckDBPyConnection | None,
    actor: Scope,
    username: str,
    password: str,
    role: str,
    code: str | None,
    full_name: str | None,
) -> tuple[UserRecord, bool]:
    require_user_admin(actor)
    uname, r, c = check_new_user(username, role, code)
    added: list[UserRecord] = []

    def apply(cur: duckdb.DuckDBPyConnection | None) -> None:
        if cur is not None:
            check_scope_code_exists(cur, r, c)
        added.append(credentials_file.add_user(uname, password, r, c, full_name, actor=actor))

    was_audited = _change(cur, actor, uname, f"Добавлен пользователь: {describe(r, c)}", apply)
    return added[0], was_audited


def change_disabled(
    cur: duckdb.DuckDBPyConnection | None, actor: Scope, username: str, disabled: bool
) -> bool:
    """Disable (ends every session of the user) or enable an account."""
    uname = require_existing(username)
    if disabled:
        _not_self(actor, uname, "отключить")
    details = "Учётная запись отключена" if disabled else "Учётная запись включена"
    return _change(
        cur,
        actor,
        uname,
        details,
        lambda _cur: credentials_file.set_disabled(uname, disabled, actor=actor),
        revoke="отключение" if disabled else None,
    )


def change_password(
    cur: duckdb.DuckDBPyConnection | None, actor: Scope, username: str, password: str
) -> bool:
    """Set a new password; every session of the user ends."""
    uname = require_existing(username)
    return _change(
        cur,
        actor,
        uname,
        "Пароль изменён",
        lambda _cur: credentials_file.set_password(uname, password, actor=actor),
        revoke="смена пароля",
    )


def change_role(
    cur: duckdb.DuckDBPyConnection | None, actor: Scope, username: str, role: str, code: str | None
) -> bool:
    """New role and scope code; every session of the user ends (it was built for the old rights)."""
    uname = require_existing(username)
    _not_self(actor, uname, "менять роль у")
    r, c = validate_role_scope(role, code)

    def apply(cur: duckdb.DuckDBPyConnection | None) -> None:
        if cur is not None:
            check_scope_code_exists(cur, r, c)
        credentials_file.set_role(uname, r, c, actor=actor)

    return _change(cur, actor, uname, f"Новая {describe(r, c)}", apply, revoke="смена роли")


def unlock_user(cur: duckdb.DuckDBPyConnection | None, actor: Scope, username: str) -> bool:
    """Clear the login delay of the user name from every source."""
    uname = normalize_username(username)

    def apply(cur: duckdb.DuckDBPyConnection | None) -> None:
        if cur is None:
            raise UserFacingError("База данных не найдена: задержки входа хранятся в ней.")
        reset_failed_logins(cur, uname)

    return _change(cur, actor, uname, "Задержка входа снята", apply)


# ---------------------------------------------------------------- `vypusk users` (opens the database)


def add_user(
    db: str | None, username: str, password: str, role: str, code: str | None, full_name: str | None
) -> tuple[UserRecord, bool]:
    with _audit_db(db) as cur:
        return create_user(cur, OPERATOR, username, password, role, code, full_name)


def set_disabled(db: str | None, username: str, disabled: bool) -> bool:
    with _audit_db(db) as cur:
        return change_disabled(cur, OPERATOR, username, disabled)


def set_password(db: str | None, username: str, password: str) -> bool:
    with _audit_db(db) as cur:
        return change_password(cur, OPERATOR, username, password)


def unlock(db: str | None, username: str) -> bool:
    with _audit_db(db) as cur:
        return unlock_user(cur, OPERATOR, username)
