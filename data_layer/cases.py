"""Measures taken in risk cases (table case_measures) and the catalogue of measure types the base
centre keeps (table measure_catalogue). Reads only; writes are in `ops.cases`.

A case itself is not stored: it is a stay in the risk group, derived from the risk register at the
evaluation date (metrics.cases). What people record — the measures — is stored per graduate with a
date, and a measure belongs to the stay that was under way on its date.

Scope: measure texts, responsible persons and outcomes are personal data (docs/domain.md §10): only the
college (own graduates) and the base centre read them (`measure_list`). `measure_facts` carries no
text and serves the counts every role may see.
"""

from __future__ import annotations

import duckdb
import polars as pl

from data_layer.scope import Scope

MAX_TEXT_CHARS = 2000

# Outcome of a measure (null: still under way).
OUTCOMES: dict[str, str] = {
    "done": "Выполнено",
    "employed": "Трудоустроен",
    "study": "Поступил на обучение",
    "declined": "Отказался",
    "no_contact": "Не удалось связаться",
    "not_done": "Не выполнено",
}

STALE_WEEKS_KEY = "case_stale_weeks"
STALE_WEEKS_DEFAULT = 3
STALE_WEEKS_RANGE = (1, 26)

_FACT_COLUMNS = (
    "measure_id, college_code, cohort, person_key, measure_type, measure_date, due_date, outcome, "
    "outcome_date, vacancy_id"
)
_LIST_COLUMNS = _FACT_COLUMNS + ", description, responsible, outcome_note, created_at, created_by"

_FACT_SCHEMA: pl.Schema = pl.Schema(
    {
        "measure_id": pl.Int64,
        "college_code": pl.Utf8,
        "cohort": pl.Int32,
        "person_key": pl.Utf8,
        "measure_type": pl.Utf8,
        "measure_date": pl.Date,
        "due_date": pl.Date,
        "outcome": pl.Utf8,
        "outcome_date": pl.Date,
        "vacancy_id": pl.Utf8,
    }
)
_LIST_SCHEMA: pl.Schema = pl.Schema(
    [
        *_FACT_SCHEMA.items(),
        ("description", pl.Utf8()),
        ("responsible", pl.Utf8()),
        ("outcome_note", pl.Utf8()),
        ("created_at", pl.Datetime()),
        ("created_by", pl.Utf8()),
    ]
)


def catalogue(cur: duckdb.DuckDBPyConnection, *, active_only: bool = False) -> pl.DataFrame:
    """Measure types: code, name, sort_order, active (no personal data: every role may read it)."""
    return cur.sql(
        """SELECT code, name, sort_order, active FROM measure_catalogue
           WHERE NOT ? OR active ORDER BY sort_order, code""",
        params=[active_only],
    ).pl()


def stale_weeks(cur: duckdb.DuckDBPyConnection) -> int:
    """N: an open case with no measure for more than N weeks stands out (a base-centre setting)."""
    row = cur.execute("SELECT value FROM settings WHERE key = ?", [STALE_WEEKS_KEY]).fetchall()
    return int(row[0][0]) if row else STALE_WEEKS_DEFAULT


def _query(
    cur: duckdb.DuckDBPyConnection,
    columns: str,
    scope: Scope,
    cohort: int,
    college: str | None,
    person_key: str | None,
) -> pl.DataFrame:
    if college is not None:
        scope.check_college(cur, college)
    allowed = scope.allowed_colleges(cur)
    # `columns` is one of the two module constants above, never user input.
    return cur.sql(
        f"""SELECT {columns} FROM case_measures
            WHERE cohort = ?
              AND (?::VARCHAR[] IS NULL OR college_code IN (SELECT unnest(?::VARCHAR[])))
              AND (?::VARCHAR IS NULL OR college_code = ?)
              AND (?::VARCHAR IS NULL OR person_key = ?)
            ORDER BY college_code, person_key, measure_date DESC, measure_id DESC""",
        params=[cohort, allowed, allowed, college, college, person_key, person_key],
    ).pl()


def measure_facts(
    cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, college: str | None = None
) -> pl.DataFrame:
    """Measures in scope without any text (type, dates, outcome): for the case counts of every role.
    The person key only links a measure to its case inside metrics; no page shows it to a role
    without access to personal data."""
    out = _query(cur, _FACT_COLUMNS, scope, cohort, college, None)
    return out.cast(_FACT_SCHEMA) if out.height else pl.DataFrame(schema=_FACT_SCHEMA)


def measures_stamp(cur: duckdb.DuckDBPyConnection, cohort: int) -> tuple[int, int]:
    """A fingerprint of the cohort's measures as `measure_facts` reads them: (count, sum of row
    hashes). Recording a measure or an outcome changes it, so a result built from the measures can
    be kept until it changes (measures bump no dataset version). No personal data: two numbers."""
    row = cur.execute(
        """SELECT count(*), coalesce(sum(hash(measure_id, college_code, person_key, measure_type,
                 measure_date, due_date, outcome, outcome_date, vacancy_id)::HUGEINT), 0)
           FROM case_measures WHERE cohort = ?""",
        [cohort],
    ).fetchall()[0]
    return int(row[0]), int(row[1])


def measure_list(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    college: str | None = None,
    person_key: str | None = None,
) -> pl.DataFrame:
    """Measures with their texts, responsible person and outcome (personal data: college and base
    centre only), newest first per graduate."""
    scope.require_personal_data()
    out = _query(cur, _LIST_COLUMNS, scope, cohort, college, person_key)
    return out.cast(_LIST_SCHEMA) if out.height else pl.DataFrame(schema=_LIST_SCHEMA)


def measure_owner(cur: duckdb.DuckDBPyConnection, measure_id: int) -> tuple[str, int, str] | None:
    """(college_code, cohort, person_key) of a measure, or None when there is no such measure."""
    rows = cur.execute(
        "SELECT college_code, cohort, person_key FROM case_measures WHERE measure_id = ?", [measure_id]
    ).fetchall()
    return (str(rows[0][0]), int(rows[0][1]), str(rows[0][2])) if rows else None


def graduate_exists(cur: duckdb.DuckDBPyConnection, college: str, cohort: int, person_key: str) -> bool:
    rows = cur.execute(
        "SELECT count(*) FROM graduates WHERE college_code = ? AND cohort = ? AND person_key = ?",
        [college, cohort, person_key],
    ).fetchall()
    return bool(rows[0][0])


def escalations(cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int) -> pl.DataFrame:
    """Graduates in lists sent to ЦЗН: college_code, person_key, batch_id, sent_at (the latest
    sending per graduate). Personal data."""
    scope.require_personal_data()
    allowed = scope.allowed_colleges(cur)
    return cur.sql(
        """SELECT college_code, person_key, batch_id, sent_at FROM czn_escalations
           WHERE cohort = ? AND (?::VARCHAR[] IS NULL OR college_code IN (SELECT unnest(?::VARCHAR[])))
           QUALIFY row_number() OVER (PARTITION BY college_code, person_key ORDER BY sent_at DESC) = 1""",
        params=[cohort, allowed, allowed],
    ).pl()


def czn_answers(cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int) -> pl.DataFrame:
    """The ЦЗН's latest answer per graduate of the cohort in scope: college_code, person_key,
    answer_date, result, comment. Personal data."""
    scope.require_personal_data()
    allowed = scope.allowed_colleges(cur)
    return cur.sql(
        """SELECT g.college_code, g.person_key, a.answer_date, a.result, a.comment
           FROM czn_answers a JOIN graduates g ON g.snils = a.snils AND g.cohort = ?
           WHERE (?::VARCHAR[] IS NULL OR g.college_code IN (SELECT unnest(?::VARCHAR[])))
           QUALIFY row_number() OVER (PARTITION BY g.college_code, g.person_key ORDER BY a.answer_date DESC) = 1""",
        params=[cohort, allowed, allowed],
    ).pl()


def escalation_batch(cur: duckdb.DuckDBPyConnection, scope: Scope, batch_id: int) -> pl.DataFrame:
    """One list sent to ЦЗН with the graduates' identity (full СНИЛС: the ЦЗН needs it to act,
    docs/domain.md §10): base centre only."""
    scope.require_role("base_centre")
    return cur.sql(
        """SELECT e.batch_id, e.sent_at, e.sent_by, e.college_code, c.short_name AS college_name, e.cohort,
                  e.person_key, g.snils, g.last_name, g.first_name, g.middle_name, g.birth_date, g.program_code,
                  p.name AS program_name, coalesce(m.name, g.residence_municipality, cm.name) AS municipality
           FROM czn_escalations e
           JOIN graduates g ON g.college_code = e.college_code AND g.cohort = e.cohort AND g.person_key = e.person_key
           JOIN colleges c ON c.college_code = e.college_code
           LEFT JOIN municipalities cm ON cm.oktmo = c.oktmo
           LEFT JOIN municipalities m ON m.oktmo = g.residence_municipality
           LEFT JOIN programs p ON p.program_code = g.program_code
           WHERE e.batch_id = ?
           ORDER BY e.college_code, g.last_name, g.first_name, e.person_key""",
        params=[batch_id],
    ).pl()
