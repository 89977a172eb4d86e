"""Группа риска: graduates in the risk group at the as-of date with their reasons, time in the group,
exits, and the measures of support the college records for each of them (domain.md §6)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
import streamlit as st

from data_layer.scope import Scope
from metrics import cases as case_metrics
from metrics.formatting import fmt_date, fmt_int, fmt_pct, plural
from metrics.risk import REASONS
from ui import audit_views, cached, case_panel, downloads, risk_view, widgets
from ui import filter_context as mctx
from ui.data import cursor

DATE_FMT = "DD.MM.YYYY"
MAX_TABLE_ROWS = 2_000


@dataclass(frozen=True)
class Filters:
    items: tuple[tuple[str, str], ...]  # engine filters: college, program
    reasons: list[str]  # shown rows must have one of these (none chosen: all)
    min_weeks: int  # shown rows at least this long in the group


def _filters(scope: Scope, cohort: int) -> Filters:
    """Filter widgets: college (base centre), specialty, reason, time in the group."""
    v = cached.version()
    items: list[tuple[str, str]] = []
    college: str | None = None
    if scope.role == "base_centre":
        col_college, col_program, col_reason, col_weeks = st.columns([2, 3, 3, 2])
        colleges = cached.college_list(v, scope)
        names = dict(zip(colleges["college_code"], colleges["short_name"], strict=True))
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


def _person_panel(scope: Scope, ctx: mctx.Context, row: dict[str, object], form_key: str) -> None:
    """One graduate: reasons, imported support measures, recorded measures and the form to add one."""
    college = str(row["college_code"])
    person_key = str(row["person_key"])
    # The mask's asterisks would be read as Markdown emphasis.
    masked = str(row["snils_masked"]).replace("*", "\\*")
    st.subheader(f"{row['fio'] or 'Выпускник'} · СНИЛС {masked}")
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
        st.markdown(f"**Меры поддержки из файла статусов:** {row['support_measures']}")
    case_panel.case_panel(scope, ctx.cohort, ctx.as_of, college, person_key, form_key)


def _selected_row(view: pl.DataFrame, event: object) -> dict[str, object] | None:
    """The row of `view` selected in its st.dataframe (None: nothing selected)."""
    i = mctx.table_selection_row(widgets.as_dict(event))
    if i is None or not 0 <= i < view.height:
        return None
    return view.row(i, named=True)


def _register_tab(
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
    event = st.dataframe(
        table,
        hide_index=True,
        placeholder="—",
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=f"{key}_table",
        column_config={
            c: st.column_config.DateColumn(c, format=DATE_FMT)
            for c in ("В группе с", "Вышел")
            if c in table.columns
        },
    )
    row = _selected_row(shown, event)
    if row is None:
        st.caption("Выберите выпускника в таблице, чтобы посмотреть его случаи и записать меры.")
    else:
        _person_panel(scope, ctx, row, f"{key}_measure_form")


def body() -> None:
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
    with cursor() as cur:  # recorded measures do not bump the dataset version: never cached
        measures = case_metrics.measure_list(cur, scope, ctx.cohort)
    chosen = _filters(scope, ctx.cohort)
    items, reasons, min_weeks = chosen.items, chosen.reasons, chosen.min_weeks

    counts = cached.risk_counts(v, scope, ctx.cohort, ctx.as_of, "region", items)
    total = cached.indicator_table(v, scope, ctx.cohort, ctx.as_of, "risk_share", "region", items)
    n_risk = int(counts["risk_count"].sum()) if counts.height else 0
    n_total = int(total["total"].sum()) if total.height else 0
    view = risk_view.with_measure_counts(cached.risk_view(v, scope, ctx.cohort, ctx.as_of, items), measures)
    in_group = view.filter(pl.col("in_group"))
    exited = view.filter(~pl.col("in_group"))

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

    st.plotly_chart(
        risk_view.reason_bar(
            risk_view.reason_counts(counts), "Выпускники по причинам (у одного может быть несколько)"
        ),
        key="risk_reason_chart",
        config={"displayModeBar": False},
    )

    tab_in, tab_out = st.tabs(
        [f"В группе риска ({fmt_int(in_group.height)})", f"Вышли из группы ({fmt_int(exited.height)})"]
    )
    with tab_in:
        _register_tab(
            scope,
            ctx,
            risk_view.filter_register(in_group, reasons, min_weeks),
            in_group.height,
            risk_view.in_group_display,
            "risk_in",
            "На дату расчёта в группе риска никого нет.",
        )
    with tab_out:
        _register_tab(
            scope,
            ctx,
            risk_view.filter_register(exited, reasons, min_weeks),
            exited.height,
            risk_view.exited_display,
            "risk_out",
            "Из группы риска пока никто не вышел.",
        )
    downloads.report_button("risk_list", dict(items).get("college"), "Скачать список группы риска (Excel)")


widgets.safe_page(body)
