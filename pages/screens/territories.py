"""Территории: the 13 territorial units on a map and in a table, with the change since a month ago;
choosing one (a table row or a click on the map) opens its colleges, and a college opens its card."""

from __future__ import annotations

import streamlit as st

from metrics.engine import SMALL_GROUP
from ui import charts, downloads, monitoring_data, territory_sections, widgets
from ui import context as ui_context
from ui import filter_context as mctx
from ui.registry import AGG
from ui.roles import Scope

TABLE_COLUMNS = ["name", "colleges", *widgets.RATE_COLUMNS, "risk_count_label", "reliability", "rate_bar"]
COLLEGE_COLUMNS = ["name", *widgets.RATE_COLUMNS, "risk_count_label", "reliability", "rate_bar"]


def render() -> None:
    scope = widgets.current_scope()
    widgets.require_role(scope, AGG, "Страница «Территории»")
    ctx = widgets.require_context(scope)
    fr = monitoring_data.frame(scope, ctx)
    widgets.header("Территории", ctx, fr.indicator.name)
    territory = ctx.drill.territory or (scope.code if scope.role == "territory" else None)
    if scope.role != "territory":
        ui_context.breadcrumb(widgets.names_for_breadcrumb(scope))

    territories = monitoring_data.territory_table(scope, ctx, fr)
    if territory is None:
        st.subheader("Территориальные управления")
        st.caption("Выберите строку, столбец диаграммы или территорию на карте, чтобы увидеть её ПОО.")
        picked = widgets.selectable_table(
            territories.sort("name"),
            TABLE_COLUMNS,
            widgets.drill_key("territories_table", ctx),
            labels={"name": "Территориальное управление"},
            height=widgets.fit_height(territories.height),
        )
        widgets.small_group_note(scope)
        left, right = st.columns([1, 1], gap="large")
        with left:
            picked = territory_sections.territory_map(scope, ctx, fr, territories, None) or picked
        with right:
            bars = territories.sort(
                ["rate", "name"], descending=[not fr.lower_is_better, False], nulls_last=True
            )
            event = st.plotly_chart(
                charts.ranking_figure(bars, fr.target, lower_is_better=fr.lower_is_better),
                on_select="rerun",
                selection_mode="points",
                key=widgets.drill_key("territories_bars", ctx),
                config={"displaylogo": False, "displayModeBar": False},
            )
            picked = widgets.chart_code(event) or picked
        if picked and scope.role != "territory":
            ui_context.set_drill(mctx.Drill(territory=picked))
        return
    row = territory_sections.territory_summary(territories, territory, fr)
    left, right = st.columns([1, 1], gap="large")
    with left:
        picked = territory_sections.territory_map(scope, ctx, fr, territories, territory)
    with right:
        if row is not None and not (fr.mask_small and row["total"] < SMALL_GROUP):
            st.markdown("**Динамика с момента выпуска**")
            series, projection = monitoring_data.trend(scope, ctx, fr, (("territory", territory),))
            st.plotly_chart(
                charts.trend_figure(series, fr.target, projection, height=400),
                key=widgets.drill_key("territory_trend", ctx),
            )
    if picked and picked != territory and scope.role != "territory":
        ui_context.set_drill(mctx.Drill(territory=picked))
    territory_colleges(scope, ctx, fr, territory)
    downloads.report_button("territory", territory, "Скачать отчёт ТУ (Excel)")


def territory_colleges(scope: Scope, ctx: mctx.Context, fr: monitoring_data.Frame, territory: str) -> None:
    st.subheader("ПОО территории")
    colleges = monitoring_data.college_table(scope, ctx, fr, territory).sort("rate", nulls_last=True)
    if colleges.is_empty():
        st.info("У ПОО этой территории нет выпускников выбранного выпуска.")
        return
    st.caption("Выберите строку, чтобы открыть карточку ПОО. Сначала — ПОО с наименьшим значением.")
    code = widgets.selectable_table(
        colleges,
        COLLEGE_COLUMNS,
        widgets.drill_key("territories_colleges", ctx),
        labels={"name": "ПОО"},
        height=widgets.fit_height(colleges.height),
    )
    widgets.small_group_note(scope)
    if code:
        ui_context.go("pages/screens/college.py", mctx.Drill(territory=territory, college=code))


widgets.safe_page(render)
