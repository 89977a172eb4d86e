"""Effectiveness criteria (docs/domain.md §8): scales by hand, scoring, ranks, versions, what-if."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import polars as pl
import pytest

from data_layer.errors import ScopeError, UserFacingError
from data_layer.scope import OPERATOR, Scope
from metrics import criteria
from metrics.criteria import CriteriaSet, Criterion, Scale, StepRule, starting_set
from ops import criteria as ops_criteria
from tests.factories import D, Region

EMPLOYMENT = starting_set(2024).criteria[0].scale  # >=80 ->10, >=70 ->7, >=60 ->4, else 0
RISK = starting_set(2024).criteria[2].scale  # <=3 % ->5, <=7 % ->3, else 0
FRDO = starting_set(2024).criteria[6].scale  # 100 % ->5, >=95 % ->3, else 0
CZN = starting_set(2024).criteria[9].scale  # 0 % ->3, <=2 % ->1, else 0


@pytest.mark.parametrize(
    ("x", "pts"), [(0.85, 10), (0.80, 10), (0.7999, 7), (0.70, 7), (0.65, 4), (0.60, 4), (0.59, 0), (None, 0)]
)
def test_step_scale_higher_is_better(x: float | None, pts: float) -> None:
    assert EMPLOYMENT.points(x) == pts


@pytest.mark.parametrize(("x", "pts"), [(0.0, 5), (0.03, 5), (0.031, 3), (0.07, 3), (0.0701, 0)])
def test_step_scale_lower_is_better(x: float, pts: float) -> None:
    assert RISK.points(x) == pts


def test_step_edges_with_computed_rates() -> None:
    # 7/10 computed in floating point must still count as "70 %"
    assert EMPLOYMENT.points(7 / 10) == 7
    assert FRDO.points(19 / 20) == 3
    assert FRDO.points(1.0) == 5
    assert CZN.points(0.0) == 3
    assert CZN.points(1 / 50) == 1
    assert CZN.points(0.021) == 0


@pytest.mark.parametrize(
    ("x", "pts"), [(0.4, 0.0), (0.5, 0.0), (0.75, 2.5), (1.0, 5.0), (1.2, 5.0), (None, 0.0)]
)
def test_linear_scale_timeliness(x: float | None, pts: float) -> None:
    timeliness = starting_set(2024).criteria[4].scale  # linear 50-100 % -> 0-5
    assert timeliness.points(x) == pytest.approx(pts)


def test_linear_scale_events_per_graduate() -> None:
    events = starting_set(2024).criteria[8].scale  # linear 0-2 -> 0-5
    assert events.points(0.5) == pytest.approx(1.25)
    assert events.points(3) == pytest.approx(5.0)


def test_describe_is_russian() -> None:
    assert EMPLOYMENT.describe() == "≥ 80 % → 10; ≥ 70 % → 7; ≥ 60 % → 4; иначе → 0"


def test_max_score_of_starting_set() -> None:
    assert starting_set(2024).max_score() == 10 + 5 + 5 + 10 + 5 + 5 + 5 + 5 + 5 + 3


def _two_criteria(weight_b: float = 1.0) -> CriteriaSet:
    return CriteriaSet(
        2024,
        (
            Criterion("a", "A", "employment_federal", 1.0, Scale("linear", x0=0, x1=1, p0=0, p1=10)),
            Criterion(
                "b",
                "B",
                "risk_share",
                weight_b,
                Scale("step", (StepRule("<=", 0.05, 10), StepRule("else", None, 0))),
            ),
        ),
        high_from=15,
        medium_from=8,
    )


VALUES = pl.DataFrame(
    {
        "college_code": ["P1", "P2", "P3"],
        "short_name": ["Один", "Два", "Три"],
        "employment_federal": [0.9, 0.6, 0.6],
        "risk_share": [0.10, 0.01, 0.01],
    }
)


def test_score_rank_category_by_hand() -> None:
    r = criteria.score(VALUES, _two_criteria())
    rows = {x["college_code"]: x for x in r.iter_rows(named=True)}
    # P1: 9 + 0 = 9 (medium); P2, P3: 6 + 10 = 16 (high), tied at rank 1; P1 rank 3
    assert rows["P1"]["score"] == pytest.approx(9.0)
    assert rows["P2"]["score"] == pytest.approx(16.0)
    assert (rows["P2"]["rank"], rows["P3"]["rank"], rows["P1"]["rank"]) == (1, 1, 3)
    assert (rows["P1"]["category"], rows["P2"]["category"]) == ("medium", "high")
    assert rows["P1"]["pts:a"] == pytest.approx(9.0)


def test_what_if_shows_rank_changes() -> None:
    base = criteria.score(VALUES, _two_criteria(1.0))
    cand = criteria.score(VALUES, _two_criteria(0.0))  # risk no longer counts: P1 first
    w = {r["college_code"]: r for r in criteria.what_if(base, cand).iter_rows(named=True)}
    assert (w["P1"]["rank_base"], w["P1"]["rank_new"], w["P1"]["rank_change"]) == (3, 1, 2)
    assert w["P2"]["rank_change"] == -1
    assert w["P2"]["category_changed"] is True


def test_json_roundtrip() -> None:
    s = starting_set(2025)
    back = criteria.from_json(2025, s.to_json())
    assert back.criteria == s.criteria
    assert (back.high_from, back.medium_from) == (s.high_from, s.medium_from)


def test_versions_published_is_immutable(tmp_path: Path) -> None:
    con = Region(tmp_path / "c.duckdb").done()
    base = Scope("base_centre", None, "bc")
    pub = criteria.published(con, 2024)
    assert (pub.version, pub.status) == (1, "published")
    draft = CriteriaSet(2024, pub.criteria[:3], 10, 5, comment="три критерия")
    v = ops_criteria.save_draft(con, base, draft)
    assert v == 2
    # the draft can be edited in place; it keeps its version
    assert ops_criteria.save_draft(con, base, CriteriaSet(2024, pub.criteria[:2], 10, 5)) == 2
    assert ops_criteria.publish_draft(con, base, 2024) == 2
    assert criteria.published(con, 2024).version == 2
    # version 1 is still reproducible as it was
    assert criteria.published(con, 2024, 1).criteria == pub.criteria
    # a new draft gets version 3; the published 2 is untouched
    assert ops_criteria.save_draft(con, base, CriteriaSet(2024, pub.criteria[:1], 10, 5)) == 3
    assert len(criteria.published(con, 2024, 2).criteria) == 2
    actions = [r[0] for r in con.execute("SELECT action FROM audit_log ORDER BY event_id").fetchall()]
    assert actions.count("criteria_publish") == 1


def _rows(con: object, year: int) -> list[tuple[object, ...]]:
    return con.execute(  # type: ignore[attr-defined, no-any-return]
        "SELECT * FROM criteria_sets WHERE year = ? AND status = 'published' ORDER BY version", [year]
    ).fetchall()


def _shown(cs: CriteriaSet) -> tuple[object, ...]:
    return (cs.version, cs.status, cs.comment, cs.created_at, cs.created_by, cs.published_at, cs.published_by)


def test_saving_a_draft_changes_no_published_version_to_the_second(tmp_path: Path) -> None:
    con = Region(tmp_path / "c.duckdb").done()
    base = Scope("base_centre", None, "bc")
    implied = criteria.published(con, 2024)  # the starting set, not stored yet
    ops_criteria.save_draft(con, base, CriteriaSet(2024, implied.criteria[:3], 10, 5))
    stored = criteria.published(con, 2024, 1)
    # storing version 1 (done by the first draft) shows exactly what was shown before
    assert _shown(stored) == _shown(implied)
    assert stored.published_at is None and stored.created_at == dt.datetime(2024, 1, 1)
    ops_criteria.publish_draft(con, base, 2024)
    before = _rows(con, 2024)
    assert [r[1] for r in before] == [1, 2]
    time.sleep(1.1)  # any rewrite of a timestamp would now differ by more than a second
    ops_criteria.save_draft(con, base, CriteriaSet(2024, implied.criteria[:1], 10, 5, comment="новая"))
    ops_criteria.save_draft(con, base, CriteriaSet(2024, implied.criteria[:2], 10, 5, comment="ещё"))
    ops_criteria.discard_draft(con, base, 2024)
    assert _rows(con, 2024) == before


def test_only_base_centre_edits(tmp_path: Path) -> None:
    con = Region(tmp_path / "c.duckdb").done()
    with pytest.raises(ScopeError):
        ops_criteria.save_draft(con, Scope("ministry", None, "m"), starting_set(2024))
    with pytest.raises(ScopeError):
        ops_criteria.publish_draft(con, Scope("college", "P001", "c"), 2024)


def test_invalid_set_refused(tmp_path: Path) -> None:
    con = Region(tmp_path / "c.duckdb").done()
    bad = CriteriaSet(2024, (Criterion("x", "X", "nope", 1.0, Scale("linear", x0=1, x1=1, p1=1)),), 1, 2)
    with pytest.raises(UserFacingError, match="неизвестная метрика"):
        ops_criteria.save_draft(con, OPERATOR, bad)


def test_college_metric_values_by_hand(tmp_path: Path) -> None:
    r = Region(tmp_path / "v.duckdb")
    a = r.graduate(graduation=D(2024, 6, 28))
    b = r.graduate(graduation=D(2024, 6, 28))
    r.status(a, D(2024, 7, 5), "employed", by_specialty=True, start=D(2024, 7, 1))
    r.status(b, D(2024, 7, 5), "employed", start=D(2024, 7, 1))
    r.status(a, D(2024, 7, 19), "employed", by_specialty=True, start=D(2024, 7, 1))
    r.ufns(a, D(2024, 7, 1), D(2024, 8, 1))
    r.frdo(a, "P001", D(2024, 6, 28))
    con = r.done()
    con.execute(
        "INSERT INTO career_tracks VALUES (?, 'P001', '2023/2024', 'трудоустройство', NULL, NULL)", [a]
    )
    con.execute(
        "INSERT INTO events VALUES ('P001', DATE '2024-03-01', 'ярмарка вакансий', 'Ярмарка', 3, 5, NULL)"
    )
    # arrivals: the snapshot of 05.07 on 05.07 at 12:00 UTC (16:00 Samara, before the 18:00
    # deadline); the one of 19.07 only on 22.07 (late)
    con.execute(
        "INSERT INTO snapshot_arrivals VALUES ('P001', 2024, DATE '2024-07-05', TIMESTAMP '2024-07-05 12:00', NULL, 'u'),"
        " ('P001', 2024, DATE '2024-07-19', TIMESTAMP '2024-07-22 09:00', NULL, 'u')"
    )
    v = criteria.college_metric_values(con, 2024, D(2024, 7, 26)).row(0, named=True)
    assert v["employment_federal"] == 1.0
    assert v["by_specialty_share"] == 0.5
    assert v["verification"] == 0.5  # a confirmed, b not (extract 01.08 covers 26.07)
    assert v["frdo_completeness"] == 0.5
    assert v["career_tracks"] == 0.5
    assert v["events_per_graduate"] == 1.5  # 3 participations / 2 graduates
    # Fridays after 28.06 up to 26.07: 05.07, 12.07, 19.07, 26.07 -> 4 weeks; on time in 1 of them
    assert v["timeliness"] == 0.25
    assert v["risk_resolved"] == 1.0  # nobody was ever in the risk group
    assert v["czn_unemployed_share"] == 0.0


def test_the_untouched_editor_tables_rebuild_the_same_definition() -> None:
    """The starting set has integer points; the editor tables give floats: still no change."""
    from ui import criteria_tables as ct

    s = starting_set(2024)
    rules = {c.id: ct.rules_frame(s, c.id, c.metric).to_dicts() for c in s.criteria}
    rebuilt = ct.build_set(
        s, ct.criteria_frame(s).to_dicts(), rules, high_from=40.0, medium_from=25.0, comment=s.comment
    )
    assert criteria.same_definition(rebuilt, s)
    heavier = CriteriaSet(2024, s.criteria, 40.5, 25)
    assert not criteria.same_definition(heavier, s)
