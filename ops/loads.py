"""Undo a load (issue 13): the base centre rolls back the latest load of a college and kind; the rows
the load replaced come back. One transaction with the audit entry and the data-version bump."""

from __future__ import annotations

import duckdb

from data_layer.importer import undo
from data_layer.scope import Scope
from ops.transaction import audited


def undo_load(cur: duckdb.DuckDBPyConnection, scope: Scope, load_id: int) -> undo.UndoResult:
    """Undo load `load_id` (base centre only); UserFacingError when it is not the latest of its
    college and kind, is already undone or is a reference load."""
    scope.require_role("base_centre")
    with audited(cur, scope, "upload_undone", f"№ {load_id}", bump=True) as entry:
        result = undo.revert(cur, load_id)
        cur.execute("UPDATE loads SET undone_by = ? WHERE load_id = ?", [scope.username, load_id])
        entry.obj = f"№ {load_id} «{result.file_name}»"
        entry.details = f"удалено строк: {result.removed}; восстановлено: {result.restored}"
    return result
