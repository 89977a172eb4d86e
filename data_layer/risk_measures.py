"""Measures of support recorded for risk-group graduates (domain.md §6), and those imported from
status files («Меры поддержки»).

Measures are personal data (free text about a graduate): only the college (its own graduates) and
the base centre read or write them. Recording a measure does not change any figure, so the dataset
version is not bumped (caches stay valid); the audit log gets a 'risk_measure' event. The write
itself is ops.risk.record_measure.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from data_layer.errors import UserFacingError
from data_layer.scope import Scope

MAX_TEXT_CHARS = 2000

_MEASURE_SCHEMA: dict[str, type[pl.DataType]] = {
    "measure_id": pl.Int64,
    "college_code": pl.Utf8,
    "cohort": pl.Int32,
    "person_key": pl.Utf8,
    "measure_date": pl.Date,
    "text": pl.Utf8,
    "created_at": pl.Datetime,
    "created_by": pl.Utf8,
}


def check_measure(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    college: str,
    cohort: int,
    person_key: str,
    date: dt.date,
    text: str,
    today: dt.date | None = None,
) -> str:
    """The measure's text, stripped, when the measure may be recorded.

    Raises ScopeError outside the scope (a college may write for its own graduates only) and
    UserFacingError for an empty text, a date in the future or an unknown graduate.
    """
    scope.require_role("base_centre", "college")
    scope.check_college(cur, college)
    body = (text or "").strip()
    if not body:
        raise UserFacingError("Опишите принятую меру: текст не может быть пустым.")
    if len(body) > MAX_TEXT_CHARS:
        raise UserFacingError(f"Описание меры длиннее {MAX_TEXT_CHARS} символов; сократите его.")
    if date > (today or dt.date.today()):
        raise UserFacingError("Дата меры не может быть позже сегодняшнего дня.")
    found = cur.execute(
        "SELECT count(*) FROM graduates WHERE college_code = ? AND cohort = ? AND person_key = ?",
        [college, cohort, person_key],
    ).fetchall()[0][0]
    if not found:
        raise UserFacingError("Выпускник не найден в списке фактического выпуска этой ПОО.")
    return body


def insert_measure(
    cur: duckdb.DuckDBPyConnection,
    username: str,
    college: str,
    cohort: int,
    person_key: str,
    date: dt.date,
    body: str,
) -> int:
    """Store a checked measure; returns its id. No transaction here: ops.risk.record_measure."""
    measure_id = int(cur.execute("SELECT nextval('measure_id_seq')").fetchall()[0][0])
    cur.execute(
        "INSERT INTO risk_measures VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [measure_id, college, cohort, person_key, date, body, dt.datetime.now(), username],
    )
    return measure_id


def list_measures(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    college: str | None = None,
    cohort: int | None = None,
) -> pl.DataFrame:
    """Recorded measures in scope, newest first per graduate (optionally one college / cohort)."""
    scope.require_personal_data()
    if college is not None:
        scope.check_college(cur, college)
    allowed = scope.allowed_colleges(cur)
    out = cur.sql(
        """SELECT measure_id, college_code, cohort, person_key, measure_date, text, created_at, created_by
           FROM risk_measures
           WHERE (?::VARCHAR[] IS NULL OR college_code IN (SELECT unnest(?::VARCHAR[])))
             AND (?::VARCHAR IS NULL OR college_code = ?)
             AND (?::INTEGER IS NULL OR cohort = ?)
           ORDER BY college_code, person_key, measure_date DESC, measure_id DESC""",
        params=[allowed, allowed, college, college, cohort, cohort],
    ).pl()
    return out if out.height else pl.DataFrame(schema=_MEASURE_SCHEMA)


def imported_measures(
    cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, as_of: dt.date
) -> pl.DataFrame:
    """«Меры поддержки» from the colleges' status files: per graduate the latest non-empty text in a
    snapshot dated on or before `as_of` (columns college_code, person_key, support_measures,
    snapshot_date)."""
    scope.require_personal_data()
    allowed = scope.allowed_colleges(cur)
    return cur.sql(
        """SELECT college_code, person_key, support_measures, snapshot_date FROM status_rows
           WHERE cohort = ? AND snapshot_date <= ?
             AND support_measures IS NOT NULL AND trim(support_measures) <> ''
             AND (?::VARCHAR[] IS NULL OR college_code IN (SELECT unnest(?::VARCHAR[])))
           QUALIFY row_number() OVER (PARTITION BY college_code, person_key ORDER BY snapshot_date DESC) = 1
           ORDER BY college_code, person_key""",
        params=[cohort, as_of, allowed, allowed],
    ).pl()
