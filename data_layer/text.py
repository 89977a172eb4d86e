"""Russian text helpers shared by the data layer and (re-exported) by metrics.formatting."""

from __future__ import annotations


def plural(n: int, one: str, few: str, many: str) -> str:
    """Russian plural form: plural(21, 'выпускник', 'выпускника', 'выпускников') -> 'выпускник'."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many
