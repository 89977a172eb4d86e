"""Sessions end on the server: revocation per user (logout, password change, disabling, role change)
on the next run of every other session of that user, idle and absolute timeouts, the signed cookie of a
revoked login, and the login delay per (user name, source) that an attacker cannot turn against the
real user. Two AppTest instances on one database stand for two browsers."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import jwt
import pytest
import streamlit.runtime.context as st_context
from streamlit.testing.v1 import AppTest

from data_layer import audit, db, users
from data_layer.scope import Scope
from ops import users as ops_users
from tests.helpers import APP_FILE, TEST_COOKIE_KEY, accounts_in, navigation_only, reference_db
from ui import auth, session_guard

T0 = dt.datetime(2026, 11, 26, 10, 0)
PASSWORD = "Secret-pass-1"
ADMIN = Scope("base_centre", None, "admin")


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    navigation_only()
    accounts_in(tmp_path, monkeypatch)
    for var in (
        "VYPUSK_MAX_FAILED_LOGINS",
        "VYPUSK_LOCKOUT_MINUTES",
        "VYPUSK_LOGIN_DELAY_SECONDS",
        "VYPUSK_SESSION_DAYS",
        "VYPUSK_SESSION_MAX_HOURS",
        "VYPUSK_SESSION_IDLE_MINUTES",
        "VYPUSK_TRUSTED_PROXY",
    ):
        monkeypatch.delenv(var, raising=False)
    yield
    db.close_all()


@pytest.fixture
def plain_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    path = reference_db(tmp_path / "plain.duckdb", demo=False)
    monkeypatch.setenv("VYPUSK_DB", str(path))
    monkeypatch.setenv("VYPUSK_COOKIE_KEY", TEST_COOKIE_KEY)
    users.add_user("ivanov", PASSWORD, "college", "P001")
    return str(path)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[dt.datetime]:
    now = [T0]
    monkeypatch.setattr(auth, "_now", lambda: now[0])
    return now


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """The browser's connection as Streamlit sees it; tests move it between addresses."""
    ctx = SimpleNamespace(remote_ip="203.0.113.7", headers=[], cookies={})
    monkeypatch.setattr(st_context, "_get_client_context", lambda: ctx)
    return ctx


def _login(username: str = "ivanov", password: str = PASSWORD, at: AppTest | None = None) -> AppTest:
    at = at or AppTest.from_file(APP_FILE, default_timeout=30).run()
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button[0].click()
    return at.run()


def _logged_in(at: AppTest) -> bool:
    return "scope" in at.session_state and not [t for t in at.text_input if t.label == "Пароль"]


def _ended_with(at: AppTest, words: str) -> bool:
    return not _logged_in(at) and any(words in i.value for i in at.info)


# ---------------------------------------------------------------- revocation, on the next run


def test_logout_in_one_browser_ends_the_other_session(plain_db: str) -> None:
    first, second = _login(), _login()
    assert _logged_in(first) and _logged_in(second)
    first.sidebar.button(key="vypusk_logout").click()
    first.run()
    assert not _logged_in(first)
    second.run()
    assert _ended_with(second, "Сеанс завершён: выполнен выход")
    # a fresh login works, and is not ended by the old revocation
    again = _login(at=second)
    assert _logged_in(again)
    again.run()
    assert _logged_in(again)


def test_a_demo_accounts_logout_ends_only_its_own_session(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Everybody who opens the demo shares demo_base: one visitor's logout must not end the others'."""
    monkeypatch.setenv("VYPUSK_DB", str(reference_db(tmp_path / "demo.duckdb", demo=True)))
    first, second = _login("demo_base", "demo"), _login("demo_base", "demo")
    first.sidebar.button(key="vypusk_logout").click()
    first.run()
    assert not _logged_in(first)
    second.run()
    assert _logged_in(second)


def _role(db_file: str, role: str, code: str) -> None:
    with db.open_database(db_file) as con, con.cursor() as cur:
        ops_users.change_role(cur, ADMIN, "ivanov", role, code)


@pytest.mark.parametrize(
    ("change", "ends"),
    [
        (lambda db_file: ops_users.set_password(db_file, "ivanov", "Another-pass-2"), True),
        (lambda db_file: ops_users.set_disabled(db_file, "ivanov", True), True),
        (lambda db_file: _role(db_file, "territory", "TU01"), True),
        (lambda db_file: _role(db_file, "college", "P002"), True),
        (lambda db_file: ops_users.unlock(db_file, "ivanov"), False),  # unlocking ends nothing
    ],
    ids=["password", "disable", "role", "scope", "unlock"],
)
def test_account_changes_end_the_users_sessions_on_their_next_run(
    plain_db: str, change: Callable[[str], object], ends: bool
) -> None:
    at = _login()
    assert at.session_state["scope"] == Scope("college", "P001", "ivanov")
    change(plain_db)
    with db.open_database(plain_db) as con, con.cursor() as cur:
        assert users.session_generation(cur, "ivanov") == (1 if ends else 0)
    at.run()
    if ends:
        assert _ended_with(at, "Сеанс завершён")
    else:
        assert _logged_in(at)


def test_role_change_through_the_app_connection_ends_the_session_with_the_old_rights(plain_db: str) -> None:
    at = _login()
    from ui import connection

    with connection.cursor() as cur:
        assert ops_users.change_role(cur, ADMIN, "ivanov", "territory", "TU01")
    at.run()
    assert _ended_with(at, "Сеанс завершён")
    at = _login(at=at)
    assert at.session_state["scope"] == Scope("territory", "TU01", "ivanov")


def test_a_hand_edited_role_ends_the_session_too(plain_db: str) -> None:
    at = _login()
    users.set_role("ivanov", "college", "P002")  # no revocation row: the scope check catches it
    at.run()
    assert _ended_with(at, "Сеанс завершён")


def _cookie(username: str, *, gen: int, login_at: float, sid: str = "s1") -> dict[str, str]:
    claims = {
        "username": username,
        "exp_date": time.time() + 3600,
        "gen": gen,
        "login_at": login_at,
        "sid": sid,
    }
    return {auth.COOKIE_NAME: jwt.encode(claims, TEST_COOKIE_KEY, algorithm="HS256")}


def test_the_cookie_of_a_revoked_login_no_longer_logs_in(plain_db: str, client: SimpleNamespace) -> None:
    client.cookies = _cookie("ivanov", gen=0, login_at=time.time())
    assert _logged_in(AppTest.from_file(APP_FILE, default_timeout=30).run())
    ops_users.set_password(plain_db, "ivanov", "Another-pass-2")
    at = AppTest.from_file(APP_FILE, default_timeout=30).run()
    assert _ended_with(at, "Сеанс завершён")
    client.cookies = _cookie("ivanov", gen=1, login_at=time.time())  # a login made after the change
    assert _logged_in(AppTest.from_file(APP_FILE, default_timeout=30).run())


# ---------------------------------------------------------------- timeouts (the clock is injected)


def test_idle_timeout_ends_the_session_activity_keeps_it(
    plain_db: str, clock: list[dt.datetime], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VYPUSK_SESSION_IDLE_MINUTES", "30")
    at = _login()
    for minutes in (29, 58, 87):  # a click every 29 minutes keeps it alive
        clock[0] = T0 + dt.timedelta(minutes=minutes)
        at.run()
        assert _logged_in(at)
    clock[0] = T0 + dt.timedelta(minutes=87 + 31)
    at.run()
    assert _ended_with(at, "не было действий больше 30 мин")


def test_absolute_timeout_ends_even_an_active_session(
    plain_db: str, clock: list[dt.datetime], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VYPUSK_SESSION_MAX_HOURS", "1")
    at = _login()
    for minutes in (20, 40, 59):
        clock[0] = T0 + dt.timedelta(minutes=minutes)
        at.run()
        assert _logged_in(at)
    clock[0] = T0 + dt.timedelta(minutes=61)
    at.run()
    assert _ended_with(at, "прошло больше 1 ч")


def test_a_reload_continues_the_idle_clock_of_its_login(plain_db: str, client: SimpleNamespace) -> None:
    """A new Streamlit session from the cookie: the idle time counts from the login's last activity."""
    now = dt.datetime.now()
    client.cookies = _cookie(
        "ivanov", gen=0, login_at=(now - dt.timedelta(minutes=45)).timestamp(), sid="idle"
    )
    at = AppTest.from_file(APP_FILE, default_timeout=30).run()
    assert _ended_with(at, "не было действий")  # nothing happened since the login 45 minutes ago
    session_guard._touch("busy", now - dt.timedelta(minutes=5))
    client.cookies = _cookie(
        "ivanov", gen=0, login_at=(now - dt.timedelta(minutes=45)).timestamp(), sid="busy"
    )
    assert _logged_in(AppTest.from_file(APP_FILE, default_timeout=30).run())


# ---------------------------------------------------------------- login delay per name and source


def test_an_attacker_slows_himself_down_not_the_real_user(
    plain_db: str, clock: list[dt.datetime], client: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VYPUSK_MAX_FAILED_LOGINS", "3")
    monkeypatch.setenv("VYPUSK_LOGIN_DELAY_SECONDS", "30")
    monkeypatch.setenv("VYPUSK_LOCKOUT_MINUTES", "5")
    client.remote_ip = "203.0.113.66"  # the attacker
    attacker = AppTest.from_file(APP_FILE, default_timeout=30).run()
    waits = []
    for i in range(8):
        attacker = _login("ivanov", f"guess-{i}", at=attacker)
        message = attacker.error[0].value
        if "не раньше" in message:
            until = dt.datetime.combine(T0.date(), dt.time.fromisoformat(message.split("не раньше ")[1][:8]))
            waits.append((until - clock[0]).total_seconds())
            clock[0] = until  # the attacker waits exactly as long as he must, then guesses again
    assert waits == [30, 60, 120, 240, 300, 300]  # from the 3rd failure on, doubling, capped at 5 min
    attacker = _login("ivanov", "guess-8", at=attacker)  # a new wait starts now
    attacker = _login("ivanov", PASSWORD, at=attacker)  # during it even the right password is refused
    assert "не раньше" in attacker.error[0].value and not _logged_in(attacker)

    client.remote_ip = "198.51.100.20"  # the real user, elsewhere, at the same moment
    user = _login("ivanov", PASSWORD)
    assert _logged_in(user) and not user.error
    with db.open_database(plain_db) as con:
        log = audit.read_log(con)
        assert users.failed_count(con, "ivanov", "203.0.113.66") > 3  # the user's login did not reset it
    failures = log.filter(log["action"] == "login_failed")["details"].to_list()
    assert set(failures) == {"Адрес: 203.0.113.66"}


def test_behind_a_trusted_proxy_the_source_is_the_forwarded_address(
    plain_db: str, clock: list[dt.datetime], client: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VYPUSK_MAX_FAILED_LOGINS", "1")
    monkeypatch.setenv("VYPUSK_TRUSTED_PROXY", "127.0.0.1")
    client.remote_ip = "127.0.0.1"  # every connection comes from nginx
    client.headers = [("X-Forwarded-For", "198.51.100.20, 203.0.113.66")]  # forged entry, then nginx's
    at = _login("ivanov", "guess", at=AppTest.from_file(APP_FILE, default_timeout=30).run())
    assert "не раньше" in at.error[0].value
    client.headers = [("X-Forwarded-For", "198.51.100.20")]
    assert _logged_in(_login())
    with db.open_database(plain_db) as con:
        assert users.failed_count(con, "ivanov", "203.0.113.66") == 1
