"""Normalisation of header names and cell values (docs/data_contract.md §1), as vectorised polars expressions.

Every cell arrives as a string (or null); these expressions turn strings into typed values and
leave null where a non-empty value could not be parsed, so that "invalid" is always
`raw is not null and parsed is null`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

import polars as pl

from data_layer.statuses import normalize_label

__all__ = [
    "FALSE_WORDS",
    "TRUE_WORDS",
    "clean_str",
    "empty_to_null",
    "header_keys",
    "map_values",
    "normalize_label",
    "parse_bool",
    "parse_date",
    "parse_float",
    "parse_int",
    "snils_digits",
    "snils_is_reserved",
    "snils_is_valid",
    "strip_ws",
    "with_snils_check",
]

_PAREN_TAIL = re.compile(r"\s*\(.*\)\s*$")

TRUE_WORDS = frozenset({"да", "1", "+", "true", "истина", "д", "yes", "y", "1.0"})
FALSE_WORDS = frozenset({"нет", "0", "-", "false", "ложь", "н", "no", "n", "0.0"})

# Whitespace a cell may carry around its value (NBSP comes from Excel and from copy-paste).
_WS = " \t\r\n\u00a0\u2007\u202f\ufeff"


_CACHED_HEADER_CHARS = 200  # longer cells (a hostile file's megabyte cell) are not kept in the cache


def header_keys(text: str) -> tuple[str, ...]:
    """Matching keys of a header cell: the normalised text, then the text without a trailing
    parenthesised note ("Тип (региональная / федеральная / частная)" also matches "Тип").

    Header detection asks this for every cell of the first rows once per file kind: short cells
    are remembered (a process-wide, bounded cache)."""
    if len(text) <= _CACHED_HEADER_CHARS:
        return _cached_header_keys(text)
    return _header_keys(text)


@functools.lru_cache(maxsize=8192)
def _cached_header_keys(text: str) -> tuple[str, ...]:
    return _header_keys(text)


def _header_keys(text: str) -> tuple[str, ...]:
    key = normalize_label(text)
    short = normalize_label(_PAREN_TAIL.sub("", key))
    return (key,) if short == key or not short else (key, short)


def clean_str(expr: pl.Expr) -> pl.Expr:
    """Strip surrounding whitespace; an empty cell becomes null."""
    return empty_to_null(strip_ws(expr))


def strip_ws(expr: pl.Expr) -> pl.Expr:
    """Surrounding whitespace stripped (the first half of `clean_str`)."""
    return expr.cast(pl.Utf8).str.strip_chars(_WS)


def empty_to_null(expr: pl.Expr) -> pl.Expr:
    """An empty string becomes null (the second half of `clean_str`). An eager `select` evaluates
    the expression it is given twice here: a whole column is stripped first, then this applied."""
    return pl.when(expr.str.len_bytes() == 0).then(None).otherwise(expr)


def parse_date(expr: pl.Expr) -> pl.Expr:
    """ДД.ММ.ГГГГ or ГГГГ-ММ-ДД, optionally followed by a time (Excel dates read as text carry
    "2024-06-30 00:00:00"). Years outside 1900..2100 count as unparseable ("01.09.24" → year 24)."""
    base = expr.str.replace(r"[ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$", "")
    d = pl.coalesce(
        base.str.to_date("%d.%m.%Y", strict=False),
        base.str.to_date("%Y-%m-%d", strict=False),
    )
    year = d.dt.year()
    return pl.when((year >= 1900) & (year <= 2100)).then(d).otherwise(None)


def parse_bool(expr: pl.Expr) -> pl.Expr:
    """да/нет, 1/0, +/-, true/false; null (empty) is нет; anything else is null (invalid)."""
    low = expr.str.to_lowercase()
    return (
        pl.when(expr.is_null())
        .then(False)
        .when(low.is_in(list(TRUE_WORDS)))
        .then(True)
        .when(low.is_in(list(FALSE_WORDS)))
        .then(False)
        .otherwise(None)
    )


def parse_int(expr: pl.Expr) -> pl.Expr:
    """A non-negative whole number; "12.0" (a numeric Excel cell read as text) is accepted."""
    s = expr.str.replace(r"\.0+$", "").str.replace_all(r"[ \u00a0]", "")
    return pl.when(s.str.contains(r"^[0-9]{1,9}$")).then(s.cast(pl.Int64, strict=False)).otherwise(None)


def parse_float(expr: pl.Expr) -> pl.Expr:
    """A decimal number with a point or a comma ("53,19")."""
    s = expr.str.replace(",", ".", literal=True)
    return (
        pl.when(s.str.contains(r"^-?[0-9]+(\.[0-9]+)?$"))
        .then(s.cast(pl.Float64, strict=False))
        .otherwise(None)
    )


def snils_digits(expr: pl.Expr) -> pl.Expr:
    """ "XXX-XXX-XXX YY" or 11 digits → the 11 digits; other shapes → null. Only ASCII digits: polars'
    `\\d` is Unicode-aware and would let Arabic-Indic or full-width digits through (full-width ones
    are normalised to ASCII before this, by NFKC on every typed column)."""
    # extract: null unless the whole text is 11 digits (one evaluation of the cleaned text, where
    # when/then would clean it twice in an eager select)
    return expr.str.replace_all(r"[\s\-\u00a0]", "").str.extract(r"^([0-9]{11})$", 1)


SNILS_CHECKED_FROM = 1_001_999  # the control number is defined for numbers above 001-001-998


def snils_is_reserved(digits: pl.Expr) -> pl.Expr:
    """Numbers up to 001-001-998 (000-000-000 00 among them) have no control-number rule, so none of
    them can be checked: they are refused as reserved."""
    return digits.cast(pl.Int64, strict=False) // 100 < SNILS_CHECKED_FROM


def snils_is_valid(digits: pl.Expr) -> pl.Expr:
    """The standard СНИЛС control number: sum of the first nine digits weighted 9..1; a sum below
    100 is the control number itself, 100 and 101 give 00, above 101 the sum mod 101 (100 → 00).
    Reserved numbers (`snils_is_reserved`) are never valid.

    For a whole file use `with_snils_check`: as one expression the number is parsed again for
    every term of the sum."""
    n = digits.cast(pl.Int64, strict=False)
    return _snils_check(n // 100, n % 100)


def _snils_check(body: pl.Expr, control: pl.Expr) -> pl.Expr:
    total = pl.lit(0, dtype=pl.Int64)
    for i in range(9):  # digit i from the right of the 9-digit body has weight i + 1
        total = total + ((body // (10**i)) % 10) * (i + 1)
    mod = total % 101
    expected = (
        pl.when(total < 100).then(total).when(total <= 101).then(0).when(mod == 100).then(0).otherwise(mod)
    )
    return (expected == control) & (body >= SNILS_CHECKED_FROM)


def with_snils_check(frame: pl.DataFrame, digits: str, out: str) -> pl.DataFrame:
    """`frame` with column `out` = snils_is_valid(`digits`), computed in stages (the number parsed
    once, then the sum from that column): a second of CPU less per million rows."""
    body, control, total = f"{out}_body", f"{out}_control", f"{out}_total"
    n = pl.col(digits).cast(pl.Int64, strict=False)
    frame = frame.with_columns((n // 100).alias(body), (n % 100).alias(control))
    weighted = [((pl.col(body) // (10**i)) % 10) * (i + 1) for i in range(9)]
    frame = frame.with_columns(pl.sum_horizontal(weighted).alias(total))
    t = pl.col(total)
    mod = t % 101
    expected = pl.when(t < 100).then(t).when(t <= 101).then(0).when(mod == 100).then(0).otherwise(mod)
    ok = (expected == pl.col(control)) & (pl.col(body) >= SNILS_CHECKED_FROM)
    return frame.with_columns(ok.alias(out)).drop(body, control, total)


def map_values(expr_name: str, frame: pl.DataFrame, lookup: Mapping[str, str]) -> pl.Series:
    """Map a string column through `lookup` keyed by normalize_label; unknown → null.

    Normalises only the distinct values in Python (few for enum-like columns), then maps them
    all in one vectorised replace.
    """
    uniques = frame.get_column(expr_name).drop_nulls().unique().to_list()
    mapping = {u: lookup.get(normalize_label(u)) for u in uniques}
    return frame.get_column(expr_name).replace_strict(mapping, default=None, return_dtype=pl.Utf8)
