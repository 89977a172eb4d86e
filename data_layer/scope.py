"""Role scope, enforced in the data layer: every query function takes a `Scope`.

Roles (docs/domain.md §1, §10):
- ministry     — whole region, aggregates only;
- territory    — colleges whose municipality belongs to the ТУ `code`; aggregates only
                 (region-level totals allowed for comparison);
- base_centre  — everything, graduate records included;
- college      — its own college `code` only, its own graduates' records included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import duckdb

from data_layer.errors import ScopeError

Role = Literal["ministry", "territory", "base_centre", "college"]
ROLES: tuple[Role, ...] = ("ministry", "territory", "base_centre", "college")
ROLE_LABELS: dict[str, str] = {
    "ministry": "Министерство образования СО",
    "territory": "Территориальное управление",
    "base_centre": "Базовый центр (БЦСТВ)",
    "college": "ПОО / ЦСТВ",
}


@dataclass(frozen=True)
class Scope:
    """Who asks: role, the territory or college code the role is bound to, and the user name."""

    role: Role
    code: str | None = None
    username: str = "operator"

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ScopeError(f"Неизвестная роль: {self.role}")
        if self.role in ("territory", "college") and not self.code:
            raise ScopeError("Для роли «ТУ» и «ПОО» нужен код территории или ПОО.")

    @property
    def sees_personal_data(self) -> bool:
        return self.role in ("base_centre", "college")

    @property
    def is_full(self) -> bool:
        """Sees every college (ministry: aggregates; base centre: everything)."""
        return self.role in ("ministry", "base_centre")

    def allowed_colleges(self, cur: duckdb.DuckDBPyConnection) -> list[str] | None:
        """College codes in scope; None means every college."""
        if self.is_full:
            return None
        if self.role == "college":
            return [self.code] if self.code else []
        rows = cur.execute(
            """SELECT c.college_code FROM colleges c JOIN municipalities m USING (oktmo)
               WHERE m.tu_code = ? ORDER BY 1""",
            [self.code],
        ).fetchall()
        return [r[0] for r in rows]

    def check_college(self, cur: duckdb.DuckDBPyConnection, college_code: str) -> None:
        """Raise ScopeError when `college_code` is outside the scope."""
        allowed = self.allowed_colleges(cur)
        if allowed is not None and college_code not in allowed:
            raise ScopeError(f"ПОО с кодом {college_code} вне вашей зоны доступа.")

    def require_personal_data(self) -> None:
        if not self.sees_personal_data:
            raise ScopeError("Персональные данные выпускников доступны только ПОО и базовому центру.")

    def require_role(self, *roles: Role) -> None:
        if self.role not in roles:
            raise ScopeError("Это действие недоступно для вашей роли.")


OPERATOR = Scope(role="base_centre", code=None, username="operator")


def cache_identity(scope: Scope) -> tuple[str, str | None]:
    """What a cached result of a scope depends on: the role and its code, not the user name (every
    query reads the scope's role and code only; the user name goes into audit and decision rows)."""
    return (scope.role, scope.code)


# hash_funcs of the app's st.cache_data/st.cache_resource functions: the users of one role and code
# share cached results (and the cache warm-up, ui/warmup.py, computes them for all of them)
SCOPE_HASH: dict[Any, Callable[[Any], Any]] = {Scope: cache_identity}
