"""Import of data-contract files (docs/data_contract.md §1–7): readers, validation, all-or-nothing loads.

Public API:
- `KINDS` — file kind → Russian label;
- `load_file(con, source, file_name, *, kind, scope, snapshot_date) -> LoadResult`;
- `load_files(con, [(source, file_name), ...], *, kind, scope, ..., on_result) -> list[LoadResult]` — the same
  for a batch, the next file read (a status file also validated) while this one is written;
- `problems_to_xlsx(result) -> bytes` — the Excel error report;
- `load_reference_dir(con, directory, scope) -> list[LoadResult]` — the shipped reference data.

The loading side (pipeline: DuckDB, store, spells; the Excel report) is imported on first use: the
reader's child process (`python -m data_layer.importer.sandbox`, a new interpreter per workbook)
imports this package too and needs only the readers (≈ 0,1 s of CPU less per file).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from data_layer.importer.kinds import KINDS, REFERENCE_KINDS

if TYPE_CHECKING:
    from data_layer.importer.pipeline import LoadResult, Problem, load_file, load_files, load_reference_dir
    from data_layer.importer.report import problems_to_xlsx

_LAZY = {
    "LoadResult": "pipeline",
    "Problem": "pipeline",
    "load_file": "pipeline",
    "load_files": "pipeline",
    "load_reference_dir": "pipeline",
    "problems_to_xlsx": "report",
}

__all__ = [
    "KINDS",
    "REFERENCE_KINDS",
    "LoadResult",
    "Problem",
    "load_file",
    "load_files",
    "load_reference_dir",
    "problems_to_xlsx",
]


def __getattr__(name: str) -> Any:
    """The loading side's names, imported when first asked for (module docstring)."""
    if name in _LAZY:
        value = getattr(importlib.import_module(f"data_layer.importer.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
