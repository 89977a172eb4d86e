"""Invariants of the metrics engine, checked on random small regions (hypothesis)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data_layer import db
from data_layer.scope import OPERATOR
from metrics import engine
from metrics.indicators import BUILTIN
from metrics.statuses import IMPORTABLE_CODES
from tests.factories import D, Region

SNAPSHOTS = [D(2024, 7, 5), D(2024, 7, 12), D(2024, 7, 19)]
COLLEGES = ["P001", "P002", "P003"]

graduate_rows = st.lists(
    st.tuples(
        st.sampled_from(COLLEGES),
        # per snapshot: a status or None (graduate missing from that snapshot)
        st.lists(st.one_of(st.none(), st.sampled_from(IMPORTABLE_CODES)), min_size=3, max_size=3),
        st.booleans(),
    ),
    min_size=1,
    max_size=25,
)


def _build(rows: list, order: list[int]) -> object:  # type: ignore[type-arg]
    path = Path(tempfile.mkdtemp()) / "p.duckdb"
    r = Region(path)
    keys = [r.graduate(college=c) for c, _, _ in rows]
    inserts = []
    for (college, statuses, spec), key in zip(rows, keys, strict=True):
        for snap, status in zip(SNAPSHOTS, statuses, strict=True):
            if status is not None:
                inserts.append((key, snap, status, college, spec))
    for i in order:
        if i < len(inserts):
            key, snap, status, college, spec = inserts[i]
            r.status(key, snap, status, college=college, by_specialty=spec)
    for i in range(len(inserts)):
        if i not in order:
            key, snap, status, college, spec = inserts[i]
            r.status(key, snap, status, college=college, by_specialty=spec)
    return r.done()


as_of_dates = st.sampled_from([D(2024, 7, 4), D(2024, 7, 5), D(2024, 7, 15), D(2024, 8, 1)])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=graduate_rows, as_of=as_of_dates)
def test_counts_sum_to_total_and_region_is_sum_of_colleges(rows: list, as_of: dt.date) -> None:  # type: ignore[type-arg]
    con = _build(rows, [])
    region = engine.status_counts(con, OPERATOR, 2024, as_of, "region")  # type: ignore[arg-type]
    colleges = engine.status_counts(con, OPERATOR, 2024, as_of, "college")  # type: ignore[arg-type]
    assert region["total"][0] == len(rows)
    from metrics.statuses import CODES

    assert sum(region[c][0] for c in CODES) == region["total"][0]
    for c in (*CODES, "total"):
        assert region[c][0] == colleges[c].sum()
    for ind in BUILTIN:
        t = engine.indicator_table(con, OPERATOR, 2024, as_of, ind, "college")  # type: ignore[arg-type]
        assert (t["numerator"] <= t["denominator"]).all(), ind.id
        assert (t["numerator"] >= 0).all()
        for row in t.iter_rows(named=True):
            if row["denominator"] > 0:
                assert 0.0 <= row["rate"] <= 1.0
            else:
                assert row["rate"] is None
    db.close_all()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=graduate_rows, seed=st.randoms(use_true_random=False), as_of=as_of_dates)
def test_rate_does_not_depend_on_load_order(rows: list, seed, as_of: dt.date) -> None:  # type: ignore[no-untyped-def,type-arg]
    n = sum(1 for _, statuses, _ in rows for s in statuses if s is not None)
    order = list(range(n))
    seed.shuffle(order)
    a = _build(rows, [])
    b = _build(rows, order)
    for ind in BUILTIN:
        ta = engine.indicator_table(a, OPERATOR, 2024, as_of, ind, "college")  # type: ignore[arg-type]
        tb = engine.indicator_table(b, OPERATOR, 2024, as_of, ind, "college")  # type: ignore[arg-type]
        assert ta.select("code", "numerator", "denominator").equals(
            tb.select("code", "numerator", "denominator")
        )
