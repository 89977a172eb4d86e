"""Карточка ПОО: one college against its territory and the region, its weekly trend, specialties,
status structure, risk group and ЦСТВ effectiveness points; a specialty opens its detail and, for
the college itself and the base centre, its graduates (masked СНИЛС)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from metrics.engine import SMALL_GROUP
from metrics.formatting import full_college_names
from ui import college_sections, downloads, monitoring_data, widgets
from ui import context as ui_context
from ui import filter_context as mctx
from ui.roles import Scope
from ui.text import md


def render() -> None:
    scope = widgets.current_scope()
    ctx = widgets.require_context(scope)
    fr = monitoring_data.frame(scope, ctx)
    colleges = monitoring_data.colleges(scope)
    if colleges.is_empty():
        st.info("В вашей зоне доступа нет ПОО.")
        return
    college = choose_college(scope, ctx, colleges)
    info = colleges.filter(pl.col("college_code") == college).row(0, named=True)
    if scope.role != "college":
        ui_context.breadcrumb(
            widgets.names_for_breadcrumb(scope) | college_sections.program_names(scope, ctx, fr, college)
        )
    widgets.header(info["short_name"], ctx, fr.indicator.name, note=info["tu_name"])
    if info["full_name"]:
        st.markdown(md(info["full_name"]))

    own = (("college", college),)
    row = monitoring_data.region_row(scope, ctx, fr, own)
    if not row:
        st.info("У этой ПОО нет выпускников выбранного выпуска.")
        return
    hidden = fr.mask_small and row["total"] < SMALL_GROUP
    others = {
        "Территория": monitoring_data.comparison_rate(scope, ctx, fr, "territory", info["tu_code"]),
        "Регион": monitoring_data.comparison_rate(scope, ctx, fr, "region"),
    }
    college_sections.kpis(scope, ctx, fr, college, row, others, hidden)
    if hidden:
        st.info(
            f"В выпуске этой ПОО меньше {SMALL_GROUP} выпускников: подробности не показываются, "
            "чтобы нельзя было узнать человека."
        )
        return
    if ctx.drill.program:
        college_sections.program_detail(scope, ctx, fr, college, ctx.drill.program)
        return
    college_sections.comparison_and_trend(scope, ctx, fr, row, others, own)
    college_sections.specialties(scope, ctx, fr, own)
    college_sections.rating(scope, ctx, fr, college)
    downloads.report_button("scorecard", college, "Скачать карточку ПОО (Excel)")


def choose_college(scope: Scope, ctx: mctx.Context, colleges: pl.DataFrame) -> str:
    """The college of the drill path, or the first in scope; a selector for roles with several."""
    codes: list[str] = colleges["college_code"].to_list()
    current = ctx.drill.college if ctx.drill.college in codes else codes[0]
    assert current is not None
    tus = dict(zip(codes, colleges["tu_code"].to_list(), strict=True))
    if scope.role != "college" and ctx.drill.college == current and ctx.drill.territory != tus[current]:
        # Reached from the ranking or the overview (no territory in the path): the breadcrumb shows
        # the college's own territory, not none or the one of an earlier drill.
        ui_context.set_drill(mctx.Drill(territory=tus[current], college=current, program=ctx.drill.program))
    if scope.role == "college" or len(codes) == 1:
        return current
    names = full_college_names(colleges)
    chosen = st.columns([2, 3])[0].selectbox(
        "ПОО",
        codes,
        index=codes.index(current),
        format_func=lambda c: names[c],
        key=widgets.drill_key("college_select", ctx),
    )
    if chosen != ctx.drill.college:
        ui_context.set_drill(mctx.Drill(territory=tus[chosen], college=chosen))
    return chosen


widgets.safe_page(render)
