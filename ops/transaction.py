"""One write = one transaction: the change, its audit entry and (optionally) the dataset-version bump.

A write the storage refuses — a full disk, a read-only or locked database, an I/O error, the same
rows changed at the same moment by another session — is rolled back whole and raised as a Russian
`StorageError` (issue 12): the page shows it, the CLI exits with code 2, the English original and
the traceback go to the server log only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb

from data_layer import audit, db
from data_layer.errors import StorageError, storage_failure
from data_layer.scope import Scope

_log = logging.getLogger("vypusk.ops")


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
    try:
        cur.execute("BEGIN TRANSACTION")
    except Exception as exc:
        _raise_storage_error(exc, action)
        raise
    try:
        if audit_first:
            audit.record(cur, scope.username, scope.role, entry.action, entry.obj, entry.details)
        yield entry
        if not audit_first:
            audit.record(cur, scope.username, scope.role, entry.action, entry.obj, entry.details)
        if bump:
            db.bump_dataset_version(cur)
        cur.execute("COMMIT")
    except BaseException as exc:
        _rollback(cur)
        _raise_storage_error(exc, action)
        raise


def _rollback(cur: duckdb.DuckDBPyConnection) -> None:
    try:
        cur.execute("ROLLBACK")
    except duckdb.Error:
        pass  # a failed COMMIT has already ended the transaction (DuckDB rolls it back itself)


def _raise_storage_error(exc: BaseException, action: str) -> None:
    """Raise a Russian StorageError for a storage failure (the original chained); return otherwise."""
    failure = None if isinstance(exc, StorageError) else storage_failure(exc)
    if failure is None:
        return
    _log.error("write %s refused by the storage: %s: %s", action, type(exc).__name__, exc)
    raise StorageError(
        f"Изменение не сохранено: {failure.cause}. Ничего из него не записано, ранее сохранённое "
        f"не потеряно; {failure.advice}."
    ) from exc
