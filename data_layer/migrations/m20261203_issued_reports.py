"""Register of issued reports (issue 11, item 3): an approved regional report is stored as it was
downloaded (the workbook bytes, their SHA-256, the dataset version it was built from, who approved
it and when) and the form rows it contains, so that colleges and territories can read their part."""

from __future__ import annotations

import duckdb

DESCRIPTION = "issued_reports: approved reports stored with checksum, data version and approval"


def up(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SEQUENCE IF NOT EXISTS issued_report_id_seq START 1")
    # key: report_id. Rows are only ever inserted (an issued report is never changed).
    con.execute(
        """CREATE TABLE IF NOT EXISTS issued_reports (
            report_id BIGINT NOT NULL, kind VARCHAR NOT NULL, cohort INTEGER NOT NULL, as_of DATE NOT NULL,
            file_name VARCHAR NOT NULL, content BLOB NOT NULL, checksum VARCHAR NOT NULL, size BIGINT NOT NULL,
            dataset_version BIGINT NOT NULL, data_used VARCHAR, form_rows VARCHAR NOT NULL,
            generated_at TIMESTAMP NOT NULL, approved_by VARCHAR NOT NULL, approved_at TIMESTAMP NOT NULL)"""
    )
