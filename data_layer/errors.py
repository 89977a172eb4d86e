"""Exceptions whose message is shown to users as is (Russian)."""

from __future__ import annotations


class UserFacingError(Exception):
    """An error whose text is a complete Russian sentence meant for the user."""


class DatabaseLockedError(UserFacingError):
    """Another process holds the DuckDB file for writing."""


class ScopeError(UserFacingError):
    """The user asked for data or an action outside their role's scope."""
