"""The base centre's list of contested СНИЛС on «Сверка и качество данных» (issue 12), its decision
form, and the audit of graduate-level views of external facts."""

from __future__ import annotations

from pathlib import Path

from data_layer import db
from tests.app.test_pages_work import (  # noqa: F401  (fixtures)
    assert_clean,
    click,
    cur_of,
    open_page,
    table,
    tables,
    template,
)
from tests.factories import D

CONTESTED_COLUMNS = "Почему спорный"


def _probe(path: Path, key: str) -> None:
    """P002 puts P001's graduate `key` (ЦЗН-registered) into its own graduation list."""
    with cur_of(path) as cur:
        cur.execute(
            """INSERT INTO graduates (person_key, snils, last_name, first_name, birth_date, sex, college_code,
                   program_code, study_form, graduation_date, cohort, is_target, is_ovz, is_disabled,
                   is_professionalitet, is_foreign)
               SELECT person_key, snils, last_name, first_name, birth_date, sex, 'P002', program_code, study_form,
                      graduation_date, cohort, false, false, false, false, false
               FROM graduates WHERE person_key = ?""",
            [key],
        )
        db.bump_dataset_version(cur)  # a change not limited to pairs: every cache


def test_contested_snils_withheld_listed_and_decided(region: tuple[Path, dict[str, str]]) -> None:
    path, k = region
    before = open_page("pages/screens/reconciliation.py", "base_centre")
    from tests.app.test_pages_work import metric

    assert metric(before, "Конфликты с ЦЗН") == "1"
    _probe(path, k["czn"])
    at = open_page("pages/screens/reconciliation.py", "base_centre")
    assert metric(at, "Конфликты с ЦЗН") == "0"  # withheld from every figure
    shown = table(at, CONTESTED_COLUMNS)
    assert sorted(shown["Код ПОО"].to_list()) == ["P001", "P002"]
    assert set(shown["Решение"].to_list()) == {"Не решено"}
    # the college that probed sees nothing of it either
    college = open_page("pages/screens/reconciliation.py", "college", "P002")
    assert not tables(college, CONTESTED_COLUMNS)
    # decide: P001's graduate
    options = at.selectbox(key="contested_pick").options
    at.selectbox(key="contested_pick").set_value(next(i for i, o in enumerate(options) if " — P001" in o))
    at.text_input(key="contested_comment").input("Диплом выдан СПК")
    click(at, "Сохранить решение")
    assert_clean(at)
    assert metric(at, "Конфликты с ЦЗН") == "1"
    assert sorted(table(at, CONTESTED_COLUMNS)["Решение"].to_list()) == ["Выпускник этой ПОО", "Не решено"]
    with cur_of(path) as cur:
        audit = cur.execute(
            "SELECT action, object FROM audit_log WHERE action IN ('identity_decision', 'view_external') ORDER BY event_id"
        ).fetchall()
    assert ("identity_decision", "P001") in audit
    assert ("view_external", "все ПОО/2024") in audit  # the base centre's conflict list
    assert ("view_external", "все ПОО") in audit  # the contested list itself


def test_graduate_level_external_views_audited_once_per_session(region: tuple[Path, dict[str, str]]) -> None:
    path, _ = region
    at = open_page("pages/screens/risk.py", "college", "P001")
    at.run()  # a rerun logs nothing new
    with cur_of(path) as cur:
        rows = cur.execute(
            "SELECT username, object, details FROM audit_log WHERE action = 'view_external'"
        ).fetchall()
    # one entry per table (in the group, left it), none for the rerun
    assert sorted(rows) == [
        ("t_college", "P001/2024", "Группа риска (risk_in); строк: 4"),
        ("t_college", "P001/2024", "Группа риска (risk_out); строк: 1"),
    ]


def test_grown_lists_shown_to_the_base_centre(region: tuple[Path, dict[str, str]]) -> None:
    path, _ = region
    with cur_of(path) as cur:
        cur.execute(
            "INSERT INTO reconciliation_decisions VALUES ('P002', 2024, 'college', 'confirmed', NULL, 'p', ?, 2, 1)",
            [D(2024, 10, 1)],
        )
    at = open_page("pages/screens/reconciliation.py", "base_centre")
    grown = table(at, "При сверке")
    assert grown.select("Код ПОО", "При сверке", "Сейчас").rows() == [("P002", 1, 2)]
