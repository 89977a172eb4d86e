"""The login gate through app.py: form, wrong password, lockout, logout, cookies, demo accounts, keys."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import jwt
import pytest
import streamlit.runtime.context as st_context
from streamlit.testing.v1 import AppTest

from data_layer import audit, db, users
from data_layer.scope import Scope
from tests.helpers import APP_FILE, TEST_COOKIE_KEY, accounts_in, login_as, navigation_only, reference_db
from ui import auth

T0 = dt.datetime(2026, 11, 26, 10, 0)
PASSWORD = "Secret-pass-1"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    navigation_only()
    accounts_in(tmp_path, monkeypatch)
    for var in (
        "VYPUSK_COOKIE_KEY",
        "VYPUSK_MAX_FAILED_LOGINS",
        "VYPUSK_LOCKOUT_MINUTES",
        "VYPUSK_SESSION_DAYS",
        "VYPUSK_SESSION_MAX_HOURS",
        "VYPUSK_SESSION_IDLE_MINUTES",
        "VYPUSK_LOGIN_DELAY_SECONDS",
        "VYPUSK_TRUSTED_PROXY",
        "VYPUSK_COOKIE_SECURE",
    ):
        monkeypatch.delenv(var, raising=False)
    yield
    db.close_all()


@pytest.fixture
def demo_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    path = reference_db(tmp_path / "demo.duckdb", demo=True)
    monkeypatch.setenv("VYPUSK_DB", str(path))
    return path


@pytest.fixture
def plain_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    path = reference_db(tmp_path / "plain.duckdb", demo=False)
    monkeypatch.setenv("VYPUSK_DB", str(path))
    monkeypatch.setenv("VYPUSK_COOKIE_KEY", TEST_COOKIE_KEY)
    return path


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[dt.datetime]:
    now = [T0]
    monkeypatch.setattr(auth, "_now", lambda: now[0])
    return now


def _app() -> AppTest:
    return AppTest.from_file(APP_FILE, default_timeout=30)


def _submit(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button[0].click()
    return at.run()


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def _on_login_page(at: AppTest) -> bool:
    return [t.label for t in at.text_input] == ["Имя пользователя", "Пароль"]


def _actions(path: Path) -> list[str]:
    with db.open_database(path) as con:
        return list(reversed(audit.read_log(con)["action"].to_list()))


def _with_cookies(monkeypatch: pytest.MonkeyPatch, cookies: dict[str, str]) -> None:
    """AppTest cannot send cookies, so stand in for the browser's request context."""
    client = SimpleNamespace(cookies=cookies, headers={})
    monkeypatch.setattr(st_context, "_get_client_context", lambda: client)


# ---------------------------------------------------------------- form and demo mode


def test_login_form_fields_and_demo_accounts(demo_db: Path) -> None:
    at = _app().run()
    assert not at.exception
    assert _on_login_page(at)
    assert [s.value for s in at.subheader][:2] == ["Вход в систему", "Демонстрационные учётные записи"]
    assert [b.label for b in at.button] == ["Войти"]
    table = at.dataframe[0].value
    assert list(table.columns) == ["Имя пользователя", "Роль", "Зона доступа", "Пароль"]
    assert table["Имя пользователя"].tolist() == list(users.DEMO_USERNAMES)
    assert table["Зона доступа"].tolist() == [
        "вся область",
        "TU01 — Самарское управление",
        "вся область",
        "P003 — Тольяттинский технический колледж",
    ]
    assert any("фиксированным демонстрационным ключом" in c.value for c in at.caption)


def test_wrong_password_shows_russian_error(demo_db: Path) -> None:
    at = _submit(_app().run(), "demo_base", "not-the-password")
    assert not at.exception
    assert _errors(at) == ["Неверное имя пользователя или пароль."]
    assert _on_login_page(at)
    assert "scope" not in at.session_state
    assert _actions(demo_db) == ["login_failed"]


def test_correct_password_shows_the_role_navigation(demo_db: Path) -> None:
    at = _submit(_app().run(), "Demo_Base", "demo")
    assert not at.exception and not _errors(at)
    assert at.session_state["scope"] == Scope("base_centre", None, "demo_base")
    assert not _on_login_page(at)
    assert [b.label for b in at.sidebar.button] == ["Выйти"]
    at.switch_page("pages/screens/journal.py").run()
    assert [t.value for t in at.title] == ["Журнал действий"]
    assert _actions(demo_db) == ["login"]


def test_college_navigation_has_no_journal(demo_db: Path) -> None:
    at = _submit(_app().run(), "demo_college", "demo")
    assert at.session_state["scope"] == Scope("college", "P003", "demo_college")
    with pytest.raises(ValueError):
        at.switch_page("pages/screens/journal.py")


def test_password_over_72_bytes_gets_a_clear_message(demo_db: Path) -> None:
    at = _submit(_app().run(), "demo_base", "пароль" * 7)  # 42 characters, 84 bytes
    assert len(_errors(at)) == 1 and "длиннее 72 байт" in _errors(at)[0]
    with db.open_database(demo_db) as con:
        assert users.failed_count(con, "demo_base", users.LOCAL_SOURCE) == 0


# ---------------------------------------------------------------- lockout


def test_login_delay_survives_a_reload_and_expires(
    demo_db: Path, clock: list[dt.datetime], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VYPUSK_MAX_FAILED_LOGINS", "2")
    monkeypatch.setenv("VYPUSK_LOGIN_DELAY_SECONDS", "60")
    at = _submit(_app().run(), "demo_college", "wrong-1")
    assert _errors(at) == ["Неверное имя пользователя или пароль. Осталось попыток до задержки входа: 1."]
    at = _submit(at, "demo_college", "wrong-2")
    assert "не раньше 10:01:00" in _errors(at)[0]

    # the right password does not help during the wait, not even in a new session (a reload)
    clock[0] = T0 + dt.timedelta(seconds=59)
    at = _submit(_app().run(), "demo_college", "demo")
    assert "не раньше 10:01:00" in _errors(at)[0]
    assert _on_login_page(at) and "scope" not in at.session_state

    clock[0] = T0 + dt.timedelta(minutes=1)
    at = _submit(at, "demo_college", "demo")
    assert not _errors(at)
    assert at.session_state["scope"].username == "demo_college"
    with db.open_database(demo_db) as con:
        assert users.failed_count(con, "demo_college", users.LOCAL_SOURCE) == 0
    assert _actions(demo_db) == ["login_failed", "login_failed", "login_locked", "login_locked", "login"]


# ---------------------------------------------------------------- logout and session life


def test_logout_returns_to_the_login_form(demo_db: Path) -> None:
    at = _submit(_app().run(), "demo_base", "demo")
    assert at.session_state["scope"].role == "base_centre"
    at.sidebar.button(key="vypusk_logout").click()
    at.run()
    assert not at.exception
    assert _on_login_page(at)
    assert at.session_state["authentication_status"] is None
    assert "scope" not in at.session_state
    assert _actions(demo_db) == ["login", "logout"]
    at.run()  # and it stays logged out
    assert _on_login_page(at)


def test_session_ends_after_its_lifetime(
    demo_db: Path, clock: list[dt.datetime], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VYPUSK_SESSION_DAYS", "0.5")  # the older setting still counts
    monkeypatch.setenv("VYPUSK_SESSION_IDLE_MINUTES", "720")
    at = _submit(_app().run(), "demo_base", "demo")
    clock[0] = T0 + dt.timedelta(hours=11, minutes=59)
    at.run()
    assert "scope" in at.session_state
    clock[0] = T0 + dt.timedelta(hours=12, minutes=1)
    at.run()
    assert _on_login_page(at)
    assert "прошло больше 12 ч" in at.info[0].value


# ---------------------------------------------------------------- re-authentication cookie


def _token(username: str, key: str, *, days: float = 0.5, algorithm: str = "HS256") -> str:
    exp = time.time() + days * 86400
    return jwt.encode({"username": username, "exp_date": exp}, key, algorithm=algorithm)


def test_signed_cookie_logs_in_without_the_form(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _with_cookies(monkeypatch, {auth.COOKIE_NAME: _token("demo_territory", auth.DEMO_COOKIE_KEY)})
    at = _app().run()
    assert at.session_state["scope"] == Scope("territory", "TU01", "demo_territory")
    assert not _on_login_page(at)


@pytest.mark.parametrize(
    "token",
    [
        _token("demo_base", "another-key-of-a-forger-0123456789abcdef"),  # foreign signature
        _token("demo_base", auth.DEMO_COOKIE_KEY)[:-4] + "AAAA",  # payload kept, signature broken
        _token("demo_base", auth.DEMO_COOKIE_KEY, days=-1),  # expired
        _token("demo_base", auth.DEMO_COOKIE_KEY + "x" * 32, algorithm="HS512"),  # foreign algorithm
        _token("nobody", auth.DEMO_COOKIE_KEY),  # valid signature, unknown user
        "not-a-jwt",
    ],
    ids=["foreign-key", "broken-signature", "expired", "hs512", "unknown-user", "garbage"],
)
def test_tampered_cookie_is_rejected(demo_db: Path, monkeypatch: pytest.MonkeyPatch, token: str) -> None:
    _with_cookies(monkeypatch, {auth.COOKIE_NAME: token})
    at = _app().run()
    assert not at.exception
    assert _on_login_page(at)
    assert "scope" not in at.session_state
    assert not at.session_state["authentication_status"]


def test_cookie_of_a_disabled_user_is_rejected(plain_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    users.add_user("poo", PASSWORD, "college", "P001")
    _with_cookies(monkeypatch, {auth.COOKIE_NAME: _token("poo", TEST_COOKIE_KEY)})
    assert _app().run().session_state["scope"] == Scope("college", "P001", "poo")
    users.set_disabled("poo", True)
    at = _app().run()
    assert _on_login_page(at) and "scope" not in at.session_state


# ---------------------------------------------------------------- outside demo mode


def test_no_demo_accounts_outside_demo_mode(plain_db: Path) -> None:
    at = _app().run()
    assert not at.exception and _on_login_page(at)
    assert not at.dataframe
    assert "Демонстрационные учётные записи" not in [s.value for s in at.subheader]
    at = _submit(at, "demo_base", "demo")
    assert _errors(at) == ["Неверное имя пользователя или пароль."]


def test_file_account_logs_in_and_disabling_ends_its_session(plain_db: Path) -> None:
    users.add_user("ivanov", PASSWORD, "territory", "TU02", name="Иванов И. И.")
    at = _submit(_app().run(), "ivanov", PASSWORD)
    assert at.session_state["scope"] == Scope("territory", "TU02", "ivanov")
    users.set_disabled("ivanov", True)
    at.run()
    assert _on_login_page(at) and "scope" not in at.session_state
    at = _submit(at, "ivanov", PASSWORD)
    assert _errors(at) == ["Неверное имя пользователя или пароль."]


@pytest.mark.parametrize("key", [None, "some_key", "change-me", "short-key-123"])
def test_refuses_to_start_without_a_proper_key(
    plain_db: Path, monkeypatch: pytest.MonkeyPatch, key: str | None
) -> None:
    monkeypatch.delenv("VYPUSK_COOKIE_KEY")
    at = _app()
    if key is not None:
        at.secrets["auth"] = {"cookie_key": key}
    at.run()
    assert not at.exception
    assert len(at.error) == 1 and at.error[0].value.startswith("Приложение не запущено")
    assert not at.text_input


def test_key_from_secrets(plain_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VYPUSK_COOKIE_KEY")
    at = _app()
    at.secrets["auth"] = {"cookie_key": TEST_COOKIE_KEY}
    at.run()
    assert not at.error and _on_login_page(at)
    assert not any("демонстрационным ключом" in c.value for c in at.caption)


def test_login_as_helper_skips_the_form(plain_db: Path) -> None:
    monkeypatch_free = _app()
    at = login_as(monkeypatch_free, "operator1", "base_centre").run()
    assert not at.exception and not _on_login_page(at)
    assert at.session_state["scope"] == Scope("base_centre", None, "operator1")
    at.switch_page("pages/screens/journal.py").run()
    assert [t.value for t in at.title] == ["Журнал действий"]


# ---------------------------------------------------------------- pure helpers


def test_cookie_key_rules_and_session_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    assert auth.cookie_key_problem(None) == "не задан ключ подписи сессий"
    assert auth.cookie_key_problem("some_key") == "задан ключ подписи сессий по умолчанию"
    assert auth.cookie_key_problem(auth.DEMO_COOKIE_KEY) is not None
    assert auth.cookie_key_problem("x" * 31) is not None
    assert auth.cookie_key_problem(TEST_COOKIE_KEY) is None
    assert users.SessionPolicy.from_env() == users.SessionPolicy(30, 12)
    monkeypatch.setenv("VYPUSK_SESSION_DAYS", "0,25")
    assert users.SessionPolicy.from_env().max_hours == 6
    monkeypatch.setenv("VYPUSK_SESSION_MAX_HOURS", "8")
    monkeypatch.setenv("VYPUSK_SESSION_IDLE_MINUTES", "15")
    assert users.SessionPolicy.from_env() == users.SessionPolicy(15, 8)
    monkeypatch.setenv("VYPUSK_SESSION_MAX_HOURS", "forever")
    with pytest.raises(auth.UserFacingError, match="VYPUSK_SESSION_MAX_HOURS"):
        users.SessionPolicy.from_env()
