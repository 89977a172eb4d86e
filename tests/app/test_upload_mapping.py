"""The upload page with a foreign file (issue 13, item 1): the АИС «Трудовые ресурсы» example is
refused as it is, mapped in the editor (guesses checked), saved by name and loaded; the next upload
of such a file pre-selects the saved mapping. Another college does not get it."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_layer import audit, db
from data_layer.importer import load_file, load_reference_dir
from tests.app.test_pages_work import assert_clean, cur_of, open_page
from tests.fixtures.examples import AIS_FILE, EXAMPLES_DIR, example_files

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The valid examples loaded (P001's graduates of 2024 and their 02.09.2024 snapshot); the
    tests use their own copies (the `region` fixture of tests/app/conftest.py)."""
    path = tmp_path_factory.mktemp("mapping") / "examples.duckdb"
    con = db.open_database(path)
    load_reference_dir(con)
    for name, (_, _, status) in example_files().items():
        if status == "valid":
            assert load_file(con, EXAMPLES_DIR / name, name).ok
    con.close()
    return path, {}


def _check_ais(at: AppTest) -> AppTest:
    data = (EXAMPLES_DIR / AIS_FILE).read_bytes()
    at.file_uploader(key=f"upload_files_{at.session_state['_upload_gen']}").set_value(
        (AIS_FILE, data, XLSX)
    ).run()
    at.button(key="upload_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _snapshot_rows(path: Path) -> int:
    with cur_of(path) as cur:
        return int(
            cur.execute(
                "SELECT count(*) FROM status_rows WHERE snapshot_date = DATE '2024-10-04'"
            ).fetchall()[0][0]
        )


def test_map_save_load_then_the_next_file_preselects_the_mapping(region: tuple[Path, dict[str, str]]) -> None:
    path = region[0]
    at = _check_ais(open_page("pages/screens/upload.py", "college", "P001"))
    assert at.error, "the export as it is is refused"
    # the editor's guesses: columns by normalised names, labels by the contract and keywords
    assert at.selectbox(key="map_kind_0").value == "statuses"
    cols = {
        "status": "Состояние занятости",
        "college_code": "Код ОО",
        "snapshot_date": "Дата сведений",
        "by_specialty": "Работа по профилю",
        "snils": "СНИЛС выпускника",
    }
    for field, header in cols.items():
        assert at.selectbox(key=f"map_col_0_statuses_{field}").value == header
    labels = {s.label: s.value for s in at.selectbox if s.key.startswith("map_lbl_0_statuses_status_")}
    assert labels["Декрет"] == "parental_leave"
    assert labels["Призван в ВС РФ"] == "military_conscript"
    assert len(labels) == 7
    # the user corrects one guess: «Самозанятость» is self-employment (already guessed) — set it anyway
    key = next(
        s.key
        for s in at.selectbox
        if s.key.startswith("map_lbl_0_statuses_status_") and s.label == "Самозанятость"
    )
    at.selectbox(key=key).set_value("self_employed").run()
    at.text_input(key="map_name_0").input("АИС ТР").run()
    at.button(key="map_save_0").click().run()
    assert_clean(at)
    shown = {m.label: m.value for m in at.metric}
    assert shown == {"Новых": "0", "Изменится": "3", "Без изменений": "4", "Удалится": "0"}
    assert any("сопоставлением «АИС ТР»" in c.value for c in at.caption)
    assert _snapshot_rows(path) == 0  # previewed, not loaded yet
    at.button(key="upload_confirm").click().run()
    assert_clean(at)
    assert any("загружен" in s.value for s in at.success)
    assert _snapshot_rows(path) == 7
    with cur_of(path) as cur:
        assert cur.execute("SELECT name, kind, college_code FROM import_mappings").fetchall() == [
            ("АИС ТР", "statuses", "P001")
        ]
        assert audit.read_log(cur, action="import_mapping_save").height == 1

    # the next such file: the saved mapping is pre-selected and applied with one click
    at = _check_ais(open_page("pages/screens/upload.py", "college", "P001"))
    pick = at.selectbox(key="map_pick_0")
    assert pick.value is not None and "АИС ТР" in pick.format_func(pick.value)
    at.button(key="map_apply_0").click().run()
    assert_clean(at)
    assert any("совпадает с уже загруженными" in i.value for i in at.info)


@pytest.mark.usefixtures("region")
def test_another_college_is_not_offered_the_mapping() -> None:
    at = _check_ais(open_page("pages/screens/upload.py", "college", "P001"))
    at.text_input(key="map_name_0").input("АИС ТР").run()
    at.button(key="map_save_0").click().run()
    # the same name again: refused unless replacing is ticked
    at = _check_ais(open_page("pages/screens/upload.py", "college", "P001"))
    at.text_input(key="map_name_0").input("АИС ТР").run()
    at.button(key="map_save_0").click().run()
    assert any("уже есть" in e.value for e in at.error)
    at.checkbox(key="map_replace_0").check().run()
    at.button(key="map_save_0").click().run()
    assert any("сопоставлением «АИС ТР»" in c.value for c in at.caption)
    at = _check_ais(open_page("pages/screens/upload.py", "college", "P002"))
    assert not [s for s in at.selectbox if s.key == "map_pick_0"]
    assert at.selectbox(key="map_kind_0").value == "statuses"  # only the editor


def _mappings_table(at: AppTest) -> list[dict[str, object]]:
    frames = [d.value for d in at.dataframe if "Для кого" in d.value.columns]
    assert len(frames) == 1
    return list(frames[0].to_dict("records"))


def test_templates_page_lists_renames_and_deletes_own_mappings(region: tuple[Path, dict[str, str]]) -> None:
    path = region[0]
    import dataclasses

    from data_layer.importer.mapping import from_json
    from data_layer.scope import Scope
    from ops.import_mappings import save_mapping
    from tests.fixtures.examples import AIS_MAPPING_FILE

    text = (EXAMPLES_DIR / AIS_MAPPING_FILE).read_text(encoding="utf-8")
    with cur_of(path) as cur:
        base = from_json("АИС", "statuses", text)
        save_mapping(cur, Scope("base_centre", username="bc"), base)
        save_mapping(
            cur, Scope("college", "P001", username="spk"), dataclasses.replace(base, college_code="P001")
        )
    at = open_page("pages/screens/templates.py", "college", "P002")
    assert [r["Для кого"] for r in _mappings_table(at)] == ["вся область"]
    assert not [s for s in at.selectbox if s.key == "tpl_map_pick"]  # nothing of its own to change
    at = open_page("pages/screens/templates.py", "college", "P001")
    assert [r["Для кого"] for r in _mappings_table(at)] == [
        "ПОО P001",
        "вся область",
    ]
    assert at.selectbox(key="tpl_map_pick").options == ["АИС"]  # only its own one
    at.text_input(key="tpl_map_new").input("АИС ТР").run()
    at.button(key="tpl_map_rename").click().run()
    assert_clean(at)
    with cur_of(path) as cur:
        assert cur.execute("SELECT name, college_code FROM import_mappings ORDER BY 2").fetchall() == [
            ("АИС ТР", "P001"),
            ("АИС", None),
        ]
    at.button(key="tpl_map_delete").click().run()
    assert_clean(at)
    with cur_of(path) as cur:
        assert cur.execute("SELECT count(*) FROM import_mappings").fetchall() == [(1,)]
        assert audit.read_log(cur, action="import_mapping_delete").height == 1
