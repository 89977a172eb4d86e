"""The «Отчёты» page: the reports each role may download, the regional control rule shown before
any download, and the deferred download itself (the callable builds the workbook and logs it)."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from data_layer import audit, db
from data_layer.scope import Role
from tests.factories import D, Region
from tests.helpers import APP_FILE, login_as

COHORT = 2024
# File names carry the default as-of date: the last passed weekly deadline, capped at the end of the
# cohort's monitoring window (31.12.2025) — the snapshot of 06.09.2024 does not move it.


def _region(path: Path, complete: bool) -> Path:
    """Three colleges, cohort 2024; `complete`: every graduate has a federal status (else one is
    undetermined, which stops the regional report)."""
    r = Region(path)
    plan = [
        ("P001", "employed"),
        ("P001", "continuing_education"),
        ("P002", "informal"),
        ("P003", "employed"),
    ]
    if not complete:
        plan.append(("P003", "undetermined"))
    for college, status in plan:
        key = r.graduate(college=college, cohort=COHORT)
        r.status(key, D(2024, 9, 6), status, college=college, cohort=COHORT)
    r.done().close()
    return path


@dataclass(frozen=True)
class Deferred:
    build: Callable[[], Any]
    file_name: str | None
    mime: str | None


# file_id of a deferred download -> what Streamlit registered for it (AppTest discards its media
# manager after each run, so the registration is recorded here).
DEFERRED: dict[str, Deferred] = {}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[tuple[Path, pytest.MonkeyPatch]]:
    monkeypatch.setenv("VYPUSK_CREDENTIALS", str(tmp_path / "credentials.yaml"))
    original = MediaFileManager.add_deferred

    def add_deferred(
        self: MediaFileManager,
        data_callable: Any,
        mimetype: Any,
        coordinates: str,
        file_name: Any = None,
        **kw: Any,
    ) -> str:
        file_id = original(self, data_callable, mimetype, coordinates, file_name, **kw)
        DEFERRED[file_id] = Deferred(data_callable, file_name, mimetype)
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    yield tmp_path, monkeypatch
    DEFERRED.clear()
    db.close_all()


def _downloads(at: AppTest) -> list[Deferred]:
    return [DEFERRED[b.proto.deferred_file_id] for b in at.get("download_button")]


Env = tuple[Path, pytest.MonkeyPatch]


def _page(env: Env, role: Role, code: str | None = None, *, complete: bool = True) -> AppTest:
    tmp_path, monkeypatch = env
    path = _region(tmp_path / f"r_{role}_{complete}.duckdb", complete)
    monkeypatch.setenv("VYPUSK_DB", str(path))
    at = login_as(AppTest.from_file(APP_FILE, default_timeout=60), f"user_{role}", role, code).run()
    return at.switch_page("pages/screens/reports.py").run()


def _subheaders(at: AppTest) -> list[str]:
    return [s.value for s in at.subheader]


def test_base_centre_sees_every_report_and_the_zip(env: Env) -> None:
    at = _page(env, "base_centre")
    assert not at.exception
    assert _subheaders(at) == [
        "Региональный отчёт (форма гр.05–27, показатели)",
        "Отчёт территориального управления",
        "Карточка ПОО",
        "Рейтинг эффективности ЦСТВ",
        "Список группы риска (персональные данные)",
        "Карточки всех ПОО одним архивом",
        "Реестр выданных отчётов",
    ]
    buttons = at.get("download_button")
    assert len(buttons) == 5 * 2 + 1 + 1  # the regional report also has its draft
    assert not any(b.proto.disabled for b in buttons)
    assert [s.label for s in at.selectbox if s.key and s.key.startswith("reports_code_")] == [
        "Территориальное управление",
        "ПОО",
        "ПОО",
    ]


def test_college_sees_its_own_reports_only(env: Env) -> None:
    at = _page(env, "college", "P001")
    assert not at.exception
    assert _subheaders(at) == [
        "Карточка ПОО",
        "Рейтинг эффективности ЦСТВ",
        "Список группы риска (персональные данные)",
        "Реестр выданных отчётов",
    ]
    assert not [s for s in at.selectbox if s.key and s.key.startswith("reports_code_")]  # its own code
    names = [d.file_name for d in _downloads(at)]
    assert "Карточка_ПОО_P001_2024_31.12.2025.xlsx" in names
    assert "Группа_риска_P001_2024_31.12.2025.csv" in names


def test_ministry_sees_violations_as_a_table_and_gets_only_the_draft(env: Env) -> None:
    at = _page(env, "ministry", complete=False)
    assert not at.exception
    assert _subheaders(at) == [
        "Региональный отчёт (форма гр.05–27, показатели)",
        "Отчёт территориального управления",
        "Рейтинг эффективности ЦСТВ",
        "Реестр выданных отчётов",
    ]
    assert any(
        "Не выполнены контрольные соотношения формы: нарушений — 1, ПОО — 1" in w.value for w in at.warning
    )
    table = next(d for d in at.dataframe if d.key == "reports_violations").value
    # P003 / 09.02.07, row 01: 2 graduates, 1 with a federal status (the other is undetermined)
    assert table.to_dict("records") == [
        {
            "ПОО": "ТТК",
            "Код ПОО": "P003",
            "Специальность": "09.02.07",
            "Наименование специальности": "Информационные системы и программирование",
            "Строка": "01",
            "Соотношение": "гр.05 = сумма гр.06–27",
            "Левая часть": 2,
            "Правая часть": 1,
            "Расхождение": 1,
        }
    ]
    names = [d.file_name or "" for d in _downloads(at)]
    assert not any(n.startswith("Региональный_отчёт") for n in names)
    assert "ЧЕРНОВИК_Региональный_отчёт_2024_31.12.2025.xlsx" in names
    assert any(n.startswith("Отчёт_ТУ_") for n in names)
    draft = next(d for d in _downloads(at) if (d.file_name or "").startswith("ЧЕРНОВИК"))
    result: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: result.setdefault("data", draft.build()))
    worker.start()
    worker.join(60)
    wb = openpyxl.load_workbook(io.BytesIO(result["data"]))
    assert all(str(ws["A1"].value).startswith("ЧЕРНОВИК") for ws in wb.worksheets)
    assert wb.sheetnames[-1] == "Нарушения"


def test_base_centre_approves_and_the_college_reads_its_part(env: Env) -> None:
    at = _page(env, "base_centre")
    assert any("Все контрольные соотношения формы выполнены" in s.value for s in at.success)
    at = at.button(key="reports_issue").click().run()
    assert not at.exception
    assert any("Отчёт утверждён и зарегистрирован: № 1" in s.value for s in at.success)
    at = at.run()
    reg = next(d.value for d in at.dataframe if "Утвердил" in d.value.columns)
    assert reg["Утвердил"].to_list() == ["user_base_centre"] and reg["На дату"].to_list() == ["31.12.2025"]
    issued = [d for d in _downloads(at) if d.file_name == "Региональный_отчёт_2024_31.12.2025.xlsx"]
    assert len(issued) == 2  # the final report of the page and the stored one of the register
    result: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: result.setdefault("data", issued[-1].build()))
    worker.start()
    worker.join(60)
    db.close_all()
    with db.open_database() as con:
        assert audit.read_log(con, action="report_issue").height == 1
        stored = bytes(con.execute("SELECT content FROM issued_reports").fetchall()[0][0])
    db.close_all()
    assert result["data"] == stored  # byte-identical
    # the college of the same database reads its own rows of the issued report, not the workbook
    college = login_as(
        AppTest.from_file(APP_FILE, default_timeout=60), "user_college", "college", "P001"
    ).run()
    college = college.switch_page("pages/screens/reports.py").run()
    assert not college.exception
    part = next(d.value for d in college.dataframe if "гр.05" in d.value.columns)
    assert set(part["ПОО"]) == {"P001"} and part["Строка"].to_list() == ["01", "02", "03", "04", "05"]
    assert part["гр.05"].to_list() == [2, 0, 0, 0, 0] and part["гр.06"].to_list()[0] == 1
    assert not any((d.file_name or "").startswith("Региональный_отчёт") for d in _downloads(college))


def test_deferred_download_builds_the_workbook_and_logs_it(env: Env) -> None:
    at = _page(env, "college", "P001")
    risk = [d for d in _downloads(at) if (d.file_name or "").startswith("Группа_риска_P001")]
    xlsx = next(d for d in risk if d.file_name and d.file_name.endswith(".xlsx"))
    assert xlsx.mime == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    with db.open_database() as con:
        before = audit.read_log(con).height
    result: dict[str, Any] = {}
    # Streamlit runs the callable on another thread, outside any script run: do the same.
    worker = threading.Thread(target=lambda: result.setdefault("data", xlsx.build()))
    worker.start()
    worker.join(60)
    wb = openpyxl.load_workbook(io.BytesIO(result["data"]))
    assert wb.sheetnames == ["В группе риска", "Вышли из группы"]
    assert "(код P001)" in wb["В группе риска"]["A2"].value  # the subject line names the college
    db.close_all()
    with db.open_database() as con:
        log = audit.read_log(con)
    assert log.height == before + 1
    assert log.row(0, named=True)["action"] == "download_pd"
    assert log.row(0, named=True)["object"] == "risk_list:P001"
    # The scorecard callable reuses the app's cached criteria metrics from its thread.
    card = next(d for d in _downloads(at) if d.file_name == "Карточка_ПОО_P001_2024_31.12.2025.xlsx")
    worker = threading.Thread(target=lambda: result.setdefault("card", card.build()))
    worker.start()
    worker.join(60)
    assert openpyxl.load_workbook(io.BytesIO(result["card"])).sheetnames == [
        "Карточка",
        "Динамика",
        "Специальности",
    ]


@pytest.mark.parametrize(
    ("role", "code", "page", "file_name"),
    [
        ("college", "P001", "pages/screens/college.py", "Карточка_ПОО_P001_2024_31.12.2025.xlsx"),
        ("college", "P001", "pages/screens/risk.py", "Группа_риска_P001_2024_31.12.2025.xlsx"),
        ("college", "P001", "pages/screens/criteria.py", "Рейтинг_ЦСТВ_2024_31.12.2025.xlsx"),
        ("territory", "TU01", "pages/screens/territories.py", "Отчёт_ТУ_TU01_2024_31.12.2025.xlsx"),
        # «Рейтинг ПОО» ranks colleges by the indicator: its file is that table, not the ЦСТВ rating.
        ("ministry", None, "pages/screens/ranking.py", "Рейтинг_ПОО_employment_federal.csv"),
    ],
)
def test_other_pages_offer_their_report(
    env: Env, role: Role, code: str | None, page: str, file_name: str
) -> None:
    tmp_path, monkeypatch = env
    monkeypatch.setenv("VYPUSK_DB", str(_region(tmp_path / "pages.duckdb", True)))
    at = login_as(AppTest.from_file(APP_FILE, default_timeout=60), f"user_{role}", role, code).run()
    at = at.switch_page(page).run()
    assert not at.exception
    assert file_name in [d.file_name for d in _downloads(at)]


def _csv_page() -> None:
    import polars as pl

    from ui import downloads

    frame = pl.DataFrame({"fio": ["=Иванов"], "n": [1]})
    downloads.table_csv_button(frame, {"fio": "ФИО", "n": "Число"}, "Список", key="t", personal_data=True)


def test_table_csv_button_escapes_and_logs_personal_data(env: Env) -> None:
    tmp_path, monkeypatch = env
    monkeypatch.setenv("VYPUSK_DB", str(_region(tmp_path / "csv.duckdb", True)))
    at = AppTest.from_function(_csv_page, default_timeout=30)
    login_as(at, "bc", "base_centre").run()
    assert not at.exception
    (download,) = _downloads(at)
    assert download.file_name == "Список.csv"
    data = download.build()
    assert data.decode("utf-8-sig").splitlines() == ["ФИО;Число", "'=Иванов;1"]
    db.close_all()
    with db.open_database() as con:
        log = audit.read_log(con)
    assert (log["action"] == "download_pd").sum() == 1
