"""Cache warm-up: the region-wide views every role's first pages need, computed once per process
before users come (issue 16, item 3).

A cold server at federal scale needs minutes of CPU for the region's first pages (risk register,
criteria values of every college, indicator tables); twenty sessions arriving together all wait for
it. So the first script run of the process (a user's, or the script health check's that the service
manager calls after start: README, «Служба») starts one background thread that calls the same
cached functions the pages call (ui/monitoring_data.py, ui/cached.py), with the same arguments: the
default context of each scope (ui.context.context_for). The pages then find their results in the
cache. The thread makes no st.* UI call — only st.cache_data/st.cache_resource functions, which
work outside a script run.

Scopes warmed, most used first: the ministry and the base centre (the whole region: home, overview,
territories, ranking, specialties, priority groups, the first college's card — which computes the
criteria values of every college that each college's card needs), then every territorial unit
(its home, overview, territories and ranking). A college's own views are cheap queries and parts
(ui/parts.py) the region's views have already computed. Progress and the time it took are in the
health facts (data_layer.warm_state: `vypusk health`, the status file).

VYPUSK_WARMUP=0 turns it off (the test suite does: its AppTests count what a page computes).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

from data_layer import config, warm_state
from data_layer.scope import Scope
from ui import cached, maps, monitoring_data
from ui import context as ui_context
from ui.filter_context import Context

log = logging.getLogger(__name__)

_lock = threading.Lock()
_started: set[str] = set()


def enabled() -> bool:
    return os.environ.get("VYPUSK_WARMUP", "1") != "0"


def ensure_started() -> None:
    """Start the warm-up of the configured database once per process (a no-op afterwards)."""
    if not enabled():
        return
    path = str(config.db_path())
    with _lock:
        if path in _started:
            return
        _started.add(path)
    warm_state.started(path)
    threading.Thread(target=_run, args=(path,), name="vypusk-warmup", daemon=True).start()


def _run(path: str) -> None:
    try:
        warm_all(lambda: warm_state.step(path))
    except Exception as exc:  # reported by the health check; the pages compute on demand then
        log.exception("cache warm-up failed")
        warm_state.finished(path, f"{type(exc).__name__}: {exc}")
        return
    warm_state.finished(path)
    state = warm_state.snapshot(path)
    log.info("cache warm-up done in %s s (%s views)", state.get("warmup_s"), state.get("warmup_steps"))


def warm_all(progress: Callable[[], None] = lambda: None) -> None:
    """Compute the first pages' views of every scope (see the module docstring)."""
    maps.load_geojson()
    for role in ("ministry", "base_centre"):
        scope = Scope(role)
        ctx = ui_context.context_for(scope, {})
        if ctx is None:
            return  # no graduates loaded: the pages have nothing to compute
        warm_scope(scope, ctx, progress)
    territories = monitoring_data.colleges(Scope("ministry"))["tu_code"].drop_nulls().unique().sort()
    for code in territories.to_list():
        scope = Scope("territory", str(code))
        ctx = ui_context.context_for(scope, {})
        if ctx is not None:
            warm_scope(scope, ctx, progress)


def warm_scope(scope: Scope, ctx: Context, progress: Callable[[], None] = lambda: None) -> None:
    """The sidebar, the home page and the monitoring pages of the role's menu in the context `ctx`."""
    fr = monitoring_data.frame(scope, ctx)
    steps: list[Callable[[], object]] = [
        lambda: sidebar(scope, ctx),
        lambda: home(scope),
        lambda: overview(scope, ctx, fr),
        lambda: territories(scope, ctx, fr),
        lambda: ranking(scope, ctx, fr),
    ]
    if scope.is_full:
        steps += [
            lambda: specialties(scope, ctx, fr),
            lambda: cached.priority_groups(
                fr.v, scope, ctx.cohort, ctx.as_of, ctx.indicator, "region", ctx.forecast
            ),
            lambda: college_card(scope, ctx, fr),
        ]
    for step in steps:
        step()
        progress()


def sidebar(scope: Scope, ctx: Context) -> None:
    """ui.context.render_sidebar and data_used_caption: what every page draws first."""
    v = cached.version()
    cached.data_dates(v, scope, ctx.cohort, ctx.as_of)
    cached.demo_notice(v)
    cached.data_used_line(v, scope, ctx.as_of)


def home(scope: Scope) -> None:
    monitoring_data.colleges(scope)
    monitoring_data.cohort_summary(scope)
    monitoring_data.data_dates(scope)


def overview(scope: Scope, ctx: Context, fr: monitoring_data.Frame) -> None:
    monitoring_data.region_row(scope, ctx, fr)
    monitoring_data.trend(scope, ctx, fr)
    monitoring_data.table(scope, ctx, fr, "territory")
    monitoring_data.college_table(scope, ctx, fr)
    monitoring_data.risk_total(scope, ctx, fr)
    monitoring_data.confirmed_share(scope, ctx, fr)
    cached.not_yet_graduated(fr.v, scope, ctx.cohort, ctx.as_of)
    monitoring_data.municipalities(fr)


def territories(scope: Scope, ctx: Context, fr: monitoring_data.Frame) -> None:
    monitoring_data.territory_table(scope, ctx, fr)
    if scope.role == "territory" and scope.code:
        own = (("territory", scope.code),)
        monitoring_data.college_table(scope, ctx, fr, scope.code)
        monitoring_data.trend(scope, ctx, fr, own)


def ranking(scope: Scope, ctx: Context, fr: monitoring_data.Frame) -> None:
    monitoring_data.table(scope, ctx, fr, "ugps")
    monitoring_data.table(scope, ctx, fr, "level")
    monitoring_data.ranking(scope, ctx, fr)


def specialties(scope: Scope, ctx: Context, fr: monitoring_data.Frame) -> None:
    monitoring_data.table(scope, ctx, fr, "program", change=True)
    monitoring_data.table(scope, ctx, fr, "ugps", change=True)
    monitoring_data.table(scope, ctx, fr, "college_ugps")


def college_card(scope: Scope, ctx: Context, fr: monitoring_data.Frame) -> None:
    """The card of the first college in scope (the page's default): it computes the criteria
    values of every college, which every college's card reads."""
    colleges = monitoring_data.colleges(scope)
    if colleges.is_empty():
        return
    info = colleges.row(0, named=True)
    college = str(info["college_code"])
    own = (("college", college),)
    monitoring_data.table(scope, ctx, fr, "program", (("college", college),))
    if not monitoring_data.region_row(scope, ctx, fr, own):
        return
    monitoring_data.comparison_rate(scope, ctx, fr, "territory", info["tu_code"])
    monitoring_data.comparison_rate(scope, ctx, fr, "region")
    monitoring_data.risk_total(scope, ctx, fr, own)
    cached.not_yet_graduated(fr.v, scope, ctx.cohort, ctx.as_of, own)
    monitoring_data.trend(scope, ctx, fr, own)
    monitoring_data.table(scope, ctx, fr, "program", own, change=True)
    monitoring_data.college_rating(scope, ctx, fr, college)
