"""Streamlit sections of the «Территории» page: the map of territorial units and one unit's summary."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from metrics.formatting import fmt_int, fmt_pct
from ui import context as ui_context
from ui import filter_context as mctx
from ui import maps, monitoring_data, widgets
from ui.roles import Scope
from ui.text import md


def territory_map(
    scope: Scope,
    ctx: mctx.Context,
    fr: monitoring_data.Frame,
    territories: pl.DataFrame,
    territory: str | None,
) -> str | None:
    """The map; returns the territory code clicked (a click on a college point opens its card)."""
    points = None
    if territory is not None:
        colleges = monitoring_data.college_table(scope, ctx, fr, territory)
        places = (
            monitoring_data.colleges(scope)
            .select("college_code", "lat", "lon")
            .rename({"college_code": "code"})
        )
        points = colleges.join(places, on="code", how="inner").filter(pl.col("lat").is_not_null())
    event = widgets.indicator_map(
        fr,
        territories,
        "territory",
        widgets.drill_key("territories_map", ctx),
        selected_tu=territory,
        points=points,
    )
    college = widgets.map_code(event, maps.POINT_LAYER, "code")
    if college:
        ui_context.go("pages/screens/college.py", mctx.Drill(territory=territory, college=college))
    code = widgets.map_code(event, maps.AREA_LAYER, "tu_code")
    return code if code in set(territories["code"].to_list()) else None


def territory_summary(
    territories: pl.DataFrame, territory: str, fr: monitoring_data.Frame
) -> dict[str, Any] | None:
    """The territory's name and KPI row; returns its row of the territory table (None: no graduates)."""
    found = territories.filter(pl.col("code") == territory)
    if found.is_empty():
        st.info("В этой территории нет выпускников выбранного выпуска.")
        return None
    r = found.row(0, named=True)
    st.subheader(md(r["name"]))
    widgets.kpi_row(
        [
            widgets.target_kpi(r, help=f"Цель: {fmt_pct(fr.target)}"),
            widgets.change_kpi(r, fr.lower_is_better),
            widgets.Kpi("Выпускников", fmt_int(r["total"]), help=f"ПОО с выпуском: {fmt_int(r['colleges'])}"),
            widgets.Kpi(
                "Ещё трудоустроить",
                r["places_needed_label"],
                help="Сколько выпускников нужно трудоустроить, чтобы территория вышла на цель.",
            ),
        ]
    )
    return r
