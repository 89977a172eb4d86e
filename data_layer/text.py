"""Russian text helpers shared by the data layer and (re-exported) by metrics.formatting: plural forms, integers."""

from __future__ import annotations

import math
import re
import unicodedata

import polars as pl

NBSP = "\u00a0"
DASH = "—"


def fmt_int(value: float | int | None) -> str:
    """1234567 -> '1 234 567' (non-breaking spaces as thousands separators); None/NaN -> '—'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    return f"{round(value):,}".replace(",", NBSP)


def plural(n: int, one: str, few: str, many: str) -> str:
    """Russian plural form: plural(21, 'выпускник', 'выпускника', 'выпускников') -> 'выпускник'."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


# A СНИЛС as people type it: 11 digits, grouped 3-3-3-2 or not, with any of the separators found in
# file names (hyphen, space, underscore, dot, dashes), not part of a longer number. `\d` is Unicode:
# full-width and other digits count too.
_SEP = r"[-_.\s\u2010-\u2015]?"
_SNILS_SHAPE = rf"\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{2}}"
SNILS_LIKE_RE = re.compile(rf"(?<!\d){_SNILS_SHAPE}(?!\d)")
# the same, not inside a run of Latin letters and digits: a SHA-256 in the journal keeps its digits
SNILS_WORD_RE = re.compile(rf"(?<![0-9A-Za-z]){_SNILS_SHAPE}(?![0-9A-Za-z])")
SNILS_MASK = "***-***-*** **"
FILE_NAME_CHARS = 120
# control, format (bidi overrides, zero-width), surrogate, private-use, unassigned, line/paragraph
# separators: nothing a file name needs, and each can hide or reorder what the journal shows
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def mask_snils_like(text: str, *, keep_tail: bool = False) -> str:
    """Every СНИЛС-shaped number in `text` replaced by «***-***-*** **», or with `keep_tail` by the
    masked form screens show («***-***-789 01», docs/domain.md §10: enough to find the row)."""
    if not keep_tail:
        return SNILS_LIKE_RE.sub(SNILS_MASK, text)

    def tail(m: re.Match[str]) -> str:
        digits = "".join(ch for ch in m.group(0) if ch.isdigit())
        return f"***-***-{digits[6:9]} {digits[9:]}"

    return SNILS_LIKE_RE.sub(tail, text)


def mask_snils_columns(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """`frame` with СНИЛС-shaped numbers masked in the given text columns (rows written before the
    names were cleaned on the way in); digits inside a run of Latin letters and digits (a checksum)
    are left alone. Plain Python over the column's values: no callback in polars."""
    return frame.with_columns(
        pl.Series(
            c,
            [None if v is None else SNILS_WORD_RE.sub(SNILS_MASK, v) for v in frame.get_column(c).to_list()],
            pl.Utf8,
        )
        for c in columns
    )


def safe_file_name(name: object, limit: int = FILE_NAME_CHARS) -> str:
    """An uploaded file's name as the audit log, the load register and messages keep it (issue 12):
    control and format characters removed, whitespace collapsed, СНИЛС-shaped numbers masked (a
    college may name the file after a person), at most `limit` characters with the extension kept."""
    text = " ".join(str(name or "").split())  # line breaks and tabs become single spaces
    text = mask_snils_like("".join(ch for ch in text if unicodedata.category(ch) not in _DROPPED_CATEGORIES))
    if len(text) > limit:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            text = f"{stem[: limit - len(ext) - 2]}….{ext}"
        else:
            text = text[: limit - 1] + "…"
    return text or "файл"
