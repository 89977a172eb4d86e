"""Stored criteria versions (table `criteria_sets`): read, seed, save a draft, publish, discard.

At most one editable draft per year; a published version is never changed, so every past rating
is reproducible from (year, version). The row writes here run inside the transactions of
ops.criteria, which checks the role and writes the audit entry.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from data_layer.errors import ScopeError, UserFacingError
from data_layer.scope import Scope
from metrics.criteria.model import CriteriaSet, from_json, starting_set


def starting_created_at(year: int) -> dt.datetime:
    """The fixed creation time of a year's starting set (version 1 by 'system'), the same whether
    the set is only implied by reads or already stored: storing it must not change what was shown."""
    return dt.datetime(year, 1, 1)


def ensure_seeded(cur: duckdb.DuckDBPyConnection, year: int) -> None:
    """Store the starting set as published version 1 for a year that has no set yet, exactly as
    `published` shows it before (no publication time: the system set was never published by anyone
    at a moment; writing the time of the first draft would change a published version)."""
    n = cur.execute("SELECT count(*) FROM criteria_sets WHERE year = ?", [year]).fetchall()[0][0]
    if n == 0:
        s = starting_set(year)
        cur.execute(
            "INSERT INTO criteria_sets VALUES (?, 1, 'published', ?, ?, ?, 'system', NULL, 'system')",
            [year, s.to_json(), s.comment, starting_created_at(year)],
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
                created_at=starting_created_at(year),
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


def write_draft(cur: duckdb.DuckDBPyConnection, username: str, cs: CriteriaSet) -> int:
    """Create or replace the year's draft row (drafts are editable; published versions are not).

    No transaction, role check or audit here: ops.criteria does all three around this call.
    """
    ensure_seeded(cur, cs.year)
    existing = draft(cur, cs.year)
    now = dt.datetime.now()
    if existing is not None:
        cur.execute(
            """UPDATE criteria_sets SET definition = ?, comment = ?, created_at = ?, created_by = ?
               WHERE year = ? AND version = ? AND status = 'draft'""",
            [cs.to_json(), cs.comment, now, username, cs.year, existing.version],
        )
        return existing.version
    version = (
        int(cur.execute("SELECT max(version) FROM criteria_sets WHERE year = ?", [cs.year]).fetchall()[0][0])
        + 1
    )
    cur.execute(
        "INSERT INTO criteria_sets VALUES (?, ?, 'draft', ?, ?, ?, ?, NULL, NULL)",
        [cs.year, version, cs.to_json(), cs.comment, now, username],
    )
    return version


def mark_published(cur: duckdb.DuckDBPyConnection, username: str, year: int, version: int) -> None:
    """Turn the draft row into a published version (immutable from now on). No transaction here."""
    cur.execute(
        """UPDATE criteria_sets SET status = 'published', published_at = ?, published_by = ?
           WHERE year = ? AND version = ? AND status = 'draft'""",
        [dt.datetime.now(), username, year, version],
    )


def delete_draft(cur: duckdb.DuckDBPyConnection, year: int) -> None:
    """Remove the year's draft row. No transaction here."""
    cur.execute("DELETE FROM criteria_sets WHERE year = ? AND status = 'draft'", [year])


def require_editor(scope: Scope) -> None:
    if scope.role != "base_centre":
        raise ScopeError("Критерии эффективности настраивает базовый центр.")
