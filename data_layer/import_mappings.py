"""Saved mappings of foreign import files (issue 13, item 1; table from migration
m20261203_import_mappings), read and written within the user's scope:

- a college sees and uses its own mappings and the region-wide ones (made by the base centre);
  another college's mapping does not exist for it (refused here, not only hidden on the page);
- the base centre sees every mapping; only it makes region-wide ones.

Row writes only: the transaction and its audit entry are ops/import_mappings.py.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from data_layer.errors import ScopeError, UserFacingError
from data_layer.importer.mapping import ImportMapping
from data_layer.scope import Scope

TABLE = "import_mappings"
_COLUMNS = "mapping_id, name, kind, college_code, column_map, value_map"


def _from_row(row: tuple[object, ...]) -> ImportMapping:
    import json

    mapping_id, name, kind, college, columns, values = row
    return ImportMapping(
        str(name),
        str(kind),
        json.loads(str(columns)),
        json.loads(str(values)),
        None if college is None else str(college),
        int(mapping_id),  # type: ignore[call-overload]
    )


def _visible_where(scope: Scope) -> tuple[str, list[object]]:
    if scope.role == "base_centre":
        return "true", []
    if scope.role == "college":
        return "(college_code IS NULL OR college_code = ?)", [scope.code]
    return "false", []  # ministry and territories do not upload


def visible(cur: duckdb.DuckDBPyConnection, scope: Scope, kind: str | None = None) -> list[ImportMapping]:
    """The mappings the user may see and use (of one kind, or all), own ones first, then by name."""
    where, params = _visible_where(scope)
    rows = cur.execute(
        f"""SELECT {_COLUMNS} FROM {TABLE}
            WHERE {where} AND (?::VARCHAR IS NULL OR kind = ?)
            ORDER BY college_code IS NULL, name, college_code""",
        [*params, kind, kind],
    ).fetchall()
    return [_from_row(r) for r in rows]


def find(cur: duckdb.DuckDBPyConnection, scope: Scope, name: str) -> ImportMapping:
    """The mapping `name` as the user may use it: a college's own before a region-wide one of the
    same name; for the base centre a region-wide one, else the only college mapping of that name.
    UserFacingError (Russian) when there is none; ScopeError for another college's mapping."""
    usable = [m for m in visible(cur, scope) if m.name == name]
    own = scope.code if scope.role == "college" else None
    for m in usable:
        if m.college_code == own:
            return m
    if len(usable) == 1:
        return usable[0]
    if len(usable) > 1:
        owners = ", ".join(m.owner_label for m in usable)
        raise UserFacingError(f"Сопоставлений «{name}» несколько ({owners}); загрузите файл от имени ПОО.")
    exists = cur.execute(f"SELECT count(*) FROM {TABLE} WHERE name = ?", [name]).fetchall()[0][0]
    if exists:
        raise ScopeError(f"Сопоставление «{name}» принадлежит другой ПОО и вам недоступно.")
    raise UserFacingError(
        f"Сопоставление «{name}» не найдено. Сохранённые сопоставления — на странице «Загрузка данных»."
    )


def owned(
    cur: duckdb.DuckDBPyConnection, scope: Scope, name: str, college_code: str | None
) -> ImportMapping | None:
    """The mapping `name` of this owner (None: region-wide), if the user may change it."""
    _check_owner(scope, college_code)
    rows = cur.execute(
        f"SELECT {_COLUMNS} FROM {TABLE} WHERE name = ? AND college_code IS NOT DISTINCT FROM ?",
        [name, college_code],
    ).fetchall()
    return _from_row(rows[0]) if rows else None


def _check_owner(scope: Scope, college_code: str | None) -> None:
    """A college changes only its own mappings; only the base centre changes region-wide ones."""
    if scope.role == "base_centre":
        return
    if scope.role != "college":
        raise ScopeError("Сопоставления файлов ведут базовый центр и ПОО.")
    if college_code is None:
        raise ScopeError("Сопоставления для всей области создаёт только базовый центр.")
    if college_code != scope.code:
        raise ScopeError(f"Сопоставления ПОО {college_code} вам недоступны.")


def insert(cur: duckdb.DuckDBPyConnection, scope: Scope, m: ImportMapping) -> int:
    _check_owner(scope, m.college_code)
    now = dt.datetime.now()
    new_id = int(cur.execute("SELECT nextval('import_mapping_id_seq')").fetchall()[0][0])
    cur.execute(
        f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            new_id,
            m.name,
            m.kind,
            m.college_code,
            m.columns_json(),
            m.values_json(),
            *[scope.username, now] * 2,
        ],
    )
    return new_id


def update(cur: duckdb.DuckDBPyConnection, scope: Scope, mapping_id: int, m: ImportMapping) -> None:
    _check_owner(scope, m.college_code)
    cur.execute(
        f"""UPDATE {TABLE} SET name = ?, kind = ?, column_map = ?, value_map = ?, updated_by = ?, updated_at = ?
            WHERE mapping_id = ?""",
        [m.name, m.kind, m.columns_json(), m.values_json(), scope.username, dt.datetime.now(), mapping_id],
    )


def delete(cur: duckdb.DuckDBPyConnection, scope: Scope, m: ImportMapping) -> None:
    _check_owner(scope, m.college_code)
    cur.execute(f"DELETE FROM {TABLE} WHERE mapping_id = ?", [m.mapping_id])
