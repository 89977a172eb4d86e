"""Support measures (issue 14, part 5) and escalation to ЦЗН with the answer loaded back (part 6)."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from data_layer import cases as store
from data_layer.db import DEMO_NOTICE
from data_layer.errors import ScopeError, UserFacingError
from data_layer.graduates import format_snils
from data_layer.importer import load_file
from data_layer.scope import OPERATOR, Scope
from metrics import support
from ops import cases as ops_cases
from ops import support as ops_support
from reports.work_lists import czn_list_workbook
from tests.factories import D, Region

BC = Scope("base_centre", username="bc")


def test_support_measures_apply_by_specialty_territory_and_group(tmp_path: Path) -> None:
    con = Region(tmp_path / "s.duckdb").done()
    ops_support.save_support_measure(
        con, BC, "Для всех", "Все выпускники", "Минтруд СО", "https://example.org/a"
    )
    ops_support.save_support_measure(
        con, BC, "Сварщикам", "Выпускники по профессии «Сварщик»", "Завод", program_codes=["15.01.05"]
    )
    ops_support.save_support_measure(
        con, BC, "Тольятти", "Живущие в Тольятти", "Администрация", tu_codes=["TU02"]
    )
    ops_support.save_support_measure(
        con, BC, "После армии", "Вернувшиеся со службы", "Минтруд СО", groups=["army"]
    )
    ops_support.save_support_measure(con, BC, "Истекла", "Все", "Минтруд СО", valid_until=D(2024, 12, 31))
    old = ops_support.save_support_measure(con, BC, "Снята", "Все", "Минтруд СО")
    ops_support.save_support_measure(con, BC, "Снята", "Все", "Минтруд СО", active=False, measure_id=old)
    reg = support.registry(con)
    assert reg.height == 6  # the replaced one is one row

    def titles(program: str, tu: str, groups: set[str]) -> list[str]:
        return sorted(support.applicable(reg, program, tu, groups, D(2025, 3, 1))["title"].to_list())

    assert titles("09.02.07", "TU01", set()) == ["Для всех"]
    assert titles("15.01.05", "TU02", set()) == ["Для всех", "Сварщикам", "Тольятти"]
    groups = support.graduate_groups({"is_ovz": True}, ["no_status", "army_return"])
    assert groups == {"ovz", "army"}
    assert titles("09.02.07", "TU01", groups) == ["Для всех", "После армии"]
    assert "Истекла" in sorted(
        support.applicable(reg, "x", "TU01", set(), D(2024, 12, 31))["title"].to_list()
    )
    with pytest.raises(ScopeError):
        ops_support.save_support_measure(con, Scope("college", "P001"), "X", "Y", "Z")
    with pytest.raises(UserFacingError):
        ops_support.save_support_measure(con, BC, "X", "Y", "Z", link="javascript:alert(1)")
    with pytest.raises(UserFacingError):
        ops_support.save_support_measure(con, BC, "X", "Y", "Z", groups=["nobody"])


def test_escalation_list_and_the_answer_back(tmp_path: Path) -> None:
    r = Region(tmp_path / "e.duckdb")
    a, b = r.graduate(), r.graduate(college="P003")
    con = r.done()
    with pytest.raises(ScopeError):
        ops_cases.escalate_to_czn(con, Scope("college", "P001"), 2024, [("P001", a)])
    with pytest.raises(UserFacingError):
        ops_cases.escalate_to_czn(con, BC, 2024, [])
    batch = ops_cases.escalate_to_czn(con, BC, 2024, [("P001", a), ("P003", b), ("P001", a)])
    rows = store.escalation_batch(con, BC, batch)
    assert rows["person_key"].to_list() == [a, b]
    log = con.execute("SELECT action, details FROM audit_log").fetchall()
    assert log == [("czn_escalation", f"список № {batch}: 2 чел. (персональные данные)")]
    book = openpyxl.load_workbook(io.BytesIO(czn_list_workbook(rows, {a: "нет статуса"}, {})))
    ws = book.active
    values = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert format_snils(a) in values and format_snils(b) in values and "нет статуса" in values
    assert DEMO_NOTICE not in values
    demo = openpyxl.load_workbook(io.BytesIO(czn_list_workbook(rows, {}, {}, notice=DEMO_NOTICE)))
    assert demo.active["A3"].value == DEMO_NOTICE  # a demo database's list says so under its subject
    with pytest.raises(ScopeError):
        store.escalation_batch(con, Scope("college", "P001"), batch)
    # the answer from ЦЗН comes back as a file and shows in the cases
    body = f"СНИЛС;Дата ответа;Результат;Комментарий\n{a};20.11.2024;Поставлен на учёт, направлен на 2 вакансии;\n"
    res = load_file(con, body.encode("utf-8"), "answer.csv", kind="czn_answers", scope=OPERATOR)
    assert res.ok, res.errors
    got = store.czn_answers(con, Scope("college", "P001"), 2024)
    assert got.select("person_key", "answer_date", "result").rows() == [
        (a, D(2024, 11, 20), "Поставлен на учёт, направлен на 2 вакансии")
    ]
    assert store.czn_answers(con, Scope("college", "P003"), 2024).is_empty()
    assert store.escalations(con, Scope("college", "P003"), 2024)["batch_id"].to_list() == [batch]
