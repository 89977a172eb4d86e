"""Sections of the «Пользователи» page (base centre): the account list, a new account and the actions on
one account. Every write is an ops/users.py function on the app's own database connection, so it works
while the app runs; each is audited and, when it changes who may do what, ends the user's sessions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import polars as pl
import streamlit as st

from data_layer import users
from data_layer.scope import ROLES
from ops import users as ops_users
from ui import connection, widgets
from ui.roles import ROLE_LABELS, Scope
from ui.text import md

FLASH = "_vypusk_users_flash"
PASSWORD_KEYS = ("new_user_pw1", "new_user_pw2", "reset_pw1", "reset_pw2")
ROLE_CHOICES: list[str] = [str(r) for r in ROLES]
NEEDS_CODE = {"territory": "Код ТУ (например, TU01)", "college": "Код ПОО (например, P001)"}


def accounts(now: dt.datetime) -> list[dict[str, Any]]:
    """Always fresh (never cached): the list must show a change at once."""
    with connection.cursor() as cur:
        return users.account_overview(cur, now)


def _when(value: dt.datetime | None) -> str:
    return value.strftime("%d.%m.%Y %H:%M") if value else "—"


def accounts_table(rows: list[dict[str, Any]]) -> None:
    st.dataframe(
        pl.DataFrame(
            {
                "Имя пользователя": [r["username"] for r in rows],
                "ФИО / описание": [r["name"] for r in rows],
                "Роль": [ROLE_LABELS[r["role"]] for r in rows],
                "Зона доступа": [r["code"] or "вся область" for r in rows],
                "Состояние": [r["state"] for r in rows],
                "Последний вход": [_when(r["last_login"]) for r in rows],
                "Задержка входа": [
                    f"до {_when(r['delayed_until'])} (адресов: {r['delayed_sources']})"
                    if r["delayed_until"]
                    else "—"
                    for r in rows
                ],
            },
            schema_overrides={"ФИО / описание": pl.String},
        ),
        hide_index=True,
        width="stretch",
        key="users_table",
    )


def flash() -> None:
    """The result of the last action (kept across the rerun that refreshes the list)."""
    message = st.session_state.pop(FLASH, None)
    if message:
        for key in PASSWORD_KEYS:  # typed passwords do not outlive the action (before the widgets exist)
            st.session_state.pop(key, None)
        st.success(md(message), icon=":material/check_circle:")


def _run(action: str, done: str, write: Callable[[Any], object]) -> None:
    """One write on the app's connection; the result is shown after a rerun, an error right here."""
    try:
        with connection.cursor() as cur:
            write(cur)
    except Exception as exc:  # shown (Russian) and logged; nothing half-done is hidden
        widgets.action_error(exc, action)
        return
    st.session_state[FLASH] = done
    st.rerun()


def _role_and_code(key: str, role: str = "college", code: str | None = None) -> tuple[str, str | None]:
    chosen = str(
        st.selectbox(
            "Роль",
            ROLE_CHOICES,
            index=ROLE_CHOICES.index(role),
            format_func=ROLE_LABELS.__getitem__,
            key=f"{key}_role",
        )
    )
    label = NEEDS_CODE.get(chosen, "Код зоны доступа (не нужен: роль видит всю область)")
    value = st.text_input(label, value=code or "", key=f"{key}_code", max_chars=16)
    return chosen, value.strip() or None


def _passwords(key: str) -> str | None:
    """The new password typed twice; None (with a message) when the two differ."""
    first = st.text_input("Пароль", type="password", key=f"{key}_pw1", max_chars=users.MAX_PASSWORD_BYTES)
    second = st.text_input(
        "Пароль ещё раз", type="password", key=f"{key}_pw2", max_chars=users.MAX_PASSWORD_BYTES
    )
    if first != second:
        if second:
            st.error("Пароли не совпадают.")
        return None
    return first


def create_form(scope: Scope) -> None:
    with st.expander("Новая учётная запись", icon=":material/person_add:"):
        username = st.text_input(
            "Имя пользователя (латиница, цифры, «_», «.», «-»)", key="new_user_name", max_chars=32
        )
        full_name = st.text_input("ФИО или описание", key="new_user_full_name", max_chars=200)
        role, code = _role_and_code("new_user")
        password = _passwords("new_user")
        st.caption(
            f"Пароль — не короче {users.MIN_PASSWORD_CHARS} символов. Сообщите его пользователю лично."
        )
        if (
            st.button("Создать учётную запись", type="primary", key="new_user_create")
            and password is not None
        ):
            _run(
                "user_create",
                f"Учётная запись «{users.normalize_username(username)}» создана.",
                lambda cur: ops_users.create_user(cur, scope, username, password, role, code, full_name),
            )


def account_actions(scope: Scope, rows: list[dict[str, Any]]) -> None:
    """Disable or enable, new password, role and scope, login delay — for one account of the file."""
    editable = {r["username"]: r for r in rows if r["editable"]}
    if not editable:
        st.info("В файле учётных записей пока нет пользователей: создайте первого выше.")
        return
    name = st.selectbox("Учётная запись", list(editable), key="users_pick")
    row = editable[name]
    st.caption(
        "Отключение, новый пароль и смена роли или зоны доступа сразу завершают все сеансы пользователя: "
        "при следующем действии он увидит страницу входа."
    )
    state, password, role, delay = st.tabs(["Доступ", "Пароль", "Роль и зона доступа", "Задержка входа"])
    with state:
        disabled = row["state"] == "отключена"
        label = "Включить учётную запись" if disabled else "Отключить учётную запись"
        if st.button(label, key="users_toggle"):
            done = f"Учётная запись «{name}» " + (
                "включена." if disabled else "отключена, её сеансы завершены."
            )
            _run("user_disable", done, lambda cur: ops_users.change_disabled(cur, scope, name, not disabled))
    with password:
        new = _passwords("reset")
        if st.button("Задать новый пароль", key="users_reset") and new is not None:
            done = f"Пароль пользователя «{name}» изменён, его сеансы завершены."
            _run("user_password", done, lambda cur: ops_users.change_password(cur, scope, name, new))
    with role:
        new_role, new_code = _role_and_code("change", row["role"], row["code"])
        if st.button("Сохранить роль и зону доступа", key="users_role"):
            done = f"Роль пользователя «{name}» изменена, его сеансы завершены."
            _run("user_role", done, lambda cur: ops_users.change_role(cur, scope, name, new_role, new_code))
    with delay:
        st.caption("Снимает задержку входа после неудачных попыток со всех адресов.")
        if st.button("Снять задержку входа", key="users_unlock"):
            _run(
                "user_unlock",
                f"Задержка входа для «{name}» снята.",
                lambda cur: ops_users.unlock_user(cur, scope, name),
            )
