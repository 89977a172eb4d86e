"""Отчёты: the official Excel workbooks the role may download for the current context (cohort and
as-of date of the sidebar), built on click by reports — the same implementation as
`vypusk report` — and the base centre's zip of every college's scorecard."""

from __future__ import annotations

import polars as pl
import streamlit as st

import reports
from metrics.formatting import fmt_date
from ui import cached, downloads, reports_sections, widgets


def render() -> None:
    scope = widgets.current_scope()
    ctx = widgets.require_context(scope)
    st.title("Отчёты")
    st.caption(
        f"Выпуск {ctx.cohort} г. · на {fmt_date(ctx.as_of)} · выпуск и дату расчёта можно изменить в боковой панели"
    )
    st.markdown(
        "Официальные отчёты в формате Excel: готовы к печати (альбомная ориентация, по ширине листа) "
        "и подписи. В шапке каждого листа — дата расчёта, определения показателей, версия критериев "
        "и даты исходных данных. Файл формируется в момент нажатия кнопки."
    )
    kinds = reports.allowed_kinds(scope)
    if not kinds:
        st.info("Для вашей роли отчётов нет.")
        return
    for spec in kinds:
        reports_sections.report_block(scope, spec, ctx)
    if scope.role == "base_centre":
        with st.container(border=True):
            st.subheader("Карточки всех ПОО одним архивом")
            n = (
                cached.college_list(cached.version(), scope)
                .filter(pl.col("college_code").is_not_null())
                .height
            )
            st.caption(
                f"Архив ZIP с карточкой каждой ПОО, у которой есть выпускники {ctx.cohort} г. (ПОО в справочнике: "
                f"{n}). Формирование занимает до минуты."
            )
            downloads.scorecards_zip_button()
    reports_sections.register(scope)


widgets.safe_page(render)
