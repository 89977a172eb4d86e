"""`vypusk report KIND --cohort YEAR [--as-of DATE] [--scope CODE] --out FILE.xlsx [--user NAME] [--db PATH]`.

The same implementation as the «Отчёты» page (reports.build_report); `--user` applies
that user's role and scope. KIND `scorecards_zip` writes every college's scorecard into one zip
(base centre only). Without `--as-of` the report is built at the latest data of the cohort
(engine.default_as_of, as the app's default date: the newest snapshot, never after the
monitoring window or today).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb

from cli.metrics import as_of_or_default
from cli.rating import print_json, rating_rows
from cli.scope import resolve_scope
from data_layer import db
from data_layer.errors import UserFacingError
from data_layer.scope import Scope
from reports import REPORT_KINDS, build_report, build_scorecards_zip, scorecards_zip_name

ZIP_KIND = "scorecards_zip"


def _target(out: str, default_name: str) -> Path:
    """`--out` is a file, or an existing folder (then the report's own name is used)."""
    path = Path(out)
    if path.is_dir() or out.endswith(("/", "\\")):
        path.mkdir(parents=True, exist_ok=True)
        return path / default_name
    if path.parent and not path.parent.exists():
        raise UserFacingError(f"Папка {path.parent} не существует.")
    return path


def _json(args: argparse.Namespace) -> int:
    """`--format json`: the report's content on stdout (JSON_KINDS), nothing written."""
    if args.kind not in JSON_KINDS:
        raise UserFacingError(
            f"Формат json есть для отчётов: {', '.join(JSON_KINDS)}. Для «{args.kind}» укажите --out ФАЙЛ.xlsx."
        )
    if args.out:
        raise UserFacingError("С --format json файл (--out) не указывается: результат печатается.")
    scope = resolve_scope(args.user, args.db)
    con = db.open_database(args.db)
    try:
        with con.cursor() as cur:
            as_of = as_of_or_default(cur, scope, args.cohort, args.as_of)
            rows = JSON_KINDS[args.kind](cur, scope, args.cohort, as_of, args)
    finally:
        con.close()
    print_json(rows)
    return 0


def _rating_json(
    cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, as_of: dt.date, args: argparse.Namespace
) -> object:
    return rating_rows(cur, scope, cohort, as_of, bool(args.published))


# kind -> builder of the `--format json` content
JSON_KINDS: dict[
    str, Callable[[duckdb.DuckDBPyConnection, Scope, int, dt.date, argparse.Namespace], object]
] = {
    "rating": _rating_json,
}


def _run(args: argparse.Namespace) -> int:
    if args.format == "json":
        return _json(args)
    if args.published:
        raise UserFacingError("--published — только вместе с --format json (отчёт rating).")
    if not args.out:
        raise UserFacingError("Укажите файл отчёта: --out ФАЙЛ.xlsx (или --format json).")
    scope = resolve_scope(args.user, args.db)
    con = db.open_database(args.db)
    try:
        with con.cursor() as cur:
            as_of = as_of_or_default(cur, scope, args.cohort, args.as_of)
            if args.kind == ZIP_KIND:
                if args.scope:
                    raise UserFacingError("Для архива карточек код (--scope) не указывается.")
                data = build_scorecards_zip(cur, scope, args.cohort, as_of)
                name = scorecards_zip_name(args.cohort, as_of)
            else:
                fmt = "csv" if args.out.lower().endswith(".csv") else "xlsx"
                data, name = build_report(cur, scope, args.kind, args.cohort, as_of, args.scope, fmt=fmt)
    finally:
        con.close()
    path = _target(args.out, name)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    print(f"Отчёт записан: {path} ({len(data):,} байт)".replace(",", " "), file=sys.stdout)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    kinds = ", ".join(f"{k} — {v.title}" for k, v in REPORT_KINDS.items())
    p = sub.add_parser(
        "report",
        help="официальный отчёт Excel (региональный, ТУ, карточка ПОО, рейтинг, группа риска)",
        description=f"Виды отчётов: {kinds}; {ZIP_KIND} — архив карточек всех ПОО (базовый центр).",
    )
    p.add_argument("kind", choices=[*REPORT_KINDS, ZIP_KIND], metavar="KIND", help="вид отчёта")
    p.add_argument("--cohort", type=int, required=True, help="год выпуска")
    p.add_argument(
        "--as-of",
        dest="as_of",
        help="дата расчёта ГГГГ-ММ-ДД или ДД.ММ.ГГГГ (по умолчанию — последние данные)",
    )
    p.add_argument("--scope", help="код ТУ (отчёт territory) или код ПОО (scorecard, risk_list)")
    p.add_argument("--out", help="файл .xlsx (или .csv — основная таблица), либо папка")
    p.add_argument(
        "--format", choices=["json"], help="json: содержание отчёта в стандартный вывод (rating), без файла"
    )
    p.add_argument(
        "--published",
        action="store_true",
        help="с --format json: последний опубликованный рейтинг с датой оценки не позже --as-of",
    )
    p.add_argument("--user", help="применить роль и зону доступа пользователя")
    p.add_argument("--db", help="файл базы данных DuckDB")
    p.set_defaults(func=_run)


__all__ = ["register"]
