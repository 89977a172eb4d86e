"""User accounts: the credentials file, demo accounts, login lockout and the `vypusk users` command.

Accounts live in a YAML file outside git (config.credentials_path()) with bcrypt hashes only. Every
write takes a file lock, writes a temporary file and renames it over the old one, so a reader never
sees half a file and concurrent writers cannot lose each other's changes.

Demo accounts (password «demo») exist only while the database is a demo database; they are derived
from its reference data and never written to the file.

The lockout state lives in the database (table login_attempts), so it survives reloads and restarts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import getpass
import logging
import os
import re
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

import bcrypt
import duckdb
import filelock
import yaml

from data_layer import audit, config
from data_layer.db import is_demo, open_database
from data_layer.errors import DatabaseLockedError, ScopeError, UserFacingError
from data_layer.scope import OPERATOR, ROLE_LABELS, ROLES, Role, Scope

log = logging.getLogger(__name__)

# bcrypt looks at the first 72 bytes only, and bcrypt 5 refuses longer input outright.
MAX_PASSWORD_BYTES = 72
MIN_PASSWORD_CHARS = 8
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")
USERNAME_MAX_CHARS = 32
BCRYPT_HASH_RE = re.compile(r"^\$2[aby]\$\d+\$.{53}$")

DEMO_PREFIX = "demo_"
DEMO_PASSWORD = "demo"
DEMO_USERNAMES: tuple[str, ...] = ("demo_ministry", "demo_territory", "demo_base", "demo_college")

DEFAULT_MAX_FAILED_LOGINS = 5
DEFAULT_LOCKOUT_MINUTES = 15
_LOCK_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class UserRecord:
    """One account. `code` is the ТУ code (territory) or the college code (college), else None."""

    username: str
    name: str
    role: Role
    code: str | None
    password_hash: str
    disabled: bool = False
    demo: bool = False

    def scope(self) -> Scope:
        return Scope(role=self.role, code=self.code, username=self.username)


# ---------------------------------------------------------------- validation


def normalize_username(username: str) -> str:
    """User names are case-insensitive (streamlit-authenticator lower-cases them too)."""
    return username.strip().lower()


def validate_username(username: str) -> str:
    name = normalize_username(username)
    if not USERNAME_RE.match(name):
        raise UserFacingError(
            f"Недопустимое имя пользователя «{username}»: от 2 до {USERNAME_MAX_CHARS} символов — "
            "латинские буквы, цифры, «_», «.», «-»; начинается с буквы или цифры."
        )
    return name


def password_too_long(password: str) -> bool:
    return len(password.encode("utf-8")) > MAX_PASSWORD_BYTES


def validate_password(password: str) -> None:
    """Rules for a new password (the demo password is the only exception, and is never set here)."""
    if password != password.strip():
        # The login code strips the entered password, so such a password could never match.
        raise UserFacingError("Пароль не должен начинаться или заканчиваться пробелом.")
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserFacingError(f"Пароль слишком короткий: нужно не менее {MIN_PASSWORD_CHARS} символов.")
    if password_too_long(password):
        raise UserFacingError(
            f"Пароль слишком длинный: не более {MAX_PASSWORD_BYTES} байт "
            "(около 72 латинских или 36 русских букв)."
        )


def validate_role_scope(role: str, code: str | None) -> tuple[Role, str | None]:
    """Check the role and whether it needs a territory/college code; return them normalised."""
    if role not in ROLES:
        raise UserFacingError(f"Неизвестная роль «{role}». Допустимые роли: {', '.join(ROLES)}.")
    code = code.strip() if code else None
    if role in ("territory", "college") and not code:
        what = "код ТУ (например, TU01)" if role == "territory" else "код ПОО (например, P001)"
        raise UserFacingError(f"Для роли «{role}» укажите --scope: {what}.")
    if role in ("ministry", "base_centre") and code:
        raise UserFacingError(f"Роль «{role}» видит всю область: код --scope для неё не указывается.")
    return cast(Role, role), code


def check_scope_code_exists(cur: duckdb.DuckDBPyConnection, role: Role, code: str | None) -> None:
    """The territory or college code must exist in the reference data of the database."""
    if code is None:
        return
    if role == "territory":
        found = cur.execute("SELECT count(*) FROM territories WHERE tu_code = ?", [code]).fetchall()
        what = "Территориальное управление"
    else:
        found = cur.execute("SELECT count(*) FROM colleges WHERE college_code = ?", [code]).fetchall()
        what = "ПОО"
    if not found[0][0]:
        raise UserFacingError(f"{what} с кодом «{code}» нет в справочниках базы данных.")


# ---------------------------------------------------------------- hashing


def hash_password(password: str) -> str:
    """bcrypt hash, compatible with streamlit_authenticator.Hasher.check_pw."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")


def check_password(password: str, password_hash: str) -> bool:
    if password_too_long(password):
        return False
    try:
        return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode("ascii"))
    except ValueError:
        return False


@functools.cache
def demo_password_hash() -> str:
    """Hashed once per process: bcrypt is deliberately slow."""
    return hash_password(DEMO_PASSWORD)


# ---------------------------------------------------------------- credentials file

_FILE_HEADER = (
    "# «Выпускник»: учётные записи (хэши bcrypt). Файл ведёт команда `vypusk users`;\n"
    "# не храните его в git и не правьте вручную без необходимости.\n"
)


def _record_from_yaml(username: str, entry: Any) -> UserRecord | None:
    """Parse one entry; a malformed entry is skipped (and logged) so it can never log in."""
    try:
        if not isinstance(entry, dict):
            raise ValueError("not a mapping")
        name = validate_username(username)
        role, code = validate_role_scope(str(entry.get("role", "")), entry.get("scope"))
        password_hash = str(entry.get("password", ""))
        if not BCRYPT_HASH_RE.match(password_hash):
            raise ValueError("password is not a bcrypt hash")
        return UserRecord(
            username=name,
            name=str(entry.get("name") or name),
            role=role,
            code=code,
            password_hash=password_hash,
            disabled=bool(entry.get("disabled", False)),
        )
    except (UserFacingError, ValueError) as exc:
        log.warning("credentials: entry %r skipped: %s", username, exc)
        return None


def load_users(path: Path | None = None) -> dict[str, UserRecord]:
    """Accounts from the credentials file (missing file: no accounts)."""
    p = path or config.credentials_path()
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise UserFacingError(f"Файл учётных записей {p} повреждён: {exc}") from exc
    entries = data.get("users") if isinstance(data, dict) else None
    users: dict[str, UserRecord] = {}
    for username, entry in (entries or {}).items():
        rec = _record_from_yaml(str(username), entry)
        if rec is not None:
            users[rec.username] = rec
    return users


def _dump(users: dict[str, UserRecord]) -> str:
    body = {
        "users": {
            u.username: {
                "name": u.name,
                "role": u.role,
                "scope": u.code,
                "password": u.password_hash,
                "disabled": u.disabled,
            }
            for u in sorted(users.values(), key=lambda r: r.username)
        }
    }
    return _FILE_HEADER + yaml.safe_dump(body, allow_unicode=True, sort_keys=False)


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)  # password hashes: owner only
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def _editing(path: Path | None = None) -> Iterator[dict[str, UserRecord]]:
    """Read-modify-write under the file lock; the dict yielded is written back on success."""
    p = path or config.credentials_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(str(p) + ".lock", timeout=_LOCK_TIMEOUT_S)
    try:
        lock.acquire()
    except filelock.Timeout as exc:
        raise UserFacingError(
            f"Файл учётных записей {p} занят другой командой. Повторите попытку через несколько секунд."
        ) from exc
    try:
        users = load_users(p)
        yield users
        _write_atomic(p, _dump(users))
    finally:
        lock.release()


def add_user(
    username: str,
    password: str,
    role: str,
    code: str | None = None,
    name: str | None = None,
    *,
    path: Path | None = None,
) -> UserRecord:
    """Create an account (the password is checked and hashed here)."""
    uname = validate_username(username)
    if uname.startswith(DEMO_PREFIX):
        raise UserFacingError(
            f"Имена, начинающиеся с «{DEMO_PREFIX}», зарезервированы для демонстрационного режима."
        )
    r, c = validate_role_scope(role, code)
    validate_password(password)
    rec = UserRecord(uname, (name or "").strip() or uname, r, c, hash_password(password))
    with _editing(path) as users:
        if uname in users:
            raise UserFacingError(f"Пользователь «{uname}» уже существует.")
        users[uname] = rec
    return rec


def _update(username: str, change: Callable[[UserRecord], UserRecord], path: Path | None) -> UserRecord:
    uname = normalize_username(username)
    with _editing(path) as users:
        if uname not in users:
            raise UserFacingError(f"Пользователь «{uname}» не найден.")
        users[uname] = change(users[uname])
        return users[uname]


def set_disabled(username: str, disabled: bool, *, path: Path | None = None) -> UserRecord:
    return _update(username, lambda u: replace(u, disabled=disabled), path)


def set_password(username: str, password: str, *, path: Path | None = None) -> UserRecord:
    validate_password(password)
    new_hash = hash_password(password)
    return _update(username, lambda u: replace(u, password_hash=new_hash), path)


# ---------------------------------------------------------------- demo accounts


def is_demo_username(username: str) -> bool:
    return normalize_username(username) in DEMO_USERNAMES


def demo_users(cur: duckdb.DuckDBPyConnection) -> dict[str, UserRecord]:
    """The demo accounts of a demo database; empty for any other database.

    territory: the ТУ with the most colleges (ties: lowest code);
    college: the median college by number of graduates of the latest cohort (lower median, ties by code).
    """
    if not is_demo(cur):
        return {}
    pw = demo_password_hash()
    out = [
        UserRecord("demo_ministry", "Министерство образования (демо)", "ministry", None, pw, demo=True),
        UserRecord("demo_base", "Базовый центр (демо)", "base_centre", None, pw, demo=True),
    ]
    tu = cur.execute(
        """SELECT m.tu_code, coalesce(any_value(t.name), m.tu_code), count(*) AS n
           FROM colleges c JOIN municipalities m USING (oktmo) LEFT JOIN territories t USING (tu_code)
           GROUP BY m.tu_code ORDER BY n DESC, m.tu_code LIMIT 1"""
    ).fetchall()
    if tu:
        out.append(UserRecord("demo_territory", tu[0][1], "territory", tu[0][0], pw, demo=True))
    counts = cur.execute(
        """SELECT college_code, count(*) AS n FROM graduates
           WHERE cohort = (SELECT max(cohort) FROM graduates)
           GROUP BY college_code ORDER BY n, college_code"""
    ).fetchall()
    if not counts:
        counts = cur.execute("SELECT college_code, 0 FROM colleges ORDER BY college_code").fetchall()
    if counts:
        college = counts[(len(counts) - 1) // 2][0]
        name = cur.execute(
            "SELECT coalesce(full_name, short_name) FROM colleges WHERE college_code = ?", [college]
        ).fetchall()
        label = name[0][0] if name else college
        out.append(UserRecord("demo_college", label, "college", college, pw, demo=True))
    return {u.username: u for u in out}


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


# ---------------------------------------------------------------- login lockout


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


# ---------------------------------------------------------------- `vypusk users`


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
