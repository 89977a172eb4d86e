"""Loads through `load_file` (docs/data_contract.md §2–7): every kind, every error class, replace semantics,
identical reloads and role scope. Every refused load must leave every table exactly as it was."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import openpyxl
import pytest

from data_layer.db import dataset_version
from data_layer.importer import KINDS, load_file, problems_to_xlsx
from data_layer.importer.geo import municipality_centres
from data_layer.importer.pipeline import MAX_PROBLEMS
from data_layer.scope import Scope
from tests.fixtures.import_helpers import (
    COLLEGES_HEADER,
    COLLEGES_ROWS,
    GRAD_HEADER,
    PROGRAM,
    PROGRAM2,
    STATUS_HEADER,
    audit_actions,
    csv_bytes,
    digits,
    grad_row,
    must_load,
    region,
    rows,
    snapshot,
    snils,
    xlsx_bytes,
)

D = dt.date


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = region(tmp_path / "t.duckdb")
    yield c
    c.close()


@pytest.fixture
def loaded(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Graduates 1–3 of P001 and 4 of P002 (cohort 2024) and one snapshot of P001."""
    grads = [grad_row(1), grad_row(2), grad_row(3), grad_row(4, "P002")]
    must_load(con, csv_bytes(GRAD_HEADER, grads), "grads.csv")
    st = [[snils(1), "P001", "02.09.2024", "06"], [snils(2), "P001", "02.09.2024", "09"]]
    must_load(con, csv_bytes(STATUS_HEADER, st), "st.csv")
    return con


# ---------------------------------------------------------------- every kind loads


def test_reference_kinds_loaded_with_mapping_status_and_default_coordinates(
    con: duckdb.DuckDBPyConnection,
) -> None:
    assert rows(con, "SELECT count(*) FROM territories") == [(13,)]
    assert rows(con, "SELECT * FROM territories WHERE tu_code = 'TU03'") == [
        ("TU03", "Центральное управление", "Жигулёвск", "подтверждено")
    ]
    assert rows(con, "SELECT * FROM municipalities WHERE oktmo = '36740000'") == [
        ("36740000", "городской округ Тольятти", "городской округ", "TU02")
    ]
    assert rows(con, "SELECT count(*) FROM programs") == [(48,)]
    lat, lon = municipality_centres()["36701000"]
    assert rows(
        con, "SELECT college_code, college_type, lat, lon FROM colleges WHERE college_code = 'P001'"
    ) == [("P001", "региональная", lat, lon)]


def test_graduates_load_with_flags_and_foreign_graduate(con: duckdb.DuckDBPyConnection) -> None:
    header = [
        *GRAD_HEADER, "Целевое обучение", "ОВЗ", "Инвалидность", "Профессионалитет", "Рег. номер диплома",
        "Иностранный гражданин без СНИЛС", "Номер документа",
    ]  # fmt: skip
    data = csv_bytes(
        header,
        [
            [*grad_row(1), "да", "", "нет", "+", "1162240012345", "", ""],
            ["", "Смит", "Джон", "", "01.01.2003", "м", "P001", PROGRAM2, "Очная", "2024-06-28", "", "", "", "", "", "да", "ab 12 34"],
        ],
    )  # fmt: skip
    res = load_file(con, data, "grads.csv")
    assert res.ok and not res.unchanged
    assert (res.kind, res.rows, res.college_codes, res.pairs) == ("graduates", 2, ["P001"], [("P001", 2024)])
    assert res.message == "Файл «grads.csv» загружен — Фактический выпуск: 2 строки."
    got = rows(
        con,
        """SELECT person_key, snils, doc_number, last_name, birth_date, sex, program_code, study_form,
                  graduation_date, cohort, is_target, is_ovz, is_disabled, is_professionalitet, is_foreign,
                  diploma_reg_no, load_id
           FROM graduates ORDER BY person_key""",
    )
    assert got == [
        (digits(1), digits(1), None, "Иванов", D(2004, 3, 15), "М", PROGRAM, "очная", D(2024, 6, 30), 2024,
         True, False, False, True, False, "1162240012345", res.load_id),
        ("D:AB1234", None, "AB1234", "Смит", D(2003, 1, 1), "М", PROGRAM2, "очная", D(2024, 6, 28), 2024,
         False, False, False, False, True, None, res.load_id),
    ]  # fmt: skip
    # every graduate starts with one open 'unknown' spell
    assert rows(con, "SELECT person_key, status, valid_to FROM status_spells ORDER BY 1") == [
        (digits(1), "unknown", D(9999, 12, 31)),
        ("D:AB1234", "unknown", D(9999, 12, 31)),
    ]
    assert rows(
        con,
        "SELECT kind, file_name, college_code, scope_key, rows FROM loads WHERE load_id = ?",
        [res.load_id],
    ) == [("graduates", "grads.csv", "P001", "cohort=2024", 2)]
    assert audit_actions(con)[-1] == ("upload", "grads.csv")


def test_statuses_load_all_columns(con: duckdb.DuckDBPyConnection) -> None:
    header = [*GRAD_HEADER, "Иностранный гражданин без СНИЛС", "Номер документа"]
    must_load(
        con,
        csv_bytes(header, [[*grad_row(1), "", ""], ["", "Смит", "Джон", "", "01.01.2003", "М", "P001", PROGRAM, "очная", "28.06.2024", "да", "AB1234"]]),
        "g.csv",
    )  # fmt: skip
    header = [
        "СНИЛС", "Код ПОО", "Дата актуализации", "Статус", "Дата начала статуса", "По специальности",
        "ИНН работодателя", "Работодатель", "Муниципалитет трудоустройства", "Карьерный трек",
        "Дата увольнения с военной службы", "Меры поддержки", "Номер документа",
    ]  # fmt: skip
    data = csv_bytes(
        header,
        [
            [snils(1), "P001", "02.09.2024", "06", "15.07.2024", "да", "6315000001", "ООО «Ромашка»", "Тольятти", "трудоустройство", "", "", ""],
            ["", "P001", "02.09.2024", "Переезд за пределы РФ", "", "", "", "", "за пределами области", "", "", "беседа", "ab1234"],
        ],
    )  # fmt: skip
    res = must_load(con, data, "st.csv")
    assert res.pairs == [("P001", 2024)]
    assert rows(
        con,
        """SELECT person_key, snapshot_date, cohort, status, status_start, by_specialty, employer_inn, employer_name,
                  work_municipality, career_track, support_measures FROM status_rows ORDER BY 1""",
    ) == [
        (digits(1), D(2024, 9, 2), 2024, "employed", D(2024, 7, 15), True, "6315000001", "ООО «Ромашка»", "36740000",
         "трудоустройство", None),
        ("D:AB1234", D(2024, 9, 2), 2024, "moved_abroad", None, False, None, None, "за пределами области", None, "беседа"),
    ]  # fmt: skip
    assert rows(
        con, "SELECT person_key, status, valid_from FROM status_spells WHERE status <> 'unknown' ORDER BY 1"
    ) == [
        (digits(1), "employed", D(2024, 9, 2)),
        ("D:AB1234", "moved_abroad", D(2024, 9, 2)),
    ]


def test_external_and_activity_kinds_load(con: duckdb.DuckDBPyConnection) -> None:
    ufns = csv_bytes(
        ["СНИЛС", "Вид занятости", "Дата начала", "Дата окончания", "ИНН работодателя", "Дата выгрузки"],
        [[digits(1), "трудовой договор", "15.07.2024", "", "6315000001", "01.10.2024"],
         [snils(2), "НПД", "01.08.2024", "30.09.2024", "", "01.10.2024"]],
    )  # fmt: skip
    assert must_load(con, ufns, "ufns.csv").kind == "ufns"
    assert rows(
        con,
        "SELECT snils, employment_kind, start_date, end_date, employer_inn, extract_date FROM ufns_records ORDER BY 1",
    ) == [
        (digits(1), "labour_contract", D(2024, 7, 15), None, "6315000001", D(2024, 10, 1)),
        (digits(2), "self_employed", D(2024, 8, 1), D(2024, 9, 30), None, D(2024, 10, 1)),
    ]
    czn = csv_bytes(
        ["СНИЛС", "Дата постановки на учёт", "Категория", "Дата снятия с учёта", "Дата выгрузки"],
        [[snils(3), "01.08.2024", "безработный", "", "01.10.2024"], [snils(4), "05.08.2024", "Ищущий работу", "20.09.2024", "01.10.2024"]],
    )  # fmt: skip
    assert must_load(con, czn, "czn.csv").kind == "czn"
    assert rows(con, "SELECT snils, reg_date, category, dereg_date FROM czn_records ORDER BY 1") == [
        (digits(3), D(2024, 8, 1), "unemployed", None),
        (digits(4), D(2024, 8, 5), "job_seeker", D(2024, 9, 20)),
    ]
    frdo = csv_bytes(
        ["СНИЛС", "Код ПОО", "Код специальности", "Дата выдачи", "Рег. номер"],
        [[snils(1), "P001", PROGRAM, "30.06.2024", "1234567"], [snils(4), "P002", "", "01.07.2024", ""]],
    )
    res = must_load(con, frdo, "frdo.csv")
    assert (res.kind, res.pairs) == ("frdo", [("P001", 2024), ("P002", 2024)])
    assert rows(
        con, "SELECT snils, college_code, program_code, issue_date, reg_no FROM frdo_records ORDER BY 1"
    ) == [
        (digits(1), "P001", PROGRAM, D(2024, 6, 30), "1234567"),
        (digits(4), "P002", None, D(2024, 7, 1), None),
    ]
    events = csv_bytes(
        ["Код ПОО", "Дата", "Тип", "Название", "Участников-выпускников", "Работодателей"],
        [["P001", "15.03.2024", "ярмарка вакансий", "Ярмарка 2024", "45", "12"], ["P001", "20.04.2024", "Экскурсия", "На завод", "", ""]],
    )  # fmt: skip
    assert must_load(con, events, "events.csv").kind == "events"
    assert rows(
        con,
        "SELECT college_code, event_date, event_type, title, graduate_participants, employers FROM events ORDER BY 2",
    ) == [
        ("P001", D(2024, 3, 15), "ярмарка вакансий", "Ярмарка 2024", 45, 12),
        ("P001", D(2024, 4, 20), "экскурсия", "На завод", 0, 0),
    ]
    tracks = csv_bytes(
        ["СНИЛС", "Код ПОО", "Учебный год", "Трек", "Дата формирования"],
        [[snils(1), "P001", "2023-24", "Трудоустройство", "01.10.2023"], [snils(2), "P001", "2023/2024", "служба в ВС", ""]],
    )  # fmt: skip
    assert must_load(con, tracks, "tracks.csv").kind == "career_tracks"
    assert rows(
        con, "SELECT person_key, academic_year, track, formed_date FROM career_tracks ORDER BY 1"
    ) == [
        (digits(1), "2023/2024", "трудоустройство", D(2023, 10, 1)),
        (digits(2), "2023/2024", "служба в ВС", None),
    ]


def test_upserts_replace_only_same_keys(con: duckdb.DuckDBPyConnection) -> None:
    header = ["Код ПОО", "Дата", "Тип", "Название", "Участников-выпускников", "Работодателей"]
    must_load(con, csv_bytes(header, [["P001", "15.03.2024", "ярмарка", "Ярмарка", "45", "12"], ["P001", "16.03.2024", "тренинг", "Резюме", "10", "0"]]), "e1.csv")  # fmt: skip
    res = must_load(
        con, csv_bytes(header, [["P001", "15.03.2024", "ярмарка вакансий", "Ярмарка", "50", "14"]]), "e2.csv"
    )
    assert "заменено прежних записей: 1" in res.message
    assert rows(con, "SELECT event_date, title, graduate_participants FROM events ORDER BY 1") == [
        (D(2024, 3, 15), "Ярмарка", 50),
        (D(2024, 3, 16), "Резюме", 10),
    ]


# ---------------------------------------------------------------- every error class


def _grads(*rows_: list[str], header: list[str] = GRAD_HEADER) -> bytes:
    return csv_bytes(header, list(rows_))


def _with(row: list[str], index: int, value: str) -> list[str]:
    out = list(row)
    out[index] = value
    return out


ERROR_CASES: list[tuple[str, Callable[[], tuple[bytes, str]], tuple[int | None, str | None, str]]] = [
    (
        "missing required column",
        lambda: (
            csv_bytes(
                [h for h in GRAD_HEADER if h != "Пол"], [[c for i, c in enumerate(grad_row(5)) if i != 5]]
            ),
            "g.csv",
        ),
        (1, "Пол", "Нет обязательного столбца «Пол»."),
    ),
    (
        "empty required value",
        lambda: (_grads(_with(grad_row(5), 1, "")), "g.csv"),
        (2, "Фамилия", "Не заполнено обязательное поле «Фамилия»."),
    ),
    (
        "malformed snils",
        lambda: (_grads(_with(grad_row(5), 0, "112-233-44")), "g.csv"),
        (2, "СНИЛС", "СНИЛС должен иметь вид XXX-XXX-XXX YY"),
    ),
    (
        "wrong checksum",
        lambda: (_grads(_with(grad_row(5), 0, "112-233-445 96")), "g.csv"),
        (2, "СНИЛС", "Неверное контрольное число СНИЛС"),
    ),
    (
        "unparseable date",
        lambda: (_grads(_with(grad_row(5), 9, "31.02.2024")), "g.csv"),
        (2, "Дата выпуска", "Не удалось распознать дату"),
    ),
    (
        "unknown college",
        lambda: (_grads(grad_row(5, "P999")), "g.csv"),
        (2, "Код ПОО", "ПОО с таким кодом нет в справочнике ПОО."),
    ),
    (
        "unknown program",
        lambda: (_grads(grad_row(5, program="99.99.99")), "g.csv"),
        (2, "Код специальности", "Специальности (профессии) с таким кодом нет"),
    ),
    (
        "unknown status label",
        lambda: (csv_bytes(STATUS_HEADER, [[snils(1), "P001", "09.09.2024", "Уехал на Луну"]]), "s.csv"),
        (2, "Статус", "Неизвестный статус"),
    ),
    (
        "same graduate twice",
        lambda: (_grads(grad_row(5), grad_row(6), grad_row(5, last="Иванова")), "g.csv"),
        (
            4,
            "СНИЛС",
            "Выпускник повторяется в файле: та же ПОО, тот же год выпуска и тот же СНИЛС (номер документа), что в строке 2.",
        ),
    ),
    (
        "status for a graduate not in the college's list",
        lambda: (
            csv_bytes(
                STATUS_HEADER,
                [[snils(1), "P001", "09.09.2024", "06"], [snils(4), "P001", "09.09.2024", "06"]],
            ),
            "s.csv",
        ),
        (
            3,
            "СНИЛС",
            "Выпускника с таким СНИЛС (номером документа) нет в списках фактического выпуска ПОО P001.",
        ),
    ),
    (
        "graduation date outside the cohort year",
        lambda: (
            csv_bytes([*GRAD_HEADER, "Год выпуска"], [[*grad_row(5, graduation="30.06.2023"), "2024"]]),
            "g.csv",
        ),
        (2, "Дата выпуска", "Дата выпуска вне года выпуска 2024"),
    ),
    (
        "not a readable workbook",
        lambda: (b"this is not a workbook", "g.xlsx"),
        (None, None, "не является книгой Excel"),
    ),
    ("empty file", lambda: (b"", "g.csv"), (None, None, "Файл пуст")),
]


@pytest.mark.parametrize(("case", "make", "expected"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_error_refuses_whole_file_and_changes_nothing(
    loaded: duckdb.DuckDBPyConnection,
    case: str,
    make: Callable[[], tuple[bytes, str]],
    expected: tuple[int | None, str | None, str],
) -> None:
    before = snapshot(loaded)
    audit_before = audit_actions(loaded)
    data, name = make()
    res = load_file(loaded, data, name)
    assert not res.ok and res.load_id is None
    assert res.message.startswith(f"Файл «{name}» не загружен:")
    row, column, message = expected
    matches = [p for p in res.errors if p.row == row and p.column == column and message in p.message]
    assert matches, res.errors
    assert all(p.severity == "error" for p in res.errors)
    assert snapshot(loaded) == before
    assert audit_actions(loaded) == [*audit_before, ("upload_rejected", name)]


def test_valid_rows_are_not_stored_when_another_row_fails(loaded: duckdb.DuckDBPyConnection) -> None:
    before = snapshot(loaded)
    res = load_file(loaded, _grads(grad_row(7), grad_row(8), _with(grad_row(9), 0, "bad")), "g.csv")
    assert not res.ok and len(res.errors) == 1 and res.errors[0].row == 4
    assert snapshot(loaded) == before


def test_every_problem_reported_at_once(loaded: duckdb.DuckDBPyConnection) -> None:
    data = _grads(
        _with(grad_row(7), 0, "112-233-445 96"),
        _with(grad_row(8, "P999"), 4, "вчера"),
        grad_row(9, program="00.00.00"),
    )
    res = load_file(loaded, data, "g.csv")
    assert [(p.row, p.column, p.value) for p in res.errors] == [
        (2, "СНИЛС", "***-***-445 96"),
        (3, "Дата рождения", "вчера"),
        (3, "Код ПОО", "P999"),
        (4, "Код специальности", "00.00.00"),
    ]
    assert "4 ошибки" in res.message


def test_problem_list_is_capped(con: duckdb.DuckDBPyConnection) -> None:
    bad = [_with(grad_row(i), 0, "000-000-000 01") for i in range(MAX_PROBLEMS + 5)]
    res = load_file(con, _grads(*bad), "big.csv")
    assert len(res.errors) == MAX_PROBLEMS + 1
    assert res.errors[-1].message == "Показаны первые 10\u00a0000 ошибок из 10\u00a0005."
    assert "10\u00a0005 ошибок" in res.message


def test_excel_error_report(loaded: duckdb.DuckDBPyConnection) -> None:
    data = xlsx_bytes(
        [*GRAD_HEADER, "Примечание"],
        [_with(grad_row(7), 0, "112-233-445 96")],
        title=["Список выпускников 2024"],
    )
    res = load_file(loaded, data, "g.xlsx")
    assert not res.ok
    wb = openpyxl.load_workbook(io.BytesIO(problems_to_xlsx(res)))
    ws = wb["Проблемы"]
    got = [tuple(c.value for c in r) for r in ws.iter_rows()]
    assert got[0] == ("Строка", "Столбец", "Значение", "Проблема", "Тип")
    # title row 1, blank row 2, header row 3, the graduate on row 4 — as Excel shows it
    assert got[1] == (
        4,
        "СНИЛС",
        "***-***-445 96",
        "Неверное контрольное число СНИЛС: проверьте номер.",
        "ошибка",
    )
    assert got[2][1] == "Примечание" and got[2][4] == "предупреждение"
    assert wb["Итог"]["B1"].value == "g.xlsx"


# ---------------------------------------------------------------- warnings do not block


def test_warnings_do_not_block(loaded: duckdb.DuckDBPyConnection) -> None:
    future = (dt.date.today() + dt.timedelta(days=30)).strftime("%d.%m.%Y")
    data = csv_bytes([*STATUS_HEADER, "Комментарий"], [[snils(1), "P001", future, "06", "звонили"]])
    res = load_file(loaded, data, "s.csv")
    assert res.ok
    messages = [w.message for w in res.warnings]
    assert any(m.startswith("Дата актуализации в будущем") for m in messages)
    assert any(m.startswith("Неизвестный столбец «Комментарий»") for m in messages)
    assert "2 предупреждения" in res.message
    assert rows(loaded, "SELECT warnings FROM loads WHERE load_id = ?", [res.load_id]) == [(2,)]


# ---------------------------------------------------------------- identical reload


def test_identical_reload_changes_nothing(loaded: duckdb.DuckDBPyConnection) -> None:
    data = csv_bytes(
        STATUS_HEADER, [[snils(1), "P001", "09.09.2024", "06"], [snils(3), "P001", "09.09.2024", "10"]]
    )
    first = must_load(loaded, data, "s.csv")
    before = snapshot(loaded, include_audit=True)
    with loaded.cursor() as cur:
        version = dataset_version(cur)
    again = load_file(loaded, data, "s_copy.csv")
    assert again.ok and again.unchanged and again.load_id == first.load_id
    today = dt.date.today().strftime("%d.%m.%Y")
    assert again.message.startswith(f"Этот файл уже загружен {today} в ")
    assert again.message.endswith(
        f"(пользователь operator, загрузка № {first.load_id}); данные не изменились."
    )
    assert snapshot(loaded, include_audit=True) == before
    with loaded.cursor() as cur:
        assert dataset_version(cur) == version


def test_identical_content_in_another_format_changes_nothing(loaded: duckdb.DuckDBPyConnection) -> None:
    before = snapshot(loaded, include_audit=True)
    res = load_file(loaded, xlsx_bytes(GRAD_HEADER, [grad_row(3), grad_row(1), grad_row(2)]), "same.xlsx")
    assert res.ok and res.unchanged and res.load_id is None
    assert res.message == "Данные файла «same.xlsx» совпадают с уже загруженными; данные не изменились."
    assert snapshot(loaded, include_audit=True) == before


def test_same_file_after_other_data_replaced_it_loads_again(loaded: duckdb.DuckDBPyConnection) -> None:
    a = csv_bytes(STATUS_HEADER, [[snils(1), "P001", "09.09.2024", "06"]])
    b = csv_bytes(STATUS_HEADER, [[snils(1), "P001", "09.09.2024", "09"]])
    must_load(loaded, a, "a.csv")
    must_load(loaded, b, "b.csv")
    res = must_load(loaded, a, "a.csv")
    assert not res.unchanged
    assert rows(loaded, "SELECT status FROM status_rows WHERE snapshot_date = DATE '2024-09-09'") == [
        ("employed",)
    ]


def test_repeated_rows_compare_as_multisets(con: duckdb.DuckDBPyConnection) -> None:
    """A kind that may repeat a row (УФНС): the same rows in another order are unchanged; the same
    distinct rows with other repeat counts are a change (store.same_as_stored)."""
    header = ["СНИЛС", "Вид занятости", "Дата начала", "Дата выгрузки"]
    a = [snils(1), "трудовой договор", "01.09.2024", "01.10.2024"]
    b = [snils(2), "трудовой договор", "01.09.2024", "01.10.2024"]
    first = must_load(con, csv_bytes(header, [a, a, b]), "u1.csv")
    assert not first.unchanged
    same = load_file(con, csv_bytes(header, [a, b, a]), "u2.csv")
    assert same.ok and same.unchanged
    other = must_load(con, csv_bytes(header, [a, b, b]), "u3.csv")
    assert not other.unchanged
    assert rows(con, "SELECT snils, count(*) FROM ufns_records GROUP BY 1 ORDER BY 1") == [
        (digits(1), 1),
        (digits(2), 2),
    ]


# ---------------------------------------------------------------- replace semantics


def test_graduation_list_replaced_per_college_and_cohort(loaded: duckdb.DuckDBPyConnection) -> None:
    must_load(loaded, _grads(grad_row(10, graduation="30.06.2023")), "g2023.csv")
    before_status_rows = rows(loaded, "SELECT * FROM status_rows ORDER BY ALL")
    # the new P001/2024 list drops graduate 2 and adds graduate 5
    res = must_load(loaded, _grads(grad_row(1), grad_row(3), grad_row(5)), "g.csv")
    assert res.pairs == [("P001", 2024)]
    assert "заменено прежних записей: 3" in res.message
    assert rows(loaded, "SELECT college_code, cohort, person_key FROM graduates ORDER BY ALL") == [
        ("P001", 2023, digits(10)),
        ("P001", 2024, digits(1)),
        ("P001", 2024, digits(3)),
        ("P001", 2024, digits(5)),
        ("P002", 2024, digits(4)),
    ]
    # status history is kept, also for graduate 2 (no longer in the list: no spells)
    assert rows(loaded, "SELECT * FROM status_rows ORDER BY ALL") == before_status_rows
    assert rows(
        loaded,
        "SELECT DISTINCT person_key FROM status_spells WHERE college_code = 'P001' AND cohort = 2024 ORDER BY 1",
    ) == [
        (digits(1),),
        (digits(3),),
        (digits(5),),
    ]
    assert rows(
        loaded,
        "SELECT status FROM status_spells WHERE person_key = ? AND valid_to = DATE '9999-12-31'",
        [digits(1)],
    ) == [("employed",)]


def test_snapshot_replaced_per_college_and_date(loaded: duckdb.DuckDBPyConnection) -> None:
    must_load(loaded, csv_bytes(STATUS_HEADER, [[snils(4), "P002", "02.09.2024", "10"]]), "p2.csv")
    must_load(loaded, csv_bytes(STATUS_HEADER, [[snils(1), "P001", "16.09.2024", "07"]]), "p1_16.csv")
    res = must_load(loaded, csv_bytes(STATUS_HEADER, [[snils(3), "P001", "02.09.2024", "12"]]), "p1_02.csv")
    assert "заменено прежних записей: 2" in res.message
    assert rows(
        loaded, "SELECT college_code, snapshot_date, person_key, status FROM status_rows ORDER BY ALL"
    ) == [
        ("P001", D(2024, 9, 2), digits(3), "parental_leave"),
        ("P001", D(2024, 9, 16), digits(1), "entrepreneur"),
        ("P002", D(2024, 9, 2), digits(4), "military_conscript"),
    ]
    # graduate 1 no longer has a 2 September status: unknown from his graduation until 16 September
    assert rows(
        loaded,
        "SELECT status, valid_from, valid_to FROM status_spells WHERE person_key = ? ORDER BY valid_from",
        [digits(1)],
    ) == [
        ("unknown", D(2024, 6, 30), D(2024, 9, 16)),
        ("entrepreneur", D(2024, 9, 16), D(9999, 12, 31)),
    ]


def test_multi_college_multi_date_status_file(loaded: duckdb.DuckDBPyConnection) -> None:
    data = csv_bytes(
        STATUS_HEADER,
        [[snils(1), "P001", "23.09.2024", "06"], [snils(4), "P002", "23.09.2024", "09"], [snils(4), "P002", "30.09.2024", "06"]],
    )  # fmt: skip
    res = must_load(loaded, data, "all.csv")
    assert res.college_codes == ["P001", "P002"] and res.pairs == [("P001", 2024), ("P002", 2024)]
    assert rows(loaded, "SELECT college_code, scope_key FROM loads WHERE load_id = ?", [res.load_id]) == [
        ("P001,P002", "snapshot=2024-09-23,2024-09-30")
    ]


def test_snapshot_date_given_for_the_whole_file(loaded: duckdb.DuckDBPyConnection) -> None:
    data = csv_bytes(["СНИЛС", "Код ПОО", "Статус"], [[snils(3), "P001", "06"]])
    refused = load_file(loaded, data, "s.csv")
    assert not refused.ok and refused.errors[0].message == "Нет обязательного столбца «Дата актуализации»."
    res = must_load(loaded, data, "s.csv", snapshot_date=D(2024, 10, 7))
    assert rows(loaded, "SELECT snapshot_date FROM status_rows WHERE load_id = ?", [res.load_id]) == [
        (D(2024, 10, 7),)
    ]


def test_status_cohort_resolved_from_graduation_lists(loaded: duckdb.DuckDBPyConnection) -> None:
    # graduate 7 finished a programme in 2023 and another in 2024 at the same college
    must_load(loaded, _grads(grad_row(7, graduation="30.06.2023")), "g2023.csv")
    must_load(
        loaded,
        _grads(grad_row(1), grad_row(2), grad_row(3), grad_row(7, graduation="28.06.2024", program=PROGRAM2)),
        "g2024.csv",
    )
    data = csv_bytes(STATUS_HEADER, [[snils(7), "P001", "01.06.2024", "06"], [snils(7), "P001", "01.07.2024", "09"], [snils(7), "P001", "01.06.2022", "27"]])  # fmt: skip
    must_load(loaded, data, "s.csv")
    assert rows(
        loaded, "SELECT snapshot_date, cohort FROM status_rows WHERE person_key = ? ORDER BY 1", [digits(7)]
    ) == [
        (D(2022, 6, 1), 2023),  # before every graduation: the earliest cohort
        (D(2024, 6, 1), 2023),  # after 2023's graduation, before 2024's
        (D(2024, 7, 1), 2024),  # the latest cohort graduated by then
    ]


# ---------------------------------------------------------------- formats and header variants


def test_header_and_value_variants_load(con: duckdb.DuckDBPyConnection) -> None:
    header = ["снилс*", "ФАМИЛИЯ", "Имя ", "Дата  рождения", "пол", "Код ПОО*", "Код профессии/специальности",
              "Форма обучения", "Дата выпуска", "Целевое обучение"]  # fmt: skip
    data = csv_bytes(
        header,
        [
            [
                digits(1),
                "Орлов",
                "Олег",
                "2004-01-02",
                "Муж",
                "P001",
                PROGRAM,
                "ОЧНО-ЗАОЧНАЯ",
                "30.6.2024",
                "Да",
            ]
        ],
        encoding="cp1251",
    )
    must_load(con, data, "g.csv")
    assert rows(con, "SELECT sex, study_form, graduation_date, is_target FROM graduates") == [
        ("М", "очно-заочная", D(2024, 6, 30), True)
    ]
    statuses = csv_bytes(
        ["СНИЛС", "Код ПОО", "дата актуализации", "СТАТУС"],
        [[snils(1), "P001", "02.09.2024", "гр. 8"]],
        sep=",",
        bom=True,
    )
    must_load(con, statuses, "s.csv")
    assert rows(con, "SELECT status FROM status_rows") == [("self_employed",)]


def test_xlsx_with_title_rows_and_excel_dates(con: duckdb.DuckDBPyConnection) -> None:
    data = xlsx_bytes(
        GRAD_HEADER,
        [[snils(1), "Орлов", "Олег", "", D(2004, 1, 2), "М", "P001", PROGRAM, "очная", D(2024, 6, 30)]],
        title=["Фактический выпуск 2024 года", "ГБПОУ «СПК»"],
    )
    res = must_load(con, data, "g.xlsx")
    assert res.kind == "graduates"
    assert rows(con, "SELECT birth_date, graduation_date, cohort FROM graduates") == [
        (D(2004, 1, 2), D(2024, 6, 30), 2024)
    ]


def test_explicit_kind(con: duckdb.DuckDBPyConnection) -> None:
    data = csv_bytes(
        ["СНИЛС", "Код ПОО", "Номер документа", "Учебный год", "Трек"],
        [[snils(1), "P001", "", "2024/2025", "трудоустройство"]],
    )
    assert must_load(con, data, "t.csv", kind="career_tracks").kind == "career_tracks"
    res = load_file(con, data, "t.csv", kind="nonsense")
    assert not res.ok and "Неизвестный вид файла «nonsense»" in res.errors[0].message


# ---------------------------------------------------------------- reference replacement


def test_reference_replacement_may_not_orphan_data(loaded: duckdb.DuckDBPyConnection) -> None:
    before = snapshot(loaded)
    res = load_file(loaded, csv_bytes(COLLEGES_HEADER, [COLLEGES_ROWS[0], COLLEGES_ROWS[2]]), "colleges.csv")
    assert not res.ok
    assert res.errors[0].message.startswith("В файле нет ПОО, по которым уже загружены данные: P002.")
    programs = csv_bytes(
        ["Код", "Наименование", "Уровень", "Код УГПС"], [[PROGRAM2, "Сварщик", "ППКРС", "15.00.00"]]
    )
    res = load_file(loaded, programs, "programs.csv")
    assert not res.ok and f"уже загружены выпускники: {PROGRAM}." in res.errors[0].message
    assert snapshot(loaded) == before
    # adding a college is fine: the table is replaced as a whole
    new = [*COLLEGES_ROWS, ["P004", "НК", "Новый колледж", "36740000", "", "частная"]]
    must_load(loaded, csv_bytes(COLLEGES_HEADER, new), "colleges.csv")
    assert rows(loaded, "SELECT count(*) FROM colleges") == [(4,)]


# ---------------------------------------------------------------- role scope


def test_college_may_not_upload_other_colleges_rows(loaded: duckdb.DuckDBPyConnection) -> None:
    scope = Scope("college", "P001", "spk")
    before = snapshot(loaded)
    data = _grads(grad_row(5), grad_row(6, "P002"), grad_row(7, "P003"))
    res = load_file(loaded, data, "g.csv", scope=scope)
    assert not res.ok
    assert [(p.row, p.value) for p in res.errors] == [(3, "P002"), (4, "P003")]
    assert res.errors[0].message.startswith(
        "Строка относится к другой ПОО: вы можете загружать данные только своей ПОО (код P001)."
    )
    assert snapshot(loaded) == before
    assert audit_actions(loaded)[-1] == ("upload_rejected", "g.csv")
    with loaded.cursor() as cur:
        assert cur.execute(
            "SELECT username, role FROM audit_log ORDER BY event_id DESC LIMIT 1"
        ).fetchall() == [("spk", "college")]
    # its own rows are accepted and recorded under the user's name
    res = must_load(
        loaded, _grads(grad_row(1), grad_row(2), grad_row(3), grad_row(5)), "own.csv", scope=scope
    )
    assert rows(loaded, "SELECT username, college_code FROM loads WHERE load_id = ?", [res.load_id]) == [
        ("spk", "P001")
    ]


def test_college_may_not_upload_region_kinds(loaded: duckdb.DuckDBPyConnection) -> None:
    before = snapshot(loaded)
    ufns = csv_bytes(
        ["СНИЛС", "Вид занятости", "Дата начала", "Дата выгрузки"],
        [[snils(1), "ИП", "01.08.2024", "01.10.2024"]],
    )
    res = load_file(loaded, ufns, "ufns.csv", scope=Scope("college", "P001", "spk"))
    assert not res.ok and res.errors[0].message.startswith("ПОО может загружать только файлы видов")
    assert snapshot(loaded) == before


@pytest.mark.parametrize("scope", [Scope("ministry", None, "min"), Scope("territory", "TU01", "tu")])
def test_aggregate_roles_may_not_upload(loaded: duckdb.DuckDBPyConnection, scope: Scope) -> None:
    before = snapshot(loaded)
    res = load_file(loaded, _grads(grad_row(5)), "g.csv", scope=scope)
    assert not res.ok and "не может загружать данные" in res.errors[0].message
    assert snapshot(loaded) == before
    assert audit_actions(loaded)[-1] == ("upload_rejected", "g.csv")


def test_kinds_have_russian_labels() -> None:
    assert set(KINDS) == {
        "territories", "municipalities", "colleges", "programs", "graduates", "statuses", "ufns", "czn", "frdo",
        "events", "career_tracks", "army_returns", "vacancies", "czn_answers",
    }  # fmt: skip
    assert all(label and label[0].isupper() for label in KINDS.values())


def test_status_row_repeated_in_the_file_names_the_first_row(loaded: duckdb.DuckDBPyConnection) -> None:
    """The same college, date and СНИЛС twice is an error at the repeat; another date, another
    college or a row without a date (its own error) is not a repeat."""
    data = csv_bytes(
        STATUS_HEADER,
        [
            [snils(1), "P001", "09.09.2024", "06"],  # row 2
            [snils(2), "P001", "09.09.2024", "06"],
            [snils(1), "P001", "16.09.2024", "09"],
            [snils(1), "P001", "09.09.2024", "09"],  # row 5: repeats row 2
            [snils(1), "P001", "", "09"],
            [snils(1), "P001", "", "09"],
        ],
    )
    res = load_file(loaded, data, "rep.csv")
    assert not res.ok
    assert [(p.row, p.column, p.message) for p in res.errors] == [
        (
            5,
            "СНИЛС",
            "Выпускник повторяется в файле: та же ПОО, та же дата актуализации и тот же СНИЛС (номер документа), "
            "что в строке 2.",
        ),
        (6, "Дата актуализации", "Не заполнено обязательное поле «Дата актуализации»."),
        (7, "Дата актуализации", "Не заполнено обязательное поле «Дата актуализации»."),
    ]
