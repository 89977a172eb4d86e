"""Журнал: the audit log for the base centre — who logged in, uploaded, confirmed, published, when."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from data_layer import audit
from data_layer.scope import ROLE_LABELS, Scope
from ui import data

LIMIT = 5000
DEFAULT_DAYS = 30

# Defence in depth: the navigation registers this page for the base centre only.
scope = st.session_state.get("scope")
if not isinstance(scope, Scope) or scope.role != "base_centre":
    st.error("Журнал действий доступен только базовому центру.")
    st.stop()

st.title("Журнал действий")
st.caption(
    "Входы и выходы, загрузки файлов, подтверждения сверки, публикация критериев, изменения настроек "
    "и пользователей, выгрузки с персональными данными. Записи журнала не изменяются и не удаляются."
)

today = dt.date.today()
with data.cursor() as cur:
    usernames = audit.logged_usernames(cur)

col_period, col_user, col_action = st.columns([2, 1, 1])
period = col_period.date_input(
    "Период",
    value=(today - dt.timedelta(days=DEFAULT_DAYS), today),
    format="DD.MM.YYYY",
    key="journal_period",
)
username = col_user.selectbox(
    "Пользователь",
    [None, *usernames],
    format_func=lambda u: "Все пользователи" if u is None else u,
    key="journal_user",
)
action = col_action.selectbox(
    "Действие",
    [None, *audit.ACTION_LABELS],
    format_func=lambda a: "Все действия" if a is None else audit.ACTION_LABELS[a],
    key="journal_action",
)

# While the user is picking a range the widget holds one date only.
dates = list(period) if isinstance(period, tuple | list) else [period]
since = dates[0] if dates else None
until = dates[1] if len(dates) > 1 else since

with data.cursor() as cur:
    log = audit.read_log(cur, since=since, until=until, username=username, action=action, limit=LIMIT)

if log.is_empty():
    st.info("За выбранный период записей с такими условиями нет.")
    st.stop()

table = log.select(
    pl.col("event_at").alias("Время"),
    pl.col("username").alias("Пользователь"),
    pl.col("role").replace(ROLE_LABELS).alias("Роль"),
    pl.col("action").replace(audit.ACTION_LABELS).alias("Действие"),
    pl.col("object").alias("Объект"),
    pl.col("details").alias("Подробности"),
)
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    key="journal_table",
    column_config={"Время": st.column_config.DatetimeColumn("Время", format="DD.MM.YYYY HH:mm:ss")},
)
shown = f"{log.height:,}".replace(",", "\u00a0")
if log.height >= LIMIT:
    st.caption(f"Показаны последние {shown} записей. Сузьте период или выберите пользователя и действие.")
else:
    st.caption(f"Записей: {shown}.")
