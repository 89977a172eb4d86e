"""Работа с группой риска: a case per graduate per stay in the risk group, the measures taken, what
stands out (overdue measures, no measure for N weeks), which measures work. A college and the base
centre work with the cases one by one; ТУ and the ministry see the counts only."""

from __future__ import annotations

import streamlit as st

from metrics import cases as case_metrics
from metrics.formatting import fmt_date, full_college_names
from ui import cached, case_panel, cases_sections, widgets
from ui.connection import cursor
from ui.text import md


def render() -> None:
    scope = widgets.current_scope()
    st.title("Работа с группой риска")
    ctx = widgets.require_context(scope)
    v = cached.version()
    thr = cached.thresholds(v)
    stays = cached.risk_stays(v, scope, ctx.cohort, ctx.as_of)
    with cursor() as cur:  # measures change without a load: joined per run, never cached
        frame = case_metrics.cases(cur, scope, ctx.cohort, ctx.as_of, thr, stays=stays)
        catalogue = case_metrics.catalogue(cur)
        weeks = case_metrics.stale_weeks(cur)
    st.caption(
        f"Выпуск {ctx.cohort} г., на {fmt_date(ctx.as_of)}. Случай открывается, когда выпускник попадает в "
        "группу риска, и закрывается, когда он из неё выходит; меры записывает ПОО."
    )
    if not scope.sees_personal_data:
        st.caption("Для вашей роли — только количества; списки выпускников видят ПОО и базовый центр.")
    saved = st.session_state.pop(case_panel.SAVED_KEY, None)
    if saved:
        st.success(md(saved))
    cases_sections.kpis(frame, weeks)
    colleges = cached.college_list(v, scope)
    names = full_college_names(colleges)
    if not scope.sees_personal_data:
        cases_sections.counts_table(scope, ctx, frame, names)
        cases_sections.effectiveness(frame, catalogue, names, per_college=True)
        cases_sections.returnees(scope, ctx, names)
        cases_sections.pregraduation_tab(scope, ctx, names)
        return
    labels = ["Случаи", "Возвращаются из армии", "До выпуска", "Какие меры работают"]
    if scope.role == "base_centre":
        labels += ["По ПОО", "Передача в ЦЗН", "Каталог мер и настройки"]
    tabs = st.tabs(labels)
    with tabs[0]:
        cases_sections.case_list(scope, ctx, frame, names)
    with tabs[1]:
        cases_sections.returnees(scope, ctx, names)
    with tabs[2]:
        cases_sections.pregraduation_tab(scope, ctx, names)
    with tabs[3]:
        cases_sections.effectiveness(frame, catalogue, names, per_college=scope.role == "base_centre")
    if scope.role == "base_centre":
        with tabs[4]:
            cases_sections.counts_table(scope, ctx, frame, names)
        with tabs[5]:
            cases_sections.escalation(scope, ctx, frame, names, catalogue)
        with tabs[6]:
            cases_sections.settings(scope, catalogue, weeks)


widgets.safe_page(render)
