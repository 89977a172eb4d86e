"""Специальности: specialties/professions and УГПС across the region (or the user's scope) with the
indicator, and a colleges × УГПС heat map; clicking a cell opens the college card."""

from __future__ import annotations

import polars as pl
import streamlit as st

from metrics.formatting import fmt_int
from ui import charts, monitoring_data, widgets
from ui import context as ui_context
from ui import filter_context as mctx
from ui.roles import Scope

PROGRAM_COLUMNS = ["code", "name", *widgets.RATE_COLUMNS, "rate_bar", "reliability", "ugps_name", "level"]
UGPS_COLUMNS = ["code", "name", *widgets.RATE_COLUMNS, "rate_bar"]
HEATMAP_MAX_COLLEGES = 60


def render() -> None:
    scope = widgets.current_scope()
    ctx = widgets.require_context(scope)
    fr = monitoring_data.frame(scope, ctx)
    widgets.header("Специальности и профессии", ctx, fr.indicator.name)

    programs = monitoring_data.table(scope, ctx, fr, "program", change=True).sort("code")
    if programs.is_empty():
        st.info("Нет выпускников выбранного выпуска.")
        return
    by_program, by_ugps = st.tabs(["Специальности и профессии", "УГПС"])
    with by_program:
        st.caption(f"{fmt_int(programs.height)} специальностей и профессий с выпускниками.")
        widgets.selectable_table(
            programs,
            PROGRAM_COLUMNS,
            "specialties_programs",
            labels={
                "code": "Код",
                "name": "Специальность / профессия",
                "ugps_name": "УГПС",
                "level": "Уровень",
            },
        )
    with by_ugps:
        ugps = monitoring_data.table(scope, ctx, fr, "ugps", change=True).sort("code")
        widgets.selectable_table(
            ugps, UGPS_COLUMNS, "specialties_ugps", labels={"code": "Код", "name": "Укрупнённая группа"}
        )
    widgets.small_group_note(scope)
    heatmap(scope, ctx, fr)


def heatmap(scope: Scope, ctx: mctx.Context, fr: monitoring_data.Frame) -> None:
    st.subheader("ПОО × УГПС")
    cells = monitoring_data.table(scope, ctx, fr, "college_ugps")
    if scope.role in ("ministry", "base_centre"):
        tus = cells.select("tu_code").unique().drop_nulls().sort("tu_code")["tu_code"].to_list()
        names = widgets.names_for_breadcrumb(scope)
        territory = st.selectbox(
            "Территория",
            [None, *tus],
            format_func=lambda c: "Все территории" if c is None else names.get(c, c),
            key="specialties_territory",
        )
        if territory:
            cells = cells.filter(pl.col("tu_code") == territory)
    if cells.is_empty():
        st.info("Нет данных для карты.")
        return
    colleges = cells.select("college_code").n_unique()
    if colleges > HEATMAP_MAX_COLLEGES:
        # A map of thousands of rows is unreadable and slow to draw: show the colleges furthest
        # below the target and let the user narrow down by territory.
        worst = (
            cells.group_by("college_code")
            .agg(pl.col("rate").min().alias("worst"))
            .sort("worst", nulls_last=True)
            .head(HEATMAP_MAX_COLLEGES)["college_code"]
        )
        cells = cells.filter(pl.col("college_code").is_in(worst.to_list()))
        st.caption(
            f"Показаны {HEATMAP_MAX_COLLEGES} ПОО с самыми низкими значениями из {fmt_int(colleges)}; "
            "выберите территорию, чтобы увидеть её ПОО."
        )
    event = st.plotly_chart(
        charts.heatmap_figure(cells, fr.target, lower_is_better=fr.lower_is_better),
        on_select="rerun",
        selection_mode="points",
        key="specialties_heatmap",
        config={"displaylogo": False, "displayModeBar": False},
    )
    st.caption(charts.HEATMAP_CAPTION)
    code = widgets.chart_code(event, index=0)
    if code:
        ui_context.go("pages/screens/college.py", mctx.Drill(college=code))


widgets.safe_page(render)
