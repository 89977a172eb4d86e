"""`vypusk report KIND --cohort YEAR [--as-of DATE] [--scope CODE] --out FILE.xlsx [--user NAME] [--db PATH]`.

The same implementation as the «Отчёты» page (reports.build_report); `--user` applies
that user's role and scope. KIND `scorecards_zip` writes every college's scorecard into one zip
(base centre only). Without `--as-of` the report is built at the latest data of the cohort
(engine.default_as_of, as the app's default date: the newest snapshot, never after the
monitoring window or today).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.metrics import parse_date
from cli.scope import resolve_scope
from data_layer import db
from data_layer.errors import UserFacingError
from metrics import engine
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


def _run(args: argparse.Namespace) -> int:
    scope = resolve_scope(args.user, args.db)
    con = db.open_database(args.db)
    try:
        with con.cursor() as cur:
            as_of = parse_date(args.as_of) if args.as_of else engine.default_as_of(cur, scope, args.cohort)
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
    p.add_argument("--out", required=True, help="файл .xlsx (или .csv — основная таблица), либо папка")
    p.add_argument("--user", help="применить роль и зону доступа пользователя")
    p.add_argument("--db", help="файл базы данных DuckDB")
    p.set_defaults(func=_run)


__all__ = ["register"]
