"""Эффективность ЦСТВ: the rating of the colleges' career centres under the published criteria set,
the criteria themselves, the version history (any past rating is reproducible), and for the base
centre the editor with a what-if preview before publishing (docs/domain.md §8)."""

from __future__ import annotations

import streamlit as st

from metrics import criteria
from ui import cached, criteria_editor, criteria_sections, downloads, rating_view, widgets
from ui.connection import cursor
from ui.text import md

TAB_KEY = "criteria_tab"


def render() -> None:
    scope = widgets.current_scope()
    st.title("Эффективность ЦСТВ")
    ctx = widgets.require_context(scope)
    with cursor() as cur:
        pub = criteria.published(cur, ctx.cohort)
        all_versions = criteria.versions(cur, ctx.cohort)
        draft = criteria.draft(cur, ctx.cohort) if scope.role == "base_centre" else None
    st.caption(
        f"Выпуск {ctx.cohort} г., оценка на {ctx.as_of:%d.%m.%Y}. Критерии {pub.year} г.: {criteria_sections.version_line(pub)}."
    )
    flash = st.session_state.pop(criteria_sections.FLASH, None)
    if flash:
        st.success(md(flash))
    rating_view.flash()
    names = ["Рейтинг", "Возражения", "Критерии", "История версий"]
    if scope.role == "base_centre":
        names.append("Редактор критериев")
    # Stateful tabs (a key and on_change): the open tab is kept in st.session_state[TAB_KEY], so
    # the editor stays open after a save or a publication reruns the page.
    tabs = st.tabs(names, key=TAB_KEY, on_change="rerun")
    with tabs[0]:
        criteria_sections.rating_tab(scope, ctx, pub)
        downloads.report_button("rating", label="Скачать рейтинг эффективности ЦСТВ (Excel)")
    with tabs[1]:
        rating_view.objections_tab(
            scope, ctx, cached.rating_publication(cached.version(), ctx.cohort, ctx.as_of)
        )
    with tabs[2]:
        criteria_sections.criteria_tab(pub)
    with tabs[3]:
        criteria_sections.history_tab(scope, ctx, all_versions)
    if scope.role == "base_centre":
        with tabs[4]:
            criteria_editor.editor_tab(scope, ctx, pub, draft)


widgets.safe_page(render)
