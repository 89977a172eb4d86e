"""No probing through the graduation list (issue 12): a СНИЛС another college also lists, or that
ФИС ФРДО attributes to another college, sees no УФНС/ЦЗН facts until the base centre decides."""

from __future__ import annotations

from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

from data_layer import identity
from data_layer.errors import ScopeError, UserFacingError
from data_layer.scope import OPERATOR, Scope
from metrics import risk, verification
from metrics.settings import risk_thresholds
from ops import identity as ops_identity
from ops import reconciliation as ops_reconciliation
from tests.factories import D, Region

AS_OF = D(2024, 9, 30)
BASE = Scope("base_centre", username="bc")


def _classes(con, scope: Scope) -> dict[tuple[str, str], str]:  # type: ignore[no-untyped-def]
    f = verification.verification_frame(con, scope, 2024, AS_OF)
    # the same through the region's external facts computed beforehand (ui/cached.py's parts)
    facts = verification.external_facts(con)
    keys = ["college_code", "person_key"]
    assert_frame_equal(
        verification.verification_frame(con, scope, 2024, AS_OF, None, facts).sort(keys), f.sort(keys)
    )
    return {(c, k): v for c, k, v in zip(f["college_code"], f["person_key"], f["verification"], strict=True)}


def test_a_stranger_put_into_a_list_learns_nothing(tmp_path: Path) -> None:
    r = Region(tmp_path / "i.duckdb")
    real = r.graduate("P001")
    probe = r.graduate("P002", snils=real)  # P002 lists P001's graduate to probe him
    own = r.graduate("P002")
    for college in ("P001", "P002"):
        r.status(real, D(2024, 7, 5), "undetermined", college=college)
    r.status(own, D(2024, 7, 5), "undetermined", college="P002")
    r.ufns(real, D(2024, 7, 1), extract=D(2024, 9, 1))
    r.ufns(own, D(2024, 7, 1), extract=D(2024, 9, 1))
    r.czn(real, D(2024, 9, 10), extract=D(2024, 10, 1))
    con = r.done()
    assert probe == real
    # withheld from both colleges (and from every figure), while the unrelated graduate is found
    got = _classes(con, OPERATOR)
    assert got == {("P001", real): "not_work", ("P002", real): "not_work", ("P002", own): "found_external"}
    assert _classes(con, Scope("college", "P002")) == {
        ("P002", real): "not_work",
        ("P002", own): "found_external",
    }
    # the ЦЗН registration is no risk reason for either college
    reg = risk.risk_register(con, OPERATOR, 2024, AS_OF, risk_thresholds(con))
    facts = verification.external_facts(con)
    assert facts.withheld.sort("college_code").rows() == [(real, "P001"), (real, "P002")]
    thr = risk_thresholds(con)
    assert_frame_equal(risk.risk_register(con, OPERATOR, 2024, AS_OF, thr, facts=facts), reg)
    assert "czn_registered" not in str(reg.filter(reg["person_key"] == real)["reasons"].to_list())
    # flagged to the base centre with both colleges
    lst = identity.contested(con, BASE)
    assert sorted(zip(lst["college_code"], lst["listed_elsewhere"], lst["decision"], strict=True)) == [
        ("P001", True, None),
        ("P002", True, None),
    ]
    # the base centre decides: P001's graduate, not P002's
    ops_identity.decide(con, BASE, real, "P001", "allowed", "диплом в ФИС ФРДО")
    ops_identity.decide(con, BASE, real, "P002", "denied")
    got = _classes(con, OPERATOR)
    assert got[("P001", real)] == "found_external"
    assert got[("P002", real)] == "not_work"
    actions = con.execute("SELECT action, object, details FROM audit_log ORDER BY event_id").fetchall()
    assert actions[-2:] == [
        (
            "identity_decision",
            "P001",
            f"***-***-{real[6:9]} {real[9:]}: Выпускник этой ПОО; диплом в ФИС ФРДО",
        ),
        ("identity_decision", "P002", f"***-***-{real[6:9]} {real[9:]}: Не выпускник этой ПОО"),
    ]


def test_frdo_attributing_the_snils_elsewhere_withholds(tmp_path: Path) -> None:
    r = Region(tmp_path / "f.duckdb")
    g = r.graduate("P002")
    r.status(g, D(2024, 7, 5), "employed", college="P002", start=D(2024, 7, 1))
    r.ufns(g, D(2024, 7, 1), extract=D(2024, 9, 1))
    r.frdo(g, "P001", D(2024, 6, 28))  # the diploma was issued by P001
    con = r.done()
    assert _classes(con, OPERATOR) == {("P002", g): "not_checkable"}
    lst = identity.contested(con, BASE)
    assert lst.select("college_code", "listed_elsewhere", "frdo_elsewhere").rows() == [("P002", False, True)]
    # a diploma of P002 too: no longer contested
    r.frdo(g, "P002", D(2024, 6, 28))
    assert _classes(con, OPERATOR) == {("P002", g): "confirmed"}
    assert identity.contested(con, BASE).is_empty()


def test_only_the_base_centre_decides(tmp_path: Path) -> None:
    r = Region(tmp_path / "d.duckdb")
    g = r.graduate("P001")
    r.graduate("P002", snils=g)
    con = r.done()
    with pytest.raises(ScopeError):
        ops_identity.decide(con, Scope("college", "P001"), g, "P001", "allowed")
    with pytest.raises(ScopeError):
        identity.contested(con, Scope("college", "P001"))
    with pytest.raises(UserFacingError, match="не спорный"):
        ops_identity.decide(con, BASE, g, "P003", "allowed")


def test_lists_grown_after_reconciliation(tmp_path: Path) -> None:
    r = Region(tmp_path / "g.duckdb")
    for _ in range(3):
        r.graduate("P001")
    con = r.done()
    ops_reconciliation.decide(con, Scope("college", "P001", "poo"), "P001", 2024, "confirmed")
    assert identity.grown_lists(con, BASE).is_empty()
    r.graduate("P001")
    grown = identity.grown_lists(con, BASE)
    assert grown.select("college_code", "cohort", "list_count", "current_count").rows() == [
        ("P001", 2024, 3, 4)
    ]


def test_contested_pairs_in_parts_equal_one_query(tmp_path: Path) -> None:
    """The region's contested pairs are computed in parts of the СНИЛС (memory, issue 16 item 2):
    the parts' union is exactly the one-query result, whatever part each СНИЛС falls into."""
    r = Region(tmp_path / "p.duckdb")
    expected = set()
    for i in range(12):  # twelve СНИЛС over the parts: listed twice, or attributed elsewhere by ФИС ФРДО
        g = r.graduate("P001")
        if i % 2:
            r.graduate("P002", snils=g)
            expected |= {(g, "P001"), (g, "P002")}
        else:
            r.frdo(g, "P002", D(2024, 6, 28))
            expected.add((g, "P001"))
        r.graduate("P002")  # an uncontested graduate beside each
    con = r.done()
    one_query = con.sql(f"SELECT snils, college_code FROM ({identity.CONTESTED_SQL})").fetchall()
    assert set(one_query) == expected
    sizes = [
        con.sql(f"SELECT count(*) FROM graduates WHERE true{p}").fetchall()[0][0]
        for p in identity.snils_parts()
    ]
    assert sum(sizes) == 30 and sum(n > 0 for n in sizes) > 1  # the graduates really spread over the parts
    lst = identity.contested(con, BASE)
    assert set(zip(lst["snils"], lst["college_code"], strict=True)) == expected
    assert lst["snils"].to_list() == sorted(lst["snils"].to_list())
    assert set(verification.external_facts(con).withheld.rows()) == expected
