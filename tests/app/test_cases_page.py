"""The page «Работа с группой риска» in AppTest under every role, on the region of
tests/app/test_pages_work.py (cohort 2024, as of 04.10.2024).

Cases by hand (Fridays are the checkpoints; a case opens on the first Friday in the group):
  P001 informal  open since 05.07 (91 days, stale with N = 3 weeks)
       nostatus  open since 30.08 (more than 8 weeks without status: 23.08 is exactly 56 days)
       unconf    open since 27.09 (employed from 01.07, unconfirmed > 12 weeks: from 24.09)
       czn       open since 13.09 (registered 10.09; 21 days, not more than 21: not stale)
       left      closed 06.09 into work (informal until the September snapshot)
  P002 p2_inf    open since 05.07 (stale);  p2_emp open since 27.09
  P003 p3_nm     open since 05.07 (stale)
Region: 8 cases, 7 open, 4 stale, 1 closed into work. TU01 (P001, P002): 6 open, 3 stale.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from data_layer import audit, db, graduates
from data_layer import cases as case_store
from data_layer.scope import Role, Scope
from tests.app.test_pages_work import (
    CODES,
    COHORT,
    D,
    assert_clean,
    build_region,
    click,
    cur_of,
    has_key,
    metric,
    open_page,
    selectable,
    table,
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    path = tmp_path_factory.mktemp("cases") / "template.duckdb"
    return path, build_region(path)


@pytest.fixture
def region(
    template: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, dict[str, str]]]:
    path = tmp_path / "work.duckdb"
    shutil.copyfile(template[0], path)
    monkeypatch.setenv("VYPUSK_DB", str(path))
    monkeypatch.setenv("VYPUSK_CREDENTIALS", str(tmp_path / "credentials.yaml"))
    yield path, template[1]
    db.close_all()


PAGE = "pages/screens/cases.py"


@pytest.mark.parametrize(
    ("role", "open_", "stale", "closed"),
    [
        ("base_centre", 7, 4, "1 из 1"),
        ("ministry", 7, 4, "1 из 1"),
        ("territory", 6, 3, "1 из 1"),
        ("college", 4, 2, "1 из 1"),
    ],
)
def test_page_opens_for_every_role_with_hand_counts(
    region: tuple[Path, dict[str, str]], role: Role, open_: int, stale: int, closed: str
) -> None:
    at = open_page(PAGE, role, CODES[role])
    assert [t.value for t in at.title] == ["Работа с группой риска"]
    assert metric(at, "Открытых случаев") == str(open_)
    assert metric(at, "Без мер дольше 3 недель") == str(stale)
    assert metric(at, "Закрыто в работу или учёбу") == closed
    # personal lists only for the college and the base centre
    assert has_key(at, "cases_table") == (role in ("base_centre", "college"))
    if role in ("ministry", "territory"):
        by_college = table(at, "Открыто")
        assert (
            by_college["ПОО"].to_list()
            == {"ministry": ["СПК", "СМК", "ТТК"], "territory": ["СПК", "СМК"]}[role]
        )
        assert by_college["Открыто"].sum() == open_
        assert "ФИО" not in by_college.columns
        # the status-based criterion beside the case outcomes: P001 1 of 5 ever in the group
        p001 = by_college.filter(by_college["ПОО"] == "СПК")
        assert p001["Критерий «выведены из группы риска»"].to_list() == ["20,0\u00a0% (1 из 5)"]


def test_college_sees_only_its_own_cases(region: tuple[Path, dict[str, str]]) -> None:
    _, keys = region
    at = open_page(PAGE, "college", "P001")
    shown = selectable(at, "cases_table")
    assert shown.height == 4 and "ПОО" not in shown.columns
    mine = {graduates.mask_snils(keys[k]) for k in ("informal", "nostatus", "unconf", "czn")}
    assert set(shown["СНИЛС"].to_list()) == mine
    at.segmented_control(key="cases_show").set_value("all").run()
    assert selectable(at, "cases_table").height == 5  # + the closed case of «left»


def test_college_opens_a_case_records_a_measure_and_its_outcome(region: tuple[Path, dict[str, str]]) -> None:
    path, keys = region
    at = open_page(PAGE, "college", "P001")
    shown = selectable(at, "cases_table")
    row = shown["СНИЛС"].to_list().index(graduates.mask_snils(keys["informal"]))
    at.session_state["cases_table"] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    assert_clean(at)
    at.selectbox(key="cases_panel_new_type").set_value("vacancy_offered")
    at.text_input(key="cases_panel_new_who").input("Петрова")
    at.date_input(key="cases_panel_new_date").set_value(D(2024, 10, 1))
    at.date_input(key="cases_panel_new_due").set_value(D(2024, 10, 3))
    click(at, "Записать меру")
    assert_clean(at)
    assert [s.value for s in at.success] == ["Мера записана."]
    # due 03.10, evaluated on 04.10 with no outcome: overdue, and the case is no longer stale
    assert metric(at, "С просроченной мерой") == "1"
    assert metric(at, "Без мер дольше 3 недель") == "1"
    with cur_of(path) as cur:
        (measure_id,) = case_store.measure_list(cur, Scope("college", "P001"), COHORT)["measure_id"].to_list()
    at.selectbox(key="cases_panel_outcome_id").set_value(measure_id)
    at.selectbox(key="cases_panel_outcome_value").set_value("employed")
    at.date_input(key="cases_panel_outcome_date").set_value(D(2024, 10, 3))
    click(at, "Записать результат")
    assert_clean(at)
    assert metric(at, "С просроченной мерой") == "0"
    with cur_of(path) as cur:
        stored = case_store.measure_list(cur, Scope("base_centre"), COHORT)
        assert stored.select("measure_type", "outcome", "outcome_date").rows() == [
            ("vacancy_offered", "employed", D(2024, 10, 3))
        ]
        assert audit.read_log(cur, action="case_outcome").height == 1


def test_base_centre_sets_n_weeks_and_the_catalogue(region: tuple[Path, dict[str, str]]) -> None:
    path, _ = region
    at = open_page(PAGE, "base_centre")
    at.number_input(key="cases_weeks").set_value(1)
    click(at, "Сохранить срок")
    assert_clean(at)
    # N = 1 week (7 days): czn (21 days) becomes stale too; unconf and p2_emp (7 days) do not
    assert metric(at, "Без мер дольше 1 недели") == "5"
    at.text_input(key="cases_cat_code").input("job_fair")
    at.text_input(key="cases_cat_name").input("Ярмарка вакансий")
    click(at, "Сохранить вид меры")
    assert_clean(at)
    with cur_of(path) as cur:
        assert case_store.catalogue(cur)["code"].to_list()[-1] == "job_fair"
        assert audit.read_log(cur, action="measure_catalogue").height == 1


def test_effectiveness_table_for_aggregate_roles(region: tuple[Path, dict[str, str]]) -> None:
    at = open_page(PAGE, "territory", "TU01")
    eff = table(at, "Случаев с мерой")
    # no measures recorded yet: one row «Без мер»: 7 cases in TU01, 1 closed into work
    assert eff.rows() == [("Без мер", 7, 1, "14,3\u00a0%")]  # 7 cases: not a small group
