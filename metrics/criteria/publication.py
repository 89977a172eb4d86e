"""Published (frozen) ratings and objections (docs/domain.md §9, issue 11 item 4).

Publishing stores a rating — criteria set version × cohort × evaluation date — with the criteria
definition as published, every metric value it used (inputs) and its results (points per criterion,
total, rank, category). A stored rating never changes: newer data gives a «текущий расчёт» beside
it. A college may object to its published score; the base centre rejects (with a reason) or
accepts, which re-publishes the rating on the current data as a new version of the same
publication (same criteria version, cohort and evaluation date) with the reason. Reads here are
scoped: a college sees its own row and objections, a territory its colleges', the ministry and the
base centre all. Writes are raw inserts inside the caller's transaction (ops.rating).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import duckdb
import polars as pl

from data_layer.db import dataset_version
from data_layer.errors import ScopeError, UserFacingError
from data_layer.scope import Scope
from metrics.criteria.model import CATEGORY_LABELS, CriteriaSet, from_json
from metrics.criteria.rating import what_if


@dataclass(frozen=True)
class Publication:
    publication_id: int
    cohort: int
    criteria_year: int
    criteria_version: int
    as_of: dt.date
    version: int
    published_at: dt.datetime
    published_by: str
    reason: str | None
    objection_id: int | None
    colleges_total: int
    criteria_set: CriteriaSet

    def label(self) -> str:
        """«рейтинг на 20.11.2026, опубликован 21.11.2026 (версия публикации 2)»."""
        text = f"рейтинг на {self.as_of:%d.%m.%Y}, опубликован {self.published_at:%d.%m.%Y}"
        return text + (f" (версия публикации {self.version})" if self.version > 1 else "")


_PUB_COLS = (
    "publication_id, cohort, criteria_year, criteria_version, as_of, version, published_at, published_by, "
    "reason, objection_id, colleges_total, definition"
)


def _publication(row: tuple) -> Publication:  # type: ignore[type-arg]
    pid, cohort, year, cver, as_of, ver, at, by, reason, oid, n, definition = row
    cs = from_json(int(year), definition, version=int(cver), status="published")
    return Publication(
        int(pid), int(cohort), int(year), int(cver), as_of, int(ver), at, by, reason, oid, int(n), cs
    )


def publications(cur: duckdb.DuckDBPyConnection, cohort: int) -> list[Publication]:
    """Every publication of the cohort, oldest first (aggregates: every role may list them)."""
    rows = cur.execute(
        f"SELECT {_PUB_COLS} FROM rating_publications WHERE cohort = ? ORDER BY publication_id", [cohort]
    ).fetchall()
    return [_publication(r) for r in rows]


def get_publication(cur: duckdb.DuckDBPyConnection, publication_id: int) -> Publication:
    rows = cur.execute(
        f"SELECT {_PUB_COLS} FROM rating_publications WHERE publication_id = ?", [publication_id]
    ).fetchall()
    if not rows:
        raise UserFacingError(f"Публикации рейтинга № {publication_id} нет.")
    return _publication(rows[0])


def latest_publication(cur: duckdb.DuckDBPyConnection, cohort: int, as_of: dt.date) -> Publication | None:
    """The rating in force at `as_of`: the newest evaluation date on or before it, its newest version."""
    rows = cur.execute(
        f"""SELECT {_PUB_COLS} FROM rating_publications WHERE cohort = ? AND as_of <= ?
            ORDER BY as_of DESC, version DESC, publication_id DESC LIMIT 1""",
        [cohort, as_of],
    ).fetchall()
    return _publication(rows[0]) if rows else None


def insert_publication(
    cur: duckdb.DuckDBPyConnection,
    cohort: int,
    as_of: dt.date,
    cs: CriteriaSet,
    rated: pl.DataFrame,
    username: str,
    reason: str | None = None,
    objection_id: int | None = None,
) -> Publication:
    """Store a rating of every college (metrics.criteria.rating under OPERATOR, with its metric
    columns) as the next version of (criteria version, cohort, evaluation date). Inside the
    caller's transaction."""
    version = int(
        cur.execute(
            """SELECT coalesce(max(version), 0) + 1 FROM rating_publications
               WHERE cohort = ? AND criteria_year = ? AND criteria_version = ? AND as_of = ?""",
            [cohort, cs.year, cs.version, as_of],
        ).fetchall()[0][0]
    )
    pid = int(cur.execute("SELECT nextval('rating_publication_seq')").fetchall()[0][0])
    cur.execute(
        f"INSERT INTO rating_publications ({_PUB_COLS}, data_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            pid,
            cohort,
            cs.year,
            cs.version,
            as_of,
            version,
            dt.datetime.now(),
            username,
            reason,
            objection_id,
            rated.height,
            cs.to_json(),
            dataset_version(cur),
        ],
    )
    _insert_rows(cur, pid, cs, rated)
    return get_publication(cur, pid)


def _insert_rows(cur: duckdb.DuckDBPyConnection, pid: int, cs: CriteriaSet, rated: pl.DataFrame) -> None:
    """The publication's rows: a result per college, its metric values and points by criterion."""
    results = rated.select(
        pl.lit(pid, dtype=pl.Int64).alias("publication_id"),
        "college_code",
        "short_name",
        "tu_code",
        "tu_name",
        pl.col("total").cast(pl.Int64),
        "score",
        pl.col("rank").cast(pl.Int64),
        "category",
    )
    metrics = [c for c in rated.columns if c in _metric_columns(rated, cs)]
    inputs = (
        rated.select("college_code", *metrics).unpivot(
            index="college_code", on=metrics, variable_name="metric", value_name="value"
        )
        if metrics
        else pl.DataFrame(schema={"college_code": pl.Utf8, "metric": pl.Utf8, "value": pl.Float64})
    )
    points = rated.select("college_code", *[f"pts:{c.id}" for c in cs.criteria]).unpivot(
        index="college_code", variable_name="criterion_id", value_name="points"
    )
    for name, frame in (("_pub_results", results), ("_pub_inputs", inputs), ("_pub_points", points)):
        cur.register(name, frame)
    try:
        cur.execute("INSERT INTO rating_results SELECT * FROM _pub_results")
        cur.execute(
            "INSERT INTO rating_inputs SELECT ?, college_code, metric, CAST(value AS DOUBLE) FROM _pub_inputs",
            [pid],
        )
        cur.execute(
            """INSERT INTO rating_points SELECT ?, college_code, substr(criterion_id, 5), CAST(points AS DOUBLE)
               FROM _pub_points""",
            [pid],
        )
    finally:
        for name in ("_pub_results", "_pub_inputs", "_pub_points"):
            cur.unregister(name)


def _metric_columns(rated: pl.DataFrame, cs: CriteriaSet) -> list[str]:
    """The metric value columns of a rating frame: every metric a criterion uses, plus the other
    criteria metrics present (kept as inputs for the record)."""
    from metrics.criteria.model import METRICS

    wanted = (
        [c.metric for c in cs.criteria]
        + [m for m in METRICS]
        + [c for c in rated.columns if c.startswith("indicator:")]
    )
    out: list[str] = []
    for m in wanted:
        if m in rated.columns and m not in out and rated.schema[m].is_numeric():
            out.append(m)
    return out


def published_rating(cur: duckdb.DuckDBPyConnection, scope: Scope, pub: Publication) -> pl.DataFrame:
    """The stored rating in the shape of metrics.criteria.rating (metric columns, `pts:<id>`, score,
    rank, category, criteria_version, criteria_year), filtered to the scope (ranks region-wide)."""
    pid = pub.publication_id
    allowed = scope.allowed_colleges(cur)
    res = cur.sql(
        """SELECT college_code, short_name, tu_code, tu_name, total, score, rank, category
           FROM rating_results WHERE publication_id = ?
             AND (?::VARCHAR[] IS NULL OR college_code IN (SELECT unnest(?::VARCHAR[])))""",
        params=[pid, allowed, allowed],
    ).pl()
    inputs = cur.sql(
        "SELECT college_code, metric, value FROM rating_inputs WHERE publication_id = ?", params=[pid]
    ).pl()
    points = cur.sql(
        "SELECT college_code, 'pts:' || criterion_id AS c, points FROM rating_points WHERE publication_id = ?",
        params=[pid],
    ).pl()
    out = res.with_columns(pl.col("total").cast(pl.Int64), pl.col("rank").cast(pl.Int64))
    if not inputs.is_empty():
        out = out.join(
            inputs.pivot(on="metric", index="college_code", values="value"), on="college_code", how="left"
        )
    if not points.is_empty():
        out = out.join(
            points.pivot(on="c", index="college_code", values="points"), on="college_code", how="left"
        )
    for c in pub.criteria_set.criteria:
        if f"pts:{c.id}" not in out.columns:
            out = out.with_columns(pl.lit(0.0).alias(f"pts:{c.id}"))
        if c.metric not in out.columns:
            out = out.with_columns(pl.lit(None, dtype=pl.Float64).alias(c.metric))
    return out.with_columns(
        criteria_version=pl.lit(pub.criteria_version, dtype=pl.Int64),
        criteria_year=pl.lit(pub.criteria_year, dtype=pl.Int64),
    ).sort(["rank", "short_name"])


def differences(published: pl.DataFrame, current: pl.DataFrame) -> pl.DataFrame:
    """Per college: published vs current score, rank and category, and the changes (what_if with
    the published rating as the base)."""
    return (
        what_if(published, current)
        .rename(
            {
                "score_base": "score_published",
                "rank_base": "rank_published",
                "category_base": "category_published",
                "score_new": "score_current",
                "rank_new": "rank_current",
                "category_new": "category_current",
            }
        )
        .with_columns(pl.col("score_change").round(6))
        .sort("rank_published", nulls_last=True)
    )


def as_json_rows(rated: pl.DataFrame, cs: CriteriaSet) -> list[dict[str, object]]:
    """The `vypusk report rating --format json` objects, one per college, by rank."""

    def num(x: object) -> float | None:
        if x is None:
            return None
        f = float(x)  # type: ignore[arg-type]
        return None if math.isnan(f) else f

    out: list[dict[str, object]] = []
    for r in rated.sort(["rank", "college_code"]).iter_rows(named=True):
        out.append(
            {
                "college": r["college_code"],
                "criteria": {
                    c.id: {"value": num(r.get(c.metric)), "points": float(r.get(f"pts:{c.id}") or 0.0)}
                    for c in cs.criteria
                },
                "total": float(r["score"]),
                "rank": int(r["rank"]),
                "category": CATEGORY_LABELS.get(r["category"], r["category"]),
                "version": int(cs.version),
            }
        )
    return out


# ---------------------------------------------------------------- objections


OBJECTION_STATES = {
    "open": "ожидает ответа",
    "rejected": "отклонено",
    "accepted": "принято, рейтинг переопубликован",
}


def check_objection(cur: duckdb.DuckDBPyConnection, scope: Scope, pub: Publication, text: str) -> str:
    """The college that may object (its own published score); raises otherwise."""
    if scope.role != "college" or not scope.code:
        raise ScopeError("Возражение на опубликованный рейтинг подаёт ПОО.")
    if not text.strip():
        raise UserFacingError("Опишите, с чем ПОО не согласна и почему.")
    row = cur.execute(
        "SELECT count(*) FROM rating_results WHERE publication_id = ? AND college_code = ?",
        [pub.publication_id, scope.code],
    ).fetchall()[0][0]
    if not row:
        raise UserFacingError("Вашей ПОО нет в этом рейтинге.")
    return scope.code


def insert_objection(
    cur: duckdb.DuckDBPyConnection, publication_id: int, college_code: str, text: str, username: str
) -> int:
    oid = int(cur.execute("SELECT nextval('rating_objection_seq')").fetchall()[0][0])
    cur.execute(
        "INSERT INTO rating_objections VALUES (?, ?, ?, ?, ?, ?)",
        [oid, publication_id, college_code, text.strip(), dt.datetime.now(), username],
    )
    return oid


def objection(cur: duckdb.DuckDBPyConnection, objection_id: int) -> dict[str, object]:
    rows = cur.execute(
        """SELECT o.objection_id, o.publication_id, o.college_code, a.decision
           FROM rating_objections o LEFT JOIN rating_answers a USING (objection_id) WHERE o.objection_id = ?""",
        [objection_id],
    ).fetchall()
    if not rows:
        raise UserFacingError(f"Возражения № {objection_id} нет.")
    oid, pid, college, decision = rows[0]
    return {"objection_id": oid, "publication_id": pid, "college_code": college, "decision": decision}


def insert_answer(
    cur: duckdb.DuckDBPyConnection,
    objection_id: int,
    decision: str,
    reason: str,
    username: str,
    new_publication_id: int | None,
) -> None:
    cur.execute(
        "INSERT INTO rating_answers VALUES (?, ?, ?, ?, ?, ?)",
        [objection_id, decision, reason.strip(), dt.datetime.now(), username, new_publication_id],
    )


def objections(cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int) -> pl.DataFrame:
    """Every objection of the cohort's publications within the scope, newest first, with its answer:
    objection_id, publication_id, as_of, publication_version, college_code, short_name, text,
    filed_at, filed_by, state, decision, reason, answered_at, answered_by, new_publication_id."""
    allowed = scope.allowed_colleges(cur)
    return cur.sql(
        """SELECT o.objection_id, o.publication_id, p.as_of, p.version AS publication_version, o.college_code,
                  c.short_name, o.text, o.filed_at, o.filed_by,
                  CASE WHEN a.decision IS NULL THEN 'open' ELSE a.decision END AS state,
                  a.decision, a.reason, a.answered_at, a.answered_by, a.new_publication_id
           FROM rating_objections o JOIN rating_publications p ON p.publication_id = o.publication_id
           LEFT JOIN rating_answers a ON a.objection_id = o.objection_id
           LEFT JOIN colleges c ON c.college_code = o.college_code
           WHERE p.cohort = ? AND (?::VARCHAR[] IS NULL OR o.college_code IN (SELECT unnest(?::VARCHAR[])))
           ORDER BY o.objection_id DESC""",
        params=[cohort, allowed, allowed],
    ).pl()
