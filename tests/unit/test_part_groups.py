"""ui/parts.py computes missing parts in groups of colleges (bounded DuckDB memory at federal
scale, issue 16 item 2): the grouped result equals the one-shot region-wide computation."""

from __future__ import annotations

import duckdb
import pytest
from polars.testing import assert_frame_equal

from data_layer import db
from data_layer.scope import OPERATOR
from metrics import engine, risk, settings, verification
from ui import parts

COHORT = 2025


def test_groups_cut_in_order_within_the_limit() -> None:
    weights = {"a": 3, "b": 4, "c": 10, "d": 1, "e": 2}
    assert parts.groups(list("abcde"), weights, 7) == [["a", "b"], ["c"], ["d", "e"]]
    assert parts.groups(list("abcde"), weights, 100) == [list("abcde")]
    assert parts.groups(["x", "a"], weights, 3) == [["x", "a"]]  # no weight: weighs nothing
    assert parts.groups([], weights, 7) == []


@pytest.fixture
def cur(monitoring_db):  # type: ignore[no-untyped-def]
    con = duckdb.connect(str(monitoring_db), read_only=True)
    try:
        yield con.cursor()
    finally:
        con.close()
        db.close_all()


@pytest.mark.parametrize("kind", ["register", "stays"])
def test_grouped_parts_equal_the_one_shot_computation(cur: duckdb.DuckDBPyConnection, kind: str) -> None:
    as_of = engine.default_as_of(cur, OPERATOR, COHORT)
    thr = settings.risk_thresholds(cur)
    dates = risk.region_dates(cur, COHORT, as_of)
    facts = verification.external_facts(cur)
    fn = risk.risk_register if kind == "register" else risk.risk_stays
    colleges = engine.cohort_colleges(cur, COHORT)
    sizes = engine.cohort_sizes(cur, COHORT)
    weights = {c: sizes[c] * len(dates) for c in colleges}
    limit = sum(weights.values()) // 4  # about four groups
    calls: list[list[str]] = []

    def compute(codes: list[str]):  # type: ignore[no-untyped-def]
        calls.append(codes)
        return fn(cur, OPERATOR, COHORT, as_of, thr, {"college": codes}, 7, dates, facts)

    parts.clear()
    grouped = parts.assemble((kind, "test"), colleges, dict.fromkeys(colleges, 1), compute, weights, limit)
    parts.clear()
    one_shot = fn(cur, OPERATOR, COHORT, as_of, thr, None, 7, dates)
    assert len(calls) >= 3 and sorted(c for g in calls for c in g) == colleges
    assert all(sum(weights[c] for c in g) <= limit or len(g) == 1 for g in calls)
    assert one_shot.height > 20
    assert_frame_equal(grouped, one_shot)
