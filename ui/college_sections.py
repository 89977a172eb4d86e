"""Streamlit sections of the «ПОО» page: headline figures, comparison and trend, specialties, one
programme in detail with its graduate list (personal data: college and base centre), the rating."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from data_layer import graduates
from metrics import views
from metrics.engine import SMALL_GROUP
from metrics.formatting import date_expr, fmt_date, fmt_int, fmt_num, fmt_pct, fmt_pp, shown_number_expr
from metrics.risk import RISK_GROUP_HELP
from ui import cached, charts, monitoring_data, widgets
from ui import context as ui_context
from ui import filter_context as mctx
from ui.connection import cursor
from ui.roles import Scope
from ui.text import md

PROGRAM_COLUMNS = ["code", "name", *widgets.RATE_COLUMNS, "reliability", "rate_bar"]


def program_names(scope: Scope, ctx: mctx.Context, fr: monitoring_data.Frame, college: str) -> dict[str, str]:
    if not ctx.drill.program:
        return {}
    progs = monitoring_data.table(scope, ctx, fr, "program", (("college", college),))
    return dict(zip(progs["code"].to_list(), progs["name"].to_list(), strict=True))


def kpis(
    scope: Scope,
    ctx: mctx.Context,
    fr: monitoring_data.Frame,
    college: str,
    row: dict[str, Any],
    others: dict[str, float | None],
    hidden: bool,
) -> None:
    rate = row["rate"]
    risk = monitoring_data.risk_total(scope, ctx, fr, (("college", college),))

    def vs(other: float | None, label: str) -> widgets.Kpi:
        d = None if rate is None or other is None else rate - other
        better = None if d is None or d == 0 else (d > 0) != fr.lower_is_better
        return widgets.Kpi(
            label,
            fmt_pct(other),
            delta=None if d is None or hidden else f"ПОО {fmt_pp(d)}",
            good=better,
            up=None if d is None or d == 0 else d > 0,
            help="Значение показателя и разница ПОО с ним в процентных пунктах.",
        )

    widgets.kpi_row(
        [
            widgets.target_kpi(row, "Показатель ПОО", f"**{fr.indicator.name}.** {fr.indicator.description}"),
            *[vs(other, label) for label, other in others.items()],
            widgets.graduates_kpi(
                int(row["total"]),
                cached.not_yet_graduated(fr.v, scope, ctx.cohort, ctx.as_of, (("college", college),)),
                "Выпускники ПОО на дату расчёта.",
            ),
            widgets.Kpi(
                "Группа риска",
                "<5" if hidden else fmt_int(risk),
                help=RISK_GROUP_HELP,
            ),
        ]
    )


def comparison_and_trend(
    scope: Scope,
    ctx: mctx.Context,
    fr: monitoring_data.Frame,
    row: dict[str, Any],
    others: dict[str, float | None],
    own: monitoring_data.Filters,
) -> None:
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.subheader("Динамика с момента выпуска")
        series, projection = monitoring_data.trend(scope, ctx, fr, own)
        st.plotly_chart(charts.trend_figure(series, fr.target, projection), key="college_trend")
        st.caption(charts.trend_caption(projection, ctx.as_of))
    with right:
        st.subheader("Сравнение")
        st.plotly_chart(
            charts.comparison_figure(
                ["ПОО", *others],
                [row["rate"], *others.values()],
                fr.target,
                lower_is_better=fr.lower_is_better,
            ),
            key="college_comparison",
        )
    st.subheader("Структура статусов")
    st.plotly_chart(charts.status_bar_figure(views.status_groups(row)), key="college_status")
    st.caption(charts.STATUS_CAPTION)


def specialties(
    scope: Scope, ctx: mctx.Context, fr: monitoring_data.Frame, own: monitoring_data.Filters
) -> None:
    st.subheader("По специальностям и профессиям")
    progs = monitoring_data.table(scope, ctx, fr, "program", own, change=True).sort("code")
    st.caption("Выберите строку, чтобы открыть специальность: структуру статусов, динамику и выпускников.")
    code = widgets.selectable_table(
        progs,
        PROGRAM_COLUMNS,
        widgets.drill_key("college_programs", ctx),
        labels={"code": "Код", "name": "Специальность / профессия"},
    )
    widgets.small_group_note(scope)
    if code:
        ui_context.set_drill(ctx.drill.to("program", code))


def program_detail(
    scope: Scope, ctx: mctx.Context, fr: monitoring_data.Frame, college: str, program: str
) -> None:
    filters = (("college", college), ("program", program))
    row = monitoring_data.region_row(scope, ctx, fr, filters)
    if not row:
        st.info("У этой специальности нет выпускников выбранного выпуска.")
        return
    names = program_names(scope, ctx, fr, college)
    st.subheader(md(f"{program} {names.get(program, '')}".strip()))
    if fr.mask_small and row["total"] < SMALL_GROUP:
        st.info(f"Меньше {SMALL_GROUP} выпускников: подробности не показываются.")
        return
    widgets.kpi_row(
        [
            widgets.target_kpi(row),
            widgets.change_kpi(row, fr.lower_is_better),
            widgets.graduates_kpi(
                int(row["total"]),
                cached.not_yet_graduated(fr.v, scope, ctx.cohort, ctx.as_of, filters),
                "Выпускники специальности на дату расчёта.",
            ),
        ]
    )
    left, right = st.columns([3, 2], gap="large")
    with left:
        series, projection = monitoring_data.trend(scope, ctx, fr, filters)
        st.plotly_chart(
            charts.trend_figure(series, fr.target, projection, title="Динамика"), key="program_trend"
        )
    with right:
        st.plotly_chart(
            charts.status_bar_figure(views.status_groups(row), title="Структура статусов"),
            key="program_status",
        )
    if scope.sees_personal_data:
        graduate_list(scope, ctx, college, program)


def graduate_list(scope: Scope, ctx: mctx.Context, college: str, program: str) -> None:
    st.subheader("Выпускники")
    with cursor() as cur:
        people = graduates.graduate_statuses(cur, scope, college, ctx.cohort, ctx.as_of, program)
    st.caption(
        f"Статус на {fmt_date(ctx.as_of)}. Персональные данные: СНИЛС показан частично. "
        "Работа с выпускниками группы риска — на странице «Группа риска»."
    )
    st.dataframe(
        people.select(
            pl.col("fio").alias("ФИО"),
            pl.col("snils_masked").alias("СНИЛС"),
            pl.col("status_label").alias("Статус"),
            date_expr(pl.col("status_date")).alias("С даты"),
        ),
        hide_index=True,
        height=widgets.fit_height(people.height),
        key="college_graduates",
    )


def rating(scope: Scope, ctx: mctx.Context, fr: monitoring_data.Frame, college: str) -> None:
    r = monitoring_data.college_rating(scope, ctx, fr, college)
    st.subheader("Эффективность ЦСТВ")
    if r is None:
        st.info("ПОО нет в рейтинге эффективности этого года.")
        return
    st.markdown(
        f"**{fmt_num(r.score)}** из {fmt_num(r.max_score, 0)} баллов · **{r.rank}-е место** из {r.rated} · "
        f"эффективность: **{r.category.lower()}** · критерии {ctx.cohort} г., версия {r.version}"
    )
    if r.published is None:
        st.caption("Рейтинг не опубликован: текущий расчёт, он меняется с новыми данными.")
    else:
        st.caption(
            f"Опубликованный {r.published}. Текущий расчёт на {ctx.as_of:%d.%m.%Y}: "
            f"{fmt_num(r.current_score)} баллов, {r.current_rank or '—'}-е место."
        )
    widgets.number_table(
        r.points.select(
            pl.col("criterion").alias("Критерий"),
            shown_number_expr(pl.col("points"), "points").alias("Баллы"),
            shown_number_expr(pl.col("max_points"), "points").alias("Максимум"),
        ),
        "college_criteria",
    )
