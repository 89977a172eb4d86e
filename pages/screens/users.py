"""Пользователи: the base centre manages accounts while the app runs (create, disable or enable, new
password, role and scope, login delay); every change is audited and ends the sessions it must end."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from ui import users_sections, widgets


def render() -> None:
    scope = widgets.current_scope()
    widgets.require_role(scope, {"base_centre"}, "Страница «Пользователи»")
    st.title("Пользователи")
    st.caption(
        "Учётные записи приложения. Изменения записываются в файл учётных записей и в журнал действий; "
        "демонстрационные учётные записи существуют только на демонстрационной базе и здесь не меняются."
    )
    users_sections.flash()
    rows = users_sections.accounts(dt.datetime.now())
    users_sections.accounts_table(rows)
    users_sections.create_form(scope)
    st.subheader("Действия с учётной записью")
    users_sections.account_actions(scope, rows)


widgets.safe_page(render)
