"""Verification against УФНС/ЦЗН (docs/domain.md §5) and reconciliation with ФИС ФРДО (docs/domain.md §7), by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_layer.errors import ScopeError, UserFacingError
from data_layer.scope import OPERATOR, Scope
from metrics import reconciliation, verification
from ops import reconciliation as ops_reconciliation
from tests.factories import D, Region


def test_verification_classes(tmp_path: Path) -> None:
    r = Region(tmp_path / "v.duckdb")
    confirmed = r.graduate()
    unconfirmed = r.graduate()
    found = r.graduate()
    late = r.graduate()
    conflict = r.graduate()
    foreign = r.graduate(foreign=True)
    r.status(confirmed, D(2024, 7, 5), "employed", start=D(2024, 7, 1))
    r.ufns(confirmed, D(2024, 7, 1), extract=D(2024, 9, 1))
    r.status(unconfirmed, D(2024, 7, 5), "self_employed", start=D(2024, 7, 1))
    r.status(found, D(2024, 7, 5), "undetermined")
    r.ufns(found, D(2024, 8, 1), extract=D(2024, 9, 1), kind="self_employed")
    r.status(late, D(2024, 9, 20), "employed", start=D(2024, 9, 15))  # after the newest extract
    r.status(conflict, D(2024, 7, 5), "employed", start=D(2024, 7, 1))
    r.ufns(conflict, D(2024, 7, 1), extract=D(2024, 9, 1))
    r.czn(conflict, D(2024, 9, 10), extract=D(2024, 10, 1))
    r.status(foreign, D(2024, 7, 5), "employed")
    con = r.done()
    f = verification.verification_frame(con, OPERATOR, 2024, D(2024, 9, 30))
    got = dict(zip(f["person_key"], f["verification"], strict=True))
    assert got[confirmed] == "confirmed"
    assert got[unconfirmed] == "unconfirmed"
    assert got[found] == "found_external"
    assert got[late] == "not_checkable"
    assert got[foreign] == "not_checkable"
    assert got[conflict] == "confirmed"
    assert dict(zip(f["person_key"], f["czn_conflict"], strict=True))[conflict] is True
    s = verification.verification_summary(f).row(0, named=True)
    # declared work 5 (confirmed 2, unconfirmed 1, not checkable 2); share = 2 / 3
    assert (
        s["declared_work"],
        s["confirmed"],
        s["unconfirmed"],
        s["found_external"],
        s["czn_conflicts"],
    ) == (
        5,
        2,
        1,
        1,
        1,
    )
    assert s["confirmed_share"] == pytest.approx(2 / 3)
    assert set(verification.conflicts(f)["person_key"]) == {unconfirmed, found, conflict}


def test_ended_ufns_record_does_not_confirm(tmp_path: Path) -> None:
    r = Region(tmp_path / "v.duckdb")
    k = r.graduate()
    r.status(k, D(2024, 7, 5), "employed", start=D(2024, 7, 1))
    r.ufns(k, D(2024, 7, 1), extract=D(2024, 12, 1), end=D(2024, 8, 31))
    con = r.done()
    f = verification.verification_frame(con, OPERATOR, 2024, D(2024, 10, 1))
    assert f["verification"].to_list() == ["unconfirmed"]


def test_reconciliation_counts_and_decisions(tmp_path: Path) -> None:
    r = Region(tmp_path / "r.duckdb")
    a = r.graduate()
    b = r.graduate()
    r.graduate()
    r.frdo(a, "P001", D(2024, 6, 28))
    r.frdo(b, "P001", D(2024, 6, 28))
    r.frdo("11122233344", "P001", D(2024, 6, 28))  # a diploma not in the list
    r.frdo(a, "P001", D(2023, 6, 28))  # another year: not this cohort
    con = r.done()
    row = reconciliation.reconciliation_table(con, OPERATOR, 2024).row(0, named=True)
    assert (row["list_count"], row["frdo_count"], row["matched"]) == (3, 3, 2)
    assert (row["only_in_list"], row["only_in_frdo"]) == (1, 1)
    assert row["completeness"] == pytest.approx(2 / 3)
    diff = reconciliation.differences(con, OPERATOR, "P001", 2024)
    assert sorted(diff["side"].to_list()) == ["only_in_frdo", "only_in_list"]
    college = Scope("college", "P001", "poo_user")
    territory = Scope("territory", "TU01", "tu_user")
    with pytest.raises(UserFacingError):
        ops_reconciliation.decide(con, territory, "P001", 2024, "returned", "")  # a return needs a comment
    ops_reconciliation.decide(con, territory, "P001", 2024, "returned", "Проверьте троих выпускников")
    ops_reconciliation.decide(con, college, "P001", 2024, "confirmed")
    row = reconciliation.reconciliation_table(con, OPERATOR, 2024).row(0, named=True)
    assert (row["college_decision"], row["territory_decision"]) == ("confirmed", "returned")
    assert row["territory_user"] == "tu_user"
    with pytest.raises(ScopeError):
        ops_reconciliation.decide(con, Scope("territory", "TU02", "x"), "P001", 2024, "confirmed")
    with pytest.raises(ScopeError):
        ops_reconciliation.decide(con, Scope("ministry", None, "m"), "P001", 2024, "confirmed")
    with pytest.raises(ScopeError):
        reconciliation.differences(con, territory, "P001", 2024)  # personal data
    n = con.execute("SELECT count(*) FROM audit_log WHERE action IN ('confirm', 'return')").fetchall()[0][0]
    assert n == 2


def test_newest_ufns_extract_ends_a_job(tmp_path: Path) -> None:
    r = Region(tmp_path / "v.duckdb")
    k = r.graduate()
    r.status(k, D(2024, 7, 5), "employed", start=D(2024, 7, 1))
    r.ufns(k, D(2024, 7, 1), extract=D(2024, 9, 1))  # open in September
    r.ufns(k, D(2024, 7, 1), extract=D(2024, 11, 1), end=D(2024, 9, 30))  # ended, says November
    con = r.done()
    assert (
        verification.verification_frame(con, OPERATOR, 2024, D(2024, 9, 15))["verification"][0] == "confirmed"
    )
    assert (
        verification.verification_frame(con, OPERATOR, 2024, D(2024, 10, 15))["verification"][0]
        == "unconfirmed"
    )
