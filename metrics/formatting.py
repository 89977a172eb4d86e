"""Russian number and date formats (62,5 %, 1 234, 26.11.2026), shared by pages, charts and reports."""

from __future__ import annotations

import datetime as dt
import math

NBSP = "\u00a0"
NARROW_NBSP = "\u202f"
DASH = "—"


def _is_missing(value: float | int | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_int(value: float | int | None) -> str:
    """1234567 -> '1 234 567' (non-breaking thin spaces as thousands separators)."""
    if _is_missing(value):
        return DASH
    assert value is not None
    return f"{round(value):,}".replace(",", NBSP)


def fmt_pct(fraction: float | None, digits: int = 1) -> str:
    """0.625 -> '62,5 %'; None (zero denominator) -> '—'."""
    if _is_missing(fraction):
        return DASH
    assert fraction is not None
    return f"{fraction * 100:.{digits}f}".replace(".", ",") + NBSP + "%"


def fmt_pp(delta_fraction: float | None, digits: int = 1) -> str:
    """Difference of two rates in percentage points: 0.012 -> '+1,2 п. п.'."""
    if _is_missing(delta_fraction):
        return DASH
    assert delta_fraction is not None
    sign = "+" if delta_fraction > 0 else ("−" if delta_fraction < 0 else "")
    return f"{sign}{abs(delta_fraction) * 100:.{digits}f}".replace(".", ",") + NBSP + "п." + NBSP + "п."


def fmt_num(value: float | None, digits: int = 1) -> str:
    """12.345 -> '12,3'."""
    if _is_missing(value):
        return DASH
    assert value is not None
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


def plural(n: int, one: str, few: str, many: str) -> str:
    """Russian plural form: plural(21, 'выпускник', 'выпускника', 'выпускников') -> 'выпускник'."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


# Plotly: decimal comma, space as thousands separator (layout.separators is "<decimal><thousands>").
PLOTLY_SEPARATORS = ", "
