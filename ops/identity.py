"""The base centre's decision on a contested СНИЛС (data_layer.identity): one transaction with its
audit entry and a dataset-version bump (verification and risk figures change with it)."""

from __future__ import annotations

import duckdb

from data_layer import identity
from data_layer.scope import Scope
from ops.transaction import audited


def decide(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    snils: str,
    college_code: str,
    decision: str,
    comment: str = "",
) -> None:
    identity.check_decision(cur, scope, snils, college_code, decision)
    masked = f"***-***-{snils[6:9]} {snils[9:]}"
    details = f"{masked}: {identity.DECISION_LABELS[decision]}" + (
        f"; {comment.strip()}" if comment.strip() else ""
    )
    with audited(cur, scope, "identity_decision", college_code, details[:1000], bump=True):
        identity.insert_decision(cur, scope, snils, college_code, decision, comment)


def record_view(cur: duckdb.DuckDBPyConnection, scope: Scope, what: str, obj: str | None, rows: int) -> None:
    """A graduate-level view of external (УФНС/ЦЗН) facts, for the audit log."""
    with audited(cur, scope, "view_external", obj, f"{what}; строк: {rows}", bump=False):
        pass
