"""The example files in sample_data/examples/ are what the generator writes, the valid ones load
into a fresh database, the broken ones are refused with the documented errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from data_layer import db
from data_layer.importer import load_file, load_reference_dir
from tests.fixtures.examples import EXAMPLES_DIR, example_files, manifest_lines, write_examples
from tests.fixtures.import_helpers import rows

MANIFEST = EXAMPLES_DIR.parent / "MANIFEST.csv"


def test_committed_examples_match_the_generator(tmp_path: Path) -> None:
    for path in write_examples(tmp_path):
        committed = EXAMPLES_DIR / path.name
        assert committed.exists(), f"{committed} is missing: run python -m tests.fixtures.examples"
        assert committed.read_bytes() == path.read_bytes(), f"{committed.name} differs from the generator"


def test_manifest_documents_every_example() -> None:
    text = MANIFEST.read_text(encoding="utf-8")
    for line in manifest_lines():
        assert line in text.splitlines()
    with open(MANIFEST, encoding="utf-8", newline="") as f:
        records = list(csv.DictReader(f))
    assert all(set(r) == {"file", "provenance", "status"} for r in records)
    listed = {r["file"] for r in records}
    on_disk = {f"examples/{p.name}" for p in EXAMPLES_DIR.iterdir() if p.is_file()}
    assert on_disk <= listed


@pytest.fixture(scope="module")
def examples_db(tmp_path_factory: pytest.TempPathFactory):
    con = db.open_database(tmp_path_factory.mktemp("ex") / "ex.duckdb")
    load_reference_dir(con)
    results = {}
    for name, (_, _, status) in example_files().items():
        if status == "valid":
            results[name] = load_file(con, EXAMPLES_DIR / name, name)
    yield con, results
    con.close()


def test_valid_examples_load_in_order(examples_db) -> None:
    con, results = examples_db
    assert {n: (r.ok, r.errors) for n, r in results.items()} == {n: (True, []) for n in results}
    assert rows(con, "SELECT count(*), count(*) FILTER (is_foreign) FROM graduates") == [(12, 1)]
    assert rows(con, "SELECT person_key, status FROM status_rows WHERE person_key LIKE 'D:%'") == [
        ("D:AA1234567", "moved_abroad")
    ]
    assert rows(con, "SELECT count(*) FROM frdo_records") == [(10,)]
    # colleges without coordinates are placed at their municipality's centre
    assert rows(con, "SELECT count(*) FROM colleges WHERE lat IS NULL OR lon IS NULL") == [(0,)]


def test_broken_examples_are_refused(examples_db) -> None:
    con, _ = examples_db
    res = load_file(con, EXAMPLES_DIR / "broken_graduates.csv", "broken_graduates.csv")
    assert not res.ok
    assert [(p.row, p.column) for p in res.errors] == [
        (3, "СНИЛС"),
        (4, "Дата рождения"),
        (5, "Код ПОО"),
        (6, "Фамилия"),
        (6, "Код специальности"),
        (7, "СНИЛС"),
    ]
    assert [(w.row, w.column) for w in res.warnings] == [(1, "Комментарий")]
    res = load_file(con, EXAMPLES_DIR / "broken_statuses.xlsx", "broken_statuses.xlsx")
    assert not res.ok
    assert [(p.row, p.column, p.value) for p in res.errors] == [
        (5, "Статус", "Работает где-то"),
        (6, "СНИЛС", "***-***-008 41"),
        (7, "Дата актуализации", "09/09/2024"),
    ]


def test_examples_served_on_a_demo_database_carry_the_notice_and_still_load(tmp_path: Path) -> None:
    """On a demo database the upload page serves each example with DEMO_NOTICE as a title line
    above the header; the importer skips it, so the file loads exactly as the plain example."""
    import io

    import openpyxl

    from data_layer.db import DEMO_NOTICE
    from ui.upload_view import example_bytes

    con = db.open_database(tmp_path / "served.duckdb")
    try:
        load_reference_dir(con)
        for name, (_, _, status) in example_files().items():
            path = EXAMPLES_DIR / name
            if path.suffix == ".json":  # a saved mapping, not a table
                continue
            data = example_bytes(path, DEMO_NOTICE)
            assert example_bytes(path) == path.read_bytes()
            if path.suffix == ".csv":
                first = data.split(b"\r\n")[0].removeprefix(b"\xef\xbb\xbf")
                assert first in (DEMO_NOTICE.encode("utf-8"), DEMO_NOTICE.encode("cp1251")), name
            else:
                book = openpyxl.load_workbook(io.BytesIO(data))
                assert all(ws["A1"].value == DEMO_NOTICE for ws in book.worksheets), name
            if status == "valid":
                res = load_file(con, data, name)
                assert res.ok, (name, res.errors)
    finally:
        con.close()
    plain = db.open_database(tmp_path / "plain.duckdb")
    try:
        load_reference_dir(plain)
        for name, (_, _, status) in example_files().items():
            if status == "valid":
                load_file(plain, EXAMPLES_DIR / name, name)
        served = db.open_database(tmp_path / "served.duckdb")
        try:
            for table in (
                "graduates",
                "status_rows",
                "ufns_records",
                "czn_records",
                "frdo_records",
                "events",
            ):
                assert rows(plain, f"SELECT count(*) FROM {table}") == rows(
                    served, f"SELECT count(*) FROM {table}"
                )
        finally:
            served.close()
    finally:
        plain.close()
