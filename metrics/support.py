"""Regional support measures for young specialists (issue 14, part 5): which measures of the base
centre's registry a graduate qualifies for.

A measure applies at date D when it is active, valid on D (no end date, or not before D) and each of
its conditions that is set holds: the graduate's specialty is among its programmes, his territory
(of residence, else the college's) among its territories, and he belongs to one of its priority
groups. An empty condition holds for everyone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from data_layer import vacancies as store

GROUPS: dict[str, str] = {
    "ovz": "лица с ОВЗ",
    "disabled": "инвалиды",
    "target": "выпускники целевого обучения",
    "professionalitet": "выпускники «Профессионалитета»",
    "army": "вернувшиеся со службы по призыву",
    "orphan": "дети-сироты и оставшиеся без попечения родителей",
}

registry = store.support_measures


def graduate_groups(flags: dict[str, object], reasons: Iterable[str]) -> set[str]:
    """Priority groups of a graduate from his flags (is_ovz, is_disabled, is_target,
    is_professionalitet) and his risk reasons (army_return → army)."""
    out = {g for g in ("ovz", "disabled", "target", "professionalitet") if flags.get(f"is_{g}")}
    if "army_return" in set(reasons):
        out.add("army")
    return out


def applicable(
    measures: pl.DataFrame, program_code: str | None, tu_code: str | None, groups: set[str], as_of: dt.date
) -> pl.DataFrame:
    """The measures of `measures` (support_measures rows) the graduate qualifies for on `as_of`."""
    if measures.is_empty():
        return measures
    return measures.filter(
        pl.col("active")
        & (pl.col("valid_until").is_null() | (pl.col("valid_until") >= as_of))
        & (
            (pl.col("program_codes").list.len() == 0)
            | pl.col("program_codes").list.contains(program_code or "")
        )
        & ((pl.col("tu_codes").list.len() == 0) | pl.col("tu_codes").list.contains(tu_code or ""))
        & (
            (pl.col("groups").list.len() == 0)
            | pl.col("groups").list.eval(pl.element().is_in(sorted(groups))).list.any()
        )
    )
