"""Streamlit sections of the «Обзор» page: the verdict line, headline figures, the road to the target,
the territory map, the colleges furthest from the target."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from metrics.forecast import Projection
from metrics.formatting import fmt_date, fmt_int, fmt_pct, fmt_pp, plural
from metrics.risk import RISK_GROUP_HELP
from ui import cached, charts, maps, monitoring_data, widgets
from ui import context as ui_context
from ui import filter_context as mctx
from ui.roles import Scope
from ui.text import md

WORST_COLLEGES = 10


def verdict(
    total: dict[str, Any],
    fr: monitoring_data.Frame,
    projection: Projection,
    parts: pl.DataFrame,
    whole: str,
) -> None:
    """One sentence a minister can read in ten seconds: on track or not, and who pulls it down
    (the parts — territories or colleges — furthest from the target in graduates to place)."""
    rate = total["rate"]
    if fr.target is None or rate is None:
        st.info(f"Значение {whole}: **{fmt_pct(rate)}** (цель на этот выпуск не задана).")
        return
    gap = total["gap"]
    assert isinstance(gap, float)
    line = f"Значение {whole}: **{fmt_pct(rate)}** при цели {fmt_pct(fr.target)} ({fmt_pp(gap)})."
    if projection.projected_rate is not None:
        line += f" Прогноз на {fmt_date(projection.year_end)}: **{charts.forecast_text(projection)}**."
    laggards = parts.filter(pl.col("gap") < 0).sort("places_needed", descending=True, nulls_last=True).head(3)
    if laggards.height and not fr.lower_is_better:
        names = ", ".join(
            f"{md(n)} — {fmt_int(p)}"
            for n, p in zip(laggards["name"], laggards["places_needed"], strict=True)
        )
        line += f" Больше всего трудоустроенных до цели не хватает: {names}."
    if gap >= 0:
        st.success(line, icon=":material/check_circle:")
    else:
        st.warning(line, icon=":material/trending_down:")


def kpis(
    scope: Scope, ctx: mctx.Context, fr: monitoring_data.Frame, total: dict[str, Any], projection: Projection
) -> None:
    risk = monitoring_data.risk_total(scope, ctx, fr)
    ver = monitoring_data.confirmed_share(scope, ctx, fr)
    graduates = int(total["total"])
    widgets.kpi_row(
        [
            widgets.target_kpi(
                total,
                # the tooltip is Markdown; a custom indicator's name and description are typed by users
                help=f"**{md(fr.indicator.name)}.** {md(fr.indicator.description)}\n\n"
                f"Формула: {md(fr.indicator.formula())}",
            ),
            widgets.graduates_kpi(graduates, cached.not_yet_graduated(fr.v, scope, ctx.cohort, ctx.as_of)),
            widgets.Kpi(
                "Группа риска",
                fmt_int(risk),
                delta=f"{fmt_pct(risk / graduates if graduates else None)} выпускников",
                help=RISK_GROUP_HELP,
            ),
            widgets.Kpi(
                "Подтверждено УФНС",
                fmt_pct(ver.get("confirmed_share")),
                delta=f"{fmt_int(ver.get('confirmed'))} из {fmt_int(checkable(ver))}",
                help="Доля заявленной ПОО занятости (договор, ИП, самозанятость), подтверждённой данными УФНС.",
            ),
        ]
    )


def needed_line(projection: Projection, fr: monitoring_data.Frame) -> str:
    """«ещё трудоустроить N» and where the current pace leads by the end of the window."""
    if fr.target is None or projection.places_needed is None:
        return ""
    n = projection.places_needed
    if n == 0:
        text = "Цель достигнута на дату расчёта."
    else:
        text = (
            f"Чтобы выйти на цель сейчас, нужно трудоустроить ещё **{fmt_int(n)}** "
            f"{plural(n, 'выпускника', 'выпускников', 'выпускников')}."
        )
    if projection.projected_rate is not None:
        text += (
            f" К {fmt_date(projection.year_end)} цель "
            + reach(projection, fr.target, fr.lower_is_better)
            + "."
        )
    return text


def reach(p: Projection, target: float, lower_is_better: bool = False) -> str:
    """Whether the forecast reaches the target, with its range: the whole range on one side decides."""
    assert p.projected_rate is not None
    text = charts.forecast_text(p)
    low = p.low if p.low is not None else p.projected_rate
    high = p.high if p.high is not None else p.projected_rate

    def good(x: float) -> bool:
        return x <= target if lower_is_better else x >= target

    if good(low) and good(high):
        return f"**будет достигнута** по прогнозу ({text})"
    if not good(low) and not good(high):
        return f"**не будет достигнута** по прогнозу ({text})"
    side = "скорее будет достигнута" if good(p.projected_rate) else "скорее не будет достигнута"
    return f"**{side}**: цель внутри диапазона прогноза ({text})"


def checkable(ver: dict[str, Any]) -> int:
    return int(ver.get("confirmed", 0) or 0) + int(ver.get("unconfirmed", 0) or 0)


def territory_map(
    scope: Scope, ctx: mctx.Context, fr: monitoring_data.Frame, territories: pl.DataFrame
) -> None:
    st.subheader("Карта")
    level = st.segmented_control(
        "Раскраска",
        ["territory", "municipality"],
        format_func=lambda x: "по территориальным управлениям" if x == "territory" else "по муниципалитетам",
        default="territory",
        key="overview_map_level",
    )
    by_municipality = level == "municipality"
    table = monitoring_data.table(scope, ctx, fr, "municipality") if by_municipality else territories
    event = widgets.indicator_map(
        fr, table, "municipality" if by_municipality else "territory", "overview_map", height=480
    )
    st.caption("Щелчок по территории открывает её ПОО на странице «Территории».")
    code = widgets.map_code(event, maps.AREA_LAYER, "tu_code")
    if code and code in set(territories["code"].to_list()):
        ui_context.go("pages/screens/territories.py", mctx.Drill(territory=code))


def worst_colleges(scope: Scope, ctx: mctx.Context, fr: monitoring_data.Frame) -> None:
    st.subheader("ПОО дальше всего от цели")
    colleges = monitoring_data.college_table(scope, ctx, fr)
    reliable = colleges.filter(pl.col("reliable"))
    below = reliable.filter(pl.col("gap") < 0).sort("gap")
    if below.is_empty():
        st.success(
            "Все ПОО на уровне цели или выше." if fr.target is not None else "Цель на этот выпуск не задана."
        )
        return
    shown = below.head(WORST_COLLEGES)
    st.caption(
        f"Ниже цели {fmt_int(below.height)} из {fmt_int(reliable.height)} ПОО с 10 и более выпускниками; "
        f"показаны {shown.height} с наибольшим отставанием. Выберите строку, чтобы открыть карточку ПОО."
    )
    code = widgets.selectable_table(
        shown,
        [
            "name",
            "tu_name",
            "total",
            "rate_label",
            "gap_label",
            "places_needed_label",
            "change_label",
            "rate_bar",
        ],
        "overview_worst",
        labels={"name": "ПОО"},
    )
    if code:
        ui_context.go("pages/screens/college.py", mctx.Drill(college=code))
