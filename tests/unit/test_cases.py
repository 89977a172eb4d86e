"""Risk cases (issue 14): opening and closing on status changes, measures linked to their stay,
overdue and stale counting, effectiveness by measure type, scope, writes with audit, migration of
the old free-text measures. Expected values are worked out by hand in the comments."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from data_layer import cases as store
from data_layer.errors import ScopeError, UserFacingError
from data_layer.schema import DDL, apply_schema
from data_layer.scope import OPERATOR, Scope
from metrics import cases
from metrics.risk import risk_stays
from metrics.settings import RiskThresholds
from ops import cases as ops
from tests.factories import D, Region

GRAD = D(2024, 6, 28)  # a Friday: checkpoints are 28.06, 05.07, 12.07, … (every Friday)
AS_OF = D(2024, 10, 4)  # a Friday, 14 weeks after graduation
T = RiskThresholds(n1_weeks=8, n2_weeks=4, n3_weeks=12)
BC = Scope("base_centre", username="bc")
P001 = Scope("college", "P001", username="p001")
TODAY = D(2024, 10, 4)


@pytest.fixture
def built(tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, dict[str, str]]:
    r = Region(tmp_path / "c.duckdb")
    k = {name: r.graduate(graduation=GRAD) for name in ("a", "b", "c", "d")}
    k["e"] = r.graduate(college="P003", graduation=GRAD)
    # a: informal 05.07 → employed 02.08 → informal again 06.09 (two stays)
    r.status(k["a"], D(2024, 7, 5), "informal")
    r.status(k["a"], D(2024, 8, 2), "employed", start=D(2024, 8, 1))
    r.status(k["a"], D(2024, 9, 6), "informal")
    # b: no motivation 05.07 → studies from 19.07
    r.status(k["b"], D(2024, 7, 5), "no_motivation")
    r.status(k["b"], D(2024, 7, 19), "continuing_education")
    # c: informal 05.07 → parental leave 26.07
    r.status(k["c"], D(2024, 7, 5), "informal")
    r.status(k["c"], D(2024, 7, 26), "parental_leave")
    # d (P001) and e (P003): informal from 05.07 to the end
    r.status(k["d"], D(2024, 7, 5), "informal")
    r.status(k["e"], D(2024, 7, 5), "other_risk", college="P003")
    return r.done(), k


def _by_key(frame, key: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return frame.filter(frame["person_key"] == key).sort("entry_date").to_dicts()


def _measure(
    con: duckdb.DuckDBPyConnection, key: str, kind: str, start: dt.date, due: dt.date, who: str = "Петрова"
) -> int:
    """A measure recorded by P001's user for its graduate `key` (cohort 2024), on TODAY."""
    return ops.add_measure(con, P001, "P001", 2024, key, kind, who, start, due, today=TODAY)


@pytest.fixture
def with_measures(built) -> tuple[duckdb.DuckDBPyConnection, dict[str, str]]:  # type: ignore[no-untyped-def]
    """`built` plus two measures for a: a consultation on 10.07 (due 20.07, a's first stay, closed
    into work on 02.08) and a vacancy offered on 10.09 (due 20.09, the second stay, still open)."""
    con, k = built
    _measure(con, k["a"], "consultation", D(2024, 7, 10), D(2024, 7, 20))
    _measure(con, k["a"], "vacancy_offered", D(2024, 9, 10), D(2024, 9, 20))
    return con, k


def test_cases_open_and_close_on_status_changes(built) -> None:  # type: ignore[no-untyped-def]
    con, k = built
    stays = risk_stays(con, OPERATOR, 2024, AS_OF, T)
    a = _by_key(stays, k["a"])
    # a: in the group at 05.07–26.07, out at 02.08 (employed), in again from 06.09, still at 04.10
    assert [(s["entry_date"], s["exit_date"], s["exit_status"], s["stay_no"]) for s in a] == [
        (D(2024, 7, 5), D(2024, 8, 2), "employed", 1),
        (D(2024, 9, 6), None, None, 2),
    ]
    assert a[0]["entry_reasons"] == ["risk_status"]
    got = cases.case_list(con, BC, 2024, AS_OF, T)
    states = {(r["person_key"], r["stay_no"]): r["state"] for r in got.to_dicts()}
    assert states == {
        (k["a"], 1): "closed_work",
        (k["a"], 2): "open",
        (k["b"], 1): "closed_study",  # left on 19.07 into study
        (k["c"], 1): "closed_other",  # parental leave: out of the group, but not into work/study
        (k["d"], 1): "open",
        (k["e"], 1): "open",
    }
    b = _by_key(got, k["b"])[0]
    assert (b["entry_date"], b["exit_date"]) == (D(2024, 7, 5), D(2024, 7, 19))
    # On an earlier evaluation date a's first case is still open and the second does not exist yet.
    early = cases.case_list(con, BC, 2024, D(2024, 7, 26), T)
    assert [(r["stay_no"], r["state"]) for r in _by_key(early, k["a"])] == [(1, "open")]


def test_measures_link_to_their_stay_and_overdue_and_stale(with_measures) -> None:  # type: ignore[no-untyped-def]
    con, k = with_measures
    # 10.07 → stay 1; 10.09 → stay 2 (open, due 20.09, no outcome); one before the first stay
    # (01.06, done) → belongs to stay 1
    m0 = _measure(con, k["a"], "consultation", D(2024, 6, 1), D(2024, 6, 5))
    ops.record_outcome(con, P001, m0, "done", D(2024, 6, 5), today=TODAY)
    # d: a measure due in the future (not overdue) dated 30.09
    _measure(con, k["d"], "psych_support", D(2024, 9, 30), D(2024, 10, 11), who="Сидоров")
    got = cases.case_list(con, BC, 2024, AS_OF, T)
    a1, a2 = _by_key(got, k["a"])
    assert (a1["measures"], a1["measure_types"]) == (2, ["consultation"])
    # a1 is closed: its open measure of 10.07 (due 20.07) is not counted as overdue
    assert a1["overdue"] == 0 and a1["open_measures"] == 1
    assert (a2["measures"], a2["overdue"], a2["last_measure_date"]) == (1, 1, D(2024, 9, 10))
    # stale with N = 3 weeks: a2 last measure 10.09 → 24 days before 04.10 > 21: stale;
    # d last measure 30.09 → 4 days: not stale; e no measure since 05.07 (91 days): stale
    stale = {(r["person_key"], r["stay_no"]): r["stale"] for r in got.to_dicts()}
    assert stale[(k["a"], 2)] and not stale[(k["d"], 1)] and stale[(k["e"], 1)]
    assert not stale[(k["a"], 1)]  # closed cases are never stale
    counts = cases.case_counts(got).to_dicts()
    assert counts == [
        {
            "college_code": "P001",
            "cases": 5,
            "open": 2,  # a2, d
            "open_with_overdue": 1,  # a2
            "overdue_measures": 1,
            "stale": 1,  # a2
            "escalated": 0,
            "closed_work": 1,
            "closed_study": 1,
            "closed_other": 1,
        },
        {
            "college_code": "P003",
            "cases": 1,
            "open": 1,
            "open_with_overdue": 0,
            "overdue_measures": 0,
            "stale": 1,
            "escalated": 0,
            "closed_work": 0,
            "closed_study": 0,
            "closed_other": 0,
        },
    ]
    # N is a setting: with 4 weeks (28 days) a2 (24 days) is no longer stale, e (91) still is
    ops.set_stale_weeks(con, BC, 4)
    got4 = cases.case_list(con, BC, 2024, AS_OF, T)
    assert sorted(r["person_key"] for r in got4.filter(got4["stale"]).to_dicts()) == [k["e"]]
    # the due date passes: on 12.10 d's measure (due 11.10) is overdue too
    later = cases.case_list(con, BC, 2024, D(2024, 10, 12), T)
    assert _by_key(later, k["d"])[0]["overdue"] == 1


def test_effectiveness_by_measure_type(with_measures) -> None:  # type: ignore[no-untyped-def]
    con, _ = with_measures
    got = cases.case_list(con, BC, 2024, AS_OF, T)
    eff = cases.effectiveness(got, store.catalogue(con))
    rows = {
        r["measure_type"]: (r["cases"], r["closed_work_study"], r["share"], r["small"])
        for r in eff.to_dicts()
    }
    # consultation: a1 (closed into work) → 1 of 1; vacancy: a2 (open) → 0 of 1;
    # no measures: b (study), c (other), d, e (open) → 1 of 4
    assert rows == {
        "consultation": (1, 1, 1.0, True),
        "vacancy_offered": (1, 0, 0.0, True),
        None: (4, 1, 0.25, True),
    }
    assert eff["measure_name"].to_list() == ["Консультация", "Вакансия предложена", "Без мер"]
    per_college = cases.effectiveness(got, store.catalogue(con), by_college=True)
    assert per_college.filter(per_college["college_code"] == "P003").select(
        "measure_type", "cases"
    ).rows() == [(None, 1)]


def test_scope(built) -> None:  # type: ignore[no-untyped-def]
    con, k = built
    _measure(con, k["d"], "consultation", D(2024, 9, 30), D(2024, 10, 1))
    # a college sees only its own cases
    own = cases.case_list(con, P001, 2024, AS_OF, T)
    assert set(own["college_code"]) == {"P001"} and own.height == 5
    assert cases.case_list(con, Scope("college", "P003"), 2024, AS_OF, T).height == 1
    assert store.measure_list(con, Scope("college", "P003"), 2024).is_empty()
    # ТУ and ministry: counts only
    for agg in (Scope("territory", "TU01"), Scope("ministry")):
        with pytest.raises(ScopeError):
            cases.case_list(con, agg, 2024, AS_OF, T)
        with pytest.raises(ScopeError):
            store.measure_list(con, agg, 2024)
    tu1 = cases.scoped_case_counts(con, Scope("territory", "TU01"), 2024, AS_OF, T)
    assert tu1["college_code"].to_list() == ["P001"] and tu1["cases"].to_list() == [5]
    assert cases.scoped_case_counts(con, Scope("ministry"), 2024, AS_OF, T)["cases"].sum() == 6
    # writes: a college only for its own graduates; ТУ and ministry never
    with pytest.raises(ScopeError):
        ops.add_measure(con, P001, "P003", 2024, k["e"], "consultation", "Х", TODAY, TODAY, today=TODAY)
    with pytest.raises(ScopeError):
        ops.add_measure(
            con, Scope("territory", "TU01"), "P001", 2024, k["d"], "consultation", "Х", TODAY, TODAY
        )
    mid = int(store.measure_list(con, P001, 2024)["measure_id"][0])
    with pytest.raises(ScopeError):
        ops.record_outcome(con, Scope("college", "P003"), mid, "done", TODAY, today=TODAY)


def test_writes_validate_and_audit(built) -> None:  # type: ignore[no-untyped-def]
    con, k = built
    bad = [
        dict(measure_type="nonexistent"),
        dict(responsible="  "),
        dict(measure_date=D(2024, 10, 5)),  # after today
        dict(due_date=D(2024, 9, 1)),  # before the measure date
        dict(person_key="00000000000"),
    ]
    base = dict(
        measure_type="consultation", responsible="Петрова", measure_date=D(2024, 9, 2), due_date=D(2024, 9, 9)
    )
    for change in bad:
        args = base | change
        with pytest.raises(UserFacingError):
            ops.add_measure(
                con,
                P001,
                "P001",
                2024,
                str(args.pop("person_key", k["d"])),
                today=TODAY,
                **args,  # type: ignore[arg-type]
            )
    assert con.execute("SELECT count(*) FROM case_measures").fetchall() == [(0,)]
    mid = ops.add_measure(con, P001, "P001", 2024, k["d"], today=TODAY, **base)  # type: ignore[arg-type]
    with pytest.raises(UserFacingError):
        ops.record_outcome(con, P001, mid, "done", D(2024, 9, 1), today=TODAY)  # before the measure
    ops.record_outcome(con, P001, mid, "employed", D(2024, 9, 20), "вышел на работу", today=TODAY)
    row = store.measure_list(con, P001, 2024).to_dicts()[0]
    assert (row["outcome"], row["outcome_date"], row["outcome_note"]) == (
        "employed",
        D(2024, 9, 20),
        "вышел на работу",
    )
    actions = [r[0] for r in con.execute("SELECT action FROM audit_log ORDER BY event_id").fetchall()]
    assert actions == ["case_measure", "case_outcome"]
    # catalogue: the base centre retires a type; it can no longer be chosen
    with pytest.raises(ScopeError):
        ops.save_catalogue_entry(con, P001, "consultation", "Консультация", active=False)
    ops.save_catalogue_entry(con, BC, "consultation", "Консультация", active=False)
    with pytest.raises(UserFacingError):
        ops.add_measure(con, P001, "P001", 2024, k["d"], today=TODAY, **base)  # type: ignore[arg-type]
    ops.save_catalogue_entry(con, BC, "job_fair", "Ярмарка вакансий")
    assert store.catalogue(con, active_only=True)["code"].to_list()[-1] == "job_fair"


def test_old_free_text_measures_are_migrated(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    for stmt in DDL:  # a database of the first release with two recorded measures
        con.execute(stmt)
    con.execute("INSERT INTO meta VALUES ('schema_version', '1'), ('dataset_version', '3')")
    now = dt.datetime(2024, 10, 1, 12)
    con.execute(
        "INSERT INTO risk_measures VALUES (1, 'P001', 2024, 'K1', DATE '2024-09-02', 'Звонок', ?, 'ivanova'),"
        "(2, 'P001', 2024, 'K1', DATE '2024-09-09', 'Собеседование', ?, 'ivanova')",
        [now, now],
    )
    con.execute("SELECT nextval('measure_id_seq'), nextval('measure_id_seq')")  # as add_measure did
    apply_schema(con)
    rows = con.execute(
        "SELECT measure_id, measure_type, description, responsible, measure_date, outcome FROM case_measures ORDER BY 1"
    ).fetchall()
    assert rows == [
        (1, "other", "Звонок", "ivanova", D(2024, 9, 2), "done"),
        (2, "other", "Собеседование", "ivanova", D(2024, 9, 9), "done"),
    ]
    assert con.execute("SELECT count(*) FROM risk_measures").fetchall() == [(2,)]  # never lost
    assert int(con.execute("SELECT nextval('measure_id_seq')").fetchall()[0][0]) == 3  # no id clash
