"""Russian and private errors on storage failures (issue 12): a full disk, a read-only database and
a locked file during a load give a clear Russian refusal, and nothing stored is lost."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from data_layer.importer import load_file, pipeline, store
from tests.fixtures.import_helpers import GRAD_HEADER, csv_bytes, digest, grad_row, must_load, region


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = region(tmp_path / "s.duckdb")
    must_load(c, csv_bytes(GRAD_HEADER, [grad_row(1), grad_row(2)]), "g.csv")
    yield c
    c.close()


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (
            duckdb.IOException('Could not write file "x.duckdb.wal": No space left on device'),
            "закончилось место",
        ),
        (duckdb.IOException("Cannot execute statement in read-only mode"), "только для чтения"),
        (duckdb.IOException('Could not set lock on file "x.duckdb": Conflicting lock is held'), "занят"),
        (OSError(5, "Input/output error"), "ошибка записи"),
        # how DuckDB really reports a full disk: at COMMIT, as a transaction error
        (
            duckdb.TransactionException(
                'Failed to commit: Could not write file "x.duckdb.wal": No space left on device'
            ),
            "закончилось место",
        ),
        (
            duckdb.InvalidInputException(
                'Cannot execute statement of type "INSERT" on database "x" which is '
                "attached in read-only mode!"
            ),
            "только для чтения",
        ),
        (duckdb.TransactionException("Conflict on update!"), "другой пользователь"),
    ],
)
def test_storage_failure_mid_load_is_a_russian_refusal(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch, error: Exception, cause: str
) -> None:
    before = {t: v for t, v in digest(con).items() if t != "audit_log"}

    def fail(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(store, "apply", fail)
    res = load_file(con, csv_bytes(GRAD_HEADER, [grad_row(1), grad_row(2), grad_row(3)]), "g2.csv")
    assert not res.ok
    msg = res.errors[0].message
    assert cause in msg and "Данные в системе не изменены" in msg
    assert "No space" not in msg and "lock" not in msg.lower()
    assert {t: v for t, v in digest(con).items() if t != "audit_log"} == before


def test_refusal_is_returned_even_when_the_audit_cannot_be_written(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise duckdb.IOException("No space left on device")

    monkeypatch.setattr(store, "apply", fail)
    monkeypatch.setattr(pipeline.audit, "record", fail)
    res = load_file(con, csv_bytes(GRAD_HEADER, [grad_row(3)]), "g3.csv")
    assert not res.ok and "закончилось место" in res.errors[0].message


# ---------------------------------------------------------------- writes other than loads (ops.transaction)


class _CommitFails:
    """A cursor whose COMMIT fails as DuckDB reports a full disk (the WAL cannot be written); every
    other call goes to the real cursor. DuckDB ends the transaction itself when a commit fails; here
    it is still open, and `audited` must roll it back."""

    def __init__(self, cur: duckdb.DuckDBPyConnection, error: Exception) -> None:
        self._cur, self._error = cur, error

    def execute(self, sql: str, *args: object, **kwargs: object) -> object:
        if sql.strip().upper() == "COMMIT":
            raise self._error
        return self._cur.execute(sql, *args, **kwargs)

    def __getattr__(self, name: str) -> object:
        return getattr(self._cur, name)


DISK_FULL_AT_COMMIT = duckdb.TransactionException(
    'TransactionContext Error: Failed to commit: Could not write file "x.duckdb.wal": No space left on device'
)


@pytest.fixture
def ops_region(tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, str, Path]:
    from metrics import criteria
    from tests.factories import D, Region

    path = tmp_path / "ops.duckdb"
    r = Region(path)
    key = r.graduate("P001", 2024)
    r.frdo(key, "P001", D(2024, 6, 28))
    con = r.done()
    criteria.ensure_seeded(con, 2024)
    return con, key, path


def _whole_state(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[object, ...]]:
    return digest(con)  # the audit log included: the entry is part of the rolled-back write


def _assert_russian_storage_error(exc: BaseException, cause: str) -> None:
    from data_layer.errors import StorageError, UserFacingError

    assert isinstance(exc, StorageError) and isinstance(exc, UserFacingError)
    msg = str(exc)
    assert msg.startswith("Изменение не сохранено: ") and cause in msg, msg
    assert "Ничего из него не записано" in msg
    assert not re.search(r"[A-Za-z]{3,}", msg), msg  # no English original


def _ops_writes() -> list[str]:
    from tests.unit.test_ops import WRITES

    return list(WRITES)


@pytest.mark.parametrize("name", _ops_writes())
def test_full_disk_at_commit_of_an_ops_write(
    name: str, ops_region: tuple[duckdb.DuckDBPyConnection, str, Path]
) -> None:
    from tests.unit.test_ops import WRITES

    con, key, _ = ops_region
    write, table = WRITES[name]
    before = _whole_state(con)
    with con.cursor() as cur, pytest.raises(Exception) as info:
        write(_CommitFails(cur, DISK_FULL_AT_COMMIT), key)  # type: ignore[arg-type]
    _assert_russian_storage_error(info.value, "на диске сервера закончилось место")
    assert _whole_state(con) == before
    write(con, key)  # the disk has room again: the same write goes through
    assert _whole_state(con)[table] != before[table]


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (
            duckdb.IOException('Could not write file "x.duckdb.wal": No space left on device'),
            "закончилось место",
        ),
        (OSError(28, "No space left on device"), "закончилось место"),
        (duckdb.IOException("Input/output error"), "ошибка записи в базу данных"),
        (
            duckdb.FatalException("database has been invalidated because of a previous fatal error"),
            "перезапуск",
        ),
    ],
)
@pytest.mark.parametrize("name", ["publish", "set_target", "measure", "decide"])
def test_storage_failure_inside_an_ops_write(
    name: str,
    error: Exception,
    cause: str,
    ops_region: tuple[duckdb.DuckDBPyConnection, str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from data_layer import audit
    from tests.unit.test_ops import WRITES

    con, key, _ = ops_region
    write, _table = WRITES[name]
    before = _whole_state(con)

    def fail(*_args: object, **_kwargs: object) -> None:
        raise error

    with monkeypatch.context() as m:
        m.setattr(audit, "record", fail)  # the last write of the transaction
        with pytest.raises(Exception) as info:
            write(con, key)
    _assert_russian_storage_error(info.value, cause)
    assert _whole_state(con) == before


@pytest.mark.parametrize("name", ["publish", "set_target", "change_settings", "measure", "decide"])
def test_ops_write_on_a_read_only_database(
    name: str, ops_region: tuple[duckdb.DuckDBPyConnection, str, Path]
) -> None:
    """A real read-only database (DuckDB: InvalidInputException «attached in read-only mode»)."""
    from data_layer import db
    from tests.unit.test_ops import WRITES

    con, key, path = ops_region
    before = _whole_state(con)
    con.close()
    ro = db.open_database(path, read_only=True)
    try:
        with pytest.raises(Exception) as info:
            WRITES[name][0](ro, key)
        _assert_russian_storage_error(info.value, "только для чтения")
        assert _whole_state(ro) == before
    finally:
        ro.close()


def test_concurrent_change_of_the_same_setting(
    ops_region: tuple[duckdb.DuckDBPyConnection, str, Path],
) -> None:
    """Two sessions change the same setting at the same moment: DuckDB refuses the second write
    («Conflict on update»); it is a Russian refusal, the first one stands."""
    from metrics import settings
    from ops import settings as ops_settings
    from tests.unit.test_ops import BASE

    con, _, _ = ops_region
    ops_settings.change_settings(con, BASE, {"risk_n1_weeks": "9"})  # the row exists
    before = _whole_state(con)
    with con.cursor() as first, con.cursor() as second:
        first.execute("BEGIN TRANSACTION")
        settings.set_setting(first, "risk_n1_weeks", "10", "other")
        with pytest.raises(Exception) as info:
            ops_settings.change_settings(second, BASE, {"risk_n1_weeks": "11"})
        first.execute("ROLLBACK")
    _assert_russian_storage_error(info.value, "изменил другой пользователь")
    assert "обновите страницу" in str(info.value)
    assert _whole_state(con) == before
