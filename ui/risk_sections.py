"""Streamlit sections of the «Группа риска» page: filters, the register tables with row selection, the
selected graduate's panel with the cases of support (ui/case_panel), the headline figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
import streamlit as st

from metrics import cases as case_metrics
from metrics.formatting import fmt_date, fmt_int, fmt_pct, full_college_names
from metrics.risk import REASONS
from ui import audit_views, cached, case_panel, risk_view, widgets
from ui import filter_context as mctx
from ui.connection import cursor
from ui.roles import Scope
from ui.text import md

MAX_TABLE_ROWS = 2_000


@dataclass(frozen=True)
class Filters:
    items: tuple[tuple[str, str], ...]  # engine filters: college, program
    reasons: list[str]  # shown rows must have one of these (none chosen: all)
    min_weeks: int  # shown rows at least this long in the group


def filters(scope: Scope, cohort: int) -> Filters:
    """Filter widgets: college (base centre), specialty, reason, time in the group."""
    v = cached.version()
    items: list[tuple[str, str]] = []
    college: str | None = None
    if scope.role == "base_centre":
        col_college, col_program, col_reason, col_weeks = st.columns([2, 3, 3, 2])
        colleges = cached.college_list(v, scope)
        names = full_college_names(colleges)
        college = col_college.selectbox(
            "ПОО",
            [None, *names],
            format_func=lambda c: "Все ПОО" if c is None else names[c],
            key="risk_college",
        )
        if college:
            items.append(("college", college))
    else:  # a college sees its own graduates only: no college filter
        col_program, col_reason, col_weeks = st.columns([3, 3, 2])
    programs = cached.program_options(v, scope, cohort, college)
    prog_names = dict(zip(programs["program_code"], programs["program_name"], strict=True))
    program = col_program.selectbox(
        "Специальность / профессия",
        [None, *prog_names],
        format_func=lambda p: "Все специальности" if p is None else f"{p} {prog_names[p] or ''}",
        key="risk_program",
    )
    if program:
        items.append(("program", program))
    reasons = col_reason.multiselect(
        "Причина",
        list(REASONS),
        format_func=lambda r: REASONS[r],
        key="risk_reason",
        placeholder="Все причины",
    )
    min_weeks = col_weeks.selectbox(
        "Время в группе",
        list(risk_view.WEEK_STEPS),
        format_func=risk_view.week_step_label,
        key="risk_weeks",
    )
    return Filters(tuple(items), reasons, int(min_weeks or 0))


def person_panel(scope: Scope, ctx: mctx.Context, row: dict[str, object], form_key: str) -> None:
    """One graduate: reasons, imported support measures, recorded measures and the form to add one."""
    college = str(row["college_code"])
    person_key = str(row["person_key"])
    # The mask's asterisks would be read as Markdown emphasis.
    masked = str(row["snils_masked"]).replace("*", "\\*")
    st.subheader(f"{md(row['fio'] or 'Выпускник')} · СНИЛС {md(masked)}")
    reasons = row["reasons"] if isinstance(row["reasons"], list) else []
    lines = [
        f"**ПОО:** {row['college_name']}",
        f"**Специальность:** {row['program_code'] or ''} {row['program_name'] or ''}",
        f"**В группе с:** {fmt_date(row['entry_date'])}"  # type: ignore[arg-type]
        + (f", **вышел:** {fmt_date(row['exit_date'])}" if row.get("exit_date") else ""),  # type: ignore[arg-type]
        f"**Статус сейчас:** {row['status_label']}",
        "**Причины:** " + ("; ".join(REASONS[r] for r in reasons if r in REASONS) or "—"),
    ]
    st.markdown("  \n".join(lines))
    if row.get("support_measures"):
        st.markdown(f"**Меры поддержки из файла статусов:** {md(row['support_measures'])}")
    case_panel.case_panel(scope, ctx.cohort, ctx.as_of, college, person_key, form_key)


def register_tab(
    scope: Scope,
    ctx: mctx.Context,
    shown: pl.DataFrame,
    n_all: int,
    display: Callable[[pl.DataFrame, bool], pl.DataFrame],
    key: str,
    nobody: str,
) -> None:
    """One register table (in the group / left it) with row selection and the selected graduate's
    measures panel."""
    if shown.height < n_all:
        st.caption(f"По выбранным причинам и времени в группе: {fmt_int(shown.height)} из {fmt_int(n_all)}.")
    if shown.is_empty():
        st.info(nobody if n_all == 0 else "Никто не подходит под выбранные условия.")
        return
    if shown.height > MAX_TABLE_ROWS:
        # Region-wide lists can hold tens of thousands of people: a table that size is slow to send
        # and nobody reads it; the filters above narrow it down.
        st.caption(
            f"Показаны первые {fmt_int(MAX_TABLE_ROWS)} из {fmt_int(shown.height)}: выберите ПОО или "
            "специальность, чтобы увидеть всех."
        )
        shown = shown.head(MAX_TABLE_ROWS)
    table = display(shown, scope.role == "base_centre")
    # the reasons include ЦЗН registrations and work unconfirmed by УФНС: external facts
    audit_views.log_external_view(
        scope, f"Группа риска ({key})", f"{scope.code or 'все ПОО'}/{ctx.cohort}", shown.height
    )
    i = widgets.pick_table_row(table, key=f"{key}_table", date_columns=("В группе с", "Вышел"))
    row = None if i is None or i >= shown.height else shown.row(i, named=True)
    if row is None:
        st.caption("Выберите выпускника в таблице, чтобы посмотреть его случаи и записать меры.")
    else:
        person_panel(scope, ctx, row, f"{key}_measure_form")


def recorded_measures(scope: Scope, cohort: int) -> pl.DataFrame:
    """Measures recorded in scope; read fresh, never cached (recording one bumps no version)."""
    with cursor() as cur:
        return case_metrics.measure_list(cur, scope, cohort)


def headline(n_risk: int, n_total: int, exited: pl.DataFrame) -> None:
    """In the group, share of the cohort, left the group, of them for work or study."""
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(
        "В группе риска",
        fmt_int(n_risk),
        help="Выпускники, у которых на дату расчёта есть хотя бы одна причина.",
    )
    m2.metric(
        "Доля от выпуска",
        fmt_pct(n_risk / n_total if n_total else None),
        help=f"Из {fmt_int(n_total)} выпускников.",
    )
    m3.metric("Вышли из группы", fmt_int(exited.height))
    m4.metric(
        "Из них в работу или учёбу",
        fmt_int(int(exited["left_for_work_study"].sum()) if exited.height else 0),
    )


def reason_chart(counts: pl.DataFrame) -> None:
    st.plotly_chart(
        risk_view.reason_bar(
            risk_view.reason_counts(counts), "Выпускники по причинам (у одного может быть несколько)"
        ),
        key="risk_reason_chart",
        config={"displayModeBar": False},
    )
