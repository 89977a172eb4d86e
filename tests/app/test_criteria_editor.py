"""Issue 13 item 6: the criteria editor (buttons only with unsaved changes, the open tab kept after a
save, Russian decimal input, published versions untouched), a readable journal, and downloads that
download what their label says (the «Рейтинг ПОО» page: the college ranking by indicator)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from data_layer import audit
from metrics import criteria
from metrics.formatting import parse_decimal
from pages.screens.criteria import TAB_KEY
from tests.app import test_pages_work as work
from tests.app import test_reports_page as rp
from tests.app.test_pages_work import COHORT, FRDO_ROW, _edit_weight, assert_clean, cur_of, open_page, plain

# The page tests' database (built once per module; tests/app/conftest.region copies it per test).
template = work.template
env = rp.env  # records deferred downloads (AppTest drops its media manager after a run)

EDITOR = "Редактор критериев"


def _disabled(at: AppTest, key: str) -> bool:
    return bool(at.button(key=key).disabled)


def test_save_and_publish_only_with_unsaved_changes(region: tuple[Path, dict[str, str]]) -> None:
    at = open_page("pages/screens/criteria.py", "base_centre")
    assert _disabled(at, "crit_save") and _disabled(at, "crit_publish")  # nothing edited
    _edit_weight(at, 0, FRDO_ROW, 2.0)
    assert not _disabled(at, "crit_save") and not _disabled(at, "crit_publish")
    at.button(key="crit_save").click().run()
    assert_clean(at)
    # Saved: nothing left to save; the stored draft may still be published.
    assert _disabled(at, "crit_save") and not _disabled(at, "crit_publish")


def _tab_containers(node: Any) -> list[Any]:
    """The st.tabs containers of the page as sent to the browser (their open tab and widget id)."""
    out = []
    proto = getattr(node, "proto", None)
    if proto is not None and type(proto).__name__ == "Block" and proto.HasField("tab_container"):
        out.append(proto.tab_container)
    for child in getattr(node, "children", {}).values():
        out += _tab_containers(child)
    return out


def test_the_editor_tab_stays_open_after_a_save(region: tuple[Path, dict[str, str]]) -> None:
    at = open_page("pages/screens/criteria.py", "base_centre", **{TAB_KEY: EDITOR})
    tabs = [t for t in at.tabs if t.label == EDITOR]
    assert len(tabs) == 1
    _edit_weight(at, 0, FRDO_ROW, 2.0)
    at.button(key="crit_save").click().run()
    assert_clean(at)
    assert [plain(s.value) for s in at.success] == ["Черновик версии 2 сохранён."]
    assert at.session_state[TAB_KEY] == EDITOR
    # The browser is told to show the editor tab, under a stable widget id (a keyless st.tabs has
    # neither: it would come back on «Рейтинг»).
    (tabs_sent,) = _tab_containers(at._tree)
    assert tabs_sent.default_tab_index == 4 and tabs_sent.id.endswith(TAB_KEY)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12,5", 12.5),
        ("12.5", 12.5),
        (" 1 234,5 ", 1234.5),
        ("7", 7.0),
        ("", None),
        ("12,5,1", None),
        ("abc", None),
    ],
)
def test_parse_decimal(text: str, value: float | None) -> None:
    assert parse_decimal(text) == value


def test_category_threshold_takes_a_decimal_comma(region: tuple[Path, dict[str, str]]) -> None:
    path, _ = region
    at = open_page("pages/screens/criteria.py", "base_centre")
    high = at.text_input(key=f"crit_{COHORT}_0_high")
    assert high.value == "40"  # the starting threshold, shown as typed
    high.input("45,5").run()
    assert_clean(at)
    assert not _disabled(at, "crit_save")
    at.button(key="crit_save").click().run()
    assert_clean(at)
    with cur_of(path) as cur:
        stored = criteria.draft(cur, COHORT)
        assert stored is not None and stored.high_from == 45.5
    # The stored threshold is shown back the Russian way and counts as no change.
    assert at.text_input(key=f"crit_{COHORT}_1_high").value == "45,5"
    assert _disabled(at, "crit_save")
    at.text_input(key=f"crit_{COHORT}_1_high").input("двенадцать").run()
    assert not at.exception
    assert any("введите неотрицательное число, например 12,5" in plain(w.value) for w in at.warning)


def test_saving_a_draft_leaves_version_one_as_shown(region: tuple[Path, dict[str, str]]) -> None:
    at = open_page("pages/screens/criteria.py", "base_centre")
    before = [plain(c.value) for c in at.caption if "Критерии" in c.value]
    _edit_weight(at, 0, FRDO_ROW, 2.0)
    at.button(key="crit_save").click().run()
    assert_clean(at)
    assert [plain(c.value) for c in at.caption if "Критерии" in c.value] == before
    assert any("версия 1 (стартовый набор критериев)" in b for b in before)


def test_journal_is_readable(region: tuple[Path, dict[str, str]]) -> None:
    path, _ = region
    with cur_of(path) as cur:
        audit.record(cur, "ghost", None, "login_failed", "ghost")
        audit.record(cur, None, None, "rating_publish", "рейтинг 2024", None)
    at = open_page("pages/screens/criteria.py", "base_centre")
    _edit_weight(at, 0, FRDO_ROW, 2.0)
    at.button(key="crit_save").click().run()
    at.switch_page("pages/screens/journal.py").run()
    assert_clean(at)
    shown = pl.from_pandas(at.dataframe[0].value).drop("Время")
    cells = [str(v) for row in shown.iter_rows() for v in row]
    assert not [c for c in cells if c in ("None", "nan", "NaT", "")]
    actions = shown["Действие"].to_list()
    assert not [a for a in actions if a in audit.ACTION_LABELS]  # no raw action code
    assert {"Публикация рейтинга ЦСТВ", "Неудачный вход", "Черновик критериев"} <= set(actions)
    draft = shown.filter(pl.col("Действие") == "Черновик критериев").row(0, named=True)
    assert (draft["Объект"], draft["Подробности"]) == (f"критерии {COHORT} г., версия 2", "черновик сохранён")


# ---------------------------------------------------------------- downloads match their labels


def _buttons(at: AppTest) -> dict[str, tuple[Callable[[], Any], str]]:
    """Label -> (deferred builder, file name) of every download button on the page."""
    labels = [b.proto.label for b in at.get("download_button")]
    return {label: (d.build, d.file_name or "") for label, d in zip(labels, rp._downloads(at), strict=True)}


def test_ranking_page_downloads_the_college_ranking_by_indicator(
    region: tuple[Path, dict[str, str]], env: rp.Env
) -> None:
    at = open_page("pages/screens/ranking.py", "ministry")
    buttons = _buttons(at)
    assert "Скачать рейтинг эффективности ЦСТВ (Excel)" not in buttons
    build, name = buttons["Скачать рейтинг ПОО по показателю (CSV)"]
    assert name.startswith("Рейтинг_ПОО_") and name.endswith(".csv")
    content = build()
    text = (content if isinstance(content, bytes) else content.getvalue()).decode("utf-8-sig")
    lines = [line for line in text.splitlines() if ";" in line]
    header = lines[0].split(";")
    assert header[:3] == ["Место", "Место за месяц", "ПОО"] and "Значение" in header
    shown = pl.from_pandas(at.get_by_key("ranking_table__-__-__-").value)  # type: ignore[union-attr]
    assert len(lines) - 1 == shown.height
    names = [line.split(";")[2] for line in lines[1:]]
    assert names == shown["name"].to_list()


def test_criteria_page_rating_button_is_the_effectiveness_rating(
    region: tuple[Path, dict[str, str]], env: rp.Env
) -> None:
    at = open_page("pages/screens/criteria.py", "ministry")
    build, name = _buttons(at)["Скачать рейтинг эффективности ЦСТВ (Excel)"]
    assert name.startswith("Рейтинг_ЦСТВ")
    import openpyxl

    content = build()
    wb = openpyxl.load_workbook(io.BytesIO(content if isinstance(content, bytes) else content.getvalue()))
    text = " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)
    assert "Итого баллов" in text or "Баллы" in text
