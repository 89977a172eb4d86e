"""The audit journal page: base centre only, Russian labels, filters by period, user and action."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_layer import db
from data_layer.scope import Scope
from tests.helpers import APP_FILE, login_as, navigation_only, reference_db

TODAY = dt.date.today()
COLUMNS = ["Время", "Пользователь", "Роль", "Действие", "Объект", "Подробности"]


@pytest.fixture(autouse=True)
def journal_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    navigation_only()
    path = reference_db(tmp_path / "plain.duckdb", demo=False)
    with db.open_database(path) as con:
        rows = [
            (
                1,
                dt.datetime.combine(TODAY, dt.time(9, 30)),
                "ivanov",
                "college",
                "upload",
                "статусы.xlsx",
                None,
            ),
            (
                2,
                dt.datetime.combine(TODAY, dt.time(10, 0)),
                "petrova",
                "base_centre",
                "login",
                "petrova",
                None,
            ),
            (
                3,
                dt.datetime.combine(TODAY - dt.timedelta(days=40), dt.time(8)),
                "old",
                "ministry",
                "login",
                "old",
                None,
            ),
        ]
        con.executemany("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    monkeypatch.setenv("VYPUSK_DB", str(path))
    monkeypatch.setenv("VYPUSK_CREDENTIALS", str(tmp_path / "credentials.yaml"))
    yield path
    db.close_all()


def _journal() -> AppTest:
    at = login_as(AppTest.from_file(APP_FILE, default_timeout=30), "bc", "base_centre").run()
    return at.switch_page("pages/screens/journal.py").run()


def test_last_30_days_with_russian_labels() -> None:
    at = _journal()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table.columns) == COLUMNS
    assert table["Пользователь"].tolist() == [
        "petrova",
        "ivanov",
    ]  # newest first, the 40-day-old one left out
    assert table["Действие"].tolist() == ["Вход", "Загрузка файла"]
    assert table["Роль"].tolist() == ["Базовый центр (БЦСТВ)", "ПОО / ЦСТВ"]
    assert at.main.caption[-1].value == "Записей: 2."


def test_filters_by_action_user_and_period() -> None:
    at = _journal()
    at.selectbox(key="journal_action").set_value("upload").run()
    assert at.dataframe[0].value["Объект"].tolist() == ["статусы.xlsx"]

    at.selectbox(key="journal_action").set_value(None)
    at.selectbox(key="journal_user").set_value("old").run()
    assert "записей с такими условиями нет" in at.info[0].value
    at.date_input(key="journal_period").set_value((TODAY - dt.timedelta(days=45), TODAY)).run()
    assert at.dataframe[0].value["Пользователь"].tolist() == ["old"]


def test_other_roles_cannot_open_the_journal() -> None:
    at = login_as(AppTest.from_file(APP_FILE, default_timeout=30), "poo", "college", "P001").run()
    with pytest.raises(ValueError):
        at.switch_page("pages/screens/journal.py")
    # run directly (as Streamlit's legacy pages-folder mode would): the page checks the role itself
    page = AppTest.from_file(
        str(Path(APP_FILE).parent / "pages" / "screens" / "journal.py"), default_timeout=30
    )
    page.session_state["scope"] = Scope("college", "P001", "poo")
    page.run()
    assert [e.value for e in page.error] == ["Журнал действий доступен только базовому центру."]
    assert not page.dataframe
    bare = AppTest.from_file(
        str(Path(APP_FILE).parent / "pages" / "screens" / "journal.py"), default_timeout=30
    ).run()
    assert bare.error and not bare.dataframe
