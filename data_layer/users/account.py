"""One account (`UserRecord`) and its rules: user name, password, role and scope code; bcrypt hashing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import cast

import bcrypt
import duckdb

from data_layer.errors import ScopeError, UserFacingError
from data_layer.scope import ROLES, Role, Scope

MAX_PASSWORD_BYTES = 72


MIN_PASSWORD_CHARS = 8


USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")


USERNAME_MAX_CHARS = 32


BCRYPT_HASH_RE = re.compile(r"^\$2[aby]\$\d+\$.{53}$")


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


def require_user_admin(actor: Scope | None) -> None:
    """Accounts are managed by the base centre only. `None` is the owner of the credentials file working
    on the server itself (`vypusk users`, set-up): the file's permissions already decide that."""
    if actor is not None and actor.role != "base_centre":
        raise ScopeError("Управлять учётными записями может только базовый центр.")


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
