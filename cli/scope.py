"""The one scope resolver of every `vypusk` command: `--user NAME` → that user's role scope."""

from __future__ import annotations

from data_layer.scope import OPERATOR, Scope
from data_layer.users import scope_for_user


def resolve_scope(username: str | None, db: str | None = None) -> Scope:
    """`--user NAME` → that user's role scope; no user → the operator (base centre rights)."""
    if not username:
        return OPERATOR
    return scope_for_user(username, db)
