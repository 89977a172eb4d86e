"""Cached access to the metrics for pages.

Pages pass `v = version()` (the dataset version, bumped by every write) as the first argument.
Cheap lookups are keyed by `v` itself: any write recomputes them. The expensive figures are keyed
finer (`@by_pairs`): by the version of the data they actually read — the base version (the last
write not limited to some colleges' data: graduation lists, reference, УФНС/ЦЗН, settings,
criteria) and the newest version among the (college, cohort) pairs in their view
(db.CacheVersions). So when a college
loads its status snapshot, only views that include that college and cohort are recomputed; the
other colleges' and cohorts' views stay cached. Nothing is recomputed on a click that does not
change the view. The version parameter is `v`, not `_v`: Streamlit leaves underscore-prefixed
parameters out of the cache key.
Large frames are returned, never passed in as keys (docs/architecture.md §5.2).
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import polars as pl
import streamlit as st

from data_layer import config, db, graduates, identity, reference, risk_measures
from data_layer.scope import OPERATOR, SCOPE_HASH, Scope
from metrics import (
    army,
    criteria,
    engine,
    indicators,
    reconciliation,
    risk,
    settings,
    vacancies,
    verification,
)
from metrics import forecast as forecast_mod
from metrics.criteria import publication
from metrics.formatting import full_college_names
from ui import parts
from ui import risk_view as risk_view_mod
from ui.connection import cursor

FilterItems = tuple[tuple[str, str], ...]


def version() -> int:
    """The cache key of the data: the dataset version of the open database, mixed with the file's
    path so that two databases in one process (test sessions, a swapped file) never share cached
    results. One tiny query per run; the value is stable only within the process, like the cache."""
    with cursor() as cur:
        n = db.dataset_version(cur)
    return hash((str(config.db_path()), n))


@st.cache_data(max_entries=16, show_spinner=False)
def demo_notice(v: int) -> str:
    """data_layer.db.DEMO_NOTICE on a demo database, else empty: every page and every exported
    file of a demo database carries it."""
    with cursor() as cur:
        return db.DEMO_NOTICE if db.is_demo(cur) else ""


def _filters(items: FilterItems) -> engine.Filters:
    return dict(items)


@st.cache_data(max_entries=8, show_spinner=False)
def _cache_versions(v: int) -> db.CacheVersions:
    with cursor() as cur:
        return db.cache_versions(cur)


def _codes(value: object) -> set[str]:
    return {str(x) for x in value} if isinstance(value, list | tuple) else {str(value)}


def view_colleges(
    v: int, scope: Scope, filters: FilterItems = (), college: str | None = None
) -> frozenset[str] | None:
    """The colleges whose data a view may read (None: any college): the narrowest of the scope,
    a college, territory or municipality filter and an explicit college."""
    wanted: set[str] | None = None

    def narrow(codes: set[str]) -> None:
        nonlocal wanted
        wanted = codes if wanted is None else wanted & codes

    if scope.role == "college":
        narrow({scope.code or ""})
    f = _filters(filters)
    if f.get("college"):
        narrow(_codes(f["college"]))
    if college:
        narrow({college})
    if scope.role == "territory" or f.get("territory") or f.get("municipality"):
        colleges = college_list(v, scope)
        if f.get("territory"):
            colleges = colleges.filter(pl.col("tu_code").is_in(sorted(_codes(f["territory"]))))
        if f.get("municipality"):
            colleges = colleges.filter(pl.col("oktmo").is_in(sorted(_codes(f["municipality"]))))
        narrow(set(colleges["college_code"].to_list()))
    return None if wanted is None else frozenset(wanted)


def data_key(
    v: int,
    scope: Scope | None,
    cohort: int | None,
    filters: FilterItems = (),
    college: str | None = None,
    before: int | None = None,
) -> int:
    """The cache key of a view: the database file and the newest data version among the pairs it
    reads (all colleges when `scope` is None, every cohort when `cohort` is None, the cohorts
    before `before` when given)."""
    colleges = None if scope is None else view_colleges(v, scope, filters, college)
    return hash((str(config.db_path()), "pairs", _cache_versions(v).of(cohort, colleges, before=before)))


F = TypeVar("F", bound=Callable[..., Any])


def by_pairs(
    *, region: bool = False, all_cohorts: bool = False, past_cohorts: bool = False, base_only: bool = False
) -> Callable[[F], F]:
    """Key a cached function by `data_key` instead of the dataset version: the wrapper takes `v`
    like every other function here and hands the cached function the finer key in its place.

    `region=True`: the result reads every college of the cohort whatever the scope (comparisons,
    ranks). `all_cohorts=True`: it reads other cohorts too. `past_cohorts=True`: of the status data
    it reads only cohorts before `cohort`, of every college (forecasts learned from past cohorts).
    `base_only=True`: it reads no status snapshot data (graduation lists, ФИС ФРДО, decisions): keyed
    by the base version alone, so a college's status load leaves it cached."""

    def deco(fn: F) -> F:
        sig = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(v: int, *args: Any, **kwargs: Any) -> Any:
            if base_only:
                return fn(hash((str(config.db_path()), "base", _cache_versions(v).base)), *args, **kwargs)
            a = sig.bind(v, *args, **kwargs).arguments
            key = data_key(
                v,
                None if region or past_cohorts else a.get("scope"),
                None if all_cohorts or past_cohorts else a.get("cohort"),
                a.get("filters", ()),
                a.get("college"),
                a.get("cohort") if past_cohorts else None,
            )
            return fn(key, *args, **kwargs)

        wrapper.clear = fn.clear  # type: ignore[attr-defined]  # pages clear after writes without a bump
        return wrapper  # type: ignore[return-value]

    return deco


# ---------------------------------------------------------------- per-college parts (ui/parts.py)
# Filters that only select colleges: a view with no other filter is a set of colleges' parts.
_COLLEGE_FILTERS = frozenset({"college", "territory", "municipality"})
# A college code no college has: the filter of an empty set of colleges (an empty list means "all").
_NO_COLLEGE = ""


@st.cache_data(max_entries=8, show_spinner=False)
def _cohort_colleges(v: int, cohort: int) -> list[str]:
    with cursor() as cur:
        return engine.cohort_colleges(cur, cohort)


@by_pairs(base_only=True)  # graduation lists change only with the base version
@st.cache_data(max_entries=8, show_spinner=False)
def _cohort_sizes(v: int, cohort: int) -> dict[str, int]:
    with cursor() as cur:
        return engine.cohort_sizes(cur, cohort)


def _assembled(
    kind: str,
    cohort: int,
    colleges: frozenset[str] | None,
    params: tuple[Any, ...],
    compute: Callable[[engine.Filters], pl.DataFrame],
    checkpoints: int = 1,
) -> pl.DataFrame:
    """The result `kind` of `colleges` (None: all) assembled from per-college parts; `compute(filters)`
    is the region-wide function restricted by a college filter, evaluated at `checkpoints` dates
    (missing parts are computed in groups of at most parts.GROUP_ROWS graduates x checkpoints)."""
    v = version()  # the current versions, whatever key the caller's cache used
    everyone = _cohort_colleges(v, cohort)
    codes = sorted(everyone if colleges is None else set(everyone) & colleges)
    pairs = _cache_versions(v)
    sizes = _cohort_sizes(v, cohort)
    return parts.assemble(
        (kind, str(config.db_path()), cohort, *params),
        codes,
        {c: pairs.pair(c, cohort) for c in codes},
        lambda missing: compute({"college": missing or [_NO_COLLEGE]}),
        {c: sizes.get(c, 0) * checkpoints for c in codes},
    )


def _split_filters(
    v: int, scope: Scope, filters: FilterItems
) -> tuple[frozenset[str] | None, tuple[tuple[str, Any], ...]]:
    """(the colleges a view reads, None: all; its filters other than college-selecting ones)."""
    rest = tuple((k, tuple(x) if isinstance(x, list) else x) for k, x in filters if k not in _COLLEGE_FILTERS)
    return view_colleges(v, scope, filters), rest


def _external_facts(f: engine.Filters) -> verification.ExternalFacts | None:
    """The region's metrics.verification.ExternalFacts for a part computation with filters `f`: kept
    per base version (they read no status data), so after a college's status load its part looks its
    СНИЛС up in them instead of scanning the whole extracts. Computed only for a computation about
    several colleges (a cold start, a change of the base data: it would scan the extracts anyway);
    one college's computation without them scans its own share (a college's first page after a
    change of the base data does not pay for the region)."""
    base = _cache_versions(version()).base  # read before computing: a newer base is never mislabelled

    def compute() -> verification.ExternalFacts:
        with cursor() as cur:
            return verification.external_facts(cur)

    codes = f.get("college")  # _assembled's filter: the list of the colleges computed
    several = isinstance(codes, list) and len(codes) > 1
    return parts.kept(("external_facts", str(config.db_path()), base), compute if several else None)


@st.cache_data(max_entries=8, show_spinner=False)
def _region_dates(v: int, cohort: int, as_of: dt.date, step_days: int) -> list[dt.date]:
    """metrics.risk.region_dates, once per version (the register and the stays both read them)."""
    with cursor() as cur:
        return risk.region_dates(cur, cohort, as_of, step_days)


def _register(
    cohort: int, as_of: dt.date, colleges: frozenset[str] | None, step_days: int = 7
) -> pl.DataFrame:
    """metrics.risk.risk_register of these colleges (with the region's checkpoints)."""
    with cursor() as cur:
        thr = settings.risk_thresholds(cur)
    dates = _region_dates(version(), cohort, as_of, step_days)

    def compute(f: engine.Filters) -> pl.DataFrame:
        with cursor() as cur:
            return risk.risk_register(
                cur, OPERATOR, cohort, as_of, thr, f, step_days, dates, _external_facts(f)
            )

    return _assembled("register", cohort, colleges, (as_of, thr, tuple(dates)), compute, len(dates))


def _stays(cohort: int, as_of: dt.date, colleges: frozenset[str] | None) -> pl.DataFrame:
    """metrics.risk.risk_stays of these colleges (with the region's checkpoints)."""
    with cursor() as cur:
        thr = settings.risk_thresholds(cur)
    dates = _region_dates(version(), cohort, as_of, 7)

    def compute(f: engine.Filters) -> pl.DataFrame:
        with cursor() as cur:
            return risk.risk_stays(cur, OPERATOR, cohort, as_of, thr, f, 7, dates, _external_facts(f))

    return _assembled("stays", cohort, colleges, (as_of, thr, tuple(dates)), compute, len(dates))


def _verification(cohort: int, as_of: dt.date, colleges: frozenset[str] | None) -> pl.DataFrame:
    """metrics.verification.verification_frame of these colleges."""

    def compute(f: engine.Filters) -> pl.DataFrame:
        with cursor() as cur:
            return verification.verification_frame(cur, OPERATOR, cohort, as_of, f, _external_facts(f))

    return _assembled("verification", cohort, colleges, (as_of,), compute)


def verification_part(cohort: int, as_of: dt.date, colleges: frozenset[str] | None) -> pl.DataFrame:
    """The per-graduate verification of these colleges (None: all), assembled from parts: for
    cached views built in other modules (ui/quality_ministry.py); never shown as such."""
    return _verification(cohort, as_of, colleges)


def college_groups(
    cohort: int, as_of: dt.date, indicator: indicators.Indicator, by: str, colleges: frozenset[str] | None
) -> pl.DataFrame:
    """engine.indicator_table of these colleges (None: all) by a dimension whose groups lie within
    one college ("college", "college_program"), assembled from per-college parts, in its order."""

    def compute(f: engine.Filters) -> pl.DataFrame:
        with cursor() as cur:
            return engine.indicator_table(cur, OPERATOR, cohort, as_of, indicator, by, f)

    frame = _assembled("groups", cohort, colleges, (as_of, indicator, by), compute)
    return frame.sort(frame.columns[: frame.columns.index("total")])  # engine's order: by the group keys


def _risk_counts(
    cohort: int, as_of: dt.date, by: str, colleges: frozenset[str] | None, rest: tuple[tuple[str, Any], ...]
) -> pl.DataFrame:
    """metrics.risk.risk_counts of these colleges with the other filters `rest`."""
    with cursor() as cur:
        thr = settings.risk_thresholds(cur)
    # groups that are a function of the college share one set of parts (no group columns); the
    # group is looked up from the college
    part_by = None if by in _BY_COLLEGE else by

    def compute(f: engine.Filters) -> pl.DataFrame:
        with cursor() as cur:
            return risk.membership(cur, OPERATOR, cohort, [as_of], thr, f, part_by, _external_facts(f))

    members = _assembled("members", cohort, colleges, (as_of, thr, part_by), compute)
    if part_by is None:
        group = _BY_COLLEGE[by]
        lookup = college_list(version(), OPERATOR).select(
            "college_code", group[0].alias("group_code"), group[1].alias("group_name")
        )
        members = members.drop("group_code", "group_name").join(lookup, on="college_code", how="left")
    return risk.count_members(_restrict(members, cohort, colleges, rest))


# engine.DIMENSIONS whose group is a function of the college: (code, name) from engine.college_list
_BY_COLLEGE: dict[str, tuple[pl.Expr, pl.Expr]] = {
    "region": (pl.lit(engine.REGION_CODE), pl.lit(engine.REGION_NAME)),
    "territory": (pl.col("tu_code"), pl.col("tu_name")),
    "college": (pl.col("college_code"), pl.col("short_name")),
}


def _restrict(
    frame: pl.DataFrame, cohort: int, colleges: frozenset[str] | None, rest: tuple[tuple[str, Any], ...]
) -> pl.DataFrame:
    """The rows of a per-graduate result whose graduates the filters `rest` select
    (engine.persons, also kept per college): the same as computing it with those filters."""
    if not rest:
        return frame
    extra = {k: list(x) if isinstance(x, tuple) else x for k, x in rest}

    def compute(f: engine.Filters) -> pl.DataFrame:
        with cursor() as cur:
            return engine.persons(cur, OPERATOR, cohort, {**extra, **f})

    chosen = _assembled("persons", cohort, colleges, rest, compute)
    return frame.join(chosen, on=["college_code", "person_key"], how="semi")


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=SCOPE_HASH)
def cohorts(v: int, scope: Scope) -> list[int]:
    with cursor() as cur:
        return engine.cohorts(cur, scope)


def deadline_clock() -> dt.datetime:
    """Now, to the hour: the cache key of the default date (it changes when a weekly deadline passes)."""
    return dt.datetime.now().replace(minute=0, second=0, microsecond=0)


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=SCOPE_HASH)
def default_as_of(v: int, scope: Scope, cohort: int, today: dt.date | dt.datetime) -> dt.date:
    with cursor() as cur:
        return engine.default_as_of(cur, scope, cohort, today)


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=SCOPE_HASH)
def data_dates(
    v: int, scope: Scope, cohort: int | None = None, as_of: dt.date | None = None
) -> dict[str, dt.date | None]:
    with cursor() as cur:
        return engine.data_dates(cur, scope, cohort, as_of)


@st.cache_data(max_entries=16, show_spinner=False)
def indicator_registry(v: int) -> dict[str, indicators.Indicator]:
    with cursor() as cur:
        return indicators.registry(cur)


@st.cache_data(max_entries=16, show_spinner=False)
def headline(v: int) -> str:
    with cursor() as cur:
        return settings.headline_indicator(cur)


@st.cache_data(max_entries=16, show_spinner=False)
def thresholds(v: int) -> settings.RiskThresholds:
    with cursor() as cur:
        return settings.risk_thresholds(cur)


@st.cache_data(max_entries=64, show_spinner=False)
def target(v: int, indicator_id: str, cohort: int) -> tuple[float, int] | None:
    with cursor() as cur:
        return indicators.get_target(cur, indicator_id, cohort)


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=SCOPE_HASH)
def college_list(v: int, scope: Scope) -> pl.DataFrame:
    with cursor() as cur:
        return engine.college_list(cur, scope)


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=SCOPE_HASH)
def college_names(v: int, scope: Scope) -> dict[str, str]:
    """metrics.formatting.full_college_names of the colleges in scope (3 500 at federal scale: built
    once, not on every run)."""
    return full_college_names(college_list(v, scope))


@by_pairs()
@st.cache_data(max_entries=256, show_spinner=False, hash_funcs=SCOPE_HASH)
def indicator_table(
    v: int,
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    indicator_id: str,
    by: str = "region",
    filters: FilterItems = (),
    forecast: bool = False,
) -> pl.DataFrame:
    with cursor() as cur:
        ind = indicators.get_indicator(cur, indicator_id)
        return engine.indicator_table(cur, scope, cohort, as_of, ind, by, _filters(filters), forecast)


@by_pairs(region=True)
@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=SCOPE_HASH)
def comparison(
    v: int,
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    indicator_id: str,
    level: str,
    code: str | None,
    forecast: bool = False,
) -> pl.DataFrame:
    with cursor() as cur:
        ind = indicators.get_indicator(cur, indicator_id)
        counts = engine.comparison_counts(cur, scope, cohort, as_of, level, code)
        return indicators.with_indicator(counts, ind, forecast)


@by_pairs()
@st.cache_data(max_entries=128, show_spinner=False, hash_funcs=SCOPE_HASH)
def weekly_series(
    v: int,
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    indicator_id: str,
    filters: FilterItems = (),
    forecast: bool = False,
) -> pl.DataFrame:
    with cursor() as cur:
        ind = indicators.get_indicator(cur, indicator_id)
        return engine.weekly_series(cur, scope, cohort, as_of, ind, _filters(filters), forecast)


@by_pairs(past_cohorts=True)
@st.cache_data(max_entries=128, show_spinner=False)
def year_end_forecast(
    v: int,
    cohort: int,
    date: dt.date,
    rate_now: float | None,
    indicator_id: str,
    forecast: bool,
    target: float | None,
    need: int | None,
) -> forecast_mod.Projection:
    """The learned year-end forecast of a rate observed at `date` (trajectories are region-wide
    aggregates, so the key carries no scope)."""
    with cursor() as cur:
        ind = indicators.get_indicator(cur, indicator_id)
        return forecast_mod.year_end(
            cur,
            cohort,
            date,
            rate_now,
            ind,
            forecast,
            target,
            need,
            lambda past, week: _trajectory(version(), cohort, tuple(past), week, indicator_id, forecast),
        )


@by_pairs(past_cohorts=True)
@st.cache_data(max_entries=64, show_spinner=False)
def _trajectory(
    v: int, cohort: int, past: tuple[int, ...], week: int, indicator_id: str, forecast: bool
) -> pl.DataFrame:
    """metrics.forecast.trajectory_shares of past cohorts: a load of `cohort` (which changes the rate
    the forecast starts from) keeps it."""
    with cursor() as cur:
        ind = indicators.get_indicator(cur, indicator_id)
        return forecast_mod.trajectory_shares(cur, list(past), week, ind, forecast)


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=SCOPE_HASH)
def priority_groups(
    v: int,
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    indicator_id: str,
    by: str = "region",
    forecast: bool = False,
) -> pl.DataFrame:
    """metrics.groups.group_table: every priority group by `by` (rates, counts, risk counts)."""
    from metrics import groups

    colleges = view_colleges(version(), scope)
    with cursor() as cur:
        ind = indicators.get_indicator(cur, indicator_id)
        return groups.group_table(
            cur,
            scope,
            cohort,
            as_of,
            ind,
            settings.risk_thresholds(cur),
            by,
            forecast,
            count_risk=lambda f: _risk_counts(cohort, as_of, by, colleges, tuple(sorted(f.items()))),
        )


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=SCOPE_HASH)
def data_used_line(v: int, scope: Scope, as_of: dt.date | None) -> str:
    """metrics.provenance: the extracts and the newest snapshot the figures rest on (one line)."""
    from metrics import provenance

    with cursor() as cur:
        return provenance.data_used_line(provenance.data_used(cur, scope, as_of))


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=SCOPE_HASH)
def not_yet_graduated(v: int, scope: Scope, cohort: int, as_of: dt.date, filters: FilterItems = ()) -> int:
    """Graduates of the cohort in scope who graduate after `as_of` (in no figure yet)."""
    with cursor() as cur:
        return engine.not_yet_graduated(cur, scope, cohort, as_of, _filters(filters))


@by_pairs()
@st.cache_data(max_entries=128, show_spinner=False, hash_funcs=SCOPE_HASH)
def risk_counts(
    v: int, scope: Scope, cohort: int, as_of: dt.date, by: str = "region", filters: FilterItems = ()
) -> pl.DataFrame:
    colleges, rest = _split_filters(version(), scope, filters)
    return _risk_counts(cohort, as_of, by, colleges, rest)


@by_pairs(base_only=True)
@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=SCOPE_HASH)
def reconciliation_table(v: int, scope: Scope, cohort: int) -> pl.DataFrame:
    with cursor() as cur:
        return reconciliation.reconciliation_table(cur, scope, cohort)


@by_pairs(base_only=True)
@st.cache_data(max_entries=8, show_spinner=False, hash_funcs=SCOPE_HASH)
def contested(v: int, scope: Scope) -> pl.DataFrame:
    """Contested СНИЛС (base centre); a decision bumps the dataset version."""
    with cursor() as cur:
        return identity.contested(cur, scope)


@by_pairs()
@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=SCOPE_HASH)
def timeliness(v: int, scope: Scope, cohort: int, as_of: dt.date) -> pl.DataFrame:
    with cursor() as cur:
        return criteria.timeliness_table(cur, scope, cohort, as_of)


@by_pairs(region=True)
@st.cache_data(max_entries=16, show_spinner=False)
def college_metric_values(v: int, cohort: int, as_of: dt.date) -> pl.DataFrame:
    """Region-wide criteria metrics (never shown as such: `rating` filters by scope)."""
    with cursor() as cur:
        return criteria.college_metric_values(
            cur,
            cohort,
            as_of,
            register=lambda step: _register(cohort, as_of, None, step),
            verified=_verification(cohort, as_of, None),
            reconciled=reconciliation_table(version(), OPERATOR, cohort),
            activity=activity_values(version(), cohort, as_of),
        )


@by_pairs(base_only=True)
@st.cache_data(max_entries=16, show_spinner=False)
def activity_values(v: int, cohort: int, as_of: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Criteria 8 and 9 per college (no status data: keyed by the base version)."""
    with cursor() as cur:
        return criteria.activity_values(cur, cohort, as_of)


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=SCOPE_HASH)
def rating(v: int, scope: Scope, cohort: int, as_of: dt.date, version: int | None = None) -> pl.DataFrame:
    values = college_metric_values(v, cohort, as_of)
    with cursor() as cur:
        cs = criteria.published(cur, cohort, version)
        return criteria.rating(cur, scope, cohort, as_of, cs, values)


@st.cache_data(max_entries=32, show_spinner=False)
def rating_publication(v: int, cohort: int, as_of: dt.date) -> publication.Publication | None:
    """The rating published for the cohort with an evaluation date on or before as_of (a publication
    bumps the dataset version, so the key refreshes)."""
    with cursor() as cur:
        return publication.latest_publication(cur, cohort, as_of)


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=SCOPE_HASH)
def published_rating(v: int, scope: Scope, publication_id: int) -> pl.DataFrame:
    with cursor() as cur:
        return publication.published_rating(cur, scope, publication.get_publication(cur, publication_id))


@st.cache_data(max_entries=8, show_spinner=False)
def municipalities(v: int) -> pl.DataFrame:
    """Reference: every municipality with its territory (for maps)."""
    with cursor() as cur:
        return reference.municipalities(cur)


@by_pairs()
@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=SCOPE_HASH)
def verification_summary(
    v: int, scope: Scope, cohort: int, as_of: dt.date, by: str = "", filters: FilterItems = ()
) -> pl.DataFrame:
    """Aggregated verification against УФНС (no per-graduate rows leave the cache)."""
    colleges, rest = _split_filters(version(), scope, filters)
    frame = _restrict(_verification(cohort, as_of, colleges), cohort, colleges, rest)
    return verification.verification_summary(frame, by)


@st.cache_data(max_entries=16, show_spinner=False)
def criteria_set(v: int, year: int, version: int | None = None) -> criteria.CriteriaSet:
    """The published criteria set of a year (the newest, or `version`)."""
    with cursor() as cur:
        return criteria.published(cur, year, version)


# ---------------------------------------------------------------- per-person pages at scale
# The pages below work from per-graduate frames (a whole region's cohort can be ~800 000 rows at
# federal scale). Unpickling such a frame from st.cache_data costs hundreds of milliseconds to
# seconds on every rerun, so these functions do the joins and aggregations inside the cache and hand
# the page only the small result it shows; the per-graduate frames a page still needs whole are held
# by st.cache_resource (`_shared`): one object in process memory, never pickled or copied, shared by
# every session with the same key (scope included). Callers treat them as read-only: polars
# operations return new frames; nothing calls an in-place method (insert_column, __setitem__, ...)
# on them.
_shared = st.cache_resource


@by_pairs()
@_shared(max_entries=16, show_spinner=False, hash_funcs=SCOPE_HASH)
def risk_view(v: int, scope: Scope, cohort: int, as_of: dt.date, filters: FilterItems = ()) -> pl.DataFrame:
    """The risk register with names, masked СНИЛС, programme, imported measures and labels
    (personal data: the data layer refuses roles without access)."""
    college = _filters(filters).get("college")
    in_view, rest = _split_filters(version(), scope, filters)
    with cursor() as cur:
        # personal data first: refused to roles without access before anything is computed
        scope.require_personal_data()
        if isinstance(college, str):
            scope.check_college(cur, college)
    persons = case_people(version(), scope, cohort)  # the scope's list (base-keyed), joined to the rows
    with cursor() as cur:
        reg = _restrict(_register(cohort, as_of, in_view), cohort, in_view, rest)
        imported = risk_measures.imported_measures(cur, scope, cohort, as_of)
    return risk_view_mod.register_view(reg, persons, imported, college_names(version(), scope))


@by_pairs(base_only=True)
@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=SCOPE_HASH)
def program_options(v: int, scope: Scope, cohort: int, college: str | None = None) -> pl.DataFrame:
    """Programmes with graduates of the cohort in scope (one college or all): program_code,
    program_name, sorted by name — for filter widgets."""
    with cursor() as cur:
        persons = graduates.graduate_list(cur, scope, cohort, college)
    return persons.select("program_code", "program_name").unique().sort("program_name", nulls_last=True)


@by_pairs()
@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=SCOPE_HASH)
def verification_overview(
    v: int, scope: Scope, cohort: int, as_of: dt.date
) -> tuple[pl.DataFrame, pl.DataFrame, int, pl.DataFrame | None]:
    """Declared vs confirmed statuses for the page «Сверка»: (total row, per-college summary,
    number of records to check, those records with the graduate's name and masked СНИЛС — None for
    roles that do not see personal data)."""
    frame = _verification(cohort, as_of, view_colleges(version(), scope))
    conf = verification.conflicts(frame)
    people = (
        case_people(version(), scope, cohort).select("college_code", "person_key", "fio", "snils_masked")
        if scope.sees_personal_data and conf.height
        else None
    )
    total = verification.verification_summary(frame, by="")
    by_college = verification.verification_summary(frame)
    if people is None:
        return total, by_college, conf.height, None
    return total, by_college, conf.height, conf.join(people, on=["college_code", "person_key"], how="left")


# ---------------------------------------------------------------- risk cases


@by_pairs()
@_shared(max_entries=16, show_spinner=False, hash_funcs=SCOPE_HASH)
def risk_stays(v: int, scope: Scope, cohort: int, as_of: dt.date, filters: FilterItems = ()) -> pl.DataFrame:
    """Every stay in the risk group (one case each); the measures are joined per run (metrics.cases)."""
    colleges, rest = _split_filters(version(), scope, filters)
    return _restrict(_stays(cohort, as_of, colleges), cohort, colleges, rest)


@by_pairs()
@st.cache_data(max_entries=16, show_spinner=False, hash_funcs=SCOPE_HASH)
def resolved_by_college(v: int, scope: Scope, cohort: int, as_of: dt.date) -> pl.DataFrame:
    """The status-based criterion «выведены из группы риска» per college (aggregates only)."""
    reg = _register(cohort, as_of, view_colleges(version(), scope))
    with cursor() as cur:
        return risk.resolved_share_by_college(
            cur, scope, cohort, as_of, settings.risk_thresholds(cur), register=reg
        )


@by_pairs(base_only=True)
@_shared(max_entries=16, show_spinner=False, hash_funcs=SCOPE_HASH)
def case_people(v: int, scope: Scope, cohort: int) -> pl.DataFrame:
    """Name, masked СНИЛС and programme of the cohort's graduates in scope (personal data)."""
    with cursor() as cur:
        return graduates.graduate_list(cur, scope, cohort).select(
            "college_code", "person_key", "fio", "snils_masked", "program_code", "program_name"
        )


@by_pairs(base_only=True)
@_shared(max_entries=8, show_spinner=False, hash_funcs=SCOPE_HASH)
def graduating_people(v: int, scope: Scope, cohort: int) -> pl.DataFrame:
    """Name and masked СНИЛС of a cohort's graduation list (loaded ahead of graduation)."""
    with cursor() as cur:
        return graduates.graduate_list(cur, scope, cohort).select(
            "college_code", "person_key", "fio", "snils_masked"
        )


@st.cache_data(max_entries=4, show_spinner=False)
def vacancy_matching(v: int, stamp: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Vacancies and their fuzzy scores against the specialty map (metrics.vacancies.prepare), until
    the next load (v) or map edit (stamp)."""
    with cursor() as cur:
        return vacancies.prepare(cur)


def _returnees(cohort: int, as_of: dt.date, colleges: frozenset[str] | None) -> pl.DataFrame:
    """metrics.army's returnee list of `colleges` (None: all), assembled from per-college parts."""

    def compute(f: engine.Filters) -> pl.DataFrame:
        codes = f["college"]
        assert isinstance(codes, list)
        with cursor() as cur:
            return army.returnees_of(cur, cohort, as_of, codes, _external_facts(f))

    frame = _assembled("returnees", cohort, colleges, (as_of,), compute)
    return frame.sort(army.ORDER, nulls_last=True)


@by_pairs()
@st.cache_data(max_entries=16, show_spinner=False, hash_funcs=SCOPE_HASH)
def returnees(v: int, scope: Scope, cohort: int, as_of: dt.date) -> pl.DataFrame:
    """Graduates coming back from the army (personal data: refused to other roles before anything
    is computed)."""
    scope.require_personal_data()
    return _returnees(cohort, as_of, view_colleges(version(), scope))


@by_pairs()
@st.cache_data(max_entries=16, show_spinner=False, hash_funcs=SCOPE_HASH)
def returnee_counts(v: int, scope: Scope, cohort: int, as_of: dt.date) -> pl.DataFrame:
    return army.count_returnees(_returnees(cohort, as_of, view_colleges(version(), scope)))
