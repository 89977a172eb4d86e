"""Методика: how every figure is defined — indicators with their formulas, the status dictionary,
the risk-group rules with the current N1–N3, the published criteria, data sources and their dates,
attributions, and the interpretations made where the regional model leaves room."""

from __future__ import annotations

import streamlit as st

from ui import cached, methodology_sections, widgets
from ui.context import get_context


def render() -> None:
    scope = widgets.current_scope()
    st.title("Методика")
    st.caption("Как считается каждый показатель на страницах и в отчётах «Выпускника».")
    v = cached.version()
    tabs = st.tabs(
        ["Показатели", "Статусы", "Группа риска", "Критерии ЦСТВ", "Источники данных", "Допущения"]
    )
    with tabs[0]:
        methodology_sections.indicators(v)
    with tabs[1]:
        methodology_sections.statuses()
    with tabs[2]:
        methodology_sections.risk(v)
    with tabs[3]:
        if get_context() is None:
            st.caption("Критерии показываются, когда загружены данные о выпускниках.")
        else:
            methodology_sections.criteria_tab(scope, v)
    with tabs[4]:
        methodology_sections.sources(scope, v)
    with tabs[5]:
        st.markdown("Там, где региональная модель допускает разные прочтения, система считает так:")
        for title, text in methodology_sections.INTERPRETATIONS:
            st.markdown(f"- **{title}.** {text}")


widgets.safe_page(render)
