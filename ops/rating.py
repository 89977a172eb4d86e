"""Publish the effectiveness rating, object to it (a college), answer an objection (the base centre):
each one transaction with its audit entry (docs/domain.md §9; issue 11 item 4). A publication and an
accepted objection change what the rating pages show, so they bump the dataset version; an
objection and a rejection feed no cached figure."""

from __future__ import annotations

import datetime as dt

import duckdb

from data_layer.errors import UserFacingError
from data_layer.scope import OPERATOR, Scope
from metrics import criteria
from metrics.criteria import publication as pubs
from ops.transaction import audited

DECISIONS = ("rejected", "accepted")


def _store(
    cur: duckdb.DuckDBPyConnection,
    username: str,
    cohort: int,
    as_of: dt.date,
    cs: criteria.CriteriaSet,
    reason: str | None,
    objection_id: int | None = None,
) -> pubs.Publication:
    rated = criteria.rating(cur, OPERATOR, cohort, as_of, cs)
    if rated.is_empty():
        raise UserFacingError(f"В выпуске {cohort} г. нет ПОО с выпускниками: публиковать нечего.")
    return pubs.insert_publication(cur, cohort, as_of, cs, rated, username, reason, objection_id)


def publish(
    cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, as_of: dt.date, reason: str = ""
) -> pubs.Publication:
    """Freeze the rating of the cohort at `as_of` under the newest published criteria set."""
    scope.require_role("base_centre")
    cs = criteria.published(cur, cohort)
    with audited(
        cur, scope, "rating_publish", f"рейтинг {cohort} на {as_of:%d.%m.%Y}", reason or None, bump=True
    ) as e:
        pub = _store(cur, scope.username, cohort, as_of, cs, reason.strip() or None)
        e.details = f"критерии {cs.year} v{cs.version}, версия публикации {pub.version}" + (
            f"; {reason.strip()}" if reason.strip() else ""
        )
    return pub


def file_objection(cur: duckdb.DuckDBPyConnection, scope: Scope, publication_id: int, text: str) -> int:
    """A college objects to its score in a published rating; returns the objection's number."""
    pub = pubs.get_publication(cur, publication_id)
    college = pubs.check_objection(cur, scope, pub, text)
    with audited(
        cur, scope, "rating_objection", f"рейтинг № {publication_id}, {college}", text.strip(), bump=False
    ):
        return pubs.insert_objection(cur, publication_id, college, text, scope.username)


def answer_objection(
    cur: duckdb.DuckDBPyConnection, scope: Scope, objection_id: int, decision: str, reason: str
) -> pubs.Publication | None:
    """Reject (with a reason) or accept an objection; accepting re-publishes the rating — same
    criteria version, cohort and evaluation date, current data — as a new version with the reason.
    Returns the new publication when accepted."""
    scope.require_role("base_centre")
    if decision not in DECISIONS:
        raise UserFacingError("Ответ на возражение: отклонить или принять.")
    if not reason.strip():
        raise UserFacingError("Укажите причину решения по возражению.")
    obj = pubs.objection(cur, objection_id)
    if obj["decision"] is not None:
        raise UserFacingError(f"На возражение № {objection_id} уже дан ответ.")
    old = pubs.get_publication(cur, int(obj["publication_id"]))  # type: ignore[call-overload]
    label = "принято" if decision == "accepted" else "отклонено"
    with audited(
        cur,
        scope,
        "rating_objection_answer",
        f"возражение № {objection_id} ({obj['college_code']})",
        f"{label}: {reason.strip()}",
        bump=decision == "accepted",
    ):
        new = None
        if decision == "accepted":
            new = _store(
                cur, scope.username, old.cohort, old.as_of, old.criteria_set, reason.strip(), objection_id
            )
        pubs.insert_answer(
            cur, objection_id, decision, reason, scope.username, new.publication_id if new else None
        )
    return new
