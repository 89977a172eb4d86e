"""Saved mappings of foreign import files (issue 13, item 1): a file whose headers or labels differ
from the contract (an export of АИС «Трудовые ресурсы», …) is mapped once — its columns to the
contract's, its labels to the contract's codes — and the mapping is kept by name for the next such
file (data_layer/import_mappings.py, data_layer/importer/mapping.py).

`college_code` is the owner college; NULL is a region-wide mapping made by the base centre.
`column_map`: JSON object source header → contract header; `value_map`: JSON object contract header
→ {source label → contract value}. A name is unique per owner (checked by ops/import_mappings.py).
"""

from __future__ import annotations

import duckdb

DESCRIPTION = "import_mappings: saved column and label mappings of foreign import files"


def up(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SEQUENCE IF NOT EXISTS import_mapping_id_seq START 1")
    con.execute(
        """CREATE TABLE IF NOT EXISTS import_mappings (
            mapping_id BIGINT NOT NULL, name VARCHAR NOT NULL, kind VARCHAR NOT NULL,
            college_code VARCHAR, column_map VARCHAR NOT NULL, value_map VARCHAR NOT NULL,
            created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
            updated_by VARCHAR NOT NULL, updated_at TIMESTAMP NOT NULL)"""
    )
