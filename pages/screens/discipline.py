"""Сдача данных: the week's discipline — this week's deadline, «N из M прислали», the late colleges
with their ЦСТВ contacts and days late, the history as a college × week heat map; a college sees
its own record and its next deadline."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from metrics.formatting import fmt_int
from ui import context as ui_context
from ui import discipline_view as dv
from ui import widgets
from ui.roles import Scope


def render() -> None:
    scope = widgets.current_scope()
    ctx = ui_context.get_context()
    st.title("Сдача данных")
    if ctx is None:
        widgets.no_data(scope)
        return
    v = dv.cached.version()
    cohort = ctx.cohort
    grid = dv.grid(v, scope, cohort, dv.clock())
    names = dv.colleges(v, scope)
    st.caption(f"Выпуск {cohort} г. Срок сдачи статусов: {dv.schedule_text(cohort)}.")
    weeks = dv.deadlines_desc(grid)
    if not weeks:
        st.info("Для этого выпуска ещё не было ни одного срока сдачи.")
        return
    picked = st.selectbox(
        "Неделя (срок сдачи)",
        weeks,
        format_func=lambda d: f"{d:%d.%m.%Y}" + (" — последний прошедший срок" if d == weeks[0] else ""),
        key="discipline_week",
    )
    due, week = dv.discipline.current_week(grid, names, picked)
    assert due is not None
    _week_metrics(v, scope, cohort, due, week)
    behind = week.filter(pl.col("state") != "в срок")
    st.subheader("Кто не прислал вовремя" if scope.role != "college" else "Ваша неделя")
    shown = week if scope.role == "college" else behind
    if shown.is_empty():
        st.success("Все ПОО прислали данные в срок.", icon=":material/check_circle:")
    else:
        with st.container(key="discipline_late"):
            st.dataframe(
                dv.week_table(shown, with_contacts=scope.role != "college"),
                hide_index=True,
                width="stretch",
                placeholder="—",
                column_config=dv.WEEK_CONFIG,
                key="discipline_late_table",
            )
    st.subheader("История по неделям")
    st.caption(
        "✓ — в срок; +N — прислано с опозданием на N дн.; «—» — не прислано. Последние 16 сроков."
        + dv.heatmap_note(grid)
    )
    with st.container(key="discipline_heatmap"):
        st.plotly_chart(
            dv.heatmap(grid, names), key="discipline_heatmap_chart", config={"displayModeBar": False}
        )


def _week_metrics(v: int, scope: Scope, cohort: int, due: dt.date, week: pl.DataFrame) -> None:
    """The week's figures: a college's own deadline and sending, or «N из M» for everyone else."""
    on_time, late, missing, total = dv.summary_line(week)
    nxt, sent = dv.coming(v, scope, cohort, dv.clock())
    if scope.role == "college":
        mine = st.columns(3)
        mine[0].metric("Следующий срок", f"{dv.next_deadline(cohort):%d.%m.%Y %H:%M}")
        mine[1].metric(f"Неделя до {nxt:%d.%m.%Y}", dv.sent_text(sent))
        mine[2].metric(f"Срок {due:%d.%m.%Y}", week.get_column("state")[0] if total else "—")
    else:
        c = st.columns(4)
        c[0].metric(f"Прислали к сроку {due:%d.%m.%Y}", dv.counts_text(on_time, total))
        c[1].metric("Прислали с опозданием", fmt_int(late))
        c[2].metric("Не прислали", fmt_int(missing))
        c[3].metric(f"Уже прислали к {nxt:%d.%m.%Y}", dv.counts_text(sent.height, total))
        st.markdown(f"**{dv.counts_text(on_time, total)} ПОО прислали данные к сроку {due:%d.%m.%Y}.**")


widgets.safe_page(render)
