"""The credentials file: accounts in a YAML file outside git (config.credentials_path()), bcrypt hashes only.

Every write takes a file lock, writes a temporary file and renames it over the old one, so a reader
never sees half a file and concurrent writers cannot lose each other's changes.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import filelock
import yaml

from data_layer import config
from data_layer.errors import UserFacingError
from data_layer.scope import Scope
from data_layer.users.account import (
    BCRYPT_HASH_RE,
    UserRecord,
    hash_password,
    normalize_username,
    require_user_admin,
    validate_password,
    validate_role_scope,
    validate_username,
)
from data_layer.users.demo import DEMO_PREFIX

log = logging.getLogger(__name__)


_LOCK_TIMEOUT_S = 10.0


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
    actor: Scope | None = None,
) -> UserRecord:
    """Create an account (the password is checked and hashed here)."""
    require_user_admin(actor)
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


def set_disabled(
    username: str, disabled: bool, *, path: Path | None = None, actor: Scope | None = None
) -> UserRecord:
    require_user_admin(actor)
    return _update(username, lambda u: replace(u, disabled=disabled), path)


def set_password(
    username: str, password: str, *, path: Path | None = None, actor: Scope | None = None
) -> UserRecord:
    require_user_admin(actor)
    validate_password(password)
    new_hash = hash_password(password)
    return _update(username, lambda u: replace(u, password_hash=new_hash), path)


def set_role(
    username: str, role: str, code: str | None, *, path: Path | None = None, actor: Scope | None = None
) -> UserRecord:
    """Change the role and scope code (checked as for a new account)."""
    require_user_admin(actor)
    r, c = validate_role_scope(role, code)
    return _update(username, lambda u: replace(u, role=r, code=c), path)
