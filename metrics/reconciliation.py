"""Reconciliation of actual graduation with ФИС ФРДО (docs/domain.md §7).

Per college and cohort: graduates in the college's list, diplomas in the ФИС ФРДО extract (issue
year = cohort), СНИЛС only in one of them, completeness = list graduates found in ФИС ФРДО / list
graduates. The college and its territorial unit each confirm or return the figures with a comment;
every decision is stored with user and time (the newest decision of each party is in force).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from data_layer.errors import ScopeError, UserFacingError
from data_layer.scope import Scope

PARTY_LABELS = {"college": "ПОО", "territory": "ТУ"}
DECISION_LABELS = {"confirmed": "Подтверждено", "returned": "Возвращено на доработку"}


def reconciliation_table(cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int) -> pl.DataFrame:
    """One row per college in scope: list_count, frdo_count, matched, only_in_list, only_in_frdo,
    completeness, and the newest decision of the college and of the territory."""
    allowed = scope.allowed_colleges(cur)
    return cur.sql(
        """
        WITH lst AS (SELECT college_code, snils FROM graduates WHERE cohort = ?),
        fr AS (SELECT DISTINCT college_code, snils FROM frdo_records WHERE year(issue_date) = ?),
        per AS (
            SELECT c.college_code, c.short_name, c.full_name, m.tu_code,
                (SELECT count(*) FROM lst WHERE lst.college_code = c.college_code) AS list_count,
                (SELECT count(*) FROM fr WHERE fr.college_code = c.college_code) AS frdo_count,
                (SELECT count(*) FROM lst JOIN fr USING (college_code, snils)
                   WHERE lst.college_code = c.college_code) AS matched
            FROM colleges c LEFT JOIN municipalities m USING (oktmo)
            WHERE (?::VARCHAR[] IS NULL OR c.college_code IN (SELECT unnest(?::VARCHAR[])))
        ),
        dec AS (
            SELECT * FROM reconciliation_decisions WHERE cohort = ?
            QUALIFY row_number() OVER (PARTITION BY college_code, party ORDER BY decided_at DESC) = 1
        )
        SELECT per.*, per.list_count - per.matched AS only_in_list, per.frdo_count - per.matched AS only_in_frdo,
               CASE WHEN per.list_count > 0 THEN per.matched / per.list_count END AS completeness,
               dc.decision AS college_decision, dc.comment AS college_comment, dc.username AS college_user,
               dc.decided_at AS college_decided_at,
               dt.decision AS territory_decision, dt.comment AS territory_comment, dt.username AS territory_user,
               dt.decided_at AS territory_decided_at
        FROM per
        LEFT JOIN dec dc ON dc.college_code = per.college_code AND dc.party = 'college'
        LEFT JOIN dec dt ON dt.college_code = per.college_code AND dt.party = 'territory'
        WHERE per.list_count > 0 OR per.frdo_count > 0
        ORDER BY per.short_name
        """,
        params=[cohort, cohort, allowed, allowed, cohort],
    ).pl()


def differences(cur: duckdb.DuckDBPyConnection, scope: Scope, college_code: str, cohort: int) -> pl.DataFrame:
    """СНИЛС present in one source and not in the other (personal data: college and base centre)."""
    scope.require_personal_data()
    scope.check_college(cur, college_code)
    return cur.sql(
        """
        WITH lst AS (SELECT snils, last_name, first_name, middle_name, program_code FROM graduates
                     WHERE college_code = ? AND cohort = ? AND snils IS NOT NULL),
        fr AS (SELECT snils, any_value(program_code) AS program_code, any_value(reg_no) AS reg_no,
                      any_value(issue_date) AS issue_date FROM frdo_records
               WHERE college_code = ? AND year(issue_date) = ? GROUP BY snils)
        SELECT 'only_in_list' AS side, lst.snils, lst.last_name, lst.first_name, lst.middle_name,
               lst.program_code, NULL AS reg_no, NULL::DATE AS issue_date
        FROM lst ANTI JOIN fr USING (snils)
        UNION ALL
        SELECT 'only_in_frdo', fr.snils, NULL, NULL, NULL, fr.program_code, fr.reg_no, fr.issue_date
        FROM fr ANTI JOIN lst USING (snils)
        ORDER BY 1, 2
        """,
        params=[college_code, cohort, college_code, cohort],
    ).pl()


def check_decision(
    cur: duckdb.DuckDBPyConnection, scope: Scope, college_code: str, decision: str, comment: str
) -> str:
    """The deciding party ('college' or 'territory') of a valid decision; raises otherwise."""
    if decision not in DECISION_LABELS:
        raise UserFacingError("Решение: подтвердить или вернуть.")
    if scope.role == "college":
        party = "college"
    elif scope.role == "territory":
        party = "territory"
    else:
        raise ScopeError("Подтверждают сверку ПОО и её территориальное управление.")
    scope.check_college(cur, college_code)
    if decision == "returned" and not comment.strip():
        raise UserFacingError("При возврате укажите комментарий: что нужно исправить.")
    return party


def insert_decision(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    party: str,
    college_code: str,
    cohort: int,
    decision: str,
    comment: str,
) -> None:
    """Store a checked decision with the figures it was made on. No transaction here: ops.reconciliation."""
    row = reconciliation_table(cur, scope, cohort).filter(pl.col("college_code") == college_code)
    frdo_count = int(row["frdo_count"][0]) if row.height else None
    list_count = int(row["list_count"][0]) if row.height else None
    cur.execute(
        "INSERT INTO reconciliation_decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            college_code,
            cohort,
            party,
            decision,
            comment.strip() or None,
            scope.username,
            dt.datetime.now(),
            frdo_count,
            list_count,
        ],
    )


def decision_history(cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int) -> pl.DataFrame:
    allowed = scope.allowed_colleges(cur)
    return cur.sql(
        """SELECT college_code, party, decision, comment, username, decided_at, frdo_count, list_count
           FROM reconciliation_decisions WHERE cohort = ?
             AND (?::VARCHAR[] IS NULL OR college_code IN (SELECT unnest(?::VARCHAR[])))
           ORDER BY decided_at DESC""",
        params=[cohort, allowed, allowed],
    ).pl()
