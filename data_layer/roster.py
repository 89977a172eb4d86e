"""What a college sends back every week, as it stands now: its graduates under monitoring with their
current status rows (for the pre-filled weekly template), and its stored graduation list.

Personal data (domain.md §10): only the college itself and the base centre may read these.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from data_layer.scope import Scope


def monitored_roster(cur: duckdb.DuckDBPyConnection, scope: Scope, college: str, on: dt.date) -> pl.DataFrame:
    """Graduates of `college` under monitoring on `on` (graduated on or before it, window not over:
    31 December of the year after the cohort), each with the fields of his latest status row dated
    on or before `on` (NULL when he has none yet).

    Columns: person_key, snils, doc_number, last_name, first_name, middle_name, cohort, program_code,
    status, status_start, by_specialty, employer_inn, employer_name, work_municipality, career_track,
    discharge_date, support_measures. Ordered by cohort, name.
    """
    scope.require_personal_data()
    scope.check_college(cur, college)
    return cur.sql(
        """WITH g AS (
               SELECT person_key, snils, doc_number, last_name, first_name, middle_name, cohort, program_code
               FROM graduates
               WHERE college_code = ? AND graduation_date <= ? AND make_date(cohort + 1, 12, 31) >= ?
           ),
           s AS (
               SELECT person_key, status, status_start, by_specialty, employer_inn, employer_name,
                      work_municipality, career_track, discharge_date, support_measures
               FROM status_rows
               WHERE college_code = ? AND snapshot_date <= ?
               QUALIFY row_number() OVER (PARTITION BY person_key ORDER BY snapshot_date DESC) = 1
           )
           SELECT g.*, s.status, s.status_start, s.by_specialty, s.employer_inn, s.employer_name,
                  s.work_municipality, s.career_track, s.discharge_date, s.support_measures
           FROM g LEFT JOIN s USING (person_key)
           ORDER BY g.cohort, g.last_name, g.first_name, g.middle_name, g.person_key""",
        params=[college, on, on, college, on],
    ).pl()


def graduation_list(cur: duckdb.DuckDBPyConnection, scope: Scope, college: str, cohort: int) -> pl.DataFrame:
    """The stored graduation list of (college, cohort), in the columns of the `graduates` kind."""
    scope.require_personal_data()
    scope.check_college(cur, college)
    return cur.sql(
        """SELECT snils, last_name, first_name, middle_name, birth_date, sex, college_code, program_code,
                  study_form, graduation_date, is_target, is_ovz, is_disabled, is_professionalitet,
                  diploma_reg_no, is_foreign, doc_number
           FROM graduates WHERE college_code = ? AND cohort = ?
           ORDER BY last_name, first_name, middle_name, person_key""",
        params=[college, cohort],
    ).pl()


def program_codes(cur: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(code, name) of every program in the reference, for drop-down lists."""
    return [
        (str(c), str(n))
        for c, n in cur.execute("SELECT program_code, name FROM programs ORDER BY 1").fetchall()
    ]


def college_cohorts(cur: duckdb.DuckDBPyConnection, scope: Scope, college: str) -> list[int]:
    """Cohorts of `college` that have a stored graduation list, newest first."""
    scope.check_college(cur, college)
    rows = cur.execute(
        "SELECT DISTINCT cohort FROM graduates WHERE college_code = ? ORDER BY 1 DESC", [college]
    ).fetchall()
    return [int(r[0]) for r in rows]
