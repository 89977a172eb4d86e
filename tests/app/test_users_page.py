"""«Пользователи» (base centre): list, create, disable and enable, new password, role and scope, login
delay — through the running app's own connection, each audited; an affected user's open session ends on
its next run. Other roles neither see the page nor get the writes through ops or the data layer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_layer import audit, db, users
from data_layer.errors import ScopeError
from data_layer.scope import Role, Scope
from ops import users as ops_users
from tests.helpers import APP_FILE, TEST_COOKIE_KEY, accounts_in, login_as, navigation_only, reference_db

PAGE = "pages/screens/users.py"
PASSWORD = "Secret-pass-1"


@pytest.fixture(autouse=True)
def plain_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    navigation_only()
    accounts_in(tmp_path, monkeypatch)
    path = reference_db(tmp_path / "plain.duckdb", demo=False)
    monkeypatch.setenv("VYPUSK_DB", str(path))
    monkeypatch.setenv("VYPUSK_COOKIE_KEY", TEST_COOKIE_KEY)
    users.add_user("ivanov", PASSWORD, "college", "P001", name="Иванов И. И.")
    yield path
    db.close_all()


def _page() -> AppTest:
    at = login_as(AppTest.from_file(APP_FILE, default_timeout=30), "admin", "base_centre").run()
    return at.switch_page(PAGE).run()


def _user_session() -> AppTest:
    """ivanov logged in through the form in another browser."""
    at = AppTest.from_file(APP_FILE, default_timeout=30).run()
    at.text_input(key="login_username").input("ivanov")
    at.text_input(key="login_password").input(PASSWORD)
    at.button[0].click()
    at.run()
    assert at.session_state["scope"] == Scope("college", "P001", "ivanov")
    return at


def _table(at: AppTest) -> dict[str, dict[str, str]]:
    df = at.dataframe[0].value
    return {row["Имя пользователя"]: row for row in df.to_dict("records")}


def _fill_new_user(at: AppTest, role: str, code: str, pw1: str, pw2: str) -> None:
    at.selectbox(key="new_user_role").select(role)
    at.text_input(key="new_user_code").input(code)
    at.text_input(key="new_user_pw1").input(pw1)
    at.text_input(key="new_user_pw2").input(pw2)
    at.button(key="new_user_create").click()
    at.run()


def _user_changes(path: Path) -> list[tuple[str, str, str]]:
    with db.open_database(path) as con:
        log = audit.read_log(con, action="user_change")
    return list(reversed(list(zip(log["username"], log["object"], log["details"], strict=True))))


def test_list_shows_accounts_state_last_login_and_delay(plain_db: Path) -> None:
    _user_session()
    with db.open_database(plain_db) as con:
        for _ in range(5):
            users.record_failed_login(con, "ivanov", "203.0.113.66", dt.datetime.now(), users.LockoutPolicy())
    at = _page()
    assert not at.exception and [t.value for t in at.title] == ["Пользователи"]
    row = _table(at)["ivanov"]
    assert (row["ФИО / описание"], row["Роль"], row["Зона доступа"], row["Состояние"]) == (
        "Иванов И. И.",
        "ПОО / ЦСТВ",
        "P001",
        "активна",
    )
    assert row["Последний вход"].startswith(dt.date.today().strftime("%d.%m.%Y"))
    assert row["Задержка входа"].startswith("до ") and row["Задержка входа"].endswith("(адресов: 1)")


def test_create_an_account(plain_db: Path) -> None:
    at = _page()
    at.text_input(key="new_user_name").input("Petrov")
    at.text_input(key="new_user_full_name").input("Петров П. П.")
    _fill_new_user(at, "territory", "TU02", "Petrov-pass-1", "Petrov-pass-1")
    assert not at.exception and not at.error
    assert "Учётная запись «petrov» создана." in at.success[0].value.replace("\\", "")
    rec = users.load_users()["petrov"]
    assert (rec.role, rec.code, rec.name) == ("territory", "TU02", "Петров П. П.")
    assert users.check_password("Petrov-pass-1", rec.password_hash)
    assert _table(at)["petrov"]["Зона доступа"] == "TU02"
    assert _user_changes(plain_db) == [
        ("admin", "petrov", "Добавлен пользователь: роль «Территориальное управление», код TU02")
    ]


def test_create_refuses_mismatched_passwords_and_unknown_codes(plain_db: Path) -> None:
    at = _page()
    at.text_input(key="new_user_name").input("petrov")
    _fill_new_user(at, "college", "P999", "Petrov-pass-1", "Petrov-pass-2")
    assert [e.value for e in at.error] == ["Пароли не совпадают."]
    at.text_input(key="new_user_pw2").input("Petrov-pass-1")
    at.button(key="new_user_create").click()
    at.run()
    assert "ПОО с кодом «P999» нет в справочниках" in at.error[0].value.replace("\\", "")
    assert "petrov" not in users.load_users() and _user_changes(plain_db) == []


def test_disable_reset_role_change_end_the_users_session_at_once(plain_db: Path) -> None:
    session = _user_session()
    at = _page()
    at.selectbox(key="users_pick").select("ivanov")
    at.button(key="users_toggle").click()
    at.run()
    assert users.load_users()["ivanov"].disabled and _table(at)["ivanov"]["Состояние"] == "отключена"
    session.run()
    assert "scope" not in session.session_state  # the next request of ivanov's browser
    at.button(key="users_toggle").click()  # enable again
    at.run()
    assert not users.load_users()["ivanov"].disabled

    session = _user_session()
    at.text_input(key="reset_pw1").input("Another-pass-2")
    at.text_input(key="reset_pw2").input("Another-pass-2")
    at.button(key="users_reset").click()
    at.run()
    assert users.check_password("Another-pass-2", users.load_users()["ivanov"].password_hash)
    session.run()
    assert "scope" not in session.session_state

    at.selectbox(key="change_role").select("college")
    at.text_input(key="change_code").input("P002")
    at.button(key="users_role").click()
    at.run()
    assert users.load_users()["ivanov"].scope() == Scope("college", "P002", "ivanov")
    assert _user_changes(plain_db) == [
        ("admin", "ivanov", "Учётная запись отключена"),
        ("admin", "ivanov", "Учётная запись включена"),
        ("admin", "ivanov", "Пароль изменён"),
        ("admin", "ivanov", "Новая роль «ПОО / ЦСТВ», код P002"),
    ]
    with db.open_database(plain_db) as con:
        assert users.session_generation(con, "ivanov") == 3  # disable, password, role (not the enable)


def test_unlock_clears_every_source(plain_db: Path) -> None:
    with db.open_database(plain_db) as con:
        for source in ("203.0.113.66", "198.51.100.20"):
            for _ in range(5):
                users.record_failed_login(con, "ivanov", source, dt.datetime.now(), users.LockoutPolicy())
    at = _page()
    assert _table(at)["ivanov"]["Задержка входа"].endswith("(адресов: 2)")
    at.button(key="users_unlock").click()
    at.run()
    assert _table(at)["ivanov"]["Задержка входа"] == "—"


def test_the_admin_cannot_disable_or_demote_himself(plain_db: Path) -> None:
    users.add_user("admin", PASSWORD, "base_centre")
    at = _page()
    at.selectbox(key="users_pick").select("admin")
    at.button(key="users_toggle").click()
    at.run()
    assert "Нельзя отключить свою учётную запись" in at.error[0].value.replace("\\", "")
    assert not users.load_users()["admin"].disabled


@pytest.mark.parametrize(("role", "code"), [("ministry", None), ("territory", "TU01"), ("college", "P001")])
def test_other_roles_have_no_page_and_their_writes_are_refused(
    plain_db: Path, role: Role, code: str | None
) -> None:
    at = login_as(AppTest.from_file(APP_FILE, default_timeout=30), "someone", role, code).run()
    with pytest.raises(ValueError):
        at.switch_page(PAGE)
    scope = Scope(role, code, "someone")
    with db.open_database(plain_db) as con, con.cursor() as cur:
        for write in (
            lambda: ops_users.create_user(cur, scope, "petrov", PASSWORD, "ministry", None, None),
            lambda: ops_users.change_disabled(cur, scope, "ivanov", True),
            lambda: ops_users.change_password(cur, scope, "ivanov", "Another-pass-2"),
            lambda: ops_users.change_role(cur, scope, "ivanov", "base_centre", None),
            lambda: ops_users.unlock_user(cur, scope, "ivanov"),
            # the data layer itself, for a caller that skipped ops
            lambda: users.add_user("petrov", PASSWORD, "ministry", actor=scope),
            lambda: users.set_disabled("ivanov", True, actor=scope),
            lambda: users.set_password("ivanov", "Another-pass-2", actor=scope),
            lambda: users.set_role("ivanov", "base_centre", None, actor=scope),
        ):
            with pytest.raises(ScopeError, match="только базовый центр"):
                write()
    rec = users.load_users()["ivanov"]
    assert list(users.load_users()) == ["ivanov"] and not rec.disabled and rec.role == "college"
    assert users.check_password(PASSWORD, rec.password_hash) and _user_changes(plain_db) == []
