"""Confirm or return the reconciliation with ФИС ФРДО (docs/domain.md §7), as the college or its ТУ.

A decision feeds no cached figure (the page clears the reconciliation table cache itself), so the
dataset version is not bumped.
"""

from __future__ import annotations

import duckdb

from data_layer.scope import Scope
from metrics import reconciliation
from ops.transaction import audited


def decide(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    college_code: str,
    cohort: int,
    decision: str,
    comment: str = "",
) -> None:
    party = reconciliation.check_decision(cur, scope, college_code, decision, comment)
    action = "confirm" if decision == "confirmed" else "return"
    with audited(cur, scope, action, f"{college_code}/{cohort}", comment.strip() or None, bump=False):
        reconciliation.insert_decision(cur, scope, party, college_code, cohort, decision, comment)
