"""Отчёты: the official Excel workbooks the role may download for the current context (cohort and
as-of date of the sidebar), built on click by reports — the same implementation as
`vypusk report` — and the base centre's zip of every college's scorecard."""

from __future__ import annotations

import polars as pl
import streamlit as st

import reports
from data_layer.scope import Scope
from metrics.formatting import fmt_date
from ui import cached, downloads, widgets
from ui.filter_context import Context

DESCRIPTIONS: dict[str, str] = {
    "regional": (
        "Для министерства и федеральной платформы: по каждой ПОО и специальности строки 01–05 "
        "(все выпускники, с ОВЗ, инвалиды, целевое обучение, «Профессионалитет») и графы гр.05–27, "
        "свод по региону, показатели и целевые значения. Перед выгрузкой проверяется контрольное "
        "соотношение «гр.05 = сумма гр.06–27»."
    ),
    "territory": (
        "Для территориального управления: ПОО территории, показатели и их изменение за месяц, "
        "группа риска, состояние сверки фактического выпуска с ФИС ФРДО."
    ),
    "scorecard": (
        "Карточка ПОО: показатели в сравнении с территорией и регионом, динамика по неделям, "
        "специальности, группа риска, баллы по критериям эффективности, место и категория."
    ),
    "rating": (
        "ПОО вашей зоны доступа: баллы по каждому критерию, сумма, место среди всех ПОО региона, "
        "категория и версия набора критериев."
    ),
    "risk_list": (
        "Выпускники в группе риска и вышедшие из неё: причины, сроки, статус, меры поддержки. "
        "Содержит персональные данные (СНИЛС скрыт); каждая выгрузка записывается в журнал."
    ),
}


def _pick_code(scope: Scope, spec: reports.ReportKind, ctx: Context) -> str | None:
    """The territory or college the report is about: the user's own, or a choice in the scope."""
    own = reports.default_code(scope, spec.kind)
    if spec.needs_scope is None or own:
        return own
    colleges = cached.college_list(cached.version(), scope)
    if spec.needs_scope == "territory":
        options = colleges.select("tu_code", "tu_name").drop_nulls("tu_code").unique().sort("tu_name")
        names = dict(zip(options["tu_code"].to_list(), options["tu_name"].to_list(), strict=True))
        preferred = ctx.drill.territory
        label = "Территориальное управление"
    else:
        options = colleges.select("college_code", "short_name").sort("short_name")
        names = dict(zip(options["college_code"].to_list(), options["short_name"].to_list(), strict=True))
        preferred = ctx.drill.college
        label = "ПОО"
    if not names:
        return None
    codes = list(names)
    index = codes.index(preferred) if preferred in names else 0
    return st.selectbox(
        label,
        codes,
        index=index,
        format_func=lambda c: f"{names[c]} ({c})",
        key=f"reports_code_{spec.kind}",
    )


def _report_block(scope: Scope, spec: reports.ReportKind, ctx: Context) -> None:
    with st.container(border=True):
        st.subheader(spec.title)
        st.caption(DESCRIPTIONS.get(spec.kind, ""))
        code = _pick_code(scope, spec, ctx)
        if spec.needs_scope and code is None:
            st.info("В вашей зоне доступа нет подходящих территорий или ПОО.")
            return
        if spec.kind == "regional":
            problem = downloads.control_problem(cached.version(), scope, ctx.cohort, ctx.as_of)
            if problem:
                st.error(problem, icon=":material/rule:")
                st.caption(
                    "Отчёт выгружается, только когда у каждого выпускника есть статус из гр.06–27. "
                    "Можно выбрать другую дату расчёта в боковой панели."
                )
                return
            st.success("Контрольное соотношение «гр.05 = сумма гр.06–27» выполнено.", icon=":material/check:")
        left, right = st.columns(2)
        with left:
            downloads.report_button(spec.kind, code, "Скачать Excel", key=f"reports_xlsx_{spec.kind}")
        with right:
            downloads.report_button(
                spec.kind, code, "Основная таблица (CSV)", fmt="csv", key=f"reports_csv_{spec.kind}"
            )


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
        _report_block(scope, spec, ctx)
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


widgets.safe_page(render)
