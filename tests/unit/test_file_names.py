"""File names in the audit log and the load register (issue 12): a college may name its file after
a person («Иванов 123-456-789 01.xlsx»). The name is kept with every СНИЛС-shaped number masked,
without control or format characters, and at most 120 characters long — in the audit log, the load
register, the messages and the journal, for accepted and refused files alike."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from data_layer import audit, loads
from data_layer.importer import load_file
from data_layer.importer.preview import preview_file
from data_layer.scope import OPERATOR
from data_layer.text import FILE_NAME_CHARS, SNILS_MASK, mask_snils_like, safe_file_name
from tests.fixtures.import_helpers import GRAD_HEADER, csv_bytes, grad_row, region
from tests.unit.test_hostile_files import _SNILS_FULL


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Иванов 123-456-789 01.xlsx", f"Иванов {SNILS_MASK}.xlsx"),
        ("12345678901.csv", f"{SNILS_MASK}.csv"),
        ("список_123_456_789_01.xlsx", f"список_{SNILS_MASK}.xlsx"),
        ("123.456.789.01 Петров.csv", f"{SNILS_MASK} Петров.csv"),
        ("123 456 789 01.xlsx", f"{SNILS_MASK}.xlsx"),
        ("123‑456‑789—01.xlsx", f"{SNILS_MASK}.xlsx"),  # non-breaking hyphen, em dash
        ("１２３４５６７８９０１.xlsx", f"{SNILS_MASK}.xlsx"),  # full-width digits
        ("а\u202egpj.xlsx", "аgpj.xlsx"),  # a bidi override would show «xlsx.jpg»
        ("x\x00y\x1b[31m.csv", "xy[31m.csv"),
        ("статусы\r\n  P001\t.csv", "статусы P001 .csv"),
        ("\u200b", "файл"),
        # not a СНИЛС: dates, years, codes, 12 digits
        ("выпуск 2024 P001 30.06.2024.xlsx", "выпуск 2024 P001 30.06.2024.xlsx"),
        ("123456789012.csv", "123456789012.csv"),
    ],
)
def test_safe_file_name(name: str, expected: str) -> None:
    assert safe_file_name(name) == expected


def test_long_names_are_cut_keeping_the_extension() -> None:
    out = safe_file_name("Я" * 5000 + ".xlsx")
    assert len(out) == FILE_NAME_CHARS and out.endswith("….xlsx")
    assert len(safe_file_name("Я" * 5000)) == FILE_NAME_CHARS
    # masked before it is cut: a СНИЛС across the limit leaves no digits behind
    cut = safe_file_name("x" * 110 + "12345678901" + ".csv")
    assert "1234" not in cut


def test_mask_leaves_other_text() -> None:
    assert mask_snils_like("загрузка № 12 (2024), 8 строк") == "загрузка № 12 (2024), 8 строк"


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = region(tmp_path / "f.duckdb")
    yield c
    c.close()


EVIL_NAME = "Иванов Иван 123-456-789 01\u202e\x00" + "Я" * 300 + ".csv"


def _stored(c: duckdb.DuckDBPyConnection) -> list[str]:
    with c.cursor() as cur:
        objects = [r[0] or "" for r in cur.execute("SELECT object FROM audit_log").fetchall()]
        files = [r[0] for r in cur.execute("SELECT file_name FROM loads").fetchall()]
    return objects + files


def test_accepted_and_refused_loads_keep_a_safe_name(con: duckdb.DuckDBPyConnection) -> None:
    ok = load_file(con, csv_bytes(GRAD_HEADER, [grad_row(1)]), EVIL_NAME)
    assert ok.ok, ok.errors[:3]
    refused = load_file(con, csv_bytes(GRAD_HEADER, [[*grad_row(2)[:-1], "30.06.2099"]]), EVIL_NAME)
    assert not refused.ok
    previewed = preview_file(con, b"", EVIL_NAME, scope=OPERATOR)
    safe = safe_file_name(EVIL_NAME)
    for res in (ok, refused, previewed):
        assert res.file_name == safe and f"«{safe}»" in getattr(res, "message", f"«{safe}»")
    stored = [s for s in _stored(con) if "Иванов" in s]
    assert len(stored) == 4  # upload + loads row, two refusals
    for s in stored:
        assert s == safe and not _SNILS_FULL.search(s) and "\u202e" not in s and "\x00" not in s
        assert len(s) <= FILE_NAME_CHARS


def test_journal_and_load_history_mask_names_stored_earlier(con: duckdb.DuckDBPyConnection) -> None:
    """Rows written before names were cleaned: the journal and the history show them masked."""
    load_file(con, csv_bytes(GRAD_HEADER, [grad_row(1)]), "g.csv")
    with con.cursor() as cur:
        cur.execute("UPDATE loads SET file_name = 'Петров 12345678901.csv' WHERE file_name = 'g.csv'")
        audit.record(cur, "u", "college", "upload", "Петров 123-456-789 01.csv", "для 111-222-333 44")
        log = audit.read_log(cur)
        history = loads.load_history(cur, OPERATOR)
    assert log["object"][0] == f"Петров {SNILS_MASK}.csv" and log["details"][0] == f"для {SNILS_MASK}"
    assert history["file_name"][0] == f"Петров {SNILS_MASK}.csv"  # the newest load


def test_journal_keeps_checksums_whole(con: duckdb.DuckDBPyConnection) -> None:
    """A SHA-256 in an entry's details (an approved report) may hold 11 digits in a row: not a СНИЛС."""
    sha = "ab12345678901cd" + "0" * 49
    with con.cursor() as cur:
        audit.record(
            cur, "u", "base_centre", "report_issue", "отчёт", f"SHA-256 {sha}; файл 12345678901.xlsx"
        )
        details = audit.read_log(cur)["details"][0]
    assert details == f"SHA-256 {sha}; файл {SNILS_MASK}.xlsx"
