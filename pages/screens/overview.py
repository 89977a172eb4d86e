"""Обзор региона: is the region (for a ТУ: its colleges) on track for the target, where is it heading
by the end of the monitoring window, and which territories and colleges pull it down."""

from __future__ import annotations

import streamlit as st

from metrics import views
from ui import charts, monitoring_data, overview_sections, widgets
from ui.registry import AGG


def render() -> None:
    scope = widgets.current_scope()
    widgets.require_role(scope, AGG, "Страница «Обзор региона»")
    ctx = widgets.require_context(scope)
    fr = monitoring_data.frame(scope, ctx)
    whole = "по территории" if scope.role == "territory" else "по региону"
    widgets.header(
        "Обзор региона" if scope.role != "territory" else "Обзор территории", ctx, fr.indicator.name
    )

    total = monitoring_data.region_row(scope, ctx, fr)
    if not total:
        widgets.no_data(scope)
        return
    series, projection = monitoring_data.trend(scope, ctx, fr)
    territories = monitoring_data.table(scope, ctx, fr, "territory")
    # Who pulls the figure down: territories for the region, colleges for a territorial unit.
    parts = monitoring_data.college_table(scope, ctx, fr) if scope.role == "territory" else territories
    overview_sections.verdict(total, fr, projection, parts, whole)
    overview_sections.kpis(scope, ctx, fr, total, projection)

    left, right = st.columns([3, 2], gap="large")
    with left:
        st.subheader("Динамика с момента выпуска")
        st.plotly_chart(
            charts.trend_figure(series, fr.target, projection),
            key="overview_trend",
            config={"displaylogo": False},
        )
        st.markdown(overview_sections.needed_line(projection, fr))
        st.caption(charts.trend_caption(projection, ctx.as_of))
    with right:
        st.subheader("Структура статусов")
        groups = views.status_groups(total)
        st.plotly_chart(
            charts.status_bar_figure(groups), key="overview_status", config={"displaylogo": False}
        )
        st.caption(charts.STATUS_CAPTION)

    overview_sections.territory_map(scope, ctx, fr, territories)
    overview_sections.worst_colleges(scope, ctx, fr)


widgets.safe_page(render)
