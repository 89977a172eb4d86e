"""`vypusk report KIND --cohort YEAR [--as-of DATE] [--scope CODE] --out FILE.xlsx [--user NAME] [--db PATH]`.

The same implementation as the «Отчёты» page (reports.build_report); `--user` applies
that user's role and scope. KIND `scorecards_zip` writes every college's scorecard into one zip
(base centre only). Without `--as-of` the report is built at the last passed weekly deadline
(engine.default_as_of, the app's default date too; never after the monitoring window).

Regional report (issue 11, item 3; docs/data_contract.md §8), exactly:
  --format json          print {"final", "violations", "rows"} (reports.regional.form_json), exit 0;
  --out F.xlsx           the final report, refused (Russian message, nothing written) while a
                         control rule fails; written unregistered when every rule passes;
  --draft --out F.xlsx   the draft marked «ЧЕРНОВИК» with its violations sheet, either way;
  --issue --user NAME    a base-centre user approves the final report and registers it
                         (ops.reports); with --out the stored workbook is also written.
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
from data_layer import db, issued_reports
from data_layer.errors import UserFacingError
from data_layer.scope import Scope
from ops.reports import issue_regional
from reports import REPORT_KINDS, build_report, build_scorecards_zip, regional_json, scorecards_zip_name

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
    if args.out or args.draft or args.issue:
        raise UserFacingError("С --format json файл не записывается: уберите --out, --draft и --issue.")
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


def _regional_json(
    cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, as_of: dt.date, args: argparse.Namespace
) -> object:
    return regional_json(cur, scope, cohort, as_of)


# kind -> builder of the `--format json` content
JSON_KINDS: dict[
    str, Callable[[duckdb.DuckDBPyConnection, Scope, int, dt.date, argparse.Namespace], object]
] = {
    "rating": _rating_json,
    "regional": _regional_json,
}


def _check_options(args: argparse.Namespace) -> None:
    if args.published:
        raise UserFacingError("--published — только вместе с --format json (отчёт rating).")
    if (args.draft or args.issue) and args.kind != "regional":
        raise UserFacingError("Ключи --draft и --issue относятся только к региональному отчёту (regional).")
    if args.draft and args.issue:
        raise UserFacingError("Черновик не утверждается: укажите либо --draft, либо --issue.")
    if args.issue and not args.user:
        raise UserFacingError("Отчёт утверждает пользователь базового центра: укажите --user ИМЯ.")
    if not args.out and not args.issue:
        raise UserFacingError("Укажите файл отчёта: --out ФАЙЛ.xlsx (или --format json).")


def _run(args: argparse.Namespace) -> int:
    if args.format == "json":
        return _json(args)
    _check_options(args)
    scope = resolve_scope(args.user, args.db)
    con = db.open_database(args.db)
    try:
        with con.cursor() as cur:
            as_of = as_of_or_default(cur, scope, args.cohort, args.as_of)
            if args.issue:
                record = issue_regional(cur, scope, args.cohort, as_of)
                data, name, _ = issued_reports.content(cur, scope, record.report_id)
                print(
                    f"Отчёт утверждён ({record.approved_by}) и зарегистрирован: № {record.report_id}, "
                    f"версия данных {record.dataset_version}, SHA-256 {record.checksum}",
                    file=sys.stdout,
                )
                if not args.out:
                    return 0
            elif args.kind == ZIP_KIND:
                if args.scope:
                    raise UserFacingError("Для архива карточек код (--scope) не указывается.")
                data = build_scorecards_zip(cur, scope, args.cohort, as_of)
                name = scorecards_zip_name(args.cohort, as_of)
            else:
                fmt = "csv" if args.out.lower().endswith(".csv") else "xlsx"
                data, name = build_report(
                    cur, scope, args.kind, args.cohort, as_of, args.scope, fmt=fmt, draft=args.draft
                )
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
        help="дата расчёта ГГГГ-ММ-ДД или ДД.ММ.ГГГГ (по умолчанию — последний прошедший еженедельный срок сдачи)",
    )
    p.add_argument("--scope", help="код ТУ (отчёт territory) или код ПОО (scorecard, risk_list)")
    p.add_argument("--out", help="файл .xlsx (или .csv — основная таблица), либо папка")
    p.add_argument(
        "--format",
        choices=["json"],
        help="json: содержание отчёта в стандартный вывод (regional, rating), без файла",
    )
    p.add_argument(
        "--published",
        action="store_true",
        help="с --format json: последний опубликованный рейтинг с датой оценки не позже --as-of",
    )
    p.add_argument(
        "--draft",
        action="store_true",
        help="черновик «ЧЕРНОВИК» с листом нарушений (regional), даже когда соотношения не выполнены",
    )
    p.add_argument(
        "--issue",
        action="store_true",
        help="утвердить и зарегистрировать итоговый региональный отчёт (пользователь базового центра, --user)",
    )
    p.add_argument("--user", help="применить роль и зону доступа пользователя")
    p.add_argument("--db", help="файл базы данных DuckDB")
    p.set_defaults(func=_run)


__all__ = ["register"]
