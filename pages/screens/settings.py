"""Настройки показателей (base centre): targets per indicator and cohort, the risk-group thresholds
N1–N3 and the headline indicator, custom indicators (versioned). Every change is audited and bumps
the dataset version, so every cached figure is recomputed with the new settings."""

from __future__ import annotations

import streamlit as st

from ui import cached, settings_forms, widgets
from ui.text import md


def render() -> None:
    scope = widgets.current_scope()
    widgets.require_role(scope, {"base_centre"}, "Страница настроек")
    st.title("Настройки показателей")
    st.caption("Изменения записываются в журнал действий и сразу применяются ко всем страницам и отчётам.")
    flash = st.session_state.pop(settings_forms.FLASH, None)
    if flash:
        st.success(md(flash))
    gen = st.session_state.setdefault(settings_forms.GEN, 0)
    v = cached.version()
    registry = cached.indicator_registry(v)
    cohorts = cached.cohorts(v, scope)
    settings_forms.targets(scope, registry, cohorts, gen)
    settings_forms.thresholds(scope, registry, gen)
    settings_forms.schedule(scope, cohorts, gen)
    settings_forms.custom(scope, gen)


widgets.safe_page(render)
