"""The weekly round's pages in AppTest (issue 13): «Шаблоны файлов», the upload preview and undo,
«Сдача данных». Uses the hand-made region of test_pages_work (cohort 2024, snapshots on Fridays
05.07–04.10.2024; P003 reported in July only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_layer import audit
from data_layer.importer.kinds import COLLEGE_KINDS, KINDS
from data_layer.scope import Role
from tests.app.test_pages_work import (
    _graduates_csv,
    assert_clean,
    cur_of,
    open_page,
    table,
    tables,
    template,  # noqa: F401  (the module's region, built once: the `region` fixture copies it)
)
from tests.helpers import column_config
from ui.registry import PAGE_SPECS

CODES: dict[str, str | None] = {"ministry": None, "territory": "TU01", "base_centre": None, "college": "P001"}
MY_PAGES = {
    "pages/screens/templates.py": "Шаблоны файлов",
    "pages/screens/discipline.py": "Сдача данных",
    "pages/screens/quality.py": "Качество данных и КЦП",
}


ALLOWED = [(s.file, role) for s in PAGE_SPECS if s.file in MY_PAGES for role in sorted(s.roles)]


@pytest.mark.parametrize(("page", "role"), ALLOWED, ids=[f"{p.split('/')[-1]}-{r}" for p, r in ALLOWED])
def test_page_opens_for_every_allowed_role(
    region: tuple[Path, dict[str, str]], page: str, role: Role
) -> None:
    at = open_page(page, role, CODES[role])
    assert [t.value for t in at.title] == [MY_PAGES[page]]
    assert_clean(at)


@pytest.mark.parametrize(("role", "code"), [("college", "P001"), ("base_centre", None)])
def test_templates_page_offers_weekly_template_and_every_kind(
    region: tuple[Path, dict[str, str]], role: Role, code: str | None
) -> None:
    at = open_page("pages/screens/templates.py", role, code)
    labels = [b.label for b in at.get("download_button")]  # type: ignore[attr-defined]
    assert "Скачать шаблон на неделю" in labels
    assert "Скачать список выпуска 2024" in labels
    blanks = labels.count("Пустой шаблон")
    assert blanks == (len(COLLEGE_KINDS) if role == "college" else len(KINDS))
    order = at.dataframe[0].value
    assert list(order["Шаг"]) == sorted(order["Шаг"])


# ---------------------------------------------------------------- preview, confirm, undo


def test_status_upload_is_previewed_then_confirmed(region: tuple[Path, dict[str, str]]) -> None:
    path, k = region
    # emp stays employed, informal becomes employed, nostatus gets a first status
    text = "СНИЛС;Код ПОО;Дата актуализации;Статус\n" + "".join(
        f"{k[n]};P001;11.10.2024;{s}\n" for n, s in (("emp", "06"), ("informal", "06"), ("nostatus", "09"))
    )
    at = open_page("pages/screens/upload.py", "college", "P001")
    at.file_uploader(key="upload_files_0").set_value(("статусы.csv", text.encode(), "text/csv")).run()
    at.button(key="upload_go").click().run()
    assert_clean(at)
    shown = {m.label: m.value for m in at.metric}
    assert shown == {"Новых": "1", "Изменится": "1", "Без изменений": "1", "Удалится": "0"}
    with cur_of(path) as cur:
        assert cur.execute(
            "SELECT count(*) FROM status_rows WHERE snapshot_date = DATE '2024-10-11'"
        ).fetchall() == [(0,)]
    at.button(key="upload_confirm").click().run()
    assert_clean(at)
    assert any("загружен" in s.value for s in at.success)
    with cur_of(path) as cur:
        assert cur.execute(
            "SELECT count(*) FROM status_rows WHERE snapshot_date = DATE '2024-10-11'"
        ).fetchall() == [(3,)]


def test_removing_load_needs_a_tick_and_can_be_undone(region: tuple[Path, dict[str, str]]) -> None:
    path, k = region
    with cur_of(path) as cur:
        before = cur.execute(
            "SELECT person_key FROM graduates WHERE college_code = 'P001' ORDER BY 1"
        ).fetchall()
    # A one-row list for P001 (cohort 2024): the six graduates listed now disappear.
    data = _graduates_csv([(k["emp"], "P001")])
    at = open_page("pages/screens/upload.py", "base_centre")
    at.file_uploader(key="upload_files_0").set_value(("выпуск.csv", data, "text/csv")).run()
    at.button(key="upload_go").click().run()
    assert any("5 выпускников выбудут из списка выпуска" in e.value for e in at.error)
    assert at.button(key="upload_confirm").disabled
    at.checkbox(key="upload_ack_0").check().run()
    assert not at.button(key="upload_confirm").disabled
    at.button(key="upload_confirm").click().run()
    assert_clean(at)
    with cur_of(path) as cur:
        assert cur.execute("SELECT count(*) FROM graduates WHERE college_code = 'P001'").fetchall() == [(1,)]
        load_id = cur.execute("SELECT max(load_id) FROM loads").fetchall()[0][0]
    # Undo from the load register
    assert at.selectbox(key=f"undo_pick_{load_id}").value == load_id  # the newest load is offered
    assert at.button(key="undo_go").disabled
    at.checkbox(key=f"undo_sure_{load_id}").check().run()
    at.button(key="undo_go").click().run()
    assert_clean(at)
    assert any(f"Загрузка № {load_id}" in s.value and "отменена" in s.value for s in at.success)
    assert table(at, "Состояние")["Состояние"][0].startswith("отменена")
    with cur_of(path) as cur:
        after = cur.execute(
            "SELECT person_key FROM graduates WHERE college_code = 'P001' ORDER BY 1"
        ).fetchall()
        assert after == before
        assert audit.read_log(cur, action="upload_undone").height == 1


def test_college_has_no_undo(region: tuple[Path, dict[str, str]]) -> None:
    at = open_page("pages/screens/upload.py", "college", "P001")
    assert "Скачать шаблон на неделю" in [b.label for b in at.get("download_button")]  # type: ignore[attr-defined]
    try:
        at.get_by_key("undo_go")
    except KeyError:
        return
    raise AssertionError("a college must not see the undo button")


# ---------------------------------------------------------------- the week's discipline


def _arrival(path: Path, college: str, snap: str, received: str) -> None:
    with cur_of(path) as cur:
        cur.execute(
            "INSERT INTO snapshot_arrivals VALUES (?, 2024, ?::DATE, ?::TIMESTAMP, NULL, 'u')",
            [college, snap, received],
        )
        cur.execute(
            "UPDATE colleges SET contact_person = 'Петрова А. А.', email = 'cstv@p2.example.ru' WHERE college_code = 'P002'"
        )
        cur.execute(
            "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS VARCHAR) WHERE key = 'dataset_version'"
        )


def test_discipline_page_counts_the_last_deadline(region: tuple[Path, dict[str, str]]) -> None:
    path, _ = region
    # Cohort 2024's last deadline is Friday 26.12.2025 (the window ends 31.12.2025): P001 sent in time
    # (13:00 UTC < 14:00 UTC), P002 the next day, P003 nothing.
    _arrival(path, "P001", "2025-12-26", "2025-12-26 13:00")
    _arrival(path, "P002", "2025-12-26", "2025-12-27 10:00")
    at = open_page("pages/screens/discipline.py", "ministry")
    shown = {m.label: m.value for m in at.metric}
    assert shown["Прислали к сроку 26.12.2025"] == "1 из 3"
    assert shown["Прислали с опозданием"] == "1" and shown["Не прислали"] == "1"
    late = table(at, "Состояние")
    # most days late first: ТТК has sent nothing since the deadline, СМК was a day late
    assert late.select("ПОО", "Состояние").rows() == [
        ("Тольяттинский технический колледж (ТТК)", "не прислала"),
        ("Самарский медицинский колледж (СМК)", "с опозданием"),
    ]
    assert late["Дней опоздания"][1] == 1 and late["Дней опоздания"][0] > 300
    assert late["Ответственный ЦСТВ"][1] == "Петрова А. А." and late["E-mail"][1] == "cstv@p2.example.ru"


def test_college_sees_its_own_record_only(region: tuple[Path, dict[str, str]]) -> None:
    path, _ = region
    _arrival(path, "P002", "2025-12-26", "2025-12-27 10:00")
    at = open_page("pages/screens/discipline.py", "college", "P001")
    shown = {m.label: m.value for m in at.metric}
    assert shown["Срок 26.12.2025"] == "не прислала"
    assert "Следующий срок" in shown
    mine = table(at, "Состояние")
    assert mine["ПОО"].to_list() == ["Самарский политехнический колледж (СПК)"]
    assert "Ответственный ЦСТВ" not in mine.columns


# ---------------------------------------------------------------- data quality and КЦП


def test_quality_page_numbers_and_quota_tab(region: tuple[Path, dict[str, str]]) -> None:
    at = open_page("pages/screens/quality.py", "ministry")
    tus = table(at, "Без статуса, %")
    tu01 = tus.filter(tus["ТУ"] == "Самарское управление").row(0, named=True)
    # TU01 = P001 (6 graduates, «nostatus» never reported) + P002 (2): 1 of 8 without status
    assert (tu01["ПОО"], tu01["Выпускников"], tu01["Без статуса, %"]) == (2, 8, 12.5)
    colleges = tables(at, "Сверка выпуска")[0]
    assert "Самарский политехнический колледж (СПК)" in colleges["ПОО"].to_list()
    assert colleges.schema["Выпускников"].is_integer()  # numbers stay numbers (sorted as numbers)
    quota = tables(at, "Тренд, п. п.")[0]
    assert "Выпуск 2024: %" in quota.columns
    # percent values in the browser's Russian format (never a printf «12.5 %» or «+0.0»)
    for element in at.dataframe:
        for name, conf in column_config(element).items():
            fmt = (conf.get("type_config") or {}).get("format")
            assert fmt is None or not fmt.startswith("%"), (name, fmt)
    assert all(v is None or str(v) != "-0.0" for v in quota["Тренд, п. п."].to_list())
    assert "Скачать таблицу для КЦП (Excel)" in [b.label for b in at.get("download_button")]  # type: ignore[attr-defined]


def test_quality_page_territory_row_narrows_the_college_table(region: tuple[Path, dict[str, str]]) -> None:
    at = open_page("pages/screens/quality.py", "ministry")
    tus = table(at, "Без статуса, %")
    row = tus["ТУ"].to_list().index("Самарское управление")
    at.session_state["quality_tu"] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert any("ПОО территории «Самарское управление»" in m.value for m in at.markdown)
    colleges = tables(at, "Сверка выпуска")[0]
    assert colleges.height == 2  # TU01 = P001 + P002 (see the test above)
