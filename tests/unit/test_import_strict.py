"""Strict values (issue 12): Unicode digits, control characters, over-long text, date windows,
reserved СНИЛС, statuses dated before graduation. Each value problem is a row-level error (row as
in the file, column, value, message) in the normal list, never a traceback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pytest

from data_layer.importer import load_file, problems_to_xlsx
from data_layer.importer.normalize import snils_digits, snils_is_reserved, snils_is_valid
from tests.fixtures.import_helpers import (
    GRAD_HEADER,
    STATUS_HEADER,
    csv_bytes,
    digits,
    grad_row,
    must_load,
    region,
    rows,
    snils,
)

D = dt.date
FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = region(tmp_path / "s.duckdb")
    yield c
    c.close()


def _errors(
    con: duckdb.DuckDBPyConnection, data: bytes
) -> list[tuple[int | None, str | None, str | None, str]]:
    res = load_file(con, data, "f.csv")
    assert not res.ok
    return [(p.row, p.column, p.value, p.message) for p in res.errors]


def test_full_width_digits_are_normalised(con: duckdb.DuckDBPyConnection) -> None:
    row = grad_row(1)
    row[0] = row[0].translate(FULL_WIDTH)
    row[9] = "３０.０６.２０２４"
    must_load(con, csv_bytes(GRAD_HEADER, [row]), "fw.csv")
    assert rows(con, "SELECT snils, graduation_date FROM graduates") == [(digits(1), D(2024, 6, 30))]


def test_whitespace_only_cells_are_empty_and_values_are_stripped(con: duckdb.DuckDBPyConnection) -> None:
    # «Отчество» (free text) and «Код ПОО» (ASCII only) hold only spaces and NBSP: empty, so the
    # college is a missing required value and the middle name is stored as NULL once it is filled.
    blank = grad_row(1)
    blank[3], blank[6] = " \u00a0 ", "  "
    errs = _errors(con, csv_bytes(GRAD_HEADER, [blank]))
    assert errs == [(2, "Код ПОО", None, "Не заполнено обязательное поле «Код ПОО».")]
    ok = grad_row(1)
    ok[1], ok[3], ok[6] = "\u00a0Иванов ", " \u00a0 ", " P001\u00a0"
    must_load(con, csv_bytes(GRAD_HEADER, [ok]), "ws.csv")
    assert rows(con, "SELECT last_name, middle_name, college_code FROM graduates") == [
        ("Иванов", None, "P001")
    ]


def test_other_unicode_digits_are_a_row_error_not_a_traceback(con: duckdb.DuckDBPyConnection) -> None:
    row = grad_row(1)
    row[0] = row[0].translate(ARABIC)
    errs = _errors(con, csv_bytes(GRAD_HEADER, [grad_row(2), row]))
    masked = "***-***-" + row[0][8:11] + " " + row[0][12:]  # the problem list never shows a full СНИЛС
    assert errs == [(3, "СНИЛС", masked, "СНИЛС должен иметь вид XXX-XXX-XXX YY или состоять из 11 цифр.")]


@pytest.mark.parametrize(
    ("column", "value"),
    [(1, "Ива\x00нов"), (2, "\x1b[31mИван"), (6, "P0\x0001"), (1, "Иванов\u202e"), (3, "Ива\x7fнович")],
)
def test_control_characters_are_refused_in_every_field(
    con: duckdb.DuckDBPyConnection, column: int, value: str
) -> None:
    row = grad_row(1)
    row[column] = value
    errs = _errors(con, csv_bytes(GRAD_HEADER, [row]))
    shown = value.replace("\x00", "\ufffd").replace("\x1b", "\ufffd").replace("\u202e", "\ufffd")
    shown = shown.replace("\x7f", "\ufffd")
    assert errs[0][:3] == (2, GRAD_HEADER[column], shown)
    assert errs[0][3].startswith("Недопустимый управляющий символ")


def test_over_long_text_is_a_row_error_with_the_value_cut(con: duckdb.DuckDBPyConnection) -> None:
    row = grad_row(1)
    row[1] = "Я" * 1_000_000
    errs = _errors(con, csv_bytes(GRAD_HEADER, [row]))
    assert len(errs) == 1
    r, col, value, msg = errs[0]
    assert (r, col, msg) == (
        2,
        "Фамилия",
        "Слишком длинное значение: 1000000 символов, допускается не больше 500.",
    )
    assert value == "Я" * 200 + "…"


def test_error_report_with_nul_and_long_values_is_a_valid_workbook(con: duckdb.DuckDBPyConnection) -> None:
    import io

    import openpyxl

    row = grad_row(1)
    row[1] = "\x00" * 10 + "Я" * 10_000
    res = load_file(con, csv_bytes(GRAD_HEADER, [row]), "f.csv")
    wb = openpyxl.load_workbook(io.BytesIO(problems_to_xlsx(res)))
    assert wb.active is not None


@pytest.mark.parametrize(
    ("graduation", "message"),
    [
        ("30.06.2099", "Дата выпуска должна быть не раньше 2015 и не позже текущего {year} года."),
        ("30.06.2014", "Дата выпуска должна быть не раньше 2015 и не позже текущего {year} года."),
    ],
)
def test_graduation_date_window(con: duckdb.DuckDBPyConnection, graduation: str, message: str) -> None:
    errs = _errors(con, csv_bytes(GRAD_HEADER, [grad_row(1, graduation=graduation)]))
    assert errs == [(2, "Дата выпуска", graduation, message.format(year=dt.date.today().year))]


def test_cohort_year_window(con: duckdb.DuckDBPyConnection) -> None:
    errs = _errors(con, csv_bytes([*GRAD_HEADER, "Год выпуска"], [[*grad_row(1), "2099"]]))
    year = dt.date.today().year
    assert (
        2,
        "Год выпуска",
        "2099",
        f"Год выпуска должен быть не раньше 2015 и не позже текущего {year} года.",
    ) in errs


def test_far_future_and_ancient_snapshot_dates(con: duckdb.DuckDBPyConnection) -> None:
    must_load(con, csv_bytes(GRAD_HEADER, [grad_row(1)]), "g.csv")
    errs = _errors(
        con,
        csv_bytes(
            STATUS_HEADER, [[snils(1), "P001", "01.09.2099", "06"], [snils(1), "P001", "01.09.2010", "09"]]
        ),
    )
    latest = dt.date.today() + dt.timedelta(days=366)
    assert (2, "Дата актуализации", "01.09.2099", f"Дата позже {latest:%d.%m.%Y}: проверьте год.") in errs
    assert (
        3,
        "Дата актуализации",
        "01.09.2010",
        "Дата актуализации раньше 2015 года: проверьте год.",
    ) in errs


@pytest.mark.parametrize("value", ["000-000-000 00", "001-001-998 00", "000-000-001 01", "00100199800"])
def test_reserved_snils_refused(con: duckdb.DuckDBPyConnection, value: str) -> None:
    row = grad_row(1)
    row[0] = value
    errs = _errors(con, csv_bytes(GRAD_HEADER, [row]))
    bare = value.replace("-", "").replace(" ", "")
    assert errs[0][:3] == (2, "СНИЛС", f"***-***-{bare[6:9]} {bare[9:]}")
    assert errs[0][3].startswith("Такого СНИЛС не бывает")


def test_snils_rules_hand_checked() -> None:
    # 001-001-999: weighted sum 0*9+0*8+1*7+0*6+0*5+1*4+9*3+9*2+9*1 = 65 → control 65
    # 112-233-445: 1*9+1*8+2*7+2*6+3*5+3*4+4*3+4*2+5*1 = 95 → control 95
    df = pl.DataFrame(
        {"s": ["001-001-999 65", "112-233-445 95", "112-233-445 94", "000-000-000 00", "٠٠١٠٠١٩٩٩٦٥"]}
    )
    d = df.select(snils_digits(pl.col("s")).alias("d"))
    out = d.select(snils_is_valid(pl.col("d")).alias("ok"), snils_is_reserved(pl.col("d")).alias("reserved"))
    assert out.to_dict(as_series=False) == {
        "ok": [True, True, False, False, None],
        "reserved": [False, False, False, True, None],
    }


def test_status_before_graduation_is_a_warning_and_counts_from_graduation(
    con: duckdb.DuckDBPyConnection,
) -> None:
    must_load(con, csv_bytes(GRAD_HEADER, [grad_row(1, graduation="30.06.2024")]), "g.csv")
    res = must_load(con, csv_bytes(STATUS_HEADER, [[snils(1), "P001", "15.05.2024", "06"]]), "early.csv")
    assert [(w.row, w.column, w.message) for w in res.warnings] == [
        (
            2,
            "Дата актуализации",
            "Статус дан раньше выпуска (30.06.2024): он сохранён как прогноз и учитывается только с даты выпуска.",
        )
    ]
    assert rows(con, "SELECT snapshot_date, status FROM status_rows") == [
        (D(2024, 5, 15), "employed_contract")
    ] or rows(con, "SELECT count(*) FROM status_rows") == [(1,)]
    # before 30.06.2024 the graduate is in no figure; from that date the reported status counts
    assert rows(con, "SELECT status, valid_from, valid_to FROM status_spells ORDER BY valid_from") == [
        (rows(con, "SELECT status FROM status_rows")[0][0], D(2024, 6, 30), D(9999, 12, 31)),
    ]


def test_two_forecasts_before_graduation_keep_only_the_last(con: duckdb.DuckDBPyConnection) -> None:
    must_load(con, csv_bytes(GRAD_HEADER, [grad_row(1, graduation="30.06.2024")]), "g.csv")
    must_load(con, csv_bytes(STATUS_HEADER, [[snils(1), "P001", "15.04.2024", "06"]]), "a.csv")
    must_load(con, csv_bytes(STATUS_HEADER, [[snils(1), "P001", "15.05.2024", "09"]]), "b.csv")
    must_load(con, csv_bytes(STATUS_HEADER, [[snils(1), "P001", "15.07.2024", "06"]]), "c.csv")
    s06, s09 = (
        rows(con, "SELECT status FROM status_rows WHERE snapshot_date = ?", [d])[0][0]
        for d in (D(2024, 4, 15), D(2024, 5, 15))
    )
    assert rows(con, "SELECT status, valid_from, valid_to FROM status_spells ORDER BY valid_from") == [
        (s09, D(2024, 6, 30), D(2024, 7, 15)),
        (s06, D(2024, 7, 15), D(9999, 12, 31)),
    ]


def test_unknown_extra_column_is_listed_as_a_warning(con: duckdb.DuckDBPyConnection) -> None:
    res = must_load(con, csv_bytes([*GRAD_HEADER, "Хобби"], [[*grad_row(1), "шахматы"]]), "g.csv")
    assert [(w.row, w.column, w.severity) for w in res.warnings] == [(1, "Хобби", "warning")]
    assert res.warnings[0].message.startswith("Неизвестный столбец «Хобби»")
