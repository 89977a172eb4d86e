"""Приоритетные группы: rates and counts for graduates with ОВЗ, инвалиды, целевое обучение,
Профессионалитет and those back from conscript service, by region, territory and college
(metrics.groups; issue 11, item 8). Small groups are marked (and masked for aggregate roles)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from metrics import views
from metrics.engine import SMALL_GROUP
from metrics.groups import PRIORITY_GROUPS
from ui import cached, monitoring_data, widgets
from ui.roles import Scope

LEVELS: dict[str, str] = {"region": "Регион", "territory": "Территории", "college": "ПОО"}
LABELS = {
    "group_label": "Группа",
    "name": "Где",
    "total_label": "Выпускников",
    "numerator_label": "Числитель",
    "denominator_label": "Знаменатель",
    "rate_label": "Значение",
    "risk_count_label": "В группе риска",
    "small": "Малая группа",
}


def _levels(scope: Scope) -> list[str]:
    if scope.role == "college":
        return ["region"]
    return list(LEVELS)


def render() -> None:
    scope = widgets.current_scope()
    ctx = widgets.require_context(scope)
    fr = monitoring_data.frame(scope, ctx)
    widgets.header("Приоритетные группы выпускников", ctx, fr.indicator.name)
    st.caption(
        " · ".join(f"**{g.label}** — {g.description}" for g in PRIORITY_GROUPS.values())
        + ". Выпускник может входить в несколько групп."
    )
    levels = _levels(scope)
    level = (
        st.segmented_control(
            "Разрез",
            levels,
            default=levels[0],
            format_func=lambda k: LEVELS[k] if scope.role != "college" or k != "region" else "Ваша ПОО",
            key="groups_level",
        )
        or levels[0]
    )
    table = cached.priority_groups(fr.v, scope, ctx.cohort, ctx.as_of, ctx.indicator, level, ctx.forecast)
    if table.is_empty():
        st.info("В выбранном выпуске на эту дату нет выпускников приоритетных групп.")
        return
    shown = views.count_labels(
        views.with_labels(table, fr.mask_small), ("numerator", "denominator", "risk_count"), fr.mask_small
    ).with_columns(
        small=pl.when(pl.col("small_group")).then(pl.lit(f"меньше {SMALL_GROUP}")).otherwise(pl.lit(""))
    )
    order = {k: i for i, k in enumerate(PRIORITY_GROUPS)}
    shown = shown.with_columns(_o=pl.col("group").replace_strict(order, return_dtype=pl.Int32)).sort(
        ["_o", "name"]
    )
    numbers, columns = views.shown_numbers(shown, list(LABELS))
    headers = {views.shown_column(c): label for c, label in LABELS.items()} | {"name": LABELS["name"]}
    display = numbers.select(columns).rename(headers, strict=False)
    st.dataframe(
        display,
        hide_index=True,
        width="stretch",
        placeholder="—",
        height=widgets.fit_height(shown.height),
        key="groups_table",
        column_config=widgets.decimal_columns(display) | {LABELS["rate_label"]: widgets.share_column()},
    )
    n_small = int(table["small_group"].sum())
    if n_small:
        st.caption(
            f"Малых групп (меньше {SMALL_GROUP} выпускников): {n_small}. Их доли ненадёжны"
            + (
                "; значения скрыты («<5»), чтобы нельзя было узнать человека."
                if fr.mask_small
                else "; сравнивайте их с осторожностью."
            )
        )
    widgets.small_group_note(scope)


widgets.safe_page(render)
