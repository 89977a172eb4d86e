"""One write = one transaction: the change, its audit entry and (optionally) the dataset-version bump."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb

from data_layer import audit, db
from data_layer.scope import Scope


@dataclass
class Entry:
    """The audit entry of the running write; the block may fill in what it learns (a new version)."""

    action: str
    obj: str | None = None
    details: str | None = None


@contextmanager
def audited(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    action: str,
    obj: str | None = None,
    details: str | None = None,
    *,
    bump: bool,
    audit_first: bool = False,
) -> Iterator[Entry]:
    """Run the block's writes in one transaction that also appends the audit entry and, with `bump`,
    increments the dataset version (every cached figure is recomputed). Any failure — of the change,
    of the audit entry or of the bump — rolls everything back.

    `bump=False` is for writes no cached figure depends on (a draft, a measure of support, a
    reconciliation decision): bumping would make every session recompute every page for nothing.
    `audit_first` writes the entry before the block: for a block whose last step cannot be rolled
    back (the credentials file), so a failing audit entry stops the change before it happens.
    """
    entry = Entry(action, obj, details)
    cur.execute("BEGIN TRANSACTION")
    try:
        if audit_first:
            audit.record(cur, scope.username, scope.role, entry.action, entry.obj, entry.details)
        yield entry
        if not audit_first:
            audit.record(cur, scope.username, scope.role, entry.action, entry.obj, entry.details)
        if bump:
            db.bump_dataset_version(cur)
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
