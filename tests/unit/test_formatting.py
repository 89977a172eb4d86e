"""Russian number and date formats, scalar and vectorised (they must agree)."""

from __future__ import annotations

import datetime as dt
import math
import random

import polars as pl
import pytest

from metrics.formatting import (
    NBSP,
    college_name,
    college_name_expr,
    date_expr,
    datetime_expr,
    fmt_date,
    fmt_datetime,
    fmt_int,
    fmt_num,
    fmt_pct,
    fmt_pp,
    full_college_names,
    int_expr,
    num_expr,
    pct_expr,
    plural,
    pp_expr,
    shown_number_expr,
)


def test_scalar_formats_by_hand() -> None:
    assert fmt_pct(0.625) == f"62,5{NBSP}%"
    assert fmt_pct(None) == "—"
    assert fmt_pct(-0.00001) == f"0,0{NBSP}%"
    assert fmt_int(1234567) == f"1{NBSP}234{NBSP}567"
    assert fmt_int(-1234) == f"-1{NBSP}234"
    assert fmt_num(1234.56, 1) == f"1{NBSP}234,6"
    assert fmt_pp(0.012) == f"+1,2{NBSP}п.{NBSP}п."
    assert fmt_pp(-0.003) == f"−0,3{NBSP}п.{NBSP}п."
    # a change that rounds to zero has no sign (issue 13: «−0,0 п. п.»)
    assert fmt_pp(-0.0004) == fmt_pp(0.0004) == f"0,0{NBSP}п.{NBSP}п."
    frame = pl.DataFrame({"d": [-0.0004, 0.0004, -0.0006, None]})
    assert frame.select(pp_expr(pl.col("d"))).to_series().to_list() == [
        f"0,0{NBSP}п.{NBSP}п.",
        f"0,0{NBSP}п.{NBSP}п.",
        f"−0,1{NBSP}п.{NBSP}п.",
        "—",
    ]
    assert fmt_date(dt.date(2026, 11, 26)) == "26.11.2026"
    assert fmt_datetime(dt.datetime(2026, 11, 26, 9, 5)) == "26.11.2026 09:05"
    assert [plural(n, "выпускник", "выпускника", "выпускников") for n in (1, 2, 5, 11, 21, 104)] == [
        "выпускник",
        "выпускника",
        "выпускников",
        "выпускников",
        "выпускник",
        "выпускника",
    ]


def test_vectorised_formats_equal_scalar() -> None:
    rng = random.Random(7)
    # exact binary ties (x.x5) may round differently; random values almost never hit one
    floats = [rng.uniform(-2e6, 2e6) for _ in range(2000)] + [rng.random() for _ in range(2000)]
    floats += [0.0, 1.0, 0.625, None, float("nan")]
    df = pl.DataFrame({"x": floats}, schema={"x": pl.Float64})
    for digits in (0, 1, 2):
        assert df.select(num_expr(pl.col("x"), digits))["x"].to_list() == [fmt_num(v, digits) for v in floats]
        assert df.select(pct_expr(pl.col("x"), digits))["x"].to_list() == [fmt_pct(v, digits) for v in floats]
    ints = [0, 7, 999, 1000, -1000, 123456789, None]
    di = pl.DataFrame({"n": ints}, schema={"n": pl.Int64})
    assert di.select(int_expr(pl.col("n")))["n"].to_list() == [fmt_int(v) for v in ints]
    days = [dt.date(2026, 1, 2), None]
    assert pl.DataFrame({"d": days}).select(date_expr(pl.col("d")))["d"].to_list() == ["02.01.2026", "—"]
    stamps = [dt.datetime(2026, 11, 26, 17, 30), None]
    got = pl.DataFrame({"t": stamps}).select(datetime_expr(pl.col("t")))["t"].to_list()
    assert got == [fmt_datetime(s) for s in stamps]


@pytest.mark.parametrize("fn", [int_expr, pct_expr, num_expr, date_expr])
def test_vectorised_keeps_column_name(fn) -> None:  # type: ignore[no-untyped-def]
    df = (
        pl.DataFrame({"rate": [0.5]})
        if fn is not date_expr
        else pl.DataFrame({"rate": [dt.date(2026, 1, 1)]})
    )
    assert df.select(fn(pl.col("rate"))).columns == ["rate"]


def test_shown_numbers_round_like_the_labels_and_never_give_minus_zero() -> None:
    frame = pl.DataFrame({"x": [0.62549, -0.00004, -0.0004, 0.01251, None]})
    share = frame.select(shown_number_expr(pl.col("x"), "share"))["x"].to_list()
    assert share == [0.625, 0.0, 0.0, 0.013, None]
    assert math.copysign(1.0, share[1]) == 1.0
    pp = frame.select(shown_number_expr(pl.col("x"), "pp"))["x"].to_list()
    assert pp == [62.5, 0.0, 0.0, 1.3, None]
    # -0.04 п. п. rounds to zero: the number shown is +0.0, never -0.0 («−0,0»)
    assert all(math.copysign(1.0, v) == 1.0 for v in pp[1:3])
    counts = pl.DataFrame({"n": [1234, None]}).select(shown_number_expr(pl.col("n"), "count"))["n"]
    assert counts.dtype == pl.Int64 and counts.to_list() == [1234, None]
    with pytest.raises(ValueError):
        shown_number_expr(pl.col("x"), "money")


def test_college_name_with_abbreviation() -> None:
    full = "ГБПОУ «Самарский политехнический колледж»"
    cases = [(full, "СПК"), (None, "СПК"), ("СПК", "СПК"), (full, None), ("  ", " СПК "), (None, None)]
    want = [f"{full} (СПК)", "СПК", "СПК", full, "СПК", "—"]
    assert [college_name(f, s) for f, s in cases] == want
    frame = pl.DataFrame(cases, schema={"f": pl.Utf8, "s": pl.Utf8}, orient="row")
    assert frame.select(college_name_expr(pl.col("f"), pl.col("s")).alias("n"))["n"].to_list() == want

    colleges = pl.DataFrame(
        {"college_code": ["P1", "P2"], "full_name": [full, None], "short_name": ["СПК", "СМК"]}
    )
    assert full_college_names(colleges) == {"P1": f"{full} (СПК)", "P2": "СМК"}
