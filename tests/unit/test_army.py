"""Army returnees (issue 14, part 2): expected discharge from the call-up date (or the status start,
or the first conscript snapshot) + 12 months; the 8-week list; the labour ministry's file joins it."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_layer.errors import ScopeError
from data_layer.importer import load_file
from data_layer.scope import OPERATOR, Scope
from metrics import army
from tests.factories import D, Region

AS_OF = D(2025, 10, 1)  # + 8 weeks = 26.11.2025


@pytest.fixture
def built(tmp_path: Path):  # type: ignore[no-untyped-def]
    r = Region(tmp_path / "a.duckdb")
    k = {n: r.graduate() for n in ("callup", "start", "snap", "late", "back", "other")}
    k["p3"] = r.graduate(college="P003")
    # call-up date given: 15.11.2024 → expected 15.11.2025 (≤ 26.11: listed)
    r.status(
        k["callup"], D(2024, 12, 6), "military_conscript", start=D(2024, 10, 1), conscription=D(2024, 11, 15)
    )
    # no call-up date: status start 20.10.2024 → 20.10.2025 (listed)
    r.status(k["start"], D(2024, 11, 1), "military_conscript", start=D(2024, 10, 20))
    # neither: first conscript snapshot 06.12.2024 → 06.12.2025 (after 26.11: not yet)
    r.status(k["snap"], D(2024, 12, 6), "military_conscript")
    r.status(k["snap"], D(2025, 1, 10), "military_conscript")
    # expected 01.08.2025 already past, still reported as a conscript: stays listed
    r.status(k["late"], D(2024, 9, 6), "military_conscript", conscription=D(2024, 8, 1))
    # already back and working: not listed
    r.status(k["back"], D(2024, 9, 6), "military_conscript", conscription=D(2024, 8, 1))
    r.status(k["back"], D(2025, 9, 5), "employed", start=D(2025, 9, 1))
    r.status(k["p3"], D(2024, 12, 6), "military_conscript", college="P003", conscription=D(2024, 11, 20))
    return r.done(), k


def test_expected_discharge_dates_and_the_8_week_list(built) -> None:  # type: ignore[no-untyped-def]
    con, k = built
    got = army.returnee_list(con, OPERATOR, 2024, AS_OF)
    rows = {
        r["person_key"]: (r["call_up_date"], r["expected_discharge"], r["source"]) for r in got.to_dicts()
    }
    assert rows == {
        k["late"]: (D(2024, 8, 1), D(2025, 8, 1), "status"),
        k["start"]: (D(2024, 10, 20), D(2025, 10, 20), "status"),
        k["callup"]: (D(2024, 11, 15), D(2025, 11, 15), "status"),
        k["p3"]: (D(2024, 11, 20), D(2025, 11, 20), "status"),
    }
    # ordered by the return date
    assert got["person_key"].to_list() == [k["late"], k["start"], k["callup"], k["p3"]]
    # a week later the window reaches 03.12 … still not 06.12; two weeks later it does
    assert k["snap"] not in army.returnee_list(con, OPERATOR, 2024, D(2025, 10, 8))["person_key"].to_list()
    later = army.returnee_list(con, OPERATOR, 2024, D(2025, 10, 10))  # + 56 days = 05.12: not yet
    assert k["snap"] not in later["person_key"].to_list()
    assert k["snap"] in army.returnee_list(con, OPERATOR, 2024, D(2025, 10, 11))["person_key"].to_list()


def test_ministry_file_joins_the_list(built, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    con, k = built
    body = (
        "СНИЛС;Дата увольнения с военной службы;Дата выгрузки\n"
        f"{k['snap']};20.10.2025;25.09.2025\n"  # not in the status list yet (expected 06.12): joins by file
        f"{k['callup']};14.11.2025;25.09.2025\n"  # in both
        f"{k['other']};01.01.2025;25.09.2025\n"  # long ago (before 01.10 − 4 weeks): not listed
    )
    res = load_file(con, body.encode("utf-8"), "army.csv", kind="army_returns")
    assert res.ok, res.errors
    got = army.returnee_list(con, OPERATOR, 2024, AS_OF)
    rows = {r["person_key"]: (r["source"], r["return_date"]) for r in got.to_dicts()}
    assert rows[k["snap"]] == ("ministry", D(2025, 10, 20))
    assert rows[k["callup"]] == ("both", D(2025, 11, 14))  # the known date wins over the expected one
    assert k["other"] not in rows
    counts = army.returnee_counts(con, Scope("territory", "TU01"), 2024, AS_OF)
    # TU01 holds P001 only of the colleges with returnees: late, start, callup, snap
    assert counts.rows() == [("P001", 4, 2)]


def test_scope(built) -> None:  # type: ignore[no-untyped-def]
    con, k = built
    assert army.returnee_list(con, Scope("college", "P003"), 2024, AS_OF)["person_key"].to_list() == [k["p3"]]
    for agg in (Scope("ministry"), Scope("territory", "TU02")):
        with pytest.raises(ScopeError):
            army.returnee_list(con, agg, 2024, AS_OF)
    assert army.returnee_counts(con, Scope("territory", "TU02"), 2024, AS_OF).rows() == [("P003", 1, 0)]
