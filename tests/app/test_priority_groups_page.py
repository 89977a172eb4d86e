"""«Приоритетные группы» (issue 11, item 8) under every role: the figures equal
metrics.groups.group_table for the same scope; small groups are marked and, for aggregate roles,
masked («<5»).

Region (tests/factories.Region), cohort 2024, snapshot 06.09.2024: P001 (TU01) six ОВЗ graduates
(four employed, one studying, one informal) and one целевое; P003 (TU02) two инвалиды employed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_layer import db
from data_layer.scope import Role
from metrics import groups
from tests.factories import D, Region
from tests.helpers import APP_FILE, column_config, login_as

ROLES: tuple[tuple[Role, str | None], ...] = (
    ("ministry", None),
    ("territory", "TU01"),
    ("base_centre", None),
    ("college", "P003"),
)


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("groups_page") / "g.duckdb"
    r = Region(path)
    plan = [("P001", "employed", {"is_ovz": True})] * 4 + [
        ("P001", "continuing_education", {"is_ovz": True}),
        ("P001", "informal", {"is_ovz": True}),
        ("P001", "employed", {"is_target": True}),
        ("P003", "employed", {"is_disabled": True}),
        ("P003", "employed", {"is_disabled": True}),
    ]
    for college, status, flags in plan:
        k = r.graduate(college=college, **flags)
        r.status(k, D(2024, 9, 6), status, college=college)
    r.done().close()
    db.close_all()
    return path


@pytest.fixture(autouse=True)
def env(region: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("VYPUSK_DB", str(region))
    monkeypatch.setenv("VYPUSK_CREDENTIALS", str(tmp_path / "credentials.yaml"))
    yield
    db.close_all()


def _open(role: Role, code: str | None) -> AppTest:
    at = login_as(AppTest.from_file(APP_FILE, default_timeout=60), "tester", role, code).run()
    at = at.switch_page("pages/screens/priority_groups.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _rows(at: AppTest) -> dict[str, dict[str, object]]:
    """Rows by group; numbers as Python numbers, an empty cell (a hidden small group) as None."""
    rows = at.dataframe[0].value.to_dict("records")
    return {r["Группа"]: {k: (None if v != v else v) for k, v in r.items()} for r in rows}  # NaN != NaN


@pytest.mark.parametrize(("role", "code"), ROLES)
def test_every_role_sees_the_groups_of_its_scope(role: Role, code: str | None) -> None:
    at = _open(role, code)
    rows = _rows(at)
    assert list(rows) == [g.label for g in groups.PRIORITY_GROUPS.values()]
    ovz, disabled = rows["Лица с ОВЗ"], rows["Инвалиды и дети-инвалиды"]
    if role == "base_centre":
        # ОВЗ: 4 employed of 6 (one studying is out of the denominator): 4/5 = 80,0 %; one informal
        assert (ovz["Выпускников"], ovz["Значение"], ovz["В группе риска"], ovz["Малая группа"]) == (
            6,
            0.8,
            1,
            "",
        )
        # two disabled graduates: a small group, shown to the base centre but marked
        assert (disabled["Выпускников"], disabled["Значение"], disabled["Малая группа"]) == (
            2,
            1.0,
            "меньше 5",
        )
    elif role == "ministry":
        assert ovz["Значение"] == 0.8
        assert (disabled["Значение"], disabled["Малая группа"]) == (None, "меньше 5")  # masked
    elif role == "territory":  # TU01 = P001 only: no disabled graduates
        assert ovz["Выпускников"] == 6 and disabled["Выпускников"] == 0
    else:  # the college P003: its two disabled graduates, no ОВЗ
        assert ovz["Выпускников"] == 0 and disabled["Выпускников"] == 2
        assert disabled["Значение"] == 1.0  # a college sees its own small groups
    assert rows["Вернулись со службы по призыву"]["Выпускников"] == 0
    # numbers are numbers, in the browser's Russian format
    config = column_config(at.dataframe[0])
    assert config["Значение"]["type_config"]["format"] == "percent"
    assert config["Выпускников"]["type_config"]["format"] == "localized"
    # the page header names the data used (issue 11 item 6)
    assert any(
        c.value.startswith("Данные расчёта: последний срез статусов ПОО — на 06.09.2024") for c in at.caption
    )


def test_college_breakdown_for_the_base_centre() -> None:
    at = _open("base_centre", None)
    at.segmented_control(key="groups_level").set_value("college").run()
    assert not at.exception
    shown = at.dataframe[0].value
    pairs = {(r["Группа"], r["Где"]): r["Выпускников"] for r in shown.to_dict("records")}
    # colleges by their full name with the abbreviation
    spk, ttk = "Самарский политехнический колледж (СПК)", "Тольяттинский технический колледж (ТТК)"
    assert pairs == {
        ("Лица с ОВЗ", spk): 6,
        ("Инвалиды и дети-инвалиды", ttk): 2,
        ("Целевое обучение", spk): 1,
    }


def test_methodology_says_what_changed_in_the_definitions() -> None:
    at = login_as(AppTest.from_file(APP_FILE, default_timeout=60), "tester", "college", "P003").run()
    at = at.switch_page("pages/screens/methodology.py").run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    for phrase in (
        "Кто входит в выпуск на дату (изменено).** Выпускник входит в показатели своего выпуска только с даты",
        "ещё не выпустились: N",
        "N3 (изменено) — от даты, когда ПОО впервые заявила этот статус работы",
        "04 инвалиды и дети-инвалиды, не вошедшие в стр.03 (без ОВЗ)",
        "На каких данных расчёт (изменено)",
        "Приоритетные группы.** Лица с ОВЗ",
    ):
        assert phrase in text, phrase
