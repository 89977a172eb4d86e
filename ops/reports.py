"""Approve and register a final regional report (issue 11, item 3).

One transaction: the workbook is built final (every control rule must pass, else a Russian
refusal and nothing stored), stored with its SHA-256, the dataset version and the data it rests
on, and the audit entry names the register number and checksum. No cached figure depends on the
register, so the dataset version is not bumped (the stored version stays the one the report was
built from)."""

from __future__ import annotations

import datetime as dt

import duckdb

import reports
from data_layer import db, issued_reports
from data_layer.errors import UserFacingError
from data_layer.scope import Scope
from metrics.formatting import fmt_date
from ops.transaction import audited
from reports import regional
from reports.base import ReportContext


def issue_regional(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    *,
    now: dt.datetime | None = None,
) -> issued_reports.Issued:
    """Approve the regional report for (cohort, as_of) as `scope`'s user and register it."""
    scope.require_role("base_centre")
    if not scope.username or scope.username == "operator":
        raise UserFacingError("Утверждает отчёт пользователь базового центра: укажите его (--user ИМЯ).")
    when = (now or dt.datetime.now()).replace(microsecond=0)
    with audited(cur, scope, "report_issue", f"regional:{cohort}", bump=False) as entry:
        content, name = reports.render_report(cur, scope, "regional", cohort, as_of, generated_at=when)
        ctx = ReportContext(cur, scope, cohort, as_of, when)
        rows = regional.form_json(ctx)["rows"]
        record = issued_reports.insert(
            cur,
            kind="regional",
            cohort=cohort,
            as_of=as_of,
            file_name=name,
            content=content,
            dataset_version=db.dataset_version(cur),
            data_used=ctx.data_used_line(),
            form_rows=rows,
            generated_at=when,
            approved_by=scope.username,
            approved_at=when,
        )
        entry.details = (
            f"утверждён и зарегистрирован № {record.report_id}: выпуск {cohort}, на {fmt_date(as_of)}, "
            f"версия данных {record.dataset_version}, SHA-256 {record.checksum}"
        )
    return record
