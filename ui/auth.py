"""Login gate of the app: who is logged in, the login page and the logout button.

streamlit-authenticator 0.4.2 does the authentication proper: the password check against the bcrypt
hashes (its authentication controller), the signed re-authentication cookie (login on every run,
before the navigation is built) and the logout. The form is ours: the library's widget does not tell
which user name failed, so it cannot drive a per-account lockout, and it fails silently on passwords
over 72 bytes. Credentials are passed as a dict of pre-hashed passwords with auto_hash=False, so the
library never writes the credentials file.

Sessions are checked on the server on every run (ui/session_guard.py): revocation per user, idle and
absolute timeouts. Failed logins slow down the (user name, source) pair only (data_layer.users.lockout).
Every write (login, failure, logout) is an ops/sessions.py function with its audit entry.

Cookie writes and deletes are rendered on a run that is not cut short by st.rerun(), otherwise the
browser may never execute them (the cookie component would be unmounted first).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from typing import Any

import jwt
import polars as pl
import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities import LoginError

from data_layer import config, db, users
from data_layer.errors import UserFacingError
from data_layer.scope import ROLE_LABELS, Scope
from ops import sessions as ops_sessions
from ui import connection, session_guard

log = logging.getLogger(__name__)

COOKIE_NAME = "vypusk_auth"
# Used only on the demo database, where every account's password is «demo» anyway.
DEMO_COOKIE_KEY = "vypusk-demo-only-cookie-key-not-a-secret-0001"
WEAK_COOKIE_KEYS = frozenset({"some_key", "change-me", "changeme", "secret", DEMO_COOKIE_KEY})
MIN_COOKIE_KEY_CHARS = 32

FIELDS = {
    "Form name": "Вход в систему",
    "Username": "Имя пользователя",
    "Password": "Пароль",
    "Login": "Войти",
    "Logout": "Выйти",
}

# Session-state keys owned by this module (the library owns authentication_status, username, ...).
_AUTHENTICATOR = "_vypusk_authenticator"
_DEMO = "_vypusk_demo"
_DEMO_KEY = "_vypusk_demo_cookie_key"
_COOKIE_TODO = "_vypusk_cookie_todo"  # "set" | "delete", done on the next run
_MESSAGE = "_vypusk_login_message"


def _now() -> dt.datetime:
    """The clock (tests replace it to step through a lockout)."""
    return dt.datetime.now()


# ---------------------------------------------------------------- configuration


def cookie_key_problem(key: str | None) -> str | None:
    """Why a cookie signing key is unusable (Russian), or None when it is fine."""
    if not key:
        return "не задан ключ подписи сессий"
    if key.strip() in WEAK_COOKIE_KEYS:
        return "задан ключ подписи сессий по умолчанию"
    if len(key) < MIN_COOKIE_KEY_CHARS:
        return f"ключ подписи сессий короче {MIN_COOKIE_KEY_CHARS} символов"
    return None


def configured_cookie_key() -> str | None:
    """st.secrets["auth"]["cookie_key"], else the environment variable VYPUSK_COOKIE_KEY."""
    try:
        section = st.secrets.get("auth")
        key = section.get("cookie_key") if section else None
    except (FileNotFoundError, KeyError, AttributeError):
        key = None
    return str(key) if key else os.environ.get("VYPUSK_COOKIE_KEY") or None


def _cookie_key(demo: bool) -> str:
    key = configured_cookie_key()
    problem = cookie_key_problem(key)
    if problem is None and key:
        return key
    if demo:
        st.session_state[_DEMO_KEY] = True
        return DEMO_COOKIE_KEY
    st.error(
        f"Приложение не запущено: {problem}. Задайте случайный ключ длиной не менее {MIN_COOKIE_KEY_CHARS} "
        "символов в файле .streamlit/secrets.toml (раздел [auth], параметр cookie_key) или в переменной "
        'окружения VYPUSK_COOKIE_KEY. Создать ключ: python -c "import secrets; print(secrets.token_urlsafe(32))".'
    )
    st.stop()


# ---------------------------------------------------------------- accounts


@st.cache_data(show_spinner=False, max_entries=8)
def _demo_accounts(db_file: str, version: int) -> dict[str, users.UserRecord]:
    del db_file, version  # cache keys only
    with connection.cursor() as cur:
        return users.demo_users(cur)


def _accounts(demo: bool, version: int) -> dict[str, users.UserRecord]:
    accounts = users.load_users()
    if demo:
        accounts.update(_demo_accounts(str(config.db_path()), version))
    else:
        # A hand-made file entry with a demo name must not log in outside demo mode either.
        accounts = {k: v for k, v in accounts.items() if not users.is_demo_username(k)}
    return accounts


def library_credentials(accounts: dict[str, users.UserRecord]) -> dict[str, Any]:
    """The credentials dict for streamlit-authenticator: enabled accounts, pre-hashed passwords."""
    return {
        "usernames": {
            u.username: {"name": u.name, "password": u.password_hash, "roles": [u.role], "email": None}
            for u in accounts.values()
            if not u.disabled
        }
    }


# ---------------------------------------------------------------- the gate


def authenticate() -> Scope | None:
    """Settle who is logged in, before the navigation is built. None: show the login page."""
    try:
        with connection.cursor() as cur:
            demo = db.is_demo(cur)
            version = db.dataset_version(cur)
        accounts = _accounts(demo, version)
        policy = users.SessionPolicy.from_env()
    except UserFacingError as exc:
        st.error(str(exc))
        st.stop()
    st.session_state[_DEMO] = demo
    authenticator = stauth.Authenticate(
        library_credentials(accounts),
        cookie_name=COOKIE_NAME,
        cookie_key=_cookie_key(demo),
        cookie_expiry_days=policy.max_hours / 24,
        auto_hash=False,
        login_sleep_time=0,  # brute force is handled by the login delay
    )
    st.session_state[_AUTHENTICATOR] = authenticator
    _do_cookie_todo(authenticator, policy)

    if not st.session_state.get("authentication_status"):
        _login_from_cookie(authenticator, accounts, policy)
    if not st.session_state.get("authentication_status"):
        st.session_state.pop("scope", None)
        return None

    username = users.normalize_username(st.session_state.get("username") or "")
    scope = _scope_of(username, accounts, demo)
    problem = session_guard.session_problem(scope, policy, _now()) if scope else session_guard.DISABLED
    if problem:
        _end_session(authenticator, problem)
        return None
    st.session_state["scope"] = scope
    return scope


def _login_from_cookie(
    authenticator: stauth.Authenticate, accounts: dict[str, users.UserRecord], policy: users.SessionPolicy
) -> None:
    """Re-authentication from the signed cookie (a reload, a new tab): it continues the login it was
    written for — same login time, generation and session id — so the checks apply unchanged."""
    try:
        token = authenticator.cookie_controller.get_cookie()
        if not token:
            return
        login_at, generation, sid = session_guard.cookie_session(token, policy)
        authenticator.authentication_controller.login(token=token)
    except (LoginError, jwt.InvalidTokenError, KeyError, TypeError, ValueError, OverflowError) as exc:
        # Forged or stale cookie (unknown/disabled user, foreign algorithm, odd payload).
        log.warning("re-authentication cookie rejected: %s", exc)
        authenticator.authentication_controller.logout()
        st.session_state["logout"] = None  # a rejected cookie is not a logout
        return
    rec = accounts.get(users.normalize_username(st.session_state.get("username") or ""))
    if st.session_state.get("authentication_status") and rec is not None:
        session_guard.start_session(rec.scope(), generation, _now(), login_at, sid)


def _scope_of(username: str, accounts: dict[str, users.UserRecord], demo: bool) -> Scope | None:
    """The scope of the logged-in account; None when it was disabled (or a demo account left demo mode).

    An account that is in no source but whose scope is already in the session keeps it: that is how
    tests pre-seed a login (tests/helpers.py::login_as). Disabling an account ends its sessions.
    """
    rec = accounts.get(username)
    if rec is not None:
        return None if rec.disabled else rec.scope()
    if users.is_demo_username(username) and not demo:
        return None
    seeded = st.session_state.get("scope")
    return seeded if isinstance(seeded, Scope) and seeded.username == username else None


def _end_session(authenticator: stauth.Authenticate, message: str | None) -> None:
    authenticator.authentication_controller.logout()
    authenticator.cookie_controller.delete_cookie()  # this run goes on, so the delete reaches the browser
    session_guard.clear_session()
    if message:
        st.session_state[_MESSAGE] = message


def _do_cookie_todo(authenticator: stauth.Authenticate, policy: users.SessionPolicy) -> None:
    todo = st.session_state.pop(_COOKIE_TODO, None)
    if todo == "set" and st.session_state.get("authentication_status"):
        session_guard.set_cookie(authenticator, policy)
    elif todo == "delete":
        authenticator.cookie_controller.delete_cookie()


# ---------------------------------------------------------------- login page


def _wait_message(until: dt.datetime, now: dt.datetime) -> str:
    when = until.strftime("%H:%M:%S") if until.date() == now.date() else until.strftime("%d.%m.%Y %H:%M:%S")
    return (
        f"Слишком много неудачных попыток входа под этим именем с вашего адреса. Следующая попытка — "
        f"не раньше {when}. Если вы забыли пароль, обратитесь к администратору базового центра."
    )


def _attempt_login(username: str, password: str) -> None:
    """Check the wait of (name, source), then the password (by the library), count failures; each step
    is audited by ops/sessions.py."""
    uname = users.normalize_username(username)
    if not uname or not password:
        st.error("Введите имя пользователя и пароль.")
        return
    if users.password_too_long(password):
        st.error(
            f"Пароль длиннее {users.MAX_PASSWORD_BYTES} байт (около 72 латинских или 36 русских букв). "
            "Таких паролей в системе нет: проверьте раскладку клавиатуры и введите пароль ещё раз."
        )
        return
    now, source = _now(), session_guard.client_source()
    with connection.cursor() as cur:
        until = users.locked_until(cur, uname, source, now)
        if until is not None:
            ops_sessions.login_refused(cur, uname, source)
    if until is not None:
        st.error(_wait_message(until, now))
        return

    authenticator: stauth.Authenticate = st.session_state[_AUTHENTICATOR]
    if uname not in authenticator.authentication_controller.authentication_model.credentials["usernames"]:
        # The library answers at once for an unknown name; spend the same bcrypt time so the
        # response time does not tell which accounts exist.
        users.check_password(password, users.demo_password_hash())
    try:
        ok = authenticator.authentication_controller.login(uname, password)
    except LoginError:
        ok = False
    rec = _accounts(bool(st.session_state.get(_DEMO)), _current_version()).get(uname) if ok else None
    if rec is not None:
        with connection.cursor() as cur:
            generation = ops_sessions.login_succeeded(cur, rec.scope(), source)
        session_guard.start_session(rec.scope(), generation, now)
        st.session_state[_COOKIE_TODO] = "set"
        st.session_state.pop(_MESSAGE, None)
        st.rerun()
    _count_failure(uname, source, now)


def _count_failure(uname: str, source: str, now: dt.datetime) -> None:
    policy = users.LockoutPolicy.from_env()
    with connection.cursor() as cur:
        count, until = ops_sessions.login_failed(cur, uname, source, now, policy)
    if until is not None:
        st.error(_wait_message(until, now))
    else:
        left = policy.max_failed - count
        hint = f" Осталось попыток до задержки входа: {left}." if left <= 2 else ""
        st.error("Неверное имя пользователя или пароль." + hint)


def _demo_accounts_table() -> None:
    accounts = _demo_accounts(str(config.db_path()), _current_version())
    if not accounts:
        return
    order = {name: i for i, name in enumerate(users.DEMO_USERNAMES)}
    rows = sorted(accounts.values(), key=lambda u: order.get(u.username, 99))
    st.subheader("Демонстрационные учётные записи")
    st.dataframe(
        pl.DataFrame(
            {
                "Имя пользователя": [u.username for u in rows],
                "Роль": [ROLE_LABELS[u.role] for u in rows],
                "Зона доступа": [f"{u.code} — {u.name}" if u.code else "вся область" for u in rows],
                "Пароль": [users.DEMO_PASSWORD for _ in rows],
            }
        ),
        hide_index=True,
        key="demo_accounts",
    )
    st.caption("Эти учётные записи существуют только на демонстрационной базе данных.")


def _current_version() -> int:
    with connection.cursor() as cur:
        return db.dataset_version(cur)


def login_page() -> None:
    """The only page a logged-out user can open."""
    st.title("Выпускник")
    st.caption(
        "Мониторинг трудоустройства выпускников профессиональных образовательных организаций Самарской области"
    )
    message = st.session_state.get(_MESSAGE)  # kept until the next login: the cookie component reruns
    if message:
        st.info(message)
    with st.form("login_form"):
        st.subheader(FIELDS["Form name"])
        username = st.text_input(
            FIELDS["Username"],
            key="login_username",
            max_chars=users.USERNAME_MAX_CHARS,
            autocomplete="username",
        )
        password = st.text_input(
            FIELDS["Password"],
            type="password",
            key="login_password",
            max_chars=users.MAX_PASSWORD_BYTES,
            autocomplete="current-password",
        )
        submitted = st.form_submit_button(FIELDS["Login"], type="primary")
    if submitted:
        _attempt_login(username, password)
    if st.session_state.get(_DEMO):
        _demo_accounts_table()
        if st.session_state.get(_DEMO_KEY):
            st.caption("Демонстрационный режим: сессии подписаны фиксированным демонстрационным ключом.")


# ---------------------------------------------------------------- logout


def _record_logout(event: dict[str, Any]) -> None:
    """The library's logout callback (the session is still intact): revoke the user's sessions."""
    scope = st.session_state.get("scope")
    if isinstance(scope, Scope) and scope.username == event.get("username"):
        with connection.cursor() as cur:
            ops_sessions.logout(cur, scope, _now(), revoke=not users.is_demo_username(scope.username))


def logout_button() -> None:
    """The library's logout button in the sidebar; the cookie delete is repeated on the next run."""
    authenticator: stauth.Authenticate | None = st.session_state.get(_AUTHENTICATOR)
    if authenticator is None or not st.session_state.get("authentication_status"):
        return
    authenticator.logout(
        FIELDS["Logout"], "sidebar", key="vypusk_logout", use_container_width=True, callback=_record_logout
    )
    if not st.session_state.get("authentication_status"):
        session_guard.clear_session()
        st.session_state[_COOKIE_TODO] = "delete"
        st.rerun()
