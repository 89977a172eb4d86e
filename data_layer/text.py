"""Russian text helpers shared by the data layer and (re-exported) by metrics.formatting: plural forms, integers."""

from __future__ import annotations

import math

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
