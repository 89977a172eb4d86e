"""Reading files (docs/data_contract.md §1): encodings, delimiters, title rows, Excel dates, row numbers."""

from __future__ import annotations

import datetime as dt

import pytest

from data_layer.importer.readers import ROW, UnreadableFileError, read_table
from tests.fixtures.import_helpers import STATUS_HEADER, csv_bytes, xlsx_bytes

ROWS = [["112-233-445 95", "P001", "02.09.2024", "Продолжает обучение"]]


def _cells(table) -> list[tuple]:
    return [tuple(r) for r in table.frame.drop(ROW).iter_rows()]


def test_windows_1251_with_semicolons() -> None:
    data = csv_bytes(STATUS_HEADER, ROWS, encoding="cp1251")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really not UTF-8
    t = read_table(data, "статусы.csv")
    assert (t.kind, t.encoding, t.delimiter, t.header_row) == ("statuses", "Windows-1251", ";", 1)
    assert t.headers == STATUS_HEADER
    assert _cells(t) == [tuple(ROWS[0])]
    assert t.frame[ROW].to_list() == [2]


def _outcome(data: bytes) -> tuple:
    try:
        t = read_table(data, "s.csv")
    except UnreadableFileError as exc:
        return ("refused", exc.message)
    return (t.kind, t.encoding, t.headers, _cells(t))


def test_invalid_utf8_after_the_first_bytes_reads_the_file_as_windows_1251() -> None:
    # The encoding is guessed from the first 200 KB; a Windows-1251 byte further on makes the whole
    # file Windows-1251, exactly as when the whole text is checked first.
    rows = [["112-233-445 95", "P001", "02.09.2024", "employed"]] * 8_000
    data = csv_bytes(STATUS_HEADER, rows) + "112-233-445 95;P001;02.09.2024;Трудоустроен\n".encode("cp1251")
    assert len(data) > 200_000
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert _outcome(data) == _outcome(data.decode("cp1251", errors="replace").encode("utf-8"))
    assert _outcome(data)[0] == "refused"  # the UTF-8 headers read as Windows-1251 are not headers
    # the same file in valid UTF-8 throughout is read as UTF-8
    ok = csv_bytes(STATUS_HEADER, rows) + "112-233-445 95;P001;02.09.2024;Трудоустроен\n".encode()
    kind, encoding, _, cells = _outcome(ok)
    assert (kind, encoding, len(cells), cells[-1][3]) == ("statuses", "UTF-8", 8_001, "Трудоустроен")


def test_utf8_bom_with_commas_and_quotes() -> None:
    rows = [["112-233-445 95", "P001", "2024-09-02", "Трудоустроен (трудовой договор, договор ГПХ)"]]
    t = read_table(csv_bytes(STATUS_HEADER, rows, sep=",", bom=True), "s.csv")
    assert (t.encoding, t.delimiter) == ("UTF-8", ",")
    assert t.headers[0] == "СНИЛС"  # no BOM glued to the first header
    assert _cells(t)[0][3] == "Трудоустроен (трудовой договор, договор ГПХ)"


def test_utf16_tab_separated_unicode_text() -> None:
    # Excel's «Текст Юникод» export: UTF-16 with a BOM, tab-separated
    text = "\t".join(STATUS_HEADER) + "\r\n" + "\t".join(ROWS[0]) + "\r\n"
    t = read_table(text.encode("utf-16"), "s.txt")
    assert (t.kind, t.delimiter) == ("statuses", "\t")
    assert _cells(t) == [tuple(ROWS[0])]


def test_csv_title_rows_and_blank_lines_keep_file_row_numbers() -> None:
    data = csv_bytes(
        STATUS_HEADER,
        [ROWS[0], ["", "", "", ""], ROWS[0]],
        title=["Мониторинг трудоустройства", "ГБПОУ СПК", ""],
    )
    t = read_table(data, "s.csv")
    assert t.header_row == 4
    # rows 5 and 7 hold data; the empty row 6 is dropped but not renumbered
    assert t.frame[ROW].to_list() == [5, 7]


def test_xlsx_title_rows_and_real_dates() -> None:
    data = xlsx_bytes(
        STATUS_HEADER,
        [
            ["112-233-445 95", "P001", dt.date(2024, 9, 2), "06"],
            ["123-456-789 64", "P001", dt.date(2024, 9, 2), 6],
        ],
        title=["Форма мониторинга", "ГБПОУ «СПК»"],
        blank_after_title=2,
    )
    t = read_table(data, "s.xlsx")
    assert (t.kind, t.sheet, t.header_row) == ("statuses", "Данные", 5)
    assert t.frame[ROW].to_list() == [6, 7]
    cells = _cells(t)
    assert cells[0][2].startswith("2024-09-02")  # a real Excel date arrives as ISO text
    assert cells[1][3] == "6"


def test_xlsx_first_matching_sheet_is_used() -> None:
    data = xlsx_bytes(STATUS_HEADER, [ROWS[0]], cover_sheet="Титул", sheet="Статусы")
    t = read_table(data, "s.xlsx")
    assert t.sheet == "Статусы" and t.header_row == 1


def test_explicit_kind_overrides_detection() -> None:
    data = csv_bytes(["СНИЛС", "Код ПОО", "Номер документа"], [["112-233-445 95", "P001", ""]])
    with pytest.raises(UnreadableFileError, match="нельзя однозначно определить"):
        read_table(data, "x.csv")
    assert read_table(data, "x.csv", kind="career_tracks").kind == "career_tracks"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.csv", "Файл пуст"),
        (b"   \r\n\r\n", "blank.csv", "Файл пуст"),
        (b";;;\r\n;;;\r\n", "semicolons.csv", "Файл пуст"),
        (csv_bytes(STATUS_HEADER, []), "header_only.csv", "нет строк с данными"),
        (b"PK\x03\x04 broken zip", "broken.xlsx", "Не удалось прочитать книгу Excel"),
        (b"just some text", "fake.xlsx", "не является книгой Excel"),
        (b"%PDF-1.7 binary\x00\x01", "scan.csv", "не является таблицей CSV"),
        ("Фрукт;Цена\nЯблоко;10\n".encode(), "fruit.csv", "Не удалось определить вид файла"),
    ],
)
def test_unreadable_and_empty_files(data: bytes, name: str, message: str) -> None:
    with pytest.raises(UnreadableFileError, match=message):
        read_table(data, name)


def test_empty_workbook() -> None:
    with pytest.raises(UnreadableFileError, match="Файл пуст"):
        read_table(xlsx_bytes([], []), "empty.xlsx")


def test_rows_blank_in_the_first_column_are_kept_when_another_cell_is_filled() -> None:
    # row numbers as in the file (header = 1): 2 full, 3 only the second cell, 4 whitespace and
    # no-break spaces only (dropped), 5 empty (dropped), 6 a tab first and a value after
    lines = [["112-233-445 95", "P001"], ["", "P002"], ["  ", " \u00a0"], ["", ""], ["\t", "P003"]]
    table = read_table(csv_bytes(["СНИЛС", "Код ПОО"], lines), "x.csv", kind="statuses")
    assert table.frame.get_column(ROW).to_list() == [2, 3, 6]
    assert table.frame.get_column("c1").to_list() == ["P001", "P002", "P003"]


# ---------------------------------------------------------------- where a file is parsed (sandbox.py)


def test_csv_parse_memory_bound_is_counted_from_lines_width_and_bytes() -> None:
    from data_layer.importer.readers import csv_parse_bytes

    # 1 000 lines × 4 header cells × 16 bytes per cell view + 2 copies of 50 000 bytes of text
    assert csv_parse_bytes(1_000, 4, 50_000) == 64_000 + 100_000


def _big_status_csv(rows: int) -> bytes:
    return csv_bytes(STATUS_HEADER, [ROWS[0]] * rows, encoding="cp1251")


def test_a_csv_within_the_budget_is_parsed_in_the_server_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past INPROCESS_ANY_BYTES a CSV is still parsed in process when its counted parse memory fits
    INPROCESS_CSV_BUDGET; beyond the budget (or past INPROCESS_CSV_BYTES) the child process reads it,
    with the same table as the result."""
    from data_layer.importer import sandbox

    data = _big_status_csv(3_000)  # 3 001 lines × 4 cells: 192 064 bytes of views, and the text
    monkeypatch.setattr(sandbox, "INPROCESS_ANY_BYTES", 1_000)
    children: list[str] = []
    real_child = sandbox._read_in_child

    def child(*args: object, **kwargs: object) -> object:
        children.append("child")
        return real_child(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sandbox, "_read_in_child", child)
    in_process = sandbox.read_bounded(data, "s.csv")
    assert children == []
    need = 3_001 * 4 * 16 + 2 * len(data.decode("cp1251").encode("utf-8"))  # the text as parsed: UTF-8
    monkeypatch.setattr(sandbox, "INPROCESS_CSV_BUDGET", need - 1)
    in_child = sandbox.read_bounded(data, "s.csv")
    assert children == ["child"]
    assert in_child.frame.equals(in_process.frame) and in_child.headers == in_process.headers
    monkeypatch.setattr(sandbox, "INPROCESS_CSV_BUDGET", need)
    sandbox.read_bounded(data, "s.csv")
    assert children == ["child"]
    monkeypatch.setattr(sandbox, "INPROCESS_CSV_BYTES", len(data) - 1)
    sandbox.read_bounded(data, "s.csv")
    assert children == ["child", "child"]


def test_a_workbook_is_always_parsed_in_the_child(monkeypatch: pytest.MonkeyPatch) -> None:
    from data_layer.importer import sandbox

    calls: list[str] = []
    monkeypatch.setattr(sandbox, "_read_in_child", lambda *a, **k: calls.append("child"))
    sandbox.read_bounded(xlsx_bytes(STATUS_HEADER, ROWS), "s.xlsx")
    assert calls == ["child"]
