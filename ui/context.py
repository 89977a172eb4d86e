"""The sidebar's global context (cohort, as-of date, headline indicator, forecast) and the drill path.

The context lives in the URL query parameters (a link reproduces the view) and is mirrored in
session state, because switching pages through the menu clears query parameters.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from data_layer.scope import ROLE_LABELS, Scope
from metrics.formatting import fmt_date
from ui import cached
from ui import filter_context as mctx
from ui.text import md

_CTX_KEY = "_vyp_ctx"

# A 1366×768 laptop: the sidebar's menu (up to 20 pages) took the whole height, so the cohort and
# date were below the fold (the base centre's menu has 20 pages). Denser menu rows and smaller paddings (Streamlit's own test ids).
LAYOUT_CSS = """<style>
[data-testid="stSidebarHeader"] { height: 2rem !important; margin-bottom: 0 !important;
  padding-top: 0.3rem !important; padding-bottom: 0 !important; }
[data-testid="stSidebarNavItems"] { padding-top: 0 !important; }
[data-testid="stSidebarNavItems"] li { margin: 0 !important; }
[data-testid="stSidebarNavLink"] { height: 1.3rem !important; min-height: 1.3rem !important;
  padding-top: 0 !important; padding-bottom: 0 !important; margin: 0 !important; }
[data-testid="stSidebarNavLink"] span { font-size: 0.85rem !important; line-height: 1.3rem !important; }
[data-testid="stSidebarNavLinkContainer"] { margin: 0 !important; padding: 0 !important; }
[data-testid="stNavSectionHeader"] { margin: 0.25rem 0 0 0 !important; padding: 0 !important;
  min-height: 1.3rem !important; line-height: 1.3rem !important; font-size: 0.85rem !important; }
[data-testid="stSidebarNavSeparator"] { margin: 0.2rem 0 !important; }
[data-testid="stSidebarUserContent"] { padding-top: 0.5rem !important; }
[data-testid="stSidebarUserContent"] [data-testid="stVerticalBlock"] { gap: 0.5rem !important; }
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem !important; }
</style>"""


def compact_layout() -> None:
    """Fit the sidebar's context (cohort, date, indicator) above the fold on a 768-900 px screen."""
    st.html(LAYOUT_CSS)


def _allowed(scope: Scope) -> tuple[list[str] | None, list[str] | None]:
    colleges = cached.college_list(cached.version(), scope)
    if scope.is_full:
        return None, None
    return sorted(set(colleges["tu_code"].drop_nulls().to_list())), colleges["college_code"].to_list()


def _resolve(scope: Scope) -> mctx.Context | None:
    params = dict(st.query_params.to_dict())
    saved = st.session_state.get(_CTX_KEY)
    if not params.get("cohort") and isinstance(saved, dict):
        params = {**saved, **params}
    return context_for(scope, params)


def context_for(scope: Scope, params: dict[str, str]) -> mctx.Context | None:
    """The context of these query parameters for the scope ({}: the defaults a first page shows);
    no st.* calls, so the cache warm-up (ui/warmup.py) resolves the same context as a page."""
    v = cached.version()
    cohorts = cached.cohorts(v, scope)
    if not cohorts:
        return None
    today = cached.deadline_clock()
    defaults = {c: cached.default_as_of(v, scope, c, today) for c in cohorts}
    registry = cached.indicator_registry(v)
    territories, colleges = _allowed(scope)
    return mctx.context_from_params(
        params,
        cohorts=cohorts,
        indicators=list(registry),
        default_indicator=cached.headline(v),
        default_as_of=defaults,
        allowed_territories=territories,
        allowed_colleges=colleges,
    )


def _store(ctx: mctx.Context) -> None:
    params = mctx.context_to_params(ctx)
    st.session_state[_CTX_KEY] = params
    if dict(st.query_params.to_dict()) != params:
        st.query_params.from_dict(params)


def render_sidebar(scope: Scope) -> None:
    """Draw the context widgets and the data freshness block; store the context for the page."""
    with st.sidebar:
        ctx = _resolve(scope)
        if ctx is None:
            who_and_notice(scope)
            st.session_state["ctx"] = None
            st.caption("Данных о выпускниках пока нет.")
            return
        v = cached.version()
        cohorts = cached.cohorts(v, scope)
        registry = cached.indicator_registry(v)
        cohort = st.selectbox(
            "Выпуск",
            cohorts,
            index=cohorts.index(ctx.cohort),
            format_func=lambda c: f"{c} г.",
            key="ctx_cohort",
        )
        if cohort != ctx.cohort:
            ctx = mctx.Context(
                cohort,
                cached.default_as_of(v, scope, cohort, cached.deadline_clock()),
                ctx.indicator,
                ctx.forecast,
                ctx.drill,
            )
        as_of = st.date_input("Дата расчёта", value=ctx.as_of, format="DD.MM.YYYY", key=f"ctx_asof_{cohort}")
        ids = list(registry)
        indicator = st.selectbox(
            "Показатель",
            ids,
            index=ids.index(ctx.indicator),
            format_func=lambda i: registry[i].name,
            key="ctx_indicator",
        )
        forecast = st.toggle(
            "С учётом прогноза",
            value=ctx.forecast,
            key="ctx_forecast",
            help="Прогнозные статусы (гр.22–27) считаются как целевые статусы.",
        )
        if isinstance(as_of, dt.date):
            ctx = mctx.Context(cohort, as_of, indicator, forecast, ctx.drill)
        _store(ctx)
        st.session_state["ctx"] = ctx
        data_dates_block(scope, ctx)
        who_and_notice(scope)


def who_and_notice(scope: Scope) -> None:
    """Who is logged in, and the demo database's notice (below the context: the context is what a
    page depends on, so it stays above the fold)."""
    user = st.session_state.get("name") or scope.username
    st.caption(f"**{md(user)}** · {ROLE_LABELS[scope.role]}" + (f" · {md(scope.code)}" if scope.code else ""))
    notice = cached.demo_notice(cached.version())
    if notice:
        st.info(notice, icon=":material/science:")


def data_dates_block(scope: Scope, ctx: mctx.Context) -> None:
    """What the figures of the chosen cohort at the chosen date rest on: the newest data of each source
    up to that date (it follows the cohort and the date chosen above)."""
    dates = cached.data_dates(cached.version(), scope, ctx.cohort, ctx.as_of)
    with st.expander(f"Данные на {fmt_date(ctx.as_of)} · выпуск {ctx.cohort} г.", expanded=False):
        for label, d in dates.items():
            st.caption(f"{label}: **{fmt_date(d)}**")


def data_used_caption(scope: Scope) -> None:
    """The header line of every page: the external extracts (kind, «Дата выгрузки», when loaded)
    and the newest college snapshot the figures rest on (metrics.provenance)."""
    ctx = get_context()
    st.caption(cached.data_used_line(cached.version(), scope, ctx.as_of if ctx else None))


def get_context() -> mctx.Context | None:
    """The context the sidebar resolved for this run (None: no data yet)."""
    ctx = st.session_state.get("ctx")
    return ctx if isinstance(ctx, mctx.Context) else None


def set_drill(drill: mctx.Drill) -> None:
    """Move along the drill path and rerun."""
    ctx = get_context()
    if ctx is None:
        return
    new = mctx.Context(ctx.cohort, ctx.as_of, ctx.indicator, ctx.forecast, drill)
    st.session_state["ctx"] = new
    _store(new)
    st.rerun()


def go(page: str, drill: mctx.Drill | None = None) -> None:
    """Switch to another page keeping the context (and optionally a new drill)."""
    ctx = get_context()
    if ctx is None:
        st.switch_page(page)
        return
    new = mctx.Context(ctx.cohort, ctx.as_of, ctx.indicator, ctx.forecast, drill or ctx.drill)
    params = mctx.context_to_params(new)
    st.session_state[_CTX_KEY] = params
    st.switch_page(page, query_params=params)


def breadcrumb(names: dict[str, str]) -> None:
    """Clickable path region → territory → college → specialty, with a back step."""
    ctx = get_context()
    if ctx is None:
        return
    crumbs = mctx.breadcrumb(ctx.drill, names)
    cols = st.columns(len(crumbs) + 1)
    for i, (label, target) in enumerate(crumbs):
        with cols[i]:
            if i == len(crumbs) - 1:
                st.markdown(f"**{md(label)}**")
            elif st.button(md(label), key=f"crumb_{i}", type="tertiary"):
                set_drill(target)
    if ctx.drill.level() != "region":
        with cols[-1]:
            if st.button("← Назад", key="crumb_back", type="tertiary"):
                set_drill(ctx.drill.up())
