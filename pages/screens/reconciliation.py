"""Сверка и качество данных: reconciliation of the actual graduation with ФИС ФРДО and its
confirmation by colleges and their ТУ (docs/domain.md §7), declared vs confirmed statuses (§5), and the
timeliness of the weekly updates."""

from __future__ import annotations

import streamlit as st

from metrics.formatting import fmt_date
from ui import reconciliation_sections, widgets
from ui.text import md


def render() -> None:
    scope = widgets.current_scope()
    widgets.require_role(scope, {"territory", "base_centre", "college"}, "Сверка и качество данных")
    st.title("Сверка и качество данных")
    ctx = widgets.require_context(scope)
    st.caption(f"Выпуск {ctx.cohort} г. · на {fmt_date(ctx.as_of)}")
    flash = st.session_state.pop(reconciliation_sections.FLASH, None)
    if flash:
        st.success(md(flash))
    names = ["Фактический выпуск и ФИС ФРДО", "Подтверждение статусов", "Своевременность обновлений"]
    if scope.role == "base_centre":
        names.append("Спорные СНИЛС")
    tabs = st.tabs(names)
    with tabs[0]:
        reconciliation_sections.graduation_tab(scope, ctx)
    with tabs[1]:
        reconciliation_sections.verification_tab(scope, ctx)
    with tabs[2]:
        reconciliation_sections.timeliness_tab(scope, ctx)
    if scope.role == "base_centre":
        with tabs[3]:
            reconciliation_sections.contested_tab(scope)


widgets.safe_page(render)
