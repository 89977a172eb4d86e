"""`vypusk metrics`: an indicator by group at a date, as JSON or CSV (docs/data_contract.md §8)."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from typing import Any

import duckdb

from cli.scope import resolve_scope
from data_layer import db
from data_layer.errors import UserFacingError
from data_layer.scope import Scope
from metrics import engine, indicators, risk, settings
from metrics.groups import PRIORITY_GROUPS, group_filters
from metrics.statuses import CODES

BY_CHOICES = ("region", "territory", "college", "program")
# group keys of the JSON renamed so that `group.level` stays the breakdown level (issue 11 item 9)
GROUP_KEY_RENAMES = {"level": "edu_level"}


def parse_date(text: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise UserFacingError(f"Неверная дата «{text}»: ожидается ГГГГ-ММ-ДД или ДД.ММ.ГГГГ.")


def as_of_or_default(cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, text: str | None) -> dt.date:
    """`--as-of` as given, else the last passed weekly deadline of the cohort (engine.default_as_of)."""
    return parse_date(text) if text else engine.default_as_of(cur, scope, cohort)


def metric_groups(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    by: str,
    indicator_id: str,
    forecast: bool = False,
    priority_group: str | None = None,
) -> list[dict[str, Any]]:
    """The JSON elements of `vypusk metrics`: one per group, with the fields of docs/data_contract.md §8.
    `priority_group` restricts every figure to a priority group (metrics.groups)."""
    ind = indicators.get_indicator(cur, indicator_id)
    filters = group_filters(priority_group, as_of) if priority_group else None
    table = engine.indicator_table(cur, scope, cohort, as_of, ind, by, filters, forecast)
    risks = risk.risk_counts(cur, scope, cohort, as_of, settings.risk_thresholds(cur), by, filters)
    risk_by_code = dict(zip(risks["code"].to_list(), risks["risk_count"].to_list(), strict=True))
    dim = engine.DIMENSIONS[by]
    out: list[dict[str, Any]] = []
    for row in table.iter_rows(named=True):
        group: dict[str, Any] = {"level": by, "code": row["code"], "name": row["name"]}
        for alias, _ in dim.extra:
            group[GROUP_KEY_RENAMES.get(alias, alias)] = row[alias]
        out.append(
            {
                "group": group,
                "cohort": cohort,
                "as_of": as_of.isoformat(),
                "indicator": ind.id,
                "total": row["total"],
                "status_counts": {c: row[c] for c in CODES},
                "employed_by_specialty": row[indicators.EMPLOYED_BY_SPECIALTY],
                "numerator": row["numerator"],
                "denominator": row["denominator"],
                "rate": row["rate"],
                "risk_count": int(risk_by_code.get(row["code"], 0)),
                "small_group": row["small_group"],
            }
        )
    return out


def _run(args: argparse.Namespace) -> int:
    scope = resolve_scope(args.user, args.db)
    con = db.open_database(args.db)
    try:
        with con.cursor() as cur:
            as_of = as_of_or_default(cur, scope, args.cohort, args.as_of)
            indicator_id = args.indicator or settings.headline_indicator(cur)
            if args.cohort not in engine.cohorts(cur, scope):
                raise UserFacingError(f"Нет данных о выпуске {args.cohort} г. в вашей зоне доступа.")
            groups = metric_groups(
                cur, scope, args.cohort, as_of, args.by, indicator_id, args.forecast, args.group
            )
    finally:
        con.close()
    if args.format == "json":
        json.dump(groups, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        rows = [
            {
                "level": g["group"]["level"],
                "code": g["group"]["code"],
                "name": g["group"]["name"],
                "total": g["total"],
                "numerator": g["numerator"],
                "denominator": g["denominator"],
                "rate": "" if g["rate"] is None else g["rate"],
                "risk_count": g["risk_count"],
                **g["status_counts"],
            }
            for g in groups
        ]
        if rows:
            w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("metrics", help="показатель по группам на дату (JSON или CSV)")
    p.add_argument("--cohort", type=int, required=True, help="год выпуска")
    p.add_argument(
        "--as-of",
        dest="as_of",
        help="дата расчёта ГГГГ-ММ-ДД (по умолчанию — последний прошедший еженедельный срок сдачи)",
    )
    p.add_argument("--by", choices=BY_CHOICES, default="region", help="разрез")
    p.add_argument("--indicator", help="код показателя (по умолчанию основной)")
    p.add_argument("--forecast", action="store_true", help="с учётом прогноза")
    p.add_argument(
        "--group",
        choices=list(PRIORITY_GROUPS),
        help="только приоритетная группа: "
        + "; ".join(f"{g.key} — {g.label.lower()}" for g in PRIORITY_GROUPS.values()),
    )
    p.add_argument("--user", help="применить роль и зону доступа пользователя")
    p.add_argument("--format", choices=("json", "csv"), default="json")
    p.add_argument("--db", help="файл базы данных DuckDB")
    p.set_defaults(func=_run)


__all__ = ["metric_groups", "parse_date", "register"]
