"""User accounts, one module per job:

- `account`          — one account and its rules (name, password, role, scope code), bcrypt hashing;
- `credentials_file` — the YAML credentials file (locked, atomic writes);
- `demo`             — demo accounts of a demo database;
- `directory`        — every known account; the role scope of a user name (`--user NAME`);
- `lockout`          — growing login delay per (user name, source) (table login_attempts);
- `sessions`         — session revocation per user (table session_revocations) and the timeouts.

The command `vypusk users` is cli/users.py.
"""

from __future__ import annotations

from data_layer.users.account import (
    BCRYPT_HASH_RE,
    MAX_PASSWORD_BYTES,
    MIN_PASSWORD_CHARS,
    USERNAME_MAX_CHARS,
    USERNAME_RE,
    UserRecord,
    check_password,
    check_scope_code_exists,
    hash_password,
    normalize_username,
    password_too_long,
    require_user_admin,
    validate_password,
    validate_role_scope,
    validate_username,
)
from data_layer.users.credentials_file import add_user, load_users, set_disabled, set_password, set_role
from data_layer.users.demo import (
    DEMO_PASSWORD,
    DEMO_PREFIX,
    DEMO_USERNAMES,
    demo_password_hash,
    demo_users,
    is_demo_username,
)
from data_layer.users.directory import account_overview, all_users, scope_for_user
from data_layer.users.lockout import (
    DEFAULT_LOCKOUT_MINUTES,
    DEFAULT_LOGIN_DELAY_SECONDS,
    DEFAULT_MAX_FAILED_LOGINS,
    LOCAL_SOURCE,
    LockoutPolicy,
    delayed_users,
    failed_count,
    locked_until,
    record_failed_login,
    reset_failed_logins,
    source_of,
)
from data_layer.users.sessions import (
    DEFAULT_IDLE_MINUTES,
    DEFAULT_MAX_HOURS,
    SessionPolicy,
    revoke_sessions,
    session_end_reason,
    session_generation,
)

__all__ = [
    "BCRYPT_HASH_RE",
    "DEFAULT_IDLE_MINUTES",
    "DEFAULT_LOCKOUT_MINUTES",
    "DEFAULT_LOGIN_DELAY_SECONDS",
    "DEFAULT_MAX_FAILED_LOGINS",
    "DEFAULT_MAX_HOURS",
    "DEMO_PASSWORD",
    "DEMO_PREFIX",
    "DEMO_USERNAMES",
    "LOCAL_SOURCE",
    "MAX_PASSWORD_BYTES",
    "MIN_PASSWORD_CHARS",
    "USERNAME_MAX_CHARS",
    "USERNAME_RE",
    "LockoutPolicy",
    "SessionPolicy",
    "UserRecord",
    "account_overview",
    "add_user",
    "all_users",
    "check_password",
    "check_scope_code_exists",
    "delayed_users",
    "demo_password_hash",
    "demo_users",
    "failed_count",
    "hash_password",
    "is_demo_username",
    "load_users",
    "locked_until",
    "normalize_username",
    "password_too_long",
    "record_failed_login",
    "require_user_admin",
    "reset_failed_logins",
    "revoke_sessions",
    "scope_for_user",
    "session_end_reason",
    "session_generation",
    "set_disabled",
    "set_password",
    "set_role",
    "source_of",
    "validate_password",
    "validate_role_scope",
    "validate_username",
]
