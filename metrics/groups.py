"""Priority groups (issue 11, item 8): graduates the region reports on separately.

Each group is a filter of engine.scope_where, so its rates, counts and risk counts come from the
same code as everything else (one definition of every indicator):
  ovz               ОВЗ «да» — form row 02;
  disabled          Инвалидность «да» — form rows 03 + 04;
  target            договор о целевом обучении — form row 05;
  professionalitet  участники ФП «Профессионалитет»;
  army_return       discharged from conscript service on or before the as-of date (the discharge
                    date a college reported in a snapshot dated on or before it).
Groups are small: every figure of fewer than engine.SMALL_GROUP graduates is marked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import polars as pl

from data_layer.errors import UserFacingError
from data_layer.scope import Scope
from metrics import engine, risk
from metrics.engine import Filters
from metrics.indicators import Indicator
from metrics.settings import RiskThresholds


@dataclass(frozen=True)
class PriorityGroup:
    key: str
    label: str  # Russian, as on the pages
    description: str
    flag: str | None  # Boolean filter of engine.BOOL_FILTERS; None: army_return (by date)


PRIORITY_GROUPS: dict[str, PriorityGroup] = {
    g.key: g
    for g in (
        PriorityGroup("ovz", "Лица с ОВЗ", "ОВЗ «да» в списке выпуска (строка 02 формы)", "is_ovz"),
        PriorityGroup(
            "disabled",
            "Инвалиды и дети-инвалиды",
            "Инвалидность «да» в списке выпуска (строки 03 и 04 формы)",
            "is_disabled",
        ),
        PriorityGroup(
            "target",
            "Целевое обучение",
            "Обучались по договору о целевом обучении (строка 05 формы)",
            "is_target",
        ),
        PriorityGroup(
            "professionalitet",
            "Профессионалитет",
            "Участники федерального проекта «Профессионалитет»",
            "is_professionalitet",
        ),
        PriorityGroup(
            "army_return",
            "Вернулись со службы по призыву",
            "Уволены со службы по призыву не позже даты расчёта (дата увольнения из среза ПОО)",
            None,
        ),
    )
}


def group_filters(group: str, as_of: dt.date, base: Filters | None = None) -> Filters:
    """The engine filters selecting `group` at `as_of`, added to `base`."""
    if group not in PRIORITY_GROUPS:
        raise UserFacingError(f"Неизвестная группа «{group}». Доступны: {', '.join(PRIORITY_GROUPS)}.")
    g = PRIORITY_GROUPS[group]
    extra: Filters = {g.flag: True} if g.flag else {"army_return_by": as_of}
    return {**(base or {}), **extra}


def group_table(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    indicator: Indicator,
    thresholds: RiskThresholds,
    by: str = "region",
    forecast: bool = False,
    filters: Filters | None = None,
    count_risk: Callable[[Filters], pl.DataFrame] | None = None,
) -> pl.DataFrame:
    """Every priority group by `by`: group, group_label, code, name (and full_name of a college), total, numerator, denominator,
    rate, small_group (fewer than engine.SMALL_GROUP graduates) and risk_count. `count_risk(filters)`:
    `risk.risk_counts` of the scope by `by` with these filters, when the caller keeps them."""
    parts = []
    for g in PRIORITY_GROUPS.values():
        f = group_filters(g.key, as_of, filters)
        t = engine.indicator_table(cur, scope, cohort, as_of, indicator, by, f, forecast)
        counts = (
            count_risk(f) if count_risk else risk.risk_counts(cur, scope, cohort, as_of, thresholds, by, f)
        )
        r = counts.select("code", "risk_count")
        t = t.join(r, on="code", how="left").with_columns(pl.col("risk_count").fill_null(0).cast(pl.Int64))
        if by == "region" and t.is_empty():
            # the group has nobody in scope: say so with zeros rather than leave the group out
            t = pl.DataFrame(
                {
                    "code": [engine.REGION_CODE],
                    "name": [engine.REGION_NAME],
                    "total": [0],
                    "numerator": [0],
                    "denominator": [0],
                    "rate": [None],
                    "small_group": [True],
                    "risk_count": [0],
                },
                schema_overrides={"rate": pl.Float64},
            )
        parts.append(
            t.select(
                pl.lit(g.key).alias("group"),
                pl.lit(g.label).alias("group_label"),
                "code",
                "name",
                *(["full_name"] if "full_name" in t.columns else []),  # colleges: the full name
                "total",
                "numerator",
                "denominator",
                "rate",
                "small_group",
                "risk_count",
            )
        )
    return pl.concat(parts, how="vertical_relaxed")
