"""Exceptions whose message is shown to users as is (Russian)."""

from __future__ import annotations

import errno
from dataclasses import dataclass

import duckdb


class UserFacingError(Exception):
    """An error whose text is a complete Russian sentence meant for the user."""


class DatabaseLockedError(UserFacingError):
    """Another process holds the DuckDB file for writing."""


class ScopeError(UserFacingError):
    """The user asked for data or an action outside their role's scope."""


class StorageError(UserFacingError):
    """The storage refused a write (a full disk, a read-only or locked database, an I/O error, a
    concurrent change): the whole transaction was rolled back, nothing of the change is stored."""


@dataclass(frozen=True)
class StorageFailure:
    """Why the storage refused a write, in Russian: the cause and what the user should do."""

    cause: str
    advice: str


_ADMIN = "сообщите администратору и повторите попытку позже"
_NO_SPACE = StorageFailure("на диске сервера закончилось место", _ADMIN)
_READ_ONLY = StorageFailure("база данных открыта только для чтения или нет прав на запись", _ADMIN)
_LOCKED = StorageFailure("файл базы данных занят другим процессом", _ADMIN)
_IO = StorageFailure("ошибка записи в базу данных", _ADMIN)
_CONFLICT = StorageFailure(
    "эти же данные в это же время изменил другой пользователь", "обновите страницу и повторите"
)
_INVALIDATED = StorageFailure(
    "база данных остановлена после ошибки записи", "сообщите администратору: нужен перезапуск сервиса"
)
_BY_TEXT = (
    (("no space left", "disk full", "enospc", "disk quota"), _NO_SPACE),
    (("read-only", "read only", "readonly", "permission denied"), _READ_ONLY),
    (("conflicting lock", "could not set lock", "database is locked"), _LOCKED),
    (("database has been invalidated",), _INVALIDATED),
)
_BY_ERRNO = {
    errno.ENOSPC: _NO_SPACE,
    errno.EDQUOT: _NO_SPACE,
    errno.EROFS: _READ_ONLY,
    errno.EACCES: _READ_ONLY,
    errno.EPERM: _READ_ONLY,
}


def storage_failure(exc: BaseException) -> StorageFailure | None:
    """The storage failure `exc` stands for, or None when it is something else (a bug, a refusal).

    DuckDB reports a full disk at COMMIT as a TransactionException («Failed to commit: Could not
    write file "….wal": No space left on device»), a write on a read-only database as an
    InvalidInputException, a concurrent change of the same row as a TransactionException
    («Conflict on update»): the text decides, the type only narrows."""
    if isinstance(exc, OSError):
        by_errno = _BY_ERRNO.get(exc.errno or 0)
        return by_errno or _by_text(str(exc)) or _IO
    if not isinstance(exc, duckdb.Error):
        return None
    found = _by_text(str(exc))
    if found is not None:
        return found
    if isinstance(exc, duckdb.TransactionException):  # «Conflict on update», a write-write conflict
        return _CONFLICT
    if isinstance(exc, duckdb.IOException | duckdb.PermissionException):
        return _IO
    if isinstance(exc, duckdb.FatalException):
        return _INVALIDATED
    return None


def _by_text(text: str) -> StorageFailure | None:
    low = text.lower()
    for keys, failure in _BY_TEXT:
        if any(k in low for k in keys):
            return failure
    return None
