"""`vypusk users` (docs/data_contract.md §8): add, list, disable, enable, passwd, unlock."""

from __future__ import annotations

import argparse
import getpass
import sys
from contextlib import closing
from typing import Any

from data_layer import config
from data_layer.db import open_database
from data_layer.errors import UserFacingError
from data_layer.scope import ROLE_LABELS, ROLES
from data_layer.users import (
    UserRecord,
    demo_users,
    load_users,
    normalize_username,
    validate_password,
)
from ops import users as ops_users


def _ask_password() -> str:
    first = getpass.getpass("Пароль: ")
    second = getpass.getpass("Пароль ещё раз: ")
    if first != second:
        raise UserFacingError("Пароли не совпадают.")
    validate_password(first)
    return first


def _report(message: str, was_audited: bool) -> int:
    print(message)
    if not was_audited:
        print(
            "Внимание: база данных ещё не создана, поэтому запись в журнал аудита не сделана.",
            file=sys.stderr,
        )
    return 0


def _cmd_add(args: argparse.Namespace) -> int:
    uname, role, code = ops_users.check_new_user(args.name, args.role, args.scope)
    password = _ask_password()
    _rec, was_audited = ops_users.add_user(args.db, uname, password, role, code, args.full_name)
    return _report(f"Пользователь «{uname}» добавлен: {ops_users.describe(role, code)}.", was_audited)


def _cmd_disable(args: argparse.Namespace) -> int:
    uname = normalize_username(args.name)
    return _report(f"Учётная запись «{uname}» отключена.", ops_users.set_disabled(args.db, uname, True))


def _cmd_enable(args: argparse.Namespace) -> int:
    uname = normalize_username(args.name)
    return _report(f"Учётная запись «{uname}» включена.", ops_users.set_disabled(args.db, uname, False))


def _cmd_passwd(args: argparse.Namespace) -> int:
    uname = ops_users.require_existing(args.name)
    password = _ask_password()
    return _report(
        f"Пароль пользователя «{uname}» изменён.", ops_users.set_password(args.db, uname, password)
    )


def _cmd_unlock(args: argparse.Namespace) -> int:
    uname = normalize_username(args.name)
    return _report(f"Блокировка входа для «{uname}» снята.", ops_users.unlock(args.db, uname))


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
