"""Вакансии и меры поддержки: the vacancy bank (extracts of «Работа России» and the base centre's own
files), the specialty → occupation map that matches vacancies to graduates, and the registry of
regional support measures for young specialists. Nothing here is personal data; the base centre
edits the map and the registry, every role reads them."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from metrics import vacancies as vm
from metrics.formatting import fmt_date, fmt_int
from ui import cached, vacancies_sections, widgets
from ui.connection import cursor
from ui.text import md


def render() -> None:
    scope = widgets.current_scope()
    st.title("Вакансии и меры поддержки")
    saved = st.session_state.pop(vacancies_sections.SAVED, None)
    if saved:
        st.success(md(saved))
    with cursor() as cur:  # edited without a load: read fresh, never cached
        vac = vm.vacancy_list(cur)
    munis = cached.municipalities(cached.version())
    tu_names = {c: n or c for c, n in zip(munis["tu_code"], munis["tu_name"], strict=True) if c}
    latest = vac["vacancy_date"].max() if vac.height else None
    widgets.kpi_row(
        [
            widgets.Kpi("Открытых вакансий", fmt_int(vac.height)),
            widgets.Kpi("Работодателей", fmt_int(vac["employer"].n_unique() if vac.height else 0)),
            widgets.Kpi("Самая свежая", fmt_date(latest) if isinstance(latest, dt.date) else "—"),
        ]
    )
    if scope.role == "college":
        st.caption(
            "Подбор вакансий для выпускника и запись «вакансия предложена» — в его случае на странице «Работа с группой риска»."
        )
    tab_bank, tab_map, tab_support = st.tabs(["Банк вакансий", "Специальности и профессии", "Меры поддержки"])
    with tab_bank:
        vacancies_sections.bank(vac, tu_names)
    with tab_map:
        vacancies_sections.map_editor(scope)
    with tab_support:
        vacancies_sections.registry(scope, tu_names)


widgets.safe_page(render)
