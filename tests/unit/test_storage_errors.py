"""Russian and private errors on storage failures (issue 12): a full disk, a read-only database and
a locked file during a load give a clear Russian refusal, and nothing stored is lost."""

from __future__ import annotations

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
