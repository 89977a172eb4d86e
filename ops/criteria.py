"""Criteria of effectiveness (docs/domain.md §8): save the draft, publish it, discard it.

Only the base centre edits criteria. Publishing bumps the dataset version in the same transaction:
ratings elsewhere are cached under "the newest published version" and must be recomputed.
"""

from __future__ import annotations

import duckdb

from data_layer import audit
from data_layer.errors import UserFacingError
from data_layer.scope import Scope
from metrics import criteria
from ops.transaction import audited


def _check(cur: duckdb.DuckDBPyConnection, scope: Scope, cs: criteria.CriteriaSet) -> None:
    scope.require_role("base_centre")
    problems = criteria.validate_set(cs, criteria.known_metrics(cur))
    if problems:
        raise UserFacingError(" ".join(problems))


def entry_object(year: int, version: int) -> str:
    """The journal's «Объект» of a criteria entry: «критерии 2024 г., версия 2»."""
    return f"критерии {year} г., версия {version}"


SAVED = "черновик сохранён"


def save_draft(cur: duckdb.DuckDBPyConnection, scope: Scope, cs: criteria.CriteriaSet) -> int:
    """Create or replace the year's draft; returns its version. A draft feeds no cached figure."""
    _check(cur, scope, cs)
    with audited(cur, scope, "criteria_draft", details=SAVED, bump=False) as entry:
        version = criteria.write_draft(cur, scope.username, cs)
        entry.obj = entry_object(cs.year, version)
    return version


def publish(cur: duckdb.DuckDBPyConnection, scope: Scope, cs: criteria.CriteriaSet) -> int:
    """Publish `cs` as the year's new version; returns the version number.

    One transaction: the edited set is saved as the draft first when it differs from the stored
    draft (its own 'criteria_draft' entry), the draft becomes published, the audit entry is written
    and the dataset version bumped.
    """
    _check(cur, scope, cs)
    details = f"комментарий: {cs.comment}" if cs.comment else "без комментария"
    with audited(cur, scope, "criteria_publish", details=details, bump=True) as entry:
        stored = criteria.draft(cur, cs.year)
        if stored is None or not criteria.same_definition(cs, stored) or cs.comment != stored.comment:
            version = criteria.write_draft(cur, scope.username, cs)
            obj = entry_object(cs.year, version)
            audit.record(cur, scope.username, scope.role, "criteria_draft", obj, SAVED)
        else:
            version = stored.version
        criteria.mark_published(cur, scope.username, cs.year, version)
        entry.obj = entry_object(cs.year, version)
    return version


def publish_draft(cur: duckdb.DuckDBPyConnection, scope: Scope, year: int) -> int:
    """Publish the year's stored draft as it is (the command-line and test path)."""
    scope.require_role("base_centre")
    stored = criteria.draft(cur, year)
    if stored is None:
        raise UserFacingError("Нет черновика для публикации.")
    return publish(cur, scope, stored)


def discard_draft(cur: duckdb.DuckDBPyConnection, scope: Scope, year: int) -> None:
    """Delete the year's draft (every criteria change is logged, a discarded draft too)."""
    scope.require_role("base_centre")
    stored = criteria.draft(cur, year)
    if stored is None:
        raise UserFacingError("Черновика нет: удалять нечего.")
    obj = entry_object(year, stored.version)
    with audited(cur, scope, "criteria_draft", obj, "черновик удалён", bump=False):
        criteria.delete_draft(cur, year)
