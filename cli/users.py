"""`vypusk users` (data_contract §8): add, list, disable, enable, passwd, unlock."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from typing import Any

import duckdb

from data_layer import audit, config
from data_layer.db import open_database
from data_layer.errors import DatabaseLockedError, UserFacingError
from data_layer.scope import OPERATOR, ROLE_LABELS, ROLES, Role
from data_layer.users import (
    UserRecord,
    add_user,
    check_scope_code_exists,
    demo_users,
    load_users,
    normalize_username,
    reset_failed_logins,
    set_disabled,
    set_password,
    validate_password,
    validate_role_scope,
    validate_username,
)


def _ask_password() -> str:
    first = getpass.getpass("Пароль: ")
    second = getpass.getpass("Пароль ещё раз: ")
    if first != second:
        raise UserFacingError("Пароли не совпадают.")
    validate_password(first)
    return first


@contextmanager
def _audit_db(db: str | None) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A cursor on the database for checks and the audit record; None when no database exists yet."""
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
) -> None:
    """Apply a change and its audit record together: the record is rolled back if the change fails."""
    with _audit_db(db) as cur:
        if cur is None:
            apply(None)
            print(
                "Внимание: база данных ещё не создана, поэтому запись в журнал аудита не сделана.",
                file=sys.stderr,
            )
            return
        cur.execute("BEGIN TRANSACTION")
        try:
            audit.record(cur, OPERATOR.username, OPERATOR.role, "user_change", obj, details)
            apply(cur)
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise


def _describe(role: Role, code: str | None) -> str:
    return f"роль «{ROLE_LABELS[role]}»" + (f", код {code}" if code else "")


def _cmd_add(args: argparse.Namespace) -> int:
    uname = validate_username(args.name)
    role, code = validate_role_scope(args.role, args.scope)
    if uname in load_users():
        raise UserFacingError(f"Пользователь «{uname}» уже существует.")
    password = _ask_password()

    def apply(cur: duckdb.DuckDBPyConnection | None) -> None:
        if cur is not None:
            check_scope_code_exists(cur, role, code)
        add_user(uname, password, role, code, args.full_name)

    _change(args.db, uname, f"Добавлен пользователь: {_describe(role, code)}", apply)
    print(f"Пользователь «{uname}» добавлен: {_describe(role, code)}.")
    return 0


def _cmd_disable(args: argparse.Namespace) -> int:
    uname = normalize_username(args.name)
    _change(args.db, uname, "Учётная запись отключена", lambda _cur: set_disabled(uname, True))
    print(f"Учётная запись «{uname}» отключена.")
    return 0


def _cmd_enable(args: argparse.Namespace) -> int:
    uname = normalize_username(args.name)
    _change(args.db, uname, "Учётная запись включена", lambda _cur: set_disabled(uname, False))
    print(f"Учётная запись «{uname}» включена.")
    return 0


def _cmd_passwd(args: argparse.Namespace) -> int:
    uname = normalize_username(args.name)
    if uname not in load_users():
        raise UserFacingError(f"Пользователь «{uname}» не найден.")
    password = _ask_password()
    _change(args.db, uname, "Пароль изменён", lambda _cur: set_password(uname, password))
    print(f"Пароль пользователя «{uname}» изменён.")
    return 0


def _cmd_unlock(args: argparse.Namespace) -> int:
    uname = normalize_username(args.name)

    def apply(cur: duckdb.DuckDBPyConnection | None) -> None:
        if cur is None:
            raise UserFacingError("База данных не найдена: блокировки хранятся в ней.")
        reset_failed_logins(cur, uname)

    _change(args.db, uname, "Блокировка входа снята", apply)
    print(f"Блокировка входа для «{uname}» снята.")
    return 0


def format_users_table(users: list[UserRecord]) -> str:
    """Plain-text table for the terminal, Russian headers."""
    header = ("Пользователь", "ФИО / описание", "Роль", "Код", "Состояние")
    rows = [
        (
            u.username,
            u.name,
            ROLE_LABELS[u.role],
            u.code or "—",
            "демо" if u.demo else ("отключена" if u.disabled else "активна"),
        )
        for u in users
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cmd_list(args: argparse.Namespace) -> int:
    users = sorted(load_users().values(), key=lambda u: u.username)
    p = config.db_path(args.db)
    if p.exists():
        try:
            with closing(open_database(p, read_only=True)) as con, con.cursor() as cur:
                users += sorted(demo_users(cur).values(), key=lambda u: u.username)
        except UserFacingError:
            pass  # the app holds the database: list the file accounts only
    if not users:
        print(f"Пользователей нет. Файл учётных записей: {config.credentials_path()}")
        return 0
    print(format_users_table(users))
    return 0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "users", help="учётные записи пользователей", description="Учётные записи пользователей"
    )
    sub = p.add_subparsers(dest="users_command", metavar="ДЕЙСТВИЕ")
    sub.required = True

    def with_db(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sp.add_argument("--db", help="файл базы данных (для проверки кодов и журнала аудита)")
        return sp

    add = with_db(sub.add_parser("add", help="добавить пользователя (пароль запрашивается дважды)"))
    add.add_argument("name", metavar="ИМЯ")
    add.add_argument("--role", required=True, help=f"роль: {', '.join(ROLES)}")
    add.add_argument("--scope", help="код ТУ (TU01) для роли territory или код ПОО (P001) для роли college")
    add.add_argument("--full-name", help="ФИО или описание, показывается в приложении")
    add.set_defaults(func=_cmd_add)

    lst = with_db(sub.add_parser("list", help="список пользователей"))
    lst.set_defaults(func=_cmd_list)

    for action, helptext, func in (
        ("disable", "отключить учётную запись", _cmd_disable),
        ("enable", "включить отключённую учётную запись", _cmd_enable),
        ("passwd", "сменить пароль (запрашивается дважды)", _cmd_passwd),
        ("unlock", "снять блокировку после неудачных входов", _cmd_unlock),
    ):
        sp = with_db(sub.add_parser(action, help=helptext))
        sp.add_argument("name", metavar="ИМЯ")
        sp.set_defaults(func=func)
