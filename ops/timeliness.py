"""The base centre's update schedule per cohort (docs/domain.md §2, §8 criterion 5): weekday and hour of
the deadline, Samara time, and the current cohort's period. The timeliness criterion depends on it,
so a change bumps the dataset version in its transaction (audit action 'schedule_change')."""

from __future__ import annotations

import duckdb

from data_layer.errors import UserFacingError
from data_layer.scope import Scope
from metrics import timeliness
from ops.transaction import audited


def set_schedule(cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, new: timeliness.Schedule) -> bool:
    """Store a new schedule for the cohort; False (nothing written) when it is the one in force."""
    scope.require_role("base_centre")
    problems = timeliness.validate_schedule(new)
    if problems:
        raise UserFacingError(" ".join(problems))
    old = timeliness.get_schedule(cur, cohort)
    if (old.weekday, old.hour, old.every_weeks) == (new.weekday, new.hour, new.every_weeks):
        return False
    with audited(
        cur,
        scope,
        "schedule_change",
        f"график выпуска {cohort}",
        f"{old.describe()} → {new.describe()}",
        bump=True,
    ):
        timeliness.insert_schedule(cur, cohort, new, scope.username)
    return True
