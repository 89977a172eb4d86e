"""Indicators: hand-computed values for every built-in indicator and the edge cases of docs/domain.md §4."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from data_layer.scope import OPERATOR, Scope
from metrics import engine
from metrics.indicators import BUILTIN_BY_ID, compute, places_needed, with_indicator
from metrics.statuses import CODES
from tests.factories import D, Region

EF = BUILTIN_BY_ID["employment_federal"]


@pytest.fixture
def region(tmp_path: Path) -> Region:
    return Region(tmp_path / "t.duckdb")


def _counts(**kw: int) -> dict[str, int]:
    return {c: 0 for c in CODES} | kw


# One hand-made group of 20 graduates:
# employed 5 (3 по специальности), entrepreneur 1, self_employed 1, military_contract 1  -> work 8
# continuing_education 2, military_conscript 2, parental_leave 1, moved_abroad 1          -> excluded 6 (federal)
# informal 1, czn_unemployed 1, no_motivation 1                                           -> risk 3
# forecast_employed 1, undetermined 1, unknown 1                                          -> 3
COUNTS = _counts(
    employed=5,
    entrepreneur=1,
    self_employed=1,
    military_contract=1,
    continuing_education=2,
    military_conscript=2,
    parental_leave=1,
    moved_abroad=1,
    informal=1,
    czn_unemployed=1,
    no_motivation=1,
    forecast_employed=1,
    undetermined=1,
    unknown=1,
) | {"employed_by_specialty": 3}


@pytest.mark.parametrize(
    ("indicator", "forecast", "expected"),
    [
        # 8 / (20 - 2 - 2 - 1 - 1) = 8/14
        ("employment_federal", False, (8, 14)),
        # forecast_employed counts as employed: 9/14
        ("employment_federal", True, (9, 14)),
        # 8 / (20 - 2) = 8/18
        ("employment_excl_study", False, (8, 18)),
        # work 8 + conscript 2 + study 2 + leave 1 = 13 / 20
        ("occupancy_regional", False, (13, 20)),
        # informal + czn + no_motivation = 3 / 20
        ("risk_share", False, (3, 20)),
        # employed by specialty 3 / employed 5
        ("by_specialty_share", False, (3, 5)),
    ],
)
def test_builtin_indicators_by_hand(indicator: str, forecast: bool, expected: tuple[int, int]) -> None:
    num, den, rate = compute(COUNTS, BUILTIN_BY_ID[indicator], forecast)
    assert (num, den) == expected
    assert rate == pytest.approx(expected[0] / expected[1])


def test_vectorised_formula_agrees_with_scalar() -> None:
    frame = pl.DataFrame([COUNTS])
    for ind in BUILTIN_BY_ID.values():
        for fc in (False, True):
            row = with_indicator(frame, ind, fc).row(0, named=True)
            num, den, rate = compute(COUNTS, ind, fc)
            assert (row["numerator"], row["denominator"]) == (num, den), ind.id
            assert row["rate"] == pytest.approx(rate)


def test_zero_denominator_gives_no_value() -> None:
    # Only excluded statuses: denominator 0 -> None, never 0 % or an error.
    counts = _counts(continuing_education=3, military_conscript=1)
    assert compute(counts, EF) == (0, 0, None)
    assert with_indicator(pl.DataFrame([counts | {"employed_by_specialty": 0}]), EF)["rate"][0] is None
    assert compute(_counts(), BUILTIN_BY_ID["by_specialty_share"]) == (0, 0, None)


def test_forecast_conscript_and_education_leave_the_denominator() -> None:
    counts = _counts(employed=2, forecast_conscript=1, forecast_education=1, undetermined=1)
    assert compute(counts, EF, forecast=False) == (2, 5, pytest.approx(0.4))
    # with forecast: conscript and study are excluded -> 2 / 3
    assert compute(counts, EF, forecast=True)[:2] == (2, 3)


def test_places_needed() -> None:
    # 62.5 % of 16 = 10 -> 10 - 7 = 3 more graduates
    assert places_needed(7, 16, 0.625) == 3
    assert places_needed(10, 16, 0.625) == 0
    assert places_needed(11, 16, 0.625) == 0
    assert places_needed(0, 0, 0.625) == 0


def test_status_at_date_uses_latest_snapshot_containing_graduate(region: Region) -> None:
    a = region.graduate()
    b = region.graduate()
    region.status(a, D(2024, 7, 5), "undetermined")
    region.status(b, D(2024, 7, 5), "employed")
    # newest snapshot (12.07) omits b: b keeps its 05.07 status
    region.status(a, D(2024, 7, 12), "employed")
    con = region.done()
    t = engine.status_counts(con, OPERATOR, 2024, D(2024, 7, 12), "region").row(0, named=True)
    assert (t["total"], t["employed"], t["undetermined"]) == (2, 2, 0)
    # before the first snapshot everybody is unknown
    t0 = engine.status_counts(con, OPERATOR, 2024, D(2024, 7, 4), "region").row(0, named=True)
    assert (t0["total"], t0["unknown"]) == (2, 2)
    # on a date between snapshots the older one holds
    t1 = engine.status_counts(con, OPERATOR, 2024, D(2024, 7, 8), "region").row(0, named=True)
    assert (t1["employed"], t1["undetermined"]) == (1, 1)


def test_replaced_snapshot_changes_only_that_date(region: Region) -> None:
    from data_layer.spells import rebuild_spells

    a = region.graduate()
    region.status(a, D(2024, 7, 5), "undetermined")
    region.status(a, D(2024, 7, 12), "informal")
    con = region.done()
    assert engine.status_counts(con, OPERATOR, 2024, D(2024, 7, 12))["informal"][0] == 1
    con.execute("DELETE FROM status_rows WHERE college_code = 'P001' AND snapshot_date = DATE '2024-07-12'")
    region.status(a, D(2024, 7, 12), "employed")
    rebuild_spells(con, [("P001", 2024)])
    t = engine.status_counts(con, OPERATOR, 2024, D(2024, 7, 12)).row(0, named=True)
    assert (t["employed"], t["informal"]) == (1, 0)
    assert engine.status_counts(con, OPERATOR, 2024, D(2024, 7, 6))["undetermined"][0] == 1


def test_graduate_without_snils_is_counted(region: Region) -> None:
    f = region.graduate(foreign=True)
    a = region.graduate()
    region.status(f, D(2024, 7, 5), "foreign_no_snils")
    region.status(a, D(2024, 7, 5), "employed")
    con = region.done()
    row = engine.indicator_table(con, OPERATOR, 2024, D(2024, 7, 5), EF).row(0, named=True)
    # total 2; foreign_no_snils is excluded from the federal denominator -> 1/1
    assert (row["total"], row["numerator"], row["denominator"]) == (2, 1, 1)


def test_two_cohorts_of_one_college_never_mix(region: Region) -> None:
    old = region.graduate(cohort=2023)
    new1 = region.graduate(cohort=2024)
    new2 = region.graduate(cohort=2024)
    region.status(old, D(2024, 7, 5), "employed", cohort=2023)
    region.status(new1, D(2024, 7, 5), "undetermined", cohort=2024)
    region.status(new2, D(2024, 7, 5), "employed", cohort=2024)
    con = region.done()
    r23 = engine.indicator_table(con, OPERATOR, 2023, D(2024, 7, 5), EF).row(0, named=True)
    r24 = engine.indicator_table(con, OPERATOR, 2024, D(2024, 7, 5), EF).row(0, named=True)
    assert (r23["total"], r23["numerator"]) == (1, 1)
    assert (r24["total"], r24["numerator"], r24["denominator"]) == (2, 1, 2)


def test_breakdowns_and_scope(region: Region) -> None:
    a = region.graduate(college="P001", sex="Ж", is_ovz=True)
    b = region.graduate(college="P002", program="15.01.05")
    c = region.graduate(college="P003")
    for k, col in ((a, "P001"), (b, "P002"), (c, "P003")):
        region.status(k, D(2024, 7, 5), "employed", college=col)
    con = region.done()
    terr = engine.status_counts(con, OPERATOR, 2024, D(2024, 7, 5), "territory")
    assert dict(zip(terr["code"], terr["total"], strict=True)) == {"TU01": 2, "TU02": 1}
    sex = engine.status_counts(con, OPERATOR, 2024, D(2024, 7, 5), "sex")
    assert dict(zip(sex["name"], sex["total"], strict=True)) == {"Женщины": 1, "Мужчины": 2}
    health = engine.status_counts(con, OPERATOR, 2024, D(2024, 7, 5), "health")
    assert dict(zip(health["code"], health["total"], strict=True)) == {"ovz": 1, "none": 2}
    level = engine.status_counts(con, OPERATOR, 2024, D(2024, 7, 5), "level")
    assert dict(zip(level["code"], level["total"], strict=True)) == {"ППКРС": 1, "ППССЗ": 2}
    # a territory sees only its colleges, a college only itself
    tu = engine.status_counts(con, Scope("territory", "TU02", "t"), 2024, D(2024, 7, 5), "college")
    assert tu["code"].to_list() == ["P003"]
    col = engine.status_counts(con, Scope("college", "P002", "c"), 2024, D(2024, 7, 5), "college")
    assert col["code"].to_list() == ["P002"]
    # filters narrow further, never widen
    f = engine.status_counts(
        con, Scope("college", "P002", "c"), 2024, D(2024, 7, 5), "college", {"college": "P001"}
    )
    assert f.is_empty()


def test_weekly_series(region: Region) -> None:
    keys = [region.graduate(graduation=D(2024, 6, 28)) for _ in range(4)]
    # week by week one more graduate employed: 0, 1, 2, 3 of 4 on Fridays 05.07, 12.07, 19.07, 26.07
    for i, k in enumerate(keys[:3]):
        region.status(k, D(2024, 7, 5), "undetermined")
        region.status(k, D(2024, 7, 12) + (D(2024, 7, 19) - D(2024, 7, 12)) * i, "employed")
    con = region.done()
    s = engine.weekly_series(con, OPERATOR, 2024, D(2024, 7, 26), EF)
    assert s["date"].to_list() == [
        D(2024, 6, 28),
        D(2024, 7, 5),
        D(2024, 7, 12),
        D(2024, 7, 19),
        D(2024, 7, 26),
    ]
    assert s["numerator"].to_list() == [0, 0, 1, 2, 3]
    assert set(s["total"].to_list()) == {4}


def test_weekly_dates_are_fridays_plus_end() -> None:
    ds = engine.weekly_dates(D(2024, 6, 26), D(2024, 7, 10))
    assert ds == [D(2024, 6, 28), D(2024, 7, 5), D(2024, 7, 10)]


def test_data_dates_follow_the_scope(region: Region) -> None:
    import datetime as dt

    region.graduate(college="P001")
    con = region.done()
    # one load stored the lists of two colleges (the code column then holds "P001,P003")
    con.execute(
        "INSERT INTO loads (load_id, loaded_at, username, file_name, checksum, kind, college_code, scope_key, rows, warnings, replaced_rows) VALUES (7, TIMESTAMP '2026-11-02 10:00', 'u', 'g.csv', 'x', 'graduates', 'P001,P003', "
        "NULL, 1, 0, 0)"
    )
    con.execute("UPDATE graduates SET load_id = 7")
    got = engine.data_dates(con, Scope("college", "P001", "c"))
    assert got["Фактический выпуск (списки ПОО)"] == dt.date(2026, 11, 2)
    assert engine.data_dates(con, Scope("college", "P002", "c"))["Фактический выпуск (списки ПОО)"] is None


def test_data_dates_follow_the_chosen_cohort_and_date(region: Region) -> None:
    a = region.graduate(college="P001", cohort=2024)
    b = region.graduate(college="P001", cohort=2025)
    region.status(a, D(2024, 9, 6), "employed")
    region.status(a, D(2024, 10, 4), "employed")
    region.status(b, D(2025, 9, 5), "employed", cohort=2025)
    region.ufns(a, D(2024, 8, 1), extract=D(2024, 9, 1))
    region.ufns(a, D(2024, 8, 1), extract=D(2025, 10, 1))
    region.czn(a, D(2024, 8, 1), extract=D(2024, 11, 1))
    region.frdo(a, "P001", D(2024, 7, 1))
    con = region.done()
    scope = Scope("ministry")
    everything = engine.data_dates(con, scope)
    assert everything["Статусы выпускников (мониторинг ПОО)"] == D(2025, 9, 5)
    assert everything["Данные УФНС"] == D(2025, 10, 1)
    # cohort 2024 on 20.09.2024: its snapshot of 06.09, the УФНС extract of 01.09, no ЦЗН extract yet
    chosen = engine.data_dates(con, scope, 2024, D(2024, 9, 20))
    assert chosen["Статусы выпускников (мониторинг ПОО)"] == D(2024, 9, 6)
    assert chosen["Данные УФНС"] == D(2024, 9, 1)
    assert chosen["Данные ЦЗН"] is None
    assert chosen["ФИС ФРДО"] == D(2024, 7, 1)
    assert engine.data_dates(con, scope, 2024, D(2024, 12, 31))["Статусы выпускников (мониторинг ПОО)"] == D(
        2024, 10, 4
    )
