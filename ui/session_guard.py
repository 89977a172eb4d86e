"""Server-side session checks for ui/auth.py: revocation, timeouts, the signed cookie, the client address.

A session is what one login made: its user, the user's session generation at the login, the login
time, the last activity and a random session id. They live in `st.session_state` and, for a reload or
a new tab, in the signed re-authentication cookie (an HS256 JWT the app writes itself, see
`set_cookie`). On every run `session_problem` ends the session when
- the generation in the database moved on (logout anywhere, password change, disabling, role or scope
  change: data_layer.users.sessions),
- the account's role scope is no longer the one the session was opened with (a hand-edited file),
- the absolute lifetime or the idle time ran out (VYPUSK_SESSION_MAX_HOURS, VYPUSK_SESSION_IDLE_MINUTES).
The last activity of a session id is kept in this process too, so a new tab or a reload (a new
Streamlit session reading the cookie) continues the idle clock instead of restarting it; after a
server restart it restarts from the login time (the safe side).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import threading
from typing import Any

import jwt
import streamlit as st
import streamlit_authenticator as stauth

from data_layer import users
from data_layer.scope import Scope
from ui import connection

LOGIN_AT = "_vypusk_login_at"
LAST_SEEN = "_vypusk_last_seen"
GENERATION = "_vypusk_generation"
SID = "_vypusk_sid"
SCOPE_AT_LOGIN = "_vypusk_scope_at_login"
SESSION_KEYS = ("scope", LOGIN_AT, LAST_SEEN, GENERATION, SID, SCOPE_AT_LOGIN)

_activity: dict[str, dt.datetime] = {}  # session id → last run, shared by the tabs of one login
_activity_lock = threading.Lock()
_MAX_TRACKED = 20_000

REVOKED = "Сеанс завершён: выполнен выход, изменены пароль или права учётной записи. Войдите снова."
DISABLED = "Сеанс завершён: учётная запись недоступна. Обратитесь к администратору базового центра."


# ---------------------------------------------------------------- client address and cookie flags


def client_source() -> str:
    """The client's address (see data_layer.users.source_of); VYPUSK_TRUSTED_PROXY names the proxies."""
    try:
        peer = st.context.ip_address
        forwarded = list(st.context.headers.get_all("X-Forwarded-For"))
    except (AttributeError, TypeError):  # no browser behind this run (tests)
        peer, forwarded = None, []
    return users.source_of(
        peer if isinstance(peer, str) else None,
        [f for f in forwarded if isinstance(f, str)],
        os.environ.get("VYPUSK_TRUSTED_PROXY", ""),
    )


def cookie_secure() -> bool:
    """`Secure` cookie: VYPUSK_COOKIE_SECURE=1/0, else whenever the browser shows an https:// address."""
    forced = os.environ.get("VYPUSK_COOKIE_SECURE", "").strip().lower()
    if forced in ("1", "true", "yes", "да"):
        return True
    if forced in ("0", "false", "no", "нет"):
        return False
    try:
        url = st.context.url
    except (AttributeError, TypeError):
        url = None
    return isinstance(url, str) and url.startswith("https://")


# ---------------------------------------------------------------- the session record


def _touch(sid: str, now: dt.datetime) -> None:
    with _activity_lock:
        if len(_activity) >= _MAX_TRACKED:
            for key in sorted(_activity, key=_activity.__getitem__)[: _MAX_TRACKED // 2]:
                del _activity[key]
        _activity[sid] = now


def start_session(
    scope: Scope,
    generation: int,
    now: dt.datetime,
    login_at: dt.datetime | None = None,
    sid: str | None = None,
) -> None:
    """Record a fresh login (form) or a continued one (cookie: its login time and session id)."""
    sid = sid or secrets.token_urlsafe(16)
    login_at = login_at or now
    with _activity_lock:
        last_seen = _activity.get(sid, login_at)
    st.session_state[LOGIN_AT] = login_at
    st.session_state[LAST_SEEN] = max(last_seen, login_at)
    st.session_state[GENERATION] = generation
    st.session_state[SID] = sid
    st.session_state[SCOPE_AT_LOGIN] = scope


def clear_session() -> None:
    sid = st.session_state.get(SID)
    if sid:
        with _activity_lock:
            _activity.pop(sid, None)
    for key in SESSION_KEYS:
        st.session_state.pop(key, None)


def session_problem(scope: Scope, policy: users.SessionPolicy, now: dt.datetime) -> str | None:
    """Why this session must end now (Russian), or None; records the activity when it goes on.

    A session pre-seeded without a login (tests/helpers.login_as) adopts the current values once."""
    with connection.cursor() as cur:
        generation = users.session_generation(cur, scope.username)
    if st.session_state.setdefault(GENERATION, generation) != generation:
        return REVOKED
    if st.session_state.setdefault(SCOPE_AT_LOGIN, scope) != scope:
        return REVOKED
    sid = st.session_state.setdefault(SID, secrets.token_urlsafe(16))
    login_at = st.session_state.setdefault(LOGIN_AT, now)
    with _activity_lock:
        shared = _activity.get(sid)
    last_seen = max(st.session_state.setdefault(LAST_SEEN, now), shared or login_at)
    reason = users.session_end_reason(policy, login_at, last_seen, now)
    if reason is None:
        st.session_state[LAST_SEEN] = now
        _touch(sid, now)
    return reason


# ---------------------------------------------------------------- the signed cookie


def set_cookie(authenticator: stauth.Authenticate, policy: users.SessionPolicy) -> None:
    """Write the re-authentication cookie: SameSite=Strict, Secure over https, expiring with the session.

    It is written by JavaScript (the cookie component), so it cannot be HttpOnly (README «Сеансы»)."""
    model = authenticator.cookie_controller.cookie_model
    login_at: dt.datetime = st.session_state[LOGIN_AT]
    expires = login_at + policy.lifetime
    claims = {
        "username": st.session_state["username"],
        "exp_date": expires.timestamp(),
        "login_at": login_at.timestamp(),
        "gen": st.session_state[GENERATION],
        "sid": st.session_state[SID],
    }
    token = jwt.encode(claims, model.cookie_key, algorithm="HS256")
    model.cookie_manager.set(
        model.cookie_name, token, expires_at=expires, same_site="strict", secure=cookie_secure()
    )


def cookie_session(token: dict[str, Any], policy: users.SessionPolicy) -> tuple[dt.datetime, int, str]:
    """(login time, generation, session id) claimed by a verified cookie token. A token written before
    these claims existed counts as generation 0, logged in one lifetime before its expiry."""
    if "login_at" in token:
        login_at = dt.datetime.fromtimestamp(float(token["login_at"]))
    else:
        login_at = dt.datetime.fromtimestamp(float(token["exp_date"])) - policy.lifetime
    return login_at, int(token.get("gen", 0)), str(token.get("sid") or "")
