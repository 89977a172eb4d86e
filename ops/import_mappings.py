"""Saved mappings of foreign import files (issue 13, item 1): save, rename, delete — each one
transaction with its audit entry. No cached figure depends on a mapping (it only changes how the
next file is read), so the dataset version is not bumped.

A college saves mappings for itself; the base centre saves region-wide ones (`college_code=None`,
offered to every college) or, when it uploads for a college, that college's.
"""

from __future__ import annotations

import dataclasses

import duckdb

from data_layer import import_mappings as store
from data_layer.errors import UserFacingError
from data_layer.importer.kinds import KINDS
from data_layer.importer.mapping import ImportMapping, check_mapping
from data_layer.scope import Scope
from ops.transaction import audited

MAX_NAME = 100


def _describe(m: ImportMapping) -> str:
    labels = sum(len(v) for v in m.values.values())
    return f"{KINDS.get(m.kind, m.kind)}; {m.owner_label}; столбцов: {len(m.columns)}; меток: {labels}"


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise UserFacingError("Укажите название сопоставления.")
    if len(name) > MAX_NAME:
        raise UserFacingError(f"Название сопоставления длиннее {MAX_NAME} символов.")
    return name


def save_mapping(
    cur: duckdb.DuckDBPyConnection, scope: Scope, mapping: ImportMapping, *, replace: bool = False
) -> ImportMapping:
    """Store a mapping under its name for its owner (`mapping.college_code`; None: region-wide).
    An existing mapping of that name and owner is replaced only with `replace`; returns the stored
    mapping with its id."""
    scope.require_role("base_centre", "college")
    mapping = dataclasses.replace(mapping, name=_clean_name(mapping.name))
    problems = check_mapping(mapping)
    if problems:
        raise UserFacingError("Сопоставление не сохранено: " + " ".join(problems))
    old = store.owned(cur, scope, mapping.name, mapping.college_code)
    if old is not None and not replace:
        raise UserFacingError(
            f"Сопоставление «{mapping.name}» ({old.owner_label}) уже есть: выберите другое название "
            "или замените его."
        )
    action = "import_mapping_save"
    with audited(cur, scope, action, f"«{mapping.name}»", _describe(mapping), bump=False):
        if old is None:
            new_id = store.insert(cur, scope, mapping)
        else:
            assert old.mapping_id is not None
            store.update(cur, scope, old.mapping_id, mapping)
            new_id = old.mapping_id
    return dataclasses.replace(mapping, mapping_id=new_id)


def rename_mapping(cur: duckdb.DuckDBPyConnection, scope: Scope, name: str, new_name: str) -> ImportMapping:
    """Rename a mapping the user may change (own, or any for the base centre)."""
    mapping = store.find(cur, scope, name)
    new_name = _clean_name(new_name)
    if store.owned(cur, scope, new_name, mapping.college_code) is not None:
        raise UserFacingError(f"Сопоставление «{new_name}» ({mapping.owner_label}) уже есть.")
    renamed = dataclasses.replace(mapping, name=new_name)
    assert mapping.mapping_id is not None
    with audited(
        cur, scope, "import_mapping_rename", f"«{name}» → «{new_name}»", mapping.owner_label, bump=False
    ):
        store.update(cur, scope, mapping.mapping_id, renamed)
    return renamed


def delete_mapping(cur: duckdb.DuckDBPyConnection, scope: Scope, name: str) -> None:
    """Delete a mapping the user may change."""
    mapping = store.find(cur, scope, name)
    with audited(cur, scope, "import_mapping_delete", f"«{name}»", _describe(mapping), bump=False):
        store.delete(cur, scope, mapping)
