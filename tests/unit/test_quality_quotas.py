"""Data quality per college and territory (metrics.quality) and employment by college × specialty
over cohorts for КЦП (metrics.quotas), on hand-made regions with hand-computed values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from data_layer.scope import Scope
from metrics import quality, quotas
from metrics.indicators import BUILTIN
from tests.factories import D, Region

MIN = Scope("ministry")
EMPLOYMENT = next(i for i in BUILTIN if i.id == "employment_federal")


def test_quality_per_college_and_territory(tmp_path: Path) -> None:
    r = Region(tmp_path / "q.duckdb")
    grad = D(2024, 6, 28)
    snap = D(2024, 9, 6)
    g1 = r.graduate("P001", graduation=grad)  # employed, confirmed by УФНС, but registered at a ЦЗН
    g2 = r.graduate("P001", graduation=grad)  # «не определился»
    r.graduate("P001", graduation=grad)  # no status at all
    g4 = r.graduate("P001", graduation=grad)  # employed, no УФНС record: unconfirmed
    g5 = r.graduate("P002", graduation=grad)  # continuing education
    r.status(g1, snap, "employed", start=D(2024, 7, 1))
    r.status(g2, snap, "undetermined")
    r.status(g4, snap, "employed", start=D(2024, 7, 1))
    r.status(g5, snap, "continuing_education", college="P002")
    r.ufns(g1, D(2024, 7, 1), extract=D(2024, 9, 1))
    r.czn(g1, D(2024, 8, 1), extract=D(2024, 9, 1))
    for key, college in ((g1, "P001"), (g2, "P001"), (g5, "P002")):
        r.frdo(key, college, D(2024, 6, 30))
    cur = r.done().cursor()
    per = quality.college_quality(cur, MIN, 2024, D(2024, 9, 10))
    p1 = per.filter(college_code="P001").row(0, named=True)
    assert (p1["total"], p1["no_status"], p1["no_status_share"]) == (4, 2, 0.5)
    assert (p1["ufns_conflicts"], p1["czn_conflicts"], p1["frdo_completeness"]) == (1, 1, 0.5)
    assert p1["last_snapshot"] == snap and p1["reconciliation"] == "не начата"
    p2 = per.filter(college_code="P002").row(0, named=True)
    assert (p2["no_status_share"], p2["frdo_completeness"], p2["ufns_conflicts"]) == (0.0, 1.0, 0)
    tu = quality.territory_quality(per).filter(tu_code="TU01").row(0, named=True)
    # TU01 = P001 + P002: 2 of 5 without status, 3 of 5 in ФИС ФРДО
    assert (tu["colleges"], tu["total"], tu["no_status_share"], tu["frdo_completeness"]) == (2, 5, 0.4, 0.6)
    assert (tu["ufns_conflicts"], tu["czn_conflicts"], tu["reconciled"]) == (1, 1, 0)
    # a territory sees only its colleges
    assert quality.college_quality(cur, Scope("territory", "TU02"), 2024, D(2024, 9, 10)).is_empty()


@pytest.fixture
def three_cohorts(tmp_path: Path):  # type: ignore[no-untyped-def]
    r = Region(tmp_path / "k.duckdb")
    # 09.02.07 at P001: cohort 2023 — 6 of 10 employed by 04.10.2023; cohort 2024 — 8 of 10 by 04.10.2024.
    for cohort, employed in ((2023, 6), (2024, 8)):
        for i in range(10):
            key = r.graduate("P001", cohort=cohort, graduation=D(cohort, 6, 28))
            status = "employed" if i < employed else "undetermined"
            r.status(key, D(cohort, 9, 1), status, cohort=cohort, start=D(cohort, 7, 1))
    # a small group: 15.01.05 at P001, 2 graduates of 2024
    for _ in range(2):
        key = r.graduate("P001", cohort=2024, program="15.01.05", graduation=D(2024, 6, 28))
        r.status(key, D(2024, 9, 1), "employed", start=D(2024, 7, 1))
    return r.done().cursor()


def test_quota_table_compares_cohorts_at_the_same_point(three_cohorts) -> None:  # type: ignore[no-untyped-def]
    table, cohorts = quotas.quota_table(three_cohorts, MIN, 2024, D(2024, 10, 4), EMPLOYMENT)
    assert cohorts == [2023, 2024]
    main = table.filter(program_code="09.02.07").row(0, named=True)
    assert (main["total_2023"], main["rate_2023"], main["total_2024"], main["rate_2024"]) == (
        10,
        0.6,
        10,
        0.8,
    )
    assert main["trend_pp"] == pytest.approx(20.0)
    small = table.filter(program_code="15.01.05").row(0, named=True)
    assert small["small_2024"] and small["total_2023"] == 0 and small["trend_pp"] is None


def test_same_point_moves_back_whole_years() -> None:
    assert quotas.same_point(D(2024, 10, 4), 2024, 2022) == D(2022, 10, 4)
    assert quotas.same_point(D(2024, 2, 29), 2024, 2023) == D(2023, 2, 28)
    assert quotas.same_point(dt.date(2026, 11, 20), 2025, 2023) == D(2024, 11, 20)
