"""Value and header normalisation of the importer (docs/data_contract.md §1): pure functions."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from data_layer.importer.kinds import detect_kind, match_header
from data_layer.importer.normalize import (
    clean_str,
    parse_bool,
    parse_date,
    parse_float,
    parse_int,
    snils_digits,
    snils_is_valid,
    with_snils_check,
)
from data_layer.statuses import parse_status


def _apply(expr_fn, values):
    df = pl.DataFrame({"v": values}, schema={"v": pl.Utf8})
    return df.select(expr_fn(pl.col("v")).alias("out")).get_column("out").to_list()


# ---------------------------------------------------------------- СНИЛС


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        # 1·9+1·8+2·7+2·6+3·5+3·4+4·3+4·2+5·1 = 95 < 100 → control 95
        ("112-233-445 95", True),
        ("112-233-445 96", False),
        # 1·9+2·8+3·7+4·6+5·5+6·4+7·3+8·2+9·1 = 165 > 101 → 165 mod 101 = 64
        ("123-456-789 64", True),
        ("123-456-789 65", False),
        # 3·9+2·(8+7+6+5+4+3+2)+3·1 = 27+70+3 = 100 → control 00
        ("322-222-223 00", True),
        ("322-222-223 01", False),
        # 3·9+2·35+4·1 = 101 → control 00
        ("322-222-224 00", True),
        # 3·9+5·8+5·7+5·6+5·5+5·4+3·3+5·2+5·1 = 201 → 201 mod 101 = 100 → 00
        ("355-555-355 00", True),
        ("355-555-355 99", False),
        # 11 digits without separators are accepted as well
        ("11223344595", True),
    ],
)
def test_snils_checksum_hand_computed(number: str, valid: bool) -> None:
    df = pl.DataFrame({"v": [number]})
    out = df.select(snils_is_valid(snils_digits(pl.col("v"))).alias("ok"))["ok"][0]
    assert out is valid
    # the staged whole-file form gives the same answer
    staged = with_snils_check(df.select(snils_digits(pl.col("v")).alias("d")), "d", "ok")
    assert staged.columns == ["d", "ok"]
    assert staged["ok"][0] is valid


def test_snils_shape() -> None:
    got = _apply(
        snils_digits,
        ["112-233-445 95", "11223344595", "112 233 445 95", "1122334459", "112-233-445", "abc", None],
    )
    assert got == ["11223344595", "11223344595", "11223344595", None, None, None, None]


# ---------------------------------------------------------------- dates, booleans, numbers


def test_dates_russian_iso_and_excel_text() -> None:
    got = _apply(
        parse_date,
        ["01.09.2024", "1.9.2024", "2024-09-01", "2024-09-01 00:00:00", "2024-09-01T13:05:00", None],
    )
    assert got == [dt.date(2024, 9, 1)] * 5 + [None]


@pytest.mark.parametrize("bad", ["31.02.2024", "01.09.24", "2024/09/01", "вчера", "2024-13-01", "01.09.1850"])
def test_unparseable_dates_are_null(bad: str) -> None:
    assert _apply(parse_date, [bad]) == [None]


def test_booleans() -> None:
    values = ["да", "Нет", "ДА", "1", "0", "+", "-", "true", "FALSE", None, "может быть"]
    assert _apply(parse_bool, values) == [
        True,
        False,
        True,
        True,
        False,
        True,
        False,
        True,
        False,
        False,
        None,
    ]


def test_numbers() -> None:
    assert _apply(parse_int, ["12", "12.0", "1 200", "-1", "1,5", None]) == [12, 12, 1200, None, None, None]
    assert _apply(parse_float, ["53,19", "53.19", "-1", "x"]) == [53.19, 53.19, -1.0, None]


def test_clean_str_strips_nbsp_and_empties() -> None:
    assert _apply(clean_str, ["  P001\u00a0", "   ", "", None]) == ["P001", None, None, None]


# ---------------------------------------------------------------- headers and kinds


@pytest.mark.parametrize(
    ("header", "kind", "field"),
    [
        ("СНИЛС", "graduates", "snils"),
        ("  снилс* ", "graduates", "snils"),
        ("Дата   Актуализации", "statuses", "snapshot_date"),
        ("дата актуализации *", "statuses", "snapshot_date"),
        ("Код профессии/специальности", "graduates", "program_code"),
        ("КОД СПЕЦИАЛЬНОСТИ", "graduates", "program_code"),
        ("Дата постановки на учет", "czn", "reg_date"),  # е instead of ё
        ("Дата постановки на учёт", "czn", "reg_date"),
        ("Вид занятости (трудовой договор / ИП / НПД)", "ufns", "employment_kind"),
        ("Тип (региональная / федеральная / частная)", "colleges", "college_type"),
        ("Рег. номер диплома", "graduates", "diploma_reg_no"),
        ("Отчество\u00a0", "graduates", "middle_name"),
        ("Отчество выпускника", "graduates", None),
    ],
)
def test_header_variants(header: str, kind: str, field: str | None) -> None:
    assert match_header(kind, header) == field


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        (["Код ТУ", "Наименование", "Центр", "Статус сопоставления"], "territories"),
        (["ОКТМО", "Наименование", "Тип", "Код ТУ"], "municipalities"),
        (
            ["Код ПОО", "Краткое наименование", "Полное наименование", "ОКТМО", "Учредитель", "Тип"],
            "colleges",
        ),
        (["Код", "Наименование", "Уровень", "Код УГПС", "Наименование УГПС"], "programs"),
        (["СНИЛС", "Фамилия", "Имя", "Дата рождения", "Пол", "Код ПОО", "Код специальности"], "graduates"),
        (["СНИЛС", "Код ПОО", "Дата актуализации", "Статус"], "statuses"),
        (
            ["СНИЛС", "Вид занятости", "Дата начала", "Дата окончания", "ИНН работодателя", "Дата выгрузки"],
            "ufns",
        ),
        (["СНИЛС", "Дата постановки на учёт", "Категория", "Дата снятия с учёта", "Дата выгрузки"], "czn"),
        (["СНИЛС", "Код ПОО", "Код специальности", "Дата выдачи", "Рег. номер"], "frdo"),
        (["Код ПОО", "Дата", "Тип", "Название", "Участников-выпускников", "Работодателей"], "events"),
        (["СНИЛС", "Код ПОО", "Учебный год", "Трек", "Дата формирования"], "career_tracks"),
    ],
)
def test_kind_detection(headers: list[str], kind: str) -> None:
    assert detect_kind(headers) == (kind, [])


def test_ambiguous_and_unknown_headers() -> None:
    # three columns each, two required columns missing each: no way to tell
    assert detect_kind(["СНИЛС", "Код ПОО", "Номер документа"]) == (None, ["statuses", "career_tracks"])
    # equal matches: the kind missing fewer required columns wins (frdo lacks only «Дата выдачи»)
    assert detect_kind(["СНИЛС", "Код ПОО"]) == ("frdo", [])
    assert detect_kind(["Фрукт", "Цена"]) == (None, [])


# ---------------------------------------------------------------- status labels


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Трудоустроен (трудовой договор, договор ГПХ)", "employed"),
        ("  трудоустроен   (трудовой договор, договор гпх) ", "employed"),
        ("Отпуск по уходу за ребенком", "parental_leave"),  # е instead of ё
        ("Отпуск по уходу за ребёнком", "parental_leave"),
        ("ПРОДОЛЖАЕТ ОБУЧЕНИЕ", "continuing_education"),
        ("self_employed", "self_employed"),
        ("06", "employed"),
        ("6", "employed"),  # a numeric Excel cell loses the zero
        ("гр.09", "continuing_education"),
        ("гр. 27", "forecast_education"),
        ("Не определился (временно не занят)", "undetermined"),
        ("Нет данных", None),  # `unknown` is never imported
        ("unknown", None),
        ("Уехал на Луну", None),
    ],
)
def test_status_label_variants(text: str, code: str | None) -> None:
    assert parse_status(text) == code
