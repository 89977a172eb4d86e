"""Рейтинг ПОО: colleges ranked by the indicator, with the target line, filters (territory, УГПС,
level, size band), the median of colleges of the same size and the rank change since a month ago.
Clicking a bar or a table row opens the college card."""

from __future__ import annotations

import polars as pl
import streamlit as st

from metrics.formatting import fmt_int
from ui import charts, downloads, monitoring_data, ranking_sections, widgets
from ui import context as ui_context
from ui import filter_context as mctx
from ui.registry import AGG

TABLE_COLUMNS = [
    "rank",
    "rank_change_label",
    "name",
    "tu_name",
    "size_band_label",
    "total",
    "rate_label",
    "gap_label",
    "band_median_label",
    "vs_band_label",
    "reliability",
]


def render() -> None:
    scope = widgets.current_scope()
    widgets.require_role(scope, AGG, "Страница «Рейтинг ПОО»")
    ctx = widgets.require_context(scope)
    fr = monitoring_data.frame(scope, ctx)
    widgets.header("Рейтинг ПОО", ctx, fr.indicator.name)

    engine_filters, territory, bands, sort = ranking_sections.filters(scope, ctx, fr)
    ranking = monitoring_data.ranking(scope, ctx, fr, engine_filters)
    if territory:
        ranking = ranking.filter(pl.col("tu_code") == territory)
    if bands:
        ranking = ranking.filter(pl.col("size_band").is_in(bands))
    if ranking.is_empty():
        st.info("Нет ПОО с выпускниками при выбранных условиях.")
        return
    ranking = ordered(ranking, sort)
    ranking_sections.summary(ranking, fr)

    event = st.plotly_chart(
        # at most RANKING_MAX_BARS bars (3 500 colleges at federal scale: 84 000 px of chart, 0,3 s a view)
        charts.ranking_figure(
            ranking.head(charts.RANKING_MAX_BARS), fr.target, lower_is_better=fr.lower_is_better
        ),
        on_select="rerun",
        selection_mode="points",
        key=widgets.drill_key("ranking_bars", ctx),
        config={"displaylogo": False, "displayModeBar": False},
    )
    st.caption(charts.RANKING_CAPTION)
    if ranking.height > charts.RANKING_MAX_BARS:
        st.caption(
            f"На графике — первые {fmt_int(charts.RANKING_MAX_BARS)} ПОО из {fmt_int(ranking.height)} в выбранном порядке; "
            "все — в таблице ниже."
        )
    clicked = widgets.chart_code(event)

    st.subheader("Таблица рейтинга")
    st.caption(
        "Место — среди ПОО региона при выбранных УГПС и уровне; «Медиана группы» — медиана ПОО того же "
        "размера выпуска (до 100, 100–300, 300–600, более 600 выпускников)."
    )
    picked = widgets.selectable_table(
        ranking, TABLE_COLUMNS, widgets.drill_key("ranking_table", ctx), labels={"name": "ПОО"}
    )
    widgets.small_group_note(scope)
    # This page ranks colleges by the chosen indicator: its download is this table, not the
    # effectiveness rating of the career centres (that one is on «Эффективность ЦСТВ»).
    downloads.table_csv_button(
        ranking,
        widgets.column_labels(TABLE_COLUMNS, {"name": "ПОО"}),
        f"Рейтинг_ПОО_{fr.indicator.id}",
        label="Скачать рейтинг ПОО по показателю (CSV)",
        key="ranking_csv",
    )
    code = clicked or picked
    if code:
        ui_context.go("pages/screens/college.py", mctx.Drill(college=code))


def ordered(ranking: pl.DataFrame, sort: str) -> pl.DataFrame:
    if sort == "rank_change":
        return ranking.sort(["rank_change", "rank"], descending=[True, False], nulls_last=True)
    if sort == "size":
        return ranking.sort("size", descending=True)
    if sort == "name":
        return ranking.sort("name")
    return ranking.sort(["rank", "rate", "name"], descending=[False, True, False], nulls_last=True)


widgets.safe_page(render)
