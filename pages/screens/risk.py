"""Группа риска: graduates in the risk group at the as-of date with their reasons, time in the group,
exits, and the measures of support the college records for each of them (docs/domain.md §6)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from metrics.formatting import fmt_date, fmt_int, plural
from ui import cached, downloads, risk_sections, risk_view, widgets


def render() -> None:
    scope = widgets.current_scope()
    widgets.require_role(scope, {"base_centre", "college"}, "Группа риска")
    st.title("Группа риска")
    ctx = widgets.require_context(scope)
    v = cached.version()
    thr = cached.thresholds(v)
    st.caption(
        f"Выпуск {ctx.cohort} г., на {fmt_date(ctx.as_of)}. Пороги: N1 = {thr.n1_weeks}, "
        f"N2 = {thr.n2_weeks}, N3 = {thr.n3_weeks} {plural(thr.n3_weeks, 'неделя', 'недели', 'недель')} "
        "(меняет базовый центр на странице «Настройки показателей»)."
    )
    measures = risk_sections.recorded_measures(scope, ctx.cohort)
    chosen = risk_sections.filters(scope, ctx.cohort)
    items, reasons, min_weeks = chosen.items, chosen.reasons, chosen.min_weeks

    counts = cached.risk_counts(v, scope, ctx.cohort, ctx.as_of, "region", items)
    total = cached.indicator_table(v, scope, ctx.cohort, ctx.as_of, "risk_share", "region", items)
    n_risk = int(counts["risk_count"].sum()) if counts.height else 0
    n_total = int(total["total"].sum()) if total.height else 0
    view = risk_view.with_measure_counts(cached.risk_view(v, scope, ctx.cohort, ctx.as_of, items), measures)
    in_group = view.filter(pl.col("in_group"))
    exited = view.filter(~pl.col("in_group"))

    risk_sections.headline(n_risk, n_total, exited)
    risk_sections.reason_chart(counts)

    tab_in, tab_out = st.tabs(
        [f"В группе риска ({fmt_int(in_group.height)})", f"Вышли из группы ({fmt_int(exited.height)})"]
    )
    with tab_in:
        risk_sections.register_tab(
            scope,
            ctx,
            risk_view.filter_register(in_group, reasons, min_weeks),
            in_group.height,
            risk_view.in_group_display,
            "risk_in",
            "На дату расчёта в группе риска никого нет.",
        )
    with tab_out:
        risk_sections.register_tab(
            scope,
            ctx,
            risk_view.filter_register(exited, reasons, min_weeks),
            exited.height,
            risk_view.exited_display,
            "risk_out",
            "Из группы риска пока никто не вышел.",
        )
    downloads.report_button("risk_list", dict(items).get("college"), "Скачать список группы риска (Excel)")


widgets.safe_page(render)
