"""Russian number and date formats (62,5 %, 1 234, 26.11.2026), shared by pages, charts and reports."""

from __future__ import annotations

import datetime as dt
import math
import re

from data_layer.text import DASH, NBSP
from data_layer.text import fmt_int as fmt_int  # re-exported: defined once, in the data layer
from data_layer.text import plural as plural  # re-exported: defined once, in the data layer

NARROW_NBSP = "\u202f"


def _is_missing(value: float | int | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_pct(fraction: float | None, digits: int = 1) -> str:
    """0.625 -> '62,5 %'; None (zero denominator) -> '—'."""
    if _is_missing(fraction):
        return DASH
    assert fraction is not None
    pct = fraction * 100
    if round(pct, digits) == 0:
        pct = 0.0  # never "-0,0 %"
    return f"{pct:.{digits}f}".replace(".", ",") + NBSP + "%"


def fmt_pp(delta_fraction: float | None, digits: int = 1) -> str:
    """Difference of two rates in percentage points: 0.012 -> '+1,2 п. п.'."""
    if _is_missing(delta_fraction):
        return DASH
    assert delta_fraction is not None
    shown = round(delta_fraction * 100, digits)  # the sign of what is shown: never «−0,0 п. п.»
    sign = "+" if shown > 0 else ("−" if shown < 0 else "")
    return f"{sign}{abs(delta_fraction) * 100:.{digits}f}".replace(".", ",") + NBSP + "п." + NBSP + "п."


def fmt_num(value: float | None, digits: int = 1) -> str:
    """12.345 -> '12,3'."""
    if _is_missing(value):
        return DASH
    assert value is not None
    if round(value, digits) == 0:
        value = 0.0  # never "-0,0"
    s = f"{value:,.{digits}f}".replace(",", " ").replace(".", ",")
    return s.replace(" ", NBSP)


def fmt_date(value: dt.date | dt.datetime | None) -> str:
    """date(2026, 11, 26) -> '26.11.2026'."""
    if value is None:
        return DASH
    return value.strftime("%d.%m.%Y")


def fmt_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return DASH
    return value.strftime("%d.%m.%Y %H:%M")


# Plotly: decimal comma, space as thousands separator (layout.separators is "<decimal><thousands>").
PLOTLY_SEPARATORS = ", "


# ---------------------------------------------------------------- vectorised (polars) twins
# Never format through `map_elements`: a Python callback runs on polars' worker threads and needs
# the GIL, while another Streamlit session thread may hold the GIL waiting for those same workers;
# the whole server then freezes (seen with two sessions opening «Главная» at once). These
# expressions produce exactly the strings of the scalar functions above, with no Python callback.

import polars as pl  # noqa: E402


def _missing(expr: pl.Expr, text: pl.Expr) -> pl.Expr:
    # the value branch first, so the result keeps the column's name
    return pl.when(expr.is_not_null() & expr.is_not_nan()).then(text).otherwise(pl.lit(DASH))


def _group_thousands(digits: pl.Expr) -> pl.Expr:
    """'-1234567' -> '-1 234 567' (non-breaking spaces), on strings of an optional sign and digits."""
    return (
        digits.str.reverse()
        .str.replace_all(r"(\d{3})", "${1}" + NBSP)
        .str.strip_chars_end(NBSP)
        .str.replace(NBSP + "-$", "-")
        .str.reverse()
    )


def int_expr(expr: pl.Expr) -> pl.Expr:
    """Vectorised `fmt_int`."""
    as_float = expr.cast(pl.Float64)
    return _missing(as_float, _group_thousands(as_float.round(0).cast(pl.Int64).cast(pl.Utf8))).name.keep()


def num_expr(expr: pl.Expr, digits: int = 1) -> pl.Expr:
    """Vectorised `fmt_num` (grouped thousands, decimal comma)."""
    x = expr.cast(pl.Float64)
    if digits == 0:
        return int_expr(x)
    scaled = (x.abs() * 10**digits).round(0).cast(pl.Int64)
    whole = (scaled // 10**digits).cast(pl.Utf8)
    frac = (scaled % 10**digits).cast(pl.Utf8).str.zfill(digits)
    sign = pl.when((x < 0) & (scaled > 0)).then(pl.lit("-")).otherwise(pl.lit(""))
    return _missing(x, _group_thousands(sign + whole) + pl.lit(",") + frac).name.keep()


def pct_expr(expr: pl.Expr, digits: int = 1) -> pl.Expr:
    """Vectorised `fmt_pct`: 0.625 -> '62,5 %'."""
    x = expr.cast(pl.Float64)
    return _missing(x, num_expr(x * 100, digits).str.replace_all(NBSP, "") + pl.lit(NBSP + "%")).name.keep()


def pp_expr(expr: pl.Expr, digits: int = 1) -> pl.Expr:
    """Vectorised `fmt_pp`: 0.012 -> '+1,2 п. п.', -0.012 -> '−1,2 п. п.'."""
    x = expr.cast(pl.Float64)
    shown = (x * 100 * 10**digits).round(0)  # the sign of what is shown: never «−0,0 п. п.»
    sign = pl.when(shown > 0).then(pl.lit("+")).when(shown < 0).then(pl.lit("−")).otherwise(pl.lit(""))
    body = num_expr(x.abs() * 100, digits).str.replace_all(NBSP, "")
    return _missing(x, sign + body + pl.lit(NBSP + "п." + NBSP + "п.")).name.keep()


def shown_number_expr(expr: pl.Expr, kind: str) -> pl.Expr:
    """A number as a table shows it (the browser formats it; sorting stays numeric), rounded as the
    Russian labels round it, so that no «−0,0» can appear: «share» — a fraction to 0,1 % (0.6253 ->
    0.625), «pp» — a difference of fractions in percentage points to 0,1 (-0.0004 -> 0.0), «count» —
    an integer, «points» — rating points to 0,01, «tenths» — a number to 0,1 (percent values)."""
    x = expr.cast(pl.Float64)
    if kind in ("share", "pp", "points", "tenths"):
        r = {"share": x.round(3), "pp": (x * 100).round(1), "points": x.round(2), "tenths": x.round(1)}[kind]
        return pl.when(r != 0).then(r).when(r == 0).then(pl.lit(0.0))  # a rounded -0.0 becomes 0.0
    if kind == "count":
        return expr.cast(pl.Int64)
    raise ValueError(f"unknown kind {kind!r}")


def college_name(full_name: str | None, short_name: str | None) -> str:
    """«ГБПОУ «Самарский политехнический колледж» (СПК)»: the full name with the abbreviation;
    just the abbreviation when the full name is missing or the same."""
    short = (short_name or "").strip()
    full = (full_name or "").strip()
    if not full or full == short:
        return short or DASH
    return f"{full} ({short})" if short else full


def full_college_names(colleges: pl.DataFrame) -> dict[str, str]:
    """Code -> `college_name` of every college of a college list (college_code, full_name,
    short_name): for the selectors and tables that list colleges."""
    return {
        c: college_name(f, n)
        for c, f, n in zip(
            colleges["college_code"], colleges["full_name"], colleges["short_name"], strict=True
        )
    }


def college_name_expr(full_name: pl.Expr, short_name: pl.Expr) -> pl.Expr:
    """Vectorised `college_name`."""
    full, short = full_name.str.strip_chars().fill_null(""), short_name.str.strip_chars().fill_null("")
    return (
        pl.when((full == "") | (full == short))
        .then(pl.when(short == "").then(pl.lit(DASH)).otherwise(short))
        .when(short == "")
        .then(full)
        .otherwise(full + pl.lit(" (") + short + pl.lit(")"))
    )


def date_expr(expr: pl.Expr) -> pl.Expr:
    """Vectorised `fmt_date`."""
    return pl.when(expr.is_not_null()).then(expr.dt.strftime("%d.%m.%Y")).otherwise(pl.lit(DASH))


def datetime_expr(expr: pl.Expr) -> pl.Expr:
    """Vectorised `fmt_datetime`."""
    return pl.when(expr.is_not_null()).then(expr.dt.strftime("%d.%m.%Y %H:%M")).otherwise(pl.lit(DASH))


def parse_decimal(text: str | None) -> float | None:
    """A number typed the Russian way: «12,5», «12.5», «1 234,5» (spaces, no-break spaces and a
    trailing «%» allowed) -> float; None when the text is empty or not a number."""
    if text is None:
        return None
    cleaned = re.sub(r"[\s\u00a0\u202f]+", "", text).removesuffix("%").replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", cleaned):
        return None
    return float(cleaned)
