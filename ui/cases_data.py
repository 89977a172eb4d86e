"""The data of the page «Работа с группой риска», built once and held in process memory.

At federal scale a region's cohort has hundreds of thousands of cases: joining them with the
graduates' names, sorting and counting them on every view took seconds, and so did unpickling the
region's frames from st.cache_data. Everything the page shows that depends only on loaded data and
on recorded measures is computed here once per key — the cases, their counts, «which measures
work», the first rows of each list — and kept in process memory (no pickling, one object shared by
the sessions of the same view; the frames are read-only: nothing calls an in-place polars method on
them).

A view is (database, scope, cohort, date): a college never gets another college's rows. Each view
keeps one entry, tagged with what it was built from — the version of the (college, cohort) pairs
it reads (`cached.data_key`) and, read fresh on every run, the fingerprint of the cohort's measures
(`metrics.cases.measures_stamp`), the stale-weeks setting and the measure catalogue. When the tag
changes (a load, a recorded measure or outcome — which bump no dataset version) the entry is built
again and replaces the old one, so a busy day of recorded measures does not pile up copies; at
most MAX_VIEWS views are kept (least recently used go).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

import polars as pl
import streamlit as st

from data_layer import config
from data_layer.scope import SCOPE_HASH, cache_identity
from metrics import cases as case_metrics
from ui import cached, case_view, parts
from ui.connection import cursor
from ui.roles import Scope

MAX_TABLE_ROWS = 2_000
MAX_VIEWS = 8  # (database, scope, cohort, date) views kept; a region's entry is ~100 MB at federal scale
_KEY = ["college_code", "person_key"]
_PEOPLE = ["college_code", "person_key", "fio", "snils_masked", "program_code", "program_name"]


@dataclass(frozen=True)
class CaseList:
    """The first MAX_TABLE_ROWS cases of one list (sorted as case_view sorts) and how many there are."""

    rows: pl.DataFrame
    total: int


@dataclass(frozen=True)
class CasePage:
    frame: pl.DataFrame  # every case in scope (metrics.cases.cases)
    counts: pl.DataFrame  # metrics.cases.case_counts: per college
    catalogue: pl.DataFrame
    weeks: int  # stale after this many weeks without a measure
    effectiveness: pl.DataFrame
    effectiveness_by_college: pl.DataFrame
    lists: dict[str, CaseList]  # "open", "attention", "all"; empty for roles without personal data
    referred: pl.DataFrame  # open cases with a ЦЗН referral recorded, with the graduate's name

    def totals(self) -> dict[str, int]:
        """case_counts summed over the colleges."""
        return {c: int(self.counts[c].sum()) for c in self.counts.columns if c != "college_code"}


def case_page(scope: Scope, cohort: int, as_of: dt.date) -> CasePage:
    """The page's data for the scope, cohort and date; a few small queries on a warm view."""
    v = cached.version()
    with cursor() as cur:
        stamp = case_metrics.measures_stamp(cur, cohort)
        weeks = case_metrics.stale_weeks(cur)
        catalogue = case_metrics.catalogue(cur)
    view = (str(config.db_path()), cache_identity(scope), cohort, as_of)  # the users of a scope share it
    tag = (cached.data_key(v, scope, cohort), stamp, weeks, tuple(catalogue.iter_rows()))
    held = _held(view, tag)
    if held is not None:
        return held
    # built outside the lock (other views stay available), once: sessions asking for the same view
    # meanwhile wait for it; the measures are read after the stamp, so an entry is never older
    # than its tag says
    with _building(view):
        held = _held(view, tag)
        if held is not None:
            return held
        page = _build(scope, cohort, as_of, weeks, catalogue)
        with _lock:
            _views[view] = (tag, page)
            _views.move_to_end(view)
            while len(_views) > MAX_VIEWS:
                gone, _ = _views.popitem(last=False)
                _building.forget(gone)
    return page


def _held(view: Hashable, tag: Hashable) -> CasePage | None:
    with _lock:
        held = _views.get(view)
        if held is not None:
            _views.move_to_end(view)
    return held[1] if held is not None and held[0] == tag else None


def clear() -> None:
    """Forget every view (tests)."""
    with _lock:
        _views.clear()
    _building.clear()


_lock = threading.Lock()
_views: OrderedDict[Hashable, tuple[Hashable, CasePage]] = OrderedDict()
_building = parts.KeyedLocks()  # one build at a time per view


def _lists(ordered: pl.DataFrame, names: dict[str, str]) -> dict[str, CaseList]:
    """The lists of `case_view.case_order` rows; only the rows kept are labelled."""
    is_open = pl.col("state") == "open"
    chosen = {
        "open": ordered.filter(is_open),
        "attention": ordered.filter(is_open & ((pl.col("overdue") > 0) | pl.col("stale"))),
        "all": ordered,
    }
    return {
        k: CaseList(case_view.case_labels(f.head(MAX_TABLE_ROWS), names), f.height) for k, f in chosen.items()
    }


def _build(scope: Scope, cohort: int, as_of: dt.date, weeks: int, catalogue: pl.DataFrame) -> CasePage:
    now = cached.version()
    stays = cached.risk_stays(now, scope, cohort, as_of)
    with cursor() as cur:
        facts = case_metrics.measure_facts(cur, scope, cohort)
    frame = case_metrics.attach_measures(stays, facts, as_of, weeks)
    lists: dict[str, CaseList] = {}
    referred = frame.clear()
    if scope.sees_personal_data:
        names = cached.college_names(now, scope)
        ordered = case_view.case_order(frame, cached.case_people(now, scope, cohort))
        lists = _lists(ordered, names)
        referred = case_view.case_labels(
            ordered.filter((pl.col("state") == "open") & pl.col("escalated")), names
        )
    return CasePage(
        frame=frame,
        counts=case_metrics.case_counts(frame),
        catalogue=catalogue,
        weeks=weeks,
        effectiveness=case_metrics.effectiveness(frame, catalogue),
        effectiveness_by_college=case_metrics.effectiveness(frame, catalogue, by_college=True),
        lists=lists,
        referred=referred,
    )


def with_people(scope: Scope, cohort: int, frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with the graduate's name, masked СНИЛС and programme (personal data: the data layer
    refuses roles without access). The cohort's list is looked up, not joined whole."""
    people = cached.case_people(cached.version(), scope, cohort)
    mine = people.filter(pl.col("person_key").is_in(frame["person_key"].unique().implode()))
    return frame.join(mine.select(_PEOPLE), on=_KEY, how="left")


@cached.by_pairs()
@st.cache_data(max_entries=16, show_spinner=False, hash_funcs=SCOPE_HASH)
def returnee_table(v: int, scope: Scope, cohort: int, as_of: dt.date) -> pl.DataFrame:
    """cached.returnees with the graduates' names (a short list: pickled cheaply)."""
    return with_people(scope, cohort, cached.returnees(cached.version(), scope, cohort, as_of))
