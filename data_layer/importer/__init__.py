"""Import of data-contract files (docs/data_contract.md §1–7): readers, validation, all-or-nothing loads.

Public API:
- `KINDS` — file kind → Russian label;
- `load_file(con, source, file_name, *, kind, scope, snapshot_date) -> LoadResult`;
- `problems_to_xlsx(result) -> bytes` — the Excel error report;
- `load_reference_dir(con, directory, scope) -> list[LoadResult]` — the shipped reference data.
"""

from __future__ import annotations

from data_layer.importer.kinds import KINDS, REFERENCE_KINDS
from data_layer.importer.pipeline import LoadResult, Problem, load_file, load_reference_dir
from data_layer.importer.report import problems_to_xlsx

__all__ = [
    "KINDS",
    "REFERENCE_KINDS",
    "LoadResult",
    "Problem",
    "load_file",
    "load_reference_dir",
    "problems_to_xlsx",
]
