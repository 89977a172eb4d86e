"""Files leaving the app, written to the audit log (docs/domain.md §10): a page table as CSV, an
upload's error report, a list with personal data, an approved report. ui/downloads builds the
file when the user clicks and records it here; a download changes no figure, so no version bump.
(Report workbooks built by reports.build_report record themselves, in the same cursor.)"""

from __future__ import annotations

import duckdb

from data_layer import audit, issued_reports
from data_layer.scope import Scope

DOWNLOAD = "download"
DOWNLOAD_PD = "download_pd"  # the file holds graduates' names or СНИЛС


def record_download(
    cur: duckdb.DuckDBPyConnection,
    username: str | None,
    role: str | None,
    obj: str,
    details: str,
    *,
    personal_data: bool,
) -> None:
    """One audit entry for a file the user took; `obj` names the file's subject, never a person."""
    audit.record(cur, username, role, DOWNLOAD_PD if personal_data else DOWNLOAD, obj, details)


def issued_report(cur: duckdb.DuckDBPyConnection, scope: Scope, report_id: int) -> bytes:
    """The approved report as stored (byte-identical, checksum verified), its download recorded."""
    data, name, _ = issued_reports.content(cur, scope, report_id)
    record_download(
        cur, scope.username, scope.role, f"issued:{report_id}", f"файл {name}", personal_data=False
    )
    return data
