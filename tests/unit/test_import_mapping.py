"""Saved mappings of foreign import files (issue 13, item 1): applying a mapping before validation,
the unknown-label error with its hint, the editor's guesses, and the scope of saved mappings
(a college cannot use another college's mapping: refused in the data layer)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from data_layer import audit, db
from data_layer import import_mappings as saved
from data_layer.errors import ScopeError, UserFacingError
from data_layer.importer import load_file, load_reference_dir
from data_layer.importer.limits import ReadLimits
from data_layer.importer.mapping import (
    ImportMapping,
    apply_mapping,
    check_mapping,
    from_json,
    guess_columns,
    guess_label,
    matching,
    sniff,
)
from data_layer.importer.preview import Preview, preview_file
from data_layer.importer.readers import read_table
from data_layer.scope import Scope
from ops.import_mappings import delete_mapping, rename_mapping, save_mapping
from tests.fixtures.examples import (
    AIS_FILE,
    AIS_HEADER,
    AIS_MAPPING_FILE,
    AIS_MAPPING_NAME,
    EXAMPLES_DIR,
    example_files,
    snils,
)
from tests.fixtures.import_helpers import rows

BASE = Scope("base_centre", username="bc")
P001 = Scope("college", "P001", username="spk")
P002 = Scope("college", "P002", username="tmk")


def ais_mapping(college: str | None = "P001") -> ImportMapping:
    text = (EXAMPLES_DIR / AIS_MAPPING_FILE).read_text(encoding="utf-8")
    return dataclasses.replace(from_json(AIS_MAPPING_NAME, "statuses", text), college_code=college)


# ---------------------------------------------------------------- apply_mapping on hand-made frames


SMALL = ImportMapping(
    "малое",
    "statuses",
    {"Состояние занятости": "Статус", "Код ОО": "Код ПОО", "По профилю": "По специальности"},
    {
        "Статус": {"Декрет": "parental_leave", "Призван в ВС РФ": "military_conscript"},
        "По специальности": {"по профилю": "да", "не по профилю": "нет"},
    },
)


def test_apply_mapping_renames_columns_and_translates_labels() -> None:
    frame = pl.DataFrame(
        {
            "СНИЛС": ["1", "2", "3", "4"],
            "код оо": ["P001"] * 4,  # headers match ignoring case and spaces
            "Состояние  занятости": ["декрет", "Призван в ВС РФ", "Уволился", None],
            "По профилю": ["по профилю", "НЕ ПО ПРОФИЛЮ", None, "да"],
            "Примечание": ["Декрет", "", "", ""],
        }
    )
    out = apply_mapping(frame, SMALL)
    assert out.columns == [
        "СНИЛС",
        "Код ПОО (код оо)",
        "Статус (Состояние  занятости)",
        "По специальности (По профилю)",
        "Примечание",
    ]
    # labels translated by normalised spelling; an unknown label and an empty cell stay as they are
    assert out.get_column("Статус (Состояние  занятости)").to_list() == [
        "parental_leave",
        "military_conscript",
        "Уволился",
        None,
    ]
    assert out.get_column("По специальности (По профилю)").to_list() == ["да", "нет", None, "да"]
    # a column the mapping does not name is not translated, even with a known label in it
    assert out.get_column("Примечание").to_list() == ["Декрет", "", "", ""]


def test_apply_mapping_keeps_a_header_already_of_the_contract() -> None:
    m = ImportMapping("m", "statuses", {"Статус": "Статус"}, {"Статус": {"Уволен": "other_risk"}})
    out = apply_mapping(pl.DataFrame({"статус": ["уволен"]}), m)
    assert out.columns == ["Статус"]
    assert out.get_column("Статус").to_list() == ["other_risk"]


def test_check_mapping_lists_every_problem_in_russian() -> None:
    bad = ImportMapping(
        "x",
        "statuses",
        {"А": "Статус", "Б": "Статус", "В": "Цвет глаз"},
        {"Статус": {"Декрет": "maternity"}, "Работодатель": {"ООО": "да"}},
    )
    assert check_mapping(bad) == [
        "Столбцы «А» и «Б» сопоставлены одному столбцу «Статус».",
        "Столбца «Цвет глаз» нет в файле вида «Статусы выпускников (оперативный мониторинг)».",
        "Метке «Декрет» столбца «Статус» сопоставлено неизвестное значение «maternity».",
        "У столбца «Работодатель» нет кодов: метки для него не сопоставляются.",
    ]
    assert check_mapping(ais_mapping()) == []


# ---------------------------------------------------------------- a whole load with the mapping


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = db.open_database(tmp_path / "m.duckdb")
    load_reference_dir(c)
    for name, (_, _, status) in example_files().items():
        if status == "valid":
            assert load_file(c, EXAMPLES_DIR / name, name).ok
    yield c
    c.close()


def test_ais_example_loads_with_the_saved_mapping(con: duckdb.DuckDBPyConnection) -> None:
    plain = load_file(con, EXAMPLES_DIR / AIS_FILE, AIS_FILE, scope=P001)
    assert not plain.ok  # without the mapping the export is not a contract file
    res = load_file(con, EXAMPLES_DIR / AIS_FILE, AIS_FILE, scope=P001, mapping=ais_mapping())
    assert res.ok, res.errors
    assert res.kind == "statuses"
    # the export's extra columns are the usual warnings, not errors
    assert sorted(w.column for w in res.warnings) == ["Код специальности", "№ п/п"]
    got = rows(
        con,
        """SELECT person_key, status, status_start, by_specialty, employer_inn FROM status_rows
           WHERE snapshot_date = DATE '2024-10-04' ORDER BY person_key""",
    )
    expected = [
        (1, "employed", dt.date(2024, 7, 15), True, "6312000017"),
        (2, "employed", dt.date(2024, 8, 1), False, "6320000021"),
        (3, "military_conscript", dt.date(2024, 7, 2), False, None),
        (4, "continuing_education", dt.date(2024, 9, 1), False, None),
        (5, "czn_unemployed", dt.date(2024, 9, 12), False, None),
        (6, "parental_leave", dt.date(2024, 8, 20), False, None),
        (7, "self_employed", dt.date(2024, 7, 20), True, None),
    ]
    want = sorted((snils(n).replace("-", "").replace(" ", ""), *rest) for n, *rest in expected)
    assert got == want


def _ais_with_label(tmp_path: Path, label: str) -> Path:
    book = openpyxl.load_workbook(EXAMPLES_DIR / AIS_FILE)
    ws = book.active
    assert ws is not None
    header_row = next(r for r in range(1, 6) if ws.cell(r, 1).value == "№ п/п")
    status_col = AIS_HEADER.index("Состояние занятости") + 1
    ws.cell(header_row + 2, status_col, label)
    out = tmp_path / "ais_unknown.xlsx"
    book.save(out)
    return out


def test_an_unmapped_label_is_a_row_error_with_a_hint(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = _ais_with_label(tmp_path, "Уволился по собственному желанию")
    before = rows(con, "SELECT count(*) FROM status_rows")
    res = load_file(con, path, path.name, scope=P001, mapping=ais_mapping())
    assert not res.ok
    assert [(e.row, e.column, e.value) for e in res.errors] == [
        (6, "Статус (Состояние занятости)", "Уволился по собственному желанию")
    ]
    assert res.errors[0].message.startswith("Неизвестный статус")
    assert f"можно добавить в сопоставление «{AIS_MAPPING_NAME}»" in res.errors[0].message
    assert rows(con, "SELECT count(*) FROM status_rows") == before
    # the preview refuses it the same way
    out = preview_file(con, path.read_bytes(), path.name, scope=P001, mapping=ais_mapping())
    assert not isinstance(out, Preview)
    assert [e.message for e in out.errors] == [e.message for e in res.errors]


def test_preview_with_the_mapping(con: duckdb.DuckDBPyConnection) -> None:
    data = (EXAMPLES_DIR / AIS_FILE).read_bytes()
    out = preview_file(con, data, AIS_FILE, scope=P001, mapping=ais_mapping())
    assert isinstance(out, Preview)
    # against the 02.09.2024 example snapshot: 1, 2 stay employed; 3 (conscript) unchanged; 4 studies
    # (гр.09) unchanged; 5 no motivation → ЦЗН, 6 self-employed → leave, 7 forecast → self-employed
    assert (out.rows, out.new, out.changed, out.unchanged) == (7, 0, 3, 4)


def test_a_mapping_of_another_kind_than_chosen_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    res = load_file(
        con, EXAMPLES_DIR / AIS_FILE, AIS_FILE, kind="graduates", scope=P001, mapping=ais_mapping()
    )
    assert not res.ok
    assert "для файлов вида «Статусы выпускников" in res.errors[0].message


# ---------------------------------------------------------------- the editor's guesses


def test_sniff_and_guesses_on_the_ais_export() -> None:
    found = sniff(read_table, (EXAMPLES_DIR / AIS_FILE).read_bytes(), AIS_FILE, ReadLimits.from_env())
    assert found.headers == AIS_HEADER
    assert found.rows == 7
    assert found.values["Работа по профилю"] == ["по профилю", "не по профилю"]
    assert len(found.values["Состояние занятости"]) == 7
    guess = guess_columns("statuses", found.headers)
    assert {k: v for k, v in guess.items() if v} == {
        "СНИЛС": "СНИЛС выпускника",
        "ФИО": "ФИО выпускника",
        "Код ПОО": "Код ОО",
        "Дата актуализации": "Дата сведений",
        "Статус": "Состояние занятости",
        "Дата начала статуса": "Дата изменения состояния",
        "По специальности": "Работа по профилю",
        "Работодатель": "Наименование работодателя",
        "ИНН работодателя": "ИНН организации",
    }
    labels = {x: guess_label("statuses", "Статус", x) for x in found.values["Состояние занятости"]}
    assert labels == {
        "Трудоустроен по специальности": "employed",
        "Трудоустроен не по специальности": "employed",
        "Призван в ВС РФ": "military_conscript",
        "Продолжает обучение": "continuing_education",
        "Состоит на учёте в ЦЗН": "czn_unemployed",
        "Декрет": "parental_leave",
        "Самозанятость": "self_employed",
    }
    assert guess_label("statuses", "По специальности", "не по профилю") == "нет"
    assert guess_label("statuses", "По специальности", "по профилю") == "да"


def test_matching_mappings_need_all_their_source_headers() -> None:
    other = ImportMapping("другая", "statuses", {"Состояние": "Статус", "Колонка X": "Код ПОО"})
    assert [m.name for m in matching([SMALL, ais_mapping(), other], [*AIS_HEADER, "По профилю"])] == [
        AIS_MAPPING_NAME,
        "малое",
    ]
    assert matching([other], AIS_HEADER) == []


# ---------------------------------------------------------------- scope of saved mappings


def test_scope_of_saved_mappings(con: duckdb.DuckDBPyConnection) -> None:
    with con.cursor() as cur:
        mine = save_mapping(cur, P001, ais_mapping("P001"))
        regional = save_mapping(cur, BASE, dataclasses.replace(SMALL, college_code=None))
        # a college never makes region-wide mappings nor another college's
        with pytest.raises(ScopeError):
            save_mapping(cur, P001, dataclasses.replace(SMALL, name="для всех", college_code=None))
        with pytest.raises(ScopeError):
            save_mapping(cur, P001, dataclasses.replace(SMALL, name="чужая", college_code="P002"))
        assert [m.name for m in saved.visible(cur, P001)] == [AIS_MAPPING_NAME, "малое"]
        assert [m.name for m in saved.visible(cur, P002)] == ["малое"]
        assert saved.find(cur, P002, "малое").mapping_id == regional.mapping_id
        # P002 cannot use P001's mapping: refused by the data layer, not just hidden
        with pytest.raises(ScopeError, match="принадлежит другой ПОО"):
            saved.find(cur, P002, AIS_MAPPING_NAME)
        with pytest.raises(ScopeError):
            delete_mapping(cur, P002, "малое")  # region-wide: only the base centre changes it
        assert saved.find(cur, BASE, AIS_MAPPING_NAME).mapping_id == mine.mapping_id
        with pytest.raises(UserFacingError, match="не найдено"):
            saved.find(cur, P001, "нет такой")
        with pytest.raises(UserFacingError, match="уже есть"):
            save_mapping(cur, P001, ais_mapping("P001"))
        rename_mapping(cur, P001, AIS_MAPPING_NAME, "АИС ТР")
        delete_mapping(cur, BASE, "малое")
        assert [m.name for m in saved.visible(cur, P001)] == ["АИС ТР"]
        log = audit.read_log(cur).sort("event_id")
        assert log.filter(pl.col("action").str.starts_with("import_mapping")).get_column(
            "action"
        ).to_list() == [
            "import_mapping_save",
            "import_mapping_save",
            "import_mapping_rename",
            "import_mapping_delete",
        ]


def test_a_failing_audit_entry_saves_no_mapping(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("audit down")

    monkeypatch.setattr(audit, "record", boom)
    with con.cursor() as cur:
        with pytest.raises(RuntimeError):
            save_mapping(cur, P001, ais_mapping("P001"))
        assert cur.execute("SELECT count(*) FROM import_mappings").fetchall() == [(0,)]


# ---------------------------------------------------------------- vypusk load --mapping


def test_cli_load_with_a_saved_mapping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main
    from data_layer import users

    path = tmp_path / "cli.duckdb"
    cred = tmp_path / "credentials.yaml"
    monkeypatch.setenv("VYPUSK_CREDENTIALS", str(cred))
    users.add_user("spk", "secret-password-1", "college", "P001", path=cred)
    users.add_user("tmk", "secret-password-2", "college", "P002", path=cred)
    assert main(["init", "--db", str(path)]) == 0
    valid = [str(EXAMPLES_DIR / n) for n, (_, _, st) in example_files().items() if st == "valid"]
    assert main(["load", *valid, "--db", str(path)]) == 0
    with db.open_database(path) as con, con.cursor() as cur:
        save_mapping(cur, P001, ais_mapping("P001"))
    db.close_all()
    capsys.readouterr()
    ais = str(EXAMPLES_DIR / AIS_FILE)
    # another college's mapping: refused with a Russian message, nothing loaded
    assert main(["load", ais, "--mapping", AIS_MAPPING_NAME, "--user", "tmk", "--db", str(path)]) == 2
    assert "принадлежит другой ПОО" in capsys.readouterr().err
    assert main(["load", ais, "--mapping", "нет такого", "--db", str(path)]) == 2
    assert "не найдено" in capsys.readouterr().err
    assert main(["load", ais, "--user", "spk", "--db", str(path)]) == 1  # without the mapping: refused
    capsys.readouterr()
    assert main(["load", ais, "--mapping", AIS_MAPPING_NAME, "--user", "spk", "--db", str(path)]) == 0
    assert "загружен — Статусы выпускников" in capsys.readouterr().out
    with db.open_database(path) as con, con.cursor() as cur:
        assert cur.execute(
            "SELECT count(*), count(*) FILTER (status = 'parental_leave') FROM status_rows "
            "WHERE snapshot_date = DATE '2024-10-04'"
        ).fetchall() == [(7, 1)]
    db.close_all()


def test_only_refusals_a_mapping_can_cure_read_the_file_again() -> None:
    from data_layer.importer import Problem
    from ui.upload_mapping import worth_mapping

    def refusal(message: str, column: str | None = None) -> list[Problem]:
        return [Problem(None, column, None, message, "error")]

    assert worth_mapping(refusal("Не удалось определить вид файла: среди первых 11 строк нет …"))
    assert worth_mapping(refusal("Не найдена строка заголовков файла вида «Статусы …»"))
    assert worth_mapping(refusal("Нет обязательного столбца «Статус».", "Статус"))
    assert worth_mapping(refusal("Неизвестный статус: …", "Статус"))
    assert not worth_mapping(refusal("Файл не загружен: для его чтения не хватило памяти … в столбце XFD …"))
    assert not worth_mapping(refusal("Файл пуст: в нём нет ни заголовков, ни данных."))


def test_a_renamed_column_never_collides_with_one_already_in_the_file() -> None:
    m = ImportMapping("m", "statuses", {"статус": "Статус"})
    out = apply_mapping(pl.DataFrame({"Статус": ["06"], "статус ": ["09"]}), m)
    # «Статус» itself is also a source header of the mapping (same normalised text): it keeps its name
    assert out.columns == ["Статус", "Статус (статус )"]
