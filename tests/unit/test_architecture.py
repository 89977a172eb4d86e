"""Rules of the code base that a linter cannot see."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SOURCES = [
    p
    for d in ("pages", "ui", "cli", "reports", "metrics", "demo", "data_layer")
    for p in sorted((ROOT / d).rglob("*.py"))
] + [ROOT / "app.py"]


def test_no_python_callbacks_inside_polars() -> None:
    """`map_elements`/`map_batches` run Python on polars' worker threads; with several Streamlit
    sessions that deadlocks the server (metrics/formatting.py explains). Use the *_expr helpers."""
    pattern = re.compile(r"(?<!maps)\.(map_elements|map_batches|map_rows)\(")
    offenders = [
        f"{p.relative_to(ROOT)}:{i}"
        for p in SOURCES
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line) and "polars-ok" not in line
    ]
    assert offenders == []


def test_data_layer_never_imports_streamlit_or_metrics() -> None:
    bad = []
    for p in sorted((ROOT / "data_layer").rglob("*.py")):
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
            s = line.strip()
            if re.match(r"(from|import) (streamlit|metrics|pages)\b", s):
                bad.append(f"{p.relative_to(ROOT)}:{i}: {s}")
    assert bad == []


def test_metrics_never_imports_streamlit_or_pages() -> None:
    bad = []
    for p in sorted((ROOT / "metrics").rglob("*.py")):
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
            s = line.strip()
            if re.match(r"(from|import) (streamlit|pages)\b", s):
                bad.append(f"{p.relative_to(ROOT)}:{i}: {s}")
    assert bad == []


def test_every_sample_data_file_is_in_the_manifest() -> None:
    """sample_data/ holds only synthetic or public data, each file listed with its provenance."""
    import csv

    base = ROOT / "sample_data"
    with open(base / "MANIFEST.csv", encoding="utf-8", newline="") as f:
        listed = {r["file"] for r in csv.DictReader(f)}
    data_ext = {".csv", ".xlsx", ".geojson", ".json", ".parquet", ".duckdb"}
    on_disk = {
        str(p.relative_to(base))
        for p in base.rglob("*")
        if p.is_file() and p.suffix in data_ext and p.name != "MANIFEST.csv"
    }
    assert sorted(on_disk - listed) == []


def test_argparse_only_in_the_cli_package() -> None:
    """The `vypusk` command line lives in cli/, one module per command group (benchmarks/ scripts
    are stand-alone programs with their own options)."""
    bad = [
        f"{p.relative_to(ROOT)}:{i}"
        for p in SOURCES
        if p.parts[len(ROOT.parts)] != "cli"
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if re.match(r"\s*(import argparse|from argparse import)", line)
    ]
    assert bad == []


# Login and logout are still recorded by ui/auth.py; they move to ops (the sessions work), then this
# entry goes (the test fails on a stale entry).
def test_the_ui_writes_no_audit_entry_itself() -> None:
    """Downloads, views and actions are recorded through ops/ (ops.downloads, ops.transaction.audited),
    never by ui/ or pages/ calling data_layer.audit.record (.importlinter forbids importing
    data_layer.audit there, except the journal's reader ui/audit_log; login and logout go through
    ops/sessions)."""
    call = re.compile(r"\baudit\.record\(|\brecord\(cur|from data_layer\.audit import")
    writers = {
        p.relative_to(ROOT).as_posix()
        for d in ("ui", "pages")
        for p in sorted((ROOT / d).rglob("*.py"))
        if call.search(p.read_text(encoding="utf-8"))
    }
    assert writers == set()


PAGES = sorted(p for p in (ROOT / "pages" / "screens").glob("*.py") if p.name != "__init__.py")
MAX_PAGE_LINES = 150


def test_every_page_is_short_and_has_the_same_entry() -> None:
    """A page reads like a description of its screen: `render()` run through widgets.safe_page,
    its sections in ui/ (ui/<page>_sections.py), at most 150 lines."""
    assert PAGES
    long_pages = {
        p.name: n for p in PAGES if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_PAGE_LINES
    }
    assert long_pages == {}
    for p in PAGES:
        text = p.read_text(encoding="utf-8")
        assert "\ndef render() -> None:\n" in text, p.name
        assert text.rstrip().endswith("widgets.safe_page(render)"), p.name


MAX_FUNCTION_LINES = 60
# Functions written before the limit, with their length when it came in: none may grow, and an entry
# must be removed once its function is split (the test fails on a stale entry too). New code has
# no entry to hide behind.
LONG_FUNCTIONS_TO_SPLIT: dict[str, int] = {}


def _function_lengths() -> dict[str, int]:
    import ast

    out: dict[str, int] = {}
    for p in [*SOURCES, *sorted((ROOT / "benchmarks").rglob("*.py"))]:
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                assert node.end_lineno is not None
                out[f"{p.relative_to(ROOT).as_posix()}:{node.name}"] = node.end_lineno - start + 1
    return out


def test_no_function_over_60_lines() -> None:
    """A function longer than a screen does several jobs: split it (README «Слои»)."""
    lengths = _function_lengths()
    too_long = {
        name: n
        for name, n in lengths.items()
        if n > MAX_FUNCTION_LINES and n > LONG_FUNCTIONS_TO_SPLIT.get(name, 0)
    }
    assert too_long == {}
    stale = {name for name in LONG_FUNCTIONS_TO_SPLIT if lengths.get(name, 0) <= MAX_FUNCTION_LINES}
    assert stale == set(), "split already: remove from LONG_FUNCTIONS_TO_SPLIT"
