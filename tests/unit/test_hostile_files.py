"""The hostile corpus (tests/fixtures/hostile.py) through the importer: every file refused with a
Russian message naming what is wrong, no table changed, the refusal audited without personal data,
and the test process (standing in for the server) alive after each one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from data_layer.importer import LoadResult, load_file
from data_layer.importer.preview import preview_file
from data_layer.scope import OPERATOR
from tests.fixtures.hostile import CASES, Case
from tests.fixtures.import_helpers import GRAD_HEADER, csv_bytes, digest, grad_row, must_load, region

_ALLOWED_LATIN = re.compile(
    r"VYPUSK_[A-Z_]+|«[^»]*»|[\w.-]+\.(?:xlsx|csv|json)\b|\b(?:Excel|CSV|csv|xlsx|JSON|UTF-8|UTF-16|"
    r"Windows-1251|XFD|zip|XXX|YY|P\d{3})\b"
)
_SNILS_FULL = re.compile(r"\d{3}-?\d{3}-?\d{3}[ -]?\d{2}")


def russian(text: str) -> bool:
    """Cyrillic, and no Latin word outside file names, setting names and format names."""
    rest = _ALLOWED_LATIN.sub(" ", text)
    return bool(re.search("[А-Яа-яЁё]", text)) and not re.search(r"[A-Za-z]{3,}", rest)


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    c = region(tmp_path_factory.mktemp("hostile") / "h.duckdb")
    must_load(c, csv_bytes(GRAD_HEADER, [grad_row(i) for i in range(1, 6)]), "grads.csv")
    yield c
    c.close()


def _tables_digest(c: duckdb.DuckDBPyConnection) -> dict[str, tuple[object, ...]]:
    return {t: v for t, v in digest(c).items() if t != "audit_log"}


def _audit_tail(c: duckdb.DuckDBPyConnection) -> tuple[str, str, str]:
    with c.cursor() as cur:
        row = cur.execute(
            "SELECT action, object, details FROM audit_log ORDER BY event_id DESC LIMIT 1"
        ).fetchone()
    assert row is not None
    return row


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 80
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_file_refused(
    case: Case, con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in case.env.items():
        monkeypatch.setenv(k, v)
    before = _tables_digest(con)
    res = load_file(con, case.make(), case.file_name, kind=case.kind)
    assert not res.ok, f"{case.id} was accepted"
    texts = [res.message, *(p.message for p in res.errors)]
    assert any(re.search(case.expect, t) for t in texts), texts[:5]
    for t in texts:
        assert russian(t), t
    assert _tables_digest(con) == before
    action, obj, details = _audit_tail(con)
    assert (action, obj) == ("upload_rejected", case.file_name)
    assert not _SNILS_FULL.search(details or ""), details


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_file_refused_by_the_preview(
    case: Case, con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upload page checks a file with `preview_file` before any load: the same bounded reading
    (a far cell parsed in the server process would abort it), the same Russian refusal."""
    for k, v in case.env.items():
        monkeypatch.setenv(k, v)
    before = _tables_digest(con)
    res = preview_file(con, case.make(), case.file_name, kind=case.kind, scope=OPERATOR)
    assert isinstance(res, LoadResult) and not res.ok, f"{case.id} was accepted by the preview"
    texts = [res.message, *(p.message for p in res.errors)]
    assert any(re.search(case.expect, t) for t in texts), texts[:5]
    for t in texts:
        assert russian(t), t
    assert _tables_digest(con) == before
    assert _audit_tail(con)[:2] == ("upload_rejected", case.file_name)


def test_server_process_survives_the_corpus(con: duckdb.DuckDBPyConnection) -> None:
    """After the whole corpus (aborting children included) the process still loads a good file."""
    res = load_file(con, csv_bytes(GRAD_HEADER, [grad_row(i) for i in range(1, 7)]), "grads2.csv")
    assert res.ok, res.errors[:3]


def test_limits_from_env_refuse_bad_values(monkeypatch: pytest.MonkeyPatch) -> None:
    from data_layer.importer.limits import ReadLimits

    monkeypatch.setenv("VYPUSK_MAX_ROWS", "много")
    with pytest.raises(ValueError, match="VYPUSK_MAX_ROWS"):
        ReadLimits.from_env()
    monkeypatch.setenv("VYPUSK_MAX_ROWS", "1_000")
    assert ReadLimits.from_env().rows == 1000


def test_declared_dimension_is_read_from_the_sheet_head(tmp_path: Path) -> None:
    from data_layer.importer.errors import UnreadableFileError
    from data_layer.importer.limits import ReadLimits, check_container
    from tests.fixtures.hostile import grads_xlsx

    check_container(grads_xlsx(dimension="A1:GR5"), ReadLimits())  # 200 columns: at the limit
    with pytest.raises(UnreadableFileError, match=r"столбцов.*201"):
        check_container(grads_xlsx(dimension="A1:GS5"), ReadLimits())
    with pytest.raises(UnreadableFileError, match=r"строк.*11"):
        check_container(grads_xlsx(dimension="B2:C11"), ReadLimits(rows=10))


def test_batch_limits_count_and_total_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 12: files per check and their total size, from the sizes alone."""
    from data_layer.importer.errors import UnreadableFileError
    from data_layer.importer.limits import MB, ReadLimits, check_batch

    assert (ReadLimits().files_per_upload, ReadLimits().upload_total_mb) == (20, 400)
    monkeypatch.setenv("VYPUSK_MAX_FILES_PER_UPLOAD", "3")
    monkeypatch.setenv("VYPUSK_MAX_UPLOAD_TOTAL_MB", "10")
    limits = ReadLimits.from_env()
    check_batch([], limits)
    check_batch([MB, MB, 8 * MB], limits)  # exactly 3 files, exactly 10 MB
    with pytest.raises(UnreadableFileError) as many:
        check_batch([1, 1, 1, 1], limits)
    assert str(many.value).startswith("Файлы не проверены: файлов — 4, это больше предела 3 за одну проверку")
    assert "VYPUSK_MAX_FILES_PER_UPLOAD" in str(many.value)
    with pytest.raises(UnreadableFileError) as big:
        check_batch([5 * MB, 5 * MB + 1], limits)  # 10 MB and a byte: 11 MB rounded up
    assert "общий размер файлов — 11 МБ, это больше предела 10 МБ" in str(big.value)
    assert "VYPUSK_MAX_UPLOAD_TOTAL_MB" in str(big.value)
    monkeypatch.setenv("VYPUSK_MAX_FILES_PER_UPLOAD", "0")
    with pytest.raises(ValueError, match="VYPUSK_MAX_FILES_PER_UPLOAD"):
        ReadLimits.from_env()
