"""Streamlit sections of the «Рейтинг ПОО» page: the filters and the summary above the table."""

from __future__ import annotations

import polars as pl
import streamlit as st

from metrics import views
from metrics.formatting import fmt_int
from ui import filter_context as mctx
from ui import monitoring_data, widgets
from ui.roles import Scope

SORTS: dict[str, str] = {
    "rate": "по значению показателя",
    "rank_change": "по изменению места за месяц",
    "size": "по размеру выпуска",
    "name": "по наименованию",
}


def filters(
    scope: Scope, ctx: mctx.Context, fr: monitoring_data.Frame
) -> tuple[monitoring_data.Filters, str | None, list[str], str]:
    """Filter widgets. УГПС and level change what is counted (engine filters); territory and size
    band only choose which colleges are shown, so places stay region-wide."""
    colleges = monitoring_data.colleges(scope)
    tus = colleges.select("tu_code", "tu_name").unique().drop_nulls().sort("tu_name")
    tu_names = dict(zip(tus["tu_code"].to_list(), tus["tu_name"].to_list(), strict=True))
    ugps = monitoring_data.table(scope, ctx, fr, "ugps").sort("code")
    ugps_names = dict(zip(ugps["code"].to_list(), ugps["name"].to_list(), strict=True))
    levels = monitoring_data.table(scope, ctx, fr, "level")["code"].drop_nulls().sort().to_list()
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


def summary(ranking: pl.DataFrame, fr: monitoring_data.Frame) -> None:
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
