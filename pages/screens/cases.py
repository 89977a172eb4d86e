"""Работа с группой риска: a case per graduate per stay in the risk group, the measures taken, what
stands out (overdue measures, no measure for N weeks), which measures work. A college and the base
centre work with the cases one by one; ТУ and the ministry see the counts only."""

from __future__ import annotations

import streamlit as st

from metrics.formatting import fmt_date
from ui import cached, case_panel, cases_data, cases_sections, widgets
from ui.text import md


def render() -> None:
    scope = widgets.current_scope()
    st.title("Работа с группой риска")
    ctx = widgets.require_context(scope)
    # built once per data version and state of the measures (ui/cases_data.py): a view only picks
    data = cases_data.case_page(scope, ctx.cohort, ctx.as_of)
    st.caption(
        f"Выпуск {ctx.cohort} г., на {fmt_date(ctx.as_of)}. Случай открывается, когда выпускник попадает в "
        "группу риска, и закрывается, когда он из неё выходит; меры записывает ПОО."
    )
    if not scope.sees_personal_data:
        st.caption("Для вашей роли — только количества; списки выпускников видят ПОО и базовый центр.")
    saved = st.session_state.pop(case_panel.SAVED_KEY, None)
    if saved:
        st.success(md(saved))
    cases_sections.kpis(data)
    names = cached.college_names(cached.version(), scope)
    if not scope.sees_personal_data:
        cases_sections.counts_table(scope, ctx, data, names)
        cases_sections.effectiveness(data, names, per_college=True)
        cases_sections.returnees(scope, ctx, names)
        cases_sections.pregraduation_tab(scope, ctx, names)
        return
    labels = ["Случаи", "Возвращаются из армии", "До выпуска", "Какие меры работают"]
    if scope.role == "base_centre":
        labels += ["По ПОО", "Передача в ЦЗН", "Каталог мер и настройки"]
    tabs = st.tabs(labels)
    with tabs[0]:
        cases_sections.case_list(scope, ctx, data)
    with tabs[1]:
        cases_sections.returnees(scope, ctx, names)
    with tabs[2]:
        cases_sections.pregraduation_tab(scope, ctx, names)
    with tabs[3]:
        cases_sections.effectiveness(data, names, per_college=scope.role == "base_centre")
    if scope.role == "base_centre":
        with tabs[4]:
            cases_sections.counts_table(scope, ctx, data, names)
        with tabs[5]:
            cases_sections.escalation(scope, ctx, data, names)
        with tabs[6]:
            cases_sections.settings(scope, data.catalogue, data.weeks)


widgets.safe_page(render)
