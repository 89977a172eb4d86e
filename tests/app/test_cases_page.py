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

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_layer import audit, db, graduates
from data_layer import cases as case_store
from data_layer.importer import load_file
from data_layer.scope import Role, Scope
from data_layer.spells import rebuild_spells
from ops import cases as case_ops
from ops import support as ops_support
from tests.app.test_pages_work import (
    CODES,
    COHORT,
    D,
    abbreviations,
    assert_clean,
    build_region,
    click,
    cur_of,
    has_key,
    metric,
    open_page,
    plain,
    selectable,
    table,
)
from tests.helpers import column_config

VACANCIES = (
    "Идентификатор вакансии;Работодатель;Вакансия;Муниципалитет;Требуемое образование;Дата размещения\n"
    "v1;ООО «Код»;Программист 1С;Самара;Среднее профессиональное;01.10.2024\n"
    "v2;Кафе;Повар;Самара;;01.10.2024\n"
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The region of test_pages_work plus: a conscript of P001 called up on 10.11.2023 (expected back
    10.11.2024, within 8 weeks of 04.10.2024), two vacancies (one for the IT programme of P001's
    graduates) and a support measure for everyone."""
    path = tmp_path_factory.mktemp("cases") / "template.duckdb"
    keys = build_region(path)
    con = db.open_database(path)
    r_key = "19999999919"
    con.execute(
        """INSERT INTO graduates (person_key, snils, last_name, first_name, birth_date, sex, college_code,
             program_code, study_form, graduation_date, cohort) VALUES (?, ?, 'Солдатов', 'Пётр',
             DATE '2004-01-01', 'М', 'P001', '09.02.07', 'очная', DATE '2024-06-28', 2024)""",
        [r_key, r_key],
    )
    con.execute(
        """INSERT INTO status_rows (college_code, snapshot_date, cohort, person_key, status, conscription_date)
           VALUES ('P001', DATE '2024-07-05', 2024, ?, 'military_conscript', DATE '2023-11-10')""",
        [r_key],
    )
    rebuild_spells(con, [("P001", 2024)])
    assert load_file(con, VACANCIES.encode("utf-8"), "v.csv").ok
    ops_support.save_support_measure(
        con,
        Scope("base_centre", username="bc"),
        "Выплата молодому специалисту",
        "Все выпускники",
        "Минтруд СО",
    )
    con.close()
    keys["soldier"] = r_key
    return path, keys


PAGE = "pages/screens/cases.py"
VAC_PAGE = "pages/screens/vacancies.py"


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
            abbreviations(by_college["ПОО"])
            == {"ministry": ["СПК", "СМК", "ТТК"], "territory": ["СПК", "СМК"]}[role]
        )
        assert by_college["Открыто"].sum() == open_
        assert "ФИО" not in by_college.columns
        # the status-based criterion beside the case outcomes: P001 1 of 5 ever in the group
        p001 = by_college.filter(by_college["ПОО"].str.ends_with("(СПК)"))
        crit = "Критерий «выведены из группы риска»"
        assert p001.select(crit, "Вышли в работу или учёбу", "Были в группе риска").row(0) == (0.2, 1, 5)
        element = next(d for d in at.dataframe if "Открыто" in d.value.columns)
        assert column_config(element)[crit]["type_config"]["format"] == "percent"  # «20,0 %» in the browser
        assert table(at, "Мера")["Доля"].dtype.is_float()  # «which measures work»: a number too


def test_college_sees_only_its_own_cases(region: tuple[Path, dict[str, str]]) -> None:
    _, keys = region
    at = open_page(PAGE, "college", "P001")
    shown = selectable(at, "cases_table")
    assert shown.height == 4 and "ПОО" not in shown.columns
    mine = {graduates.mask_snils(keys[k]) for k in ("informal", "nostatus", "unconf", "czn")}
    assert set(shown["СНИЛС"].to_list()) == mine
    at.segmented_control(key="cases_show").set_value("all").run()
    assert selectable(at, "cases_table").height == 5  # + the closed case of «left»


def _open_case(person_key: str) -> AppTest:
    """The cases page as P001 with the case of `person_key` selected in the table (its panel open)."""
    at = open_page(PAGE, "college", "P001")
    shown = selectable(at, "cases_table")
    row = shown["СНИЛС"].to_list().index(graduates.mask_snils(person_key))
    at.session_state["cases_table"] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    assert_clean(at)
    return at


def test_college_opens_a_case_records_a_measure_and_its_outcome(region: tuple[Path, dict[str, str]]) -> None:
    path, keys = region
    at = _open_case(keys["informal"])
    at.selectbox(key="cases_panel_new_type").set_value("vacancy_offered")
    at.text_input(key="cases_panel_new_who").input("Петрова")
    at.date_input(key="cases_panel_new_date").set_value(D(2024, 10, 1))
    at.date_input(key="cases_panel_new_due").set_value(D(2024, 10, 3))
    click(at, "Записать меру")
    assert_clean(at)
    assert [plain(s.value) for s in at.success] == ["Мера записана."]
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
    # the share a number (1/7 to 0,1 %: «14,3 %» in the browser); 7 cases: not a small group, no note
    assert eff.rows() == [("Без мер", 7, 1, 0.143, None)]


@pytest.mark.parametrize("role", ["base_centre", "ministry", "territory", "college"])
def test_vacancies_page_opens_for_every_role(region: tuple[Path, dict[str, str]], role: Role) -> None:
    at = open_page(VAC_PAGE, role, CODES[role])
    assert [t.value for t in at.title] == ["Вакансии и меры поддержки"]
    assert metric(at, "Открытых вакансий") == "2"
    assert table(at, "Вакансия")["Вакансия"].to_list() == ["Программист 1С", "Повар"]
    assert table(at, "Кто может получить")["Мера"].to_list() == ["Выплата молодому специалисту"]
    # editing only for the base centre
    assert has_key(at, "vac_map_code") == (role == "base_centre")
    assert has_key(at, "vac_support_pick") == (role == "base_centre")


def test_base_centre_edits_the_map_and_the_registry(region: tuple[Path, dict[str, str]]) -> None:
    path, _ = region
    at = open_page(VAC_PAGE, "base_centre")
    at.selectbox(key="vac_map_code").set_value("15.01.05").run()
    at.text_area(key="vac_map_text_15.01.05").input("сварщик\nэлектросварщик")
    click(at, "Сохранить")
    assert_clean(at)
    assert [plain(s.value) for s in at.success] == ["Соответствие сохранено."]
    at.text_input(key="vac_sup_title_None").input("Подъёмные")
    at.text_area(key="vac_sup_who_None").input("Выпускники, переехавшие в село")
    at.text_input(key="vac_sup_op_None").input("Минсельхоз СО")
    at.text_input(key="vac_sup_link_None").input("https://example.org/podemnye")
    click(at, "Сохранить меру")
    assert_clean(at)
    with cur_of(path) as cur:
        assert cur.execute(
            "SELECT keywords FROM specialty_occupations WHERE program_code = '15.01.05'"
        ).fetchall() == [("сварщик;электросварщик",)]
        assert audit.read_log(cur, action="vacancy_map").height == 1
        assert audit.read_log(cur, action="support_measure").height == 2  # the fixture's and this one


def test_returnees_tab(region: tuple[Path, dict[str, str]]) -> None:
    _, keys = region
    at = open_page(PAGE, "college", "P001")
    shown = table(at, "Ожидаемый месяц увольнения")
    assert shown["СНИЛС"].to_list() == [graduates.mask_snils(keys["soldier"])]
    assert shown["Ожидаемый месяц увольнения"].to_list() == ["11.2024"]
    agg = open_page(PAGE, "territory", "TU01")
    assert table(agg, "Возвращаются").rows() == [("Самарский политехнический колледж (СПК)", 1, 0)]


def test_college_offers_a_matched_vacancy_in_one_click(region: tuple[Path, dict[str, str]]) -> None:
    path, keys = region
    at = _open_case(keys["informal"])
    # the support measure for everyone is shown beside the case
    assert "Меры поддержки, на которые выпускник может претендовать (1)" in [e.label for e in at.expander]
    assert any(m.value.startswith("**Выплата молодому специалисту** — Все выпускники.") for m in at.markdown)
    # 09.02.07 «программист» matches v1 (Самара = the college's municipality, СПО): 60 + 30 + 10
    offers = [plain(m.value) for m in at.markdown if "Программист 1С" in m.value]
    assert offers and offers[0].startswith("1. ") and offers[0].endswith("**100**")
    assert not any("Повар" in plain(m.value) for m in at.markdown)
    assert has_key(at, "cases_panel_vacancy_print")
    at.button(key="cases_panel_offer_1").click().run()
    assert_clean(at)
    assert [plain(s.value) for s in at.success] == ["Вакансия предложена: мера записана."]
    with cur_of(path) as cur:
        stored = case_store.measure_list(cur, Scope("college", "P001"), COHORT)
        assert stored.select("person_key", "measure_type", "vacancy_id").rows() == [
            (keys["informal"], "vacancy_offered", "Файл базового центра:v1")
        ]


def test_base_centre_sends_a_list_to_czn(region: tuple[Path, dict[str, str]]) -> None:
    path, keys = region
    with cur_of(path) as cur:
        case_ops.add_measure(
            cur, Scope("college", "P001", "p"), "P001", COHORT, keys["informal"], "czn_referral", "Петрова",
            D(2024, 10, 1), D(2024, 10, 8),
        )  # fmt: skip
    at = open_page(PAGE, "base_centre")
    candidates = table(at, "Случай открыт")
    assert candidates["СНИЛС"].to_list() == [graduates.mask_snils(keys["informal"])]
    at.button(key="cases_czn_send").click().run()
    assert_clean(at)
    assert has_key(at, "cases_czn_download")
    with cur_of(path) as cur:
        assert audit.read_log(cur, action="czn_escalation").height == 1
    assert table(at, "Список №")["Список №"].to_list() == [1]
