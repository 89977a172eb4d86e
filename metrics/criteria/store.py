"""Stored criteria versions (table `criteria_sets`): read, seed, save a draft, publish, discard.

At most one editable draft per year; a published version is never changed, so every past rating
is reproducible from (year, version).
"""

from __future__ import annotations

import datetime as dt

import duckdb

from data_layer import audit
from data_layer.errors import ScopeError, UserFacingError
from data_layer.scope import Scope
from metrics.criteria.model import CriteriaSet, from_json, starting_set, validate_set


def ensure_seeded(cur: duckdb.DuckDBPyConnection, year: int) -> None:
    """Publish the starting set as version 1 for a year that has no set yet."""
    n = cur.execute("SELECT count(*) FROM criteria_sets WHERE year = ?", [year]).fetchall()[0][0]
    if n == 0:
        s = starting_set(year)
        now = dt.datetime.now()
        cur.execute(
            "INSERT INTO criteria_sets VALUES (?, 1, 'published', ?, ?, ?, 'system', ?, 'system')",
            [year, s.to_json(), s.comment, now, now],
        )


def versions(cur: duckdb.DuckDBPyConnection, year: int) -> list[CriteriaSet]:
    rows = cur.execute(
        """SELECT version, status, definition, comment, created_at, created_by, published_at, published_by
           FROM criteria_sets WHERE year = ? ORDER BY version""",
        [year],
    ).fetchall()
    return [
        from_json(
            year,
            d,
            version=v,
            status=st,
            comment=c or "",
            created_at=ca,
            created_by=cb,
            published_at=pa,
            published_by=pb,
        )
        for v, st, d, c, ca, cb, pa, pb in rows
    ]


def published(cur: duckdb.DuckDBPyConnection, year: int, version: int | None = None) -> CriteriaSet:
    """The newest published version (or the given one).

    A year with no stored set is rated by the starting set as version 1; it is written to the
    database only when the base centre saves a draft (reads never write: read-only replicas work).
    """
    pubs = [v for v in versions(cur, year) if v.status == "published"]
    if not pubs:
        s = starting_set(year)
        pubs = [
            CriteriaSet(
                year,
                s.criteria,
                s.high_from,
                s.medium_from,
                version=1,
                status="published",
                comment=s.comment,
                created_by="system",
                published_by="system",
            )
        ]
    if version is not None:
        for v in pubs:
            if v.version == version:
                return v
        raise UserFacingError(f"Опубликованной версии {version} критериев {year} г. нет.")
    return pubs[-1]


def draft(cur: duckdb.DuckDBPyConnection, year: int) -> CriteriaSet | None:
    ds = [v for v in versions(cur, year) if v.status == "draft"]
    return ds[-1] if ds else None


def save_draft(cur: duckdb.DuckDBPyConnection, scope: Scope, cs: CriteriaSet, known_metrics: set[str]) -> int:
    """Create or replace the year's draft (drafts are editable; published versions are not)."""
    scope.require_role("base_centre")
    problems = validate_set(cs, known_metrics)
    if problems:
        raise UserFacingError(" ".join(problems))
    ensure_seeded(cur, cs.year)
    existing = draft(cur, cs.year)
    now = dt.datetime.now()
    cur.execute("BEGIN TRANSACTION")
    try:
        if existing is not None:
            version = existing.version
            cur.execute(
                """UPDATE criteria_sets SET definition = ?, comment = ?, created_at = ?, created_by = ?
                   WHERE year = ? AND version = ? AND status = 'draft'""",
                [cs.to_json(), cs.comment, now, scope.username, cs.year, version],
            )
        else:
            version = (
                int(
                    cur.execute(
                        "SELECT max(version) FROM criteria_sets WHERE year = ?", [cs.year]
                    ).fetchall()[0][0]
                )
                + 1
            )
            cur.execute(
                "INSERT INTO criteria_sets VALUES (?, ?, 'draft', ?, ?, ?, ?, NULL, NULL)",
                [cs.year, version, cs.to_json(), cs.comment, now, scope.username],
            )
        audit.record(cur, scope.username, scope.role, "criteria_draft", f"{cs.year} v{version}")
        cur.execute("COMMIT")
    except Exception:
        cur.execute("ROLLBACK")
        raise
    return version


def publish_draft(cur: duckdb.DuckDBPyConnection, scope: Scope, year: int) -> int:
    """Publish the year's draft; from now on that version is immutable."""
    scope.require_role("base_centre")
    d = draft(cur, year)
    if d is None:
        raise UserFacingError("Нет черновика для публикации.")
    cur.execute("BEGIN TRANSACTION")
    try:
        cur.execute(
            """UPDATE criteria_sets SET status = 'published', published_at = ?, published_by = ?
               WHERE year = ? AND version = ? AND status = 'draft'""",
            [dt.datetime.now(), scope.username, year, d.version],
        )
        audit.record(cur, scope.username, scope.role, "criteria_publish", f"{year} v{d.version}", d.comment)
        cur.execute("COMMIT")
    except Exception:
        cur.execute("ROLLBACK")
        raise
    return d.version


def discard_draft(cur: duckdb.DuckDBPyConnection, scope: Scope, year: int) -> None:
    scope.require_role("base_centre")
    cur.execute("DELETE FROM criteria_sets WHERE year = ? AND status = 'draft'", [year])


def require_editor(scope: Scope) -> None:
    if scope.role != "base_centre":
        raise ScopeError("Критерии эффективности настраивает базовый центр.")
