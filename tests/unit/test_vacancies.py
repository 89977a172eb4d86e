"""Vacancies (issue 14, part 4): the «Работа России» JSON and the CSV fallback, reloads replacing a
source and closed vacancies dropping out, the specialty map, and matching ranks on a small
hand-made vacancy set (fit worked out by hand in the comments)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from data_layer.errors import ScopeError, UserFacingError
from data_layer.importer import load_file
from data_layer.scope import OPERATOR, Scope
from metrics import vacancies as vm
from ops import vacancies as ops_vac
from tests.factories import D, Region

CSV_HEAD = (
    "Идентификатор вакансии;Работодатель;ИНН работодателя;Вакансия;Профессия;Муниципалитет;Зарплата от;"
    "Зарплата до;Требуемое образование;Дата размещения;Закрыта\n"
)


def _feed(*vacancies: dict) -> bytes:
    return json.dumps(
        {
            "status": "200",
            "meta": {"total": len(vacancies)},
            "results": {"vacancies": [{"vacancy": v} for v in vacancies]},
        },
        ensure_ascii=False,
    ).encode("utf-8")


@pytest.fixture
def region(tmp_path: Path):  # type: ignore[no-untyped-def]
    r = Region(tmp_path / "v.duckdb")
    g = r.graduate(program="15.01.05")  # P001, Самара (TU01), no municipality of residence
    h = r.graduate(program="09.02.07")
    con = r.done()
    con.execute(
        "INSERT INTO municipalities VALUES ('36640000', 'Ставропольский район', 'муниципальный район', 'TU02')"
    )
    con.execute(
        "UPDATE graduates SET residence_municipality = '36740000' WHERE person_key = ?", [h]
    )  # Тольятти
    return con, g, h


def test_json_feed_reload_replaces_and_closed_drop_out(region) -> None:  # type: ignore[no-untyped-def]
    con, _, _ = region
    a = {
        "id": "a-1",
        "job-name": "Оператор станков с ЧПУ",
        "creation-date": "2026-11-20",
        "salary_min": 45000,
        "salary_max": 60000,
        "company": {"inn": "6320000000", "name": "ПАО «Завод»"},
        "addresses": {"address": [{"location": "Самарская обл, г. Тольятти, ул. Заводская, 1"}]},
        "requirement": {"education": "Среднее профессиональное"},
        "category": {"specialisation": "Производство"},
        "duty": "<p>Работа на <b>станках</b></p>",
        "vac_url": "https://trudvsem.ru/vacancy/card/a-1",
    }
    b = {"id": "b-2", "job-name": "<b>Повар</b>", "modify-date": "2026-11-21", "salary": "от 35000",
         "company": {"name": "Столовая"}, "addresses": {"address": [{"location": "Ставропольский р-н, с. Ягодное"}]}}  # fmt: skip
    res = load_file(con, _feed(a, b), "feed.json")
    assert res.ok and res.kind == "vacancies", res.errors
    csv = CSV_HEAD + "c-1;ООО «Ромашка»;;Бухгалтер;;Самара;30000;;;01.11.2026;нет\n"
    assert load_file(con, csv.encode("utf-8"), "own.csv").ok
    got = {r["source_id"]: r for r in vm.vacancy_list(con).to_dicts()}
    assert set(got) == {"a-1", "b-2", "c-1"}
    assert (got["a-1"]["oktmo"], got["a-1"]["tu_code"], got["a-1"]["salary_min"]) == (
        "36740000",
        "TU02",
        45000,
    )
    assert (got["b-2"]["title"], got["b-2"]["oktmo"], got["b-2"]["salary_min"]) == (
        "Повар",
        "36640000",
        35000,
    )
    assert got["b-2"]["vacancy_date"] == D(2026, 11, 21)  # modify-date when there is no creation-date
    assert got["c-1"]["source"] == "Файл базового центра"
    # the next extract of the feed has only b-2: a-1 is closed and drops out; the CSV source stays
    assert load_file(con, _feed(b), "feed2.json").ok
    assert set(vm.vacancy_list(con)["source_id"]) == {"b-2", "c-1"}
    # CSV: a vacancy marked closed is not stored
    csv2 = (
        CSV_HEAD
        + "c-1;ООО «Ромашка»;;Бухгалтер;;Самара;30000;;;01.11.2026;да\nc-2;ИП Петров;;Продавец;;Самара;;;;02.11.2026;\n"
    )
    assert load_file(con, csv2.encode("utf-8"), "own2.csv").ok
    assert set(vm.vacancy_list(con)["source_id"]) == {"b-2", "c-2"}


def test_bad_vacancy_files_are_refused_whole(region) -> None:  # type: ignore[no-untyped-def]
    con, _, _ = region
    bad = CSV_HEAD + "x-1;;;Сварщик;;Самара;;;;01.11.2026;\nx-1;ООО;;Сварщик;;Самара;;;;01.11.2026;\n"
    res = load_file(con, bad.encode("utf-8"), "bad.csv", kind="vacancies")
    assert not res.ok
    messages = " ".join(p.message for p in res.errors)
    assert "Работодатель" in messages and "повторяется" in messages
    assert vm.vacancy_list(con).is_empty()
    assert not load_file(con, b"{not json", "x.json").ok
    assert not load_file(con, b'{"results": {}}', "x.json").ok
    assert not load_file(
        con, _feed({"id": "z"}), "z.json", scope=Scope("college", "P001")
    ).ok  # base centre only


def test_matching_ranks_on_a_hand_made_set(region) -> None:  # type: ignore[no-untyped-def]
    con, g, h = region
    csv = CSV_HEAD + "\n".join(
        [
            "v1;Завод;;Электрогазосварщик 4 разряда;;Самара;50000;70000;Среднее профессиональное;01.11.2026;",
            "v2;Верфь;;Сварщик;;г. Тольятти, ул. Морская, 3;;;;02.11.2026;",
            "v3;НИИ;;Сварщик-исследователь;;Самара;;;Высшее;03.11.2026;",
            "v4;Кафе;;Повар;;Самара;;;;04.11.2026;",
            "v5;IT-парк;;Программист 1С;;Тольятти;;;среднее профессиональное (СПО);05.11.2026;",
            "v6;Агрохолдинг;;Программист;;Ставропольский район;;;;06.11.2026;",
        ]
    )
    assert load_file(con, csv.encode("utf-8"), "v.csv").ok
    people = con.sql("SELECT college_code, person_key FROM graduates").pl()
    got = vm.matches(con, OPERATOR, 2024, people)
    ranks = {(r["person_key"], r["source_id"]): (r["rank"], r["fit"]) for r in got.to_dicts()}
    # g (сварщик, Самара/TU01): every «сварщик» title scores 100 → 60 points of text;
    # v1 Самара +30, СПО +10 → 100; v3 Самара +30, higher −20 → 70; v2 Тольятти (TU02) → 60; v4 no match
    # h (программист, lives in Тольятти/TU02): v5 Тольятти +30, СПО +10 → 100; v6 Ставропольский (TU02) +15 → 75
    assert ranks == {
        (g, "v1"): (1, 100),
        (g, "v3"): (2, 70),
        (g, "v2"): (3, 60),
        (h, "v5"): (1, 100),
        (h, "v6"): (2, 75),
    }
    names = {r["source_id"]: r["municipality_name"] for r in got.to_dicts()}
    assert names["v2"] == "городской округ Тольятти"  # the vacancy's place, not the graduate's
    # the map is data: without «сварщик»-like words the welder gets nothing
    ops_vac.save_specialty_keywords(con, OPERATOR, "15.01.05", "токарь")
    regot = vm.matches(con, OPERATOR, 2024, people)
    assert set(regot["person_key"]) == {h}
    # a college sees its own graduates' matches only; ТУ and ministry none
    with pytest.raises(ScopeError):
        vm.matches(con, Scope("territory", "TU01"), 2024, people)
    assert vm.matches(con, Scope("college", "P003"), 2024, people).is_empty()


def test_specialty_map_is_seeded_for_every_reference_specialty_and_editable(tmp_path: Path) -> None:
    from data_layer import db
    from data_layer.importer import load_reference_dir

    con = db.open_database(tmp_path / "ref.duckdb")
    load_reference_dir(con)
    m = vm.specialty_map(con)
    assert m.height == 48 and all(len(k) >= 3 for k in m["keywords"].to_list())
    with pytest.raises(ScopeError):
        ops_vac.save_specialty_keywords(con, Scope("college", "P001"), "15.01.05", "сварщик")
    with pytest.raises(UserFacingError):
        ops_vac.save_specialty_keywords(con, OPERATOR, "15.01.05", " ; ;")
    assert ops_vac.save_specialty_keywords(con, OPERATOR, "15.01.05", "сварщик\nЭлектросварщик; сварщик") == [
        "сварщик",
        "Электросварщик",
    ]
