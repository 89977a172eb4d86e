"""Register of issued (approved) reports: stored bytes, checksum, data version, approval.

Scope (docs/domain.md §1, issue 11 item 3): the ministry and the base centre list the register and
download the stored workbooks; a territory or a college reads its own part — the register entries
and, for each, the form rows of its own colleges (stored with the report, so the part is as frozen
as the workbook). Rows are inserted once and never changed (the code has no UPDATE or DELETE).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from data_layer.errors import ScopeError, UserFacingError
from data_layer.scope import Scope

FULL_ROLES = ("ministry", "base_centre")


@dataclass(frozen=True)
class Issued:
    report_id: int
    kind: str
    cohort: int
    as_of: dt.date
    file_name: str
    checksum: str
    size: int
    dataset_version: int
    approved_by: str
    approved_at: dt.datetime


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def insert(
    cur: duckdb.DuckDBPyConnection,
    *,
    kind: str,
    cohort: int,
    as_of: dt.date,
    file_name: str,
    content: bytes,
    dataset_version: int,
    data_used: str,
    form_rows: list[dict[str, Any]],
    generated_at: dt.datetime,
    approved_by: str,
    approved_at: dt.datetime,
) -> Issued:
    """Store one approved report; call inside the caller's transaction (ops.reports)."""
    report_id = int(cur.execute("SELECT nextval('issued_report_id_seq')").fetchall()[0][0])
    checksum = sha256(content)
    cur.execute(
        """INSERT INTO issued_reports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            report_id,
            kind,
            cohort,
            as_of,
            file_name,
            content,
            checksum,
            len(content),
            dataset_version,
            data_used,
            json.dumps(form_rows, ensure_ascii=False),
            generated_at,
            approved_by,
            approved_at,
        ],
    )
    return Issued(
        report_id,
        kind,
        cohort,
        as_of,
        file_name,
        checksum,
        len(content),
        dataset_version,
        approved_by,
        approved_at,
    )


def register(cur: duckdb.DuckDBPyConnection, scope: Scope, kind: str | None = None) -> pl.DataFrame:
    """The register as the role sees it (newest first): report_id, kind, cohort, as_of, file_name,
    checksum, size, dataset_version, data_used, generated_at, approved_by, approved_at. Territories
    and colleges see every entry (what was issued, when, by whom) but only their part of the
    content (`part`)."""
    return cur.sql(
        """SELECT report_id, kind, cohort, as_of, file_name, checksum, size, dataset_version, data_used,
                  generated_at, approved_by, approved_at
           FROM issued_reports WHERE (?::VARCHAR IS NULL OR kind = ?)
           ORDER BY approved_at DESC, report_id DESC""",
        params=[kind, kind],
    ).pl()


def content(cur: duckdb.DuckDBPyConnection, scope: Scope, report_id: int) -> tuple[bytes, str, str]:
    """(the stored workbook, its file name, its checksum) — byte-identical to what was approved.
    Ministry and base centre only: the workbook covers every college."""
    if scope.role not in FULL_ROLES:
        raise ScopeError(
            "Утверждённый отчёт целиком доступен министерству и базовому центру; ваша часть — ниже."
        )
    row = cur.execute(
        "SELECT content, file_name, checksum FROM issued_reports WHERE report_id = ?", [report_id]
    ).fetchall()
    if not row:
        raise UserFacingError(f"Отчёт № {report_id} не найден в реестре.")
    data = bytes(row[0][0])
    if sha256(data) != row[0][2]:
        raise UserFacingError(f"Отчёт № {report_id}: контрольная сумма не совпадает, файл повреждён.")
    return data, str(row[0][1]), str(row[0][2])


def part(cur: duckdb.DuckDBPyConnection, scope: Scope, report_id: int) -> list[dict[str, Any]]:
    """The form rows of one issued report that belong to the role's colleges (every row, totals
    included, for the ministry and the base centre)."""
    row = cur.execute("SELECT form_rows FROM issued_reports WHERE report_id = ?", [report_id]).fetchall()
    if not row:
        raise UserFacingError(f"Отчёт № {report_id} не найден в реестре.")
    rows: list[dict[str, Any]] = json.loads(row[0][0])
    allowed = scope.allowed_colleges(cur)
    if allowed is None:
        return rows
    own = set(allowed)
    return [r for r in rows if r.get("college") in own]
