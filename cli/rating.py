"""`vypusk report rating --cohort Y --as-of D --format json [--published]` (issue 11, item 4).

Prints one JSON array, one object per college in the user's scope (ranks region-wide):
{"college", "criteria": {criterion_id: {"value": float|null, "points": float}}, "total", "rank",
"category" (the Russian label), "version" (the criteria set's version)}. Without --published: the
rating computed now on the current data at --as-of under the newest published criteria set. With
--published: the latest rating published for the cohort with an evaluation date on or before
--as-of, exactly as stored; none is a Russian error (exit code 2).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json

import duckdb

from data_layer.errors import UserFacingError
from data_layer.scope import Scope
from metrics import criteria
from metrics.criteria import publication as pubs


def rating_rows(
    cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, as_of: dt.date, published: bool
) -> list[dict[str, object]]:
    if published:
        pub = pubs.latest_publication(cur, cohort, as_of)
        if pub is None:
            raise UserFacingError(
                f"Опубликованного рейтинга выпуска {cohort} г. с датой оценки не позже {as_of:%d.%m.%Y} нет."
            )
        return pubs.as_json_rows(pubs.published_rating(cur, scope, pub), pub.criteria_set)
    cs = criteria.published(cur, cohort)
    return pubs.as_json_rows(criteria.rating(cur, scope, cohort, as_of, cs), cs)


def print_json(rows: object) -> None:
    print(json.dumps(rows, ensure_ascii=False))


def _publish(args: argparse.Namespace) -> int:
    """`vypusk rating publish --cohort Y --as-of D [--reason TEXT] [--user NAME]` (base centre)."""
    from cli.metrics import as_of_or_default
    from cli.scope import resolve_scope
    from data_layer import db
    from ops import rating as ops_rating

    scope = resolve_scope(args.user, args.db)
    con = db.open_database(args.db)
    try:
        with con.cursor() as cur:
            as_of = as_of_or_default(cur, scope, args.cohort, args.as_of)
            pub = ops_rating.publish(cur, scope, args.cohort, as_of, args.reason or "")
    finally:
        con.close()
    print(
        f"Опубликован рейтинг выпуска {pub.cohort} г. на {pub.as_of:%d.%m.%Y}: критерии версии "
        f"{pub.criteria_version}, версия публикации {pub.version}, ПОО: {pub.colleges_total}."
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("rating", help="рейтинг эффективности ЦСТВ: публикация (базовый центр)")
    actions = p.add_subparsers(dest="action", metavar="ДЕЙСТВИЕ")
    actions.required = True
    pub = actions.add_parser("publish", help="опубликовать (заморозить) рейтинг выпуска на дату оценки")
    pub.add_argument("--cohort", type=int, required=True, help="год выпуска")
    pub.add_argument("--as-of", dest="as_of", help="дата оценки (по умолчанию — последние данные)")
    pub.add_argument("--reason", help="комментарий к публикации")
    pub.add_argument("--user", help="пользователь базового центра")
    pub.add_argument("--db", help="файл базы данных DuckDB")
    pub.set_defaults(func=_publish)
