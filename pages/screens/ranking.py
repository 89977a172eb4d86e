"""Рейтинг ПОО: colleges ranked by the indicator, with the target line, filters (territory, УГПС,
level, size band), the median of colleges of the same size and the rank change since a month ago.
Clicking a bar or a table row opens the college card."""

from __future__ import annotations

import polars as pl
import streamlit as st

from data_layer.scope import Scope
from metrics import views
from metrics.formatting import fmt_int
from ui import charts, downloads, monitor, widgets
from ui import context as ui_context
from ui import filter_context as mctx
from ui.registry import AGG

SORTS: dict[str, str] = {
    "rate": "по значению показателя",
    "rank_change": "по изменению места за месяц",
    "size": "по размеру выпуска",
    "name": "по наименованию",
}
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
    fr = monitor.frame(scope, ctx)
    widgets.header("Рейтинг ПОО", ctx, fr.indicator.name)

    engine_filters, territory, bands, sort = filters(scope, ctx, fr)
    ranking = monitor.ranking(scope, ctx, fr, engine_filters)
    if territory:
        ranking = ranking.filter(pl.col("tu_code") == territory)
    if bands:
        ranking = ranking.filter(pl.col("size_band").is_in(bands))
    if ranking.is_empty():
        st.info("Нет ПОО с выпускниками при выбранных условиях.")
        return
    ranking = ordered(ranking, sort)
    summary(ranking, fr)

    event = st.plotly_chart(
        charts.ranking_figure(ranking, fr.target, lower_is_better=fr.lower_is_better),
        on_select="rerun",
        selection_mode="points",
        key=widgets.drill_key("ranking_bars", ctx),
        config={"displaylogo": False, "displayModeBar": False},
    )
    st.caption(charts.RANKING_CAPTION)
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
    downloads.report_button("rating", label="Скачать рейтинг эффективности ЦСТВ (Excel)")
    code = clicked or picked
    if code:
        ui_context.go("pages/screens/college.py", mctx.Drill(college=code))


def filters(
    scope: Scope, ctx: mctx.Context, fr: monitor.Frame
) -> tuple[monitor.Filters, str | None, list[str], str]:
    """Filter widgets. УГПС and level change what is counted (engine filters); territory and size
    band only choose which colleges are shown, so places stay region-wide."""
    colleges = monitor.colleges(scope)
    tus = colleges.select("tu_code", "tu_name").unique().drop_nulls().sort("tu_name")
    tu_names = dict(zip(tus["tu_code"].to_list(), tus["tu_name"].to_list(), strict=True))
    ugps = monitor.table(scope, ctx, fr, "ugps").sort("code")
    ugps_names = dict(zip(ugps["code"].to_list(), ugps["name"].to_list(), strict=True))
    levels = monitor.table(scope, ctx, fr, "level")["code"].drop_nulls().sort().to_list()
    c1, c2, c3, c4, c5 = st.columns([2, 3, 1.3, 2, 2])
    territory = None
    if scope.role != "territory":
        territory = c1.selectbox(
            "Территория",
            [None, *tu_names],
            format_func=lambda c: "Все территории" if c is None else tu_names[c],
            key="ranking_territory",
        )
    else:
        c1.markdown(f"**Территория**  \n{next(iter(tu_names.values()), scope.code)}")
    ugps_code = c2.selectbox(
        "УГПС",
        [None, *ugps_names],
        format_func=lambda c: "Все УГПС" if c is None else f"{c} {ugps_names[c]}",
        key="ranking_ugps",
    )
    level = c3.selectbox(
        "Уровень", [None, *levels], format_func=lambda c: "Все" if c is None else c, key="ranking_level"
    )
    bands = c4.multiselect(
        "Размер выпуска",
        [b.code for b in views.SIZE_BANDS],
        format_func=lambda b: views.SIZE_BAND_LABELS[b],
        placeholder="Любой",
        key="ranking_bands",
    )
    sort = c5.selectbox("Сортировка", list(SORTS), format_func=lambda s: SORTS[s], key="ranking_sort")
    engine_filters: list[tuple[str, str]] = []
    if ugps_code:
        engine_filters.append(("ugps", ugps_code))
    if level:
        engine_filters.append(("level", level))
    return tuple(engine_filters), territory, bands, sort


def ordered(ranking: pl.DataFrame, sort: str) -> pl.DataFrame:
    if sort == "rank_change":
        return ranking.sort(["rank_change", "rank"], descending=[True, False], nulls_last=True)
    if sort == "size":
        return ranking.sort("size", descending=True)
    if sort == "name":
        return ranking.sort("name")
    return ranking.sort(["rank", "rate", "name"], descending=[False, True, False], nulls_last=True)


def summary(ranking: pl.DataFrame, fr: monitor.Frame) -> None:
    reliable = ranking.filter(pl.col("reliable"))
    below = reliable.filter(pl.col("gap") < 0).height if fr.target is not None else None
    widgets.kpi_row(
        [
            widgets.Kpi("ПОО в рейтинге", fmt_int(ranking.height)),
            widgets.Kpi(
                "Ниже цели",
                "—" if below is None else fmt_int(below),
                help="Среди ПОО с 10 и более выпускниками.",
            ),
            widgets.Kpi(
                "Мало данных",
                fmt_int(ranking.height - reliable.height),
                help="ПОО с числом выпускников меньше 10: их значения ненадёжны.",
            ),
        ]
    )


widgets.safe_page(render)
