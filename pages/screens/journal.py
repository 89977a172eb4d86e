"""Журнал: the audit log for the base centre — who logged in, uploaded, confirmed, published, when."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from metrics.formatting import fmt_int
from ui import audit_log, widgets

LIMIT = 5000
DEFAULT_DAYS = 30


def render() -> None:
    scope = widgets.current_scope()
    if scope.role != "base_centre":  # defence in depth: the navigation shows it to the base centre only
        st.error("Журнал действий доступен только базовому центру.")
        return
    st.title("Журнал действий")
    st.caption(
        "Входы и выходы, загрузки файлов, подтверждения сверки, публикация критериев, изменения настроек "
        "и пользователей, выгрузки с персональными данными. Записи журнала не изменяются и не удаляются."
    )
    since, until, username, action = filters()
    log = audit_log.entries(since, until, username, action, LIMIT)
    if log.is_empty():
        st.info("За выбранный период записей с такими условиями нет.")
        return
    st.dataframe(
        audit_log.display(log),
        hide_index=True,
        width="stretch",
        key="journal_table",
        column_config={"Время": st.column_config.DatetimeColumn("Время", format="DD.MM.YYYY HH:mm:ss")},
    )
    shown = fmt_int(log.height)
    if log.height >= LIMIT:
        st.caption(f"Показаны последние {shown} записей. Сузьте период или выберите пользователя и действие.")
    else:
        st.caption(f"Записей: {shown}.")


def filters() -> tuple[dt.date | None, dt.date | None, str | None, str | None]:
    """Period, user and action; a period being picked holds one date only."""
    today = dt.date.today()
    col_period, col_user, col_action = st.columns([2, 1, 1])
    period = col_period.date_input(
        "Период",
        value=(today - dt.timedelta(days=DEFAULT_DAYS), today),
        format="DD.MM.YYYY",
        key="journal_period",
    )
    username = col_user.selectbox(
        "Пользователь",
        [None, *audit_log.usernames()],
        format_func=lambda u: "Все пользователи" if u is None else u,
        key="journal_user",
    )
    action = col_action.selectbox(
        "Действие",
        [None, *audit_log.ACTION_LABELS],
        format_func=lambda a: "Все действия" if a is None else audit_log.ACTION_LABELS[a],
        key="journal_action",
    )
    dates = list(period) if isinstance(period, tuple | list) else [period]
    since = dates[0] if dates else None
    until = dates[1] if len(dates) > 1 else since
    return since, until, username, action


widgets.safe_page(render)
