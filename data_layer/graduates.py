"""Graduate records (personal data, docs/domain.md §10): the list as a college or the base centre may see
it, and the masked СНИЛС shown on screens (***-***-123 45)."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from data_layer.scope import Scope
from data_layer.statuses import STATUSES


def mask_snils(snils: str | None) -> str:
    """'12345678901' or '123-456-789 01' -> '***-***-789 01'; empty or malformed -> '—'."""
    digits = "".join(ch for ch in (snils or "") if ch.isdigit())
    if len(digits) != 11:
        return "—"
    return f"***-***-{digits[6:9]} {digits[9:]}"


def format_snils(snils: str | None) -> str:
    """'12345678901' -> '123-456-789 01' (full, for the few places where the user needs it to act)."""
    digits = "".join(ch for ch in (snils or "") if ch.isdigit())
    if len(digits) != 11:
        return "—"
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:]}"


def full_name(last: str | None, first: str | None, middle: str | None) -> str:
    return " ".join(p for p in (last, first, middle) if p)


def graduate_list(
    cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, college: str | None = None
) -> pl.DataFrame:
    """Graduates of a cohort in scope: person_key, college_code, snils, last_name, first_name,
    middle_name, fio, snils_masked, program_code, program_name, graduation_date.

    Raises ScopeError for roles without access to personal data or a college outside the scope.
    """
    scope.require_personal_data()
    if college is not None:
        scope.check_college(cur, college)
    allowed = scope.allowed_colleges(cur)
    frame = cur.sql(
        """SELECT g.person_key, g.college_code, g.snils, g.last_name, g.first_name, g.middle_name,
                  g.program_code, p.name AS program_name, g.graduation_date
           FROM graduates g LEFT JOIN programs p USING (program_code)
           WHERE g.cohort = ?
             AND (?::VARCHAR[] IS NULL OR g.college_code IN (SELECT unnest(?::VARCHAR[])))
             AND (?::VARCHAR IS NULL OR g.college_code = ?)
           ORDER BY g.college_code, g.last_name, g.first_name, g.middle_name, g.person_key""",
        params=[cohort, allowed, allowed, college, college],
    ).pl()
    return frame.with_columns(
        fio=fio_expr(),
        snils_masked=masked_snils_expr("snils"),
    )


def fio_expr() -> pl.Expr:
    """Vectorised full_name of the last_name, first_name and middle_name columns."""
    return pl.concat_str(
        [pl.col("last_name"), pl.col("first_name"), pl.col("middle_name")], separator=" ", ignore_nulls=True
    )


def status_label_expr(column: str) -> pl.Expr:
    """The Russian label of a status code column (an unknown code is shown as it is)."""
    labels = {s.code: s.label for s in STATUSES}
    return pl.col(column).replace_strict(labels, default=pl.col(column), return_dtype=pl.Utf8)


def masked_snils_expr(column: str) -> pl.Expr:
    """Vectorised mask_snils for a column of stored (11-digit) СНИЛС."""
    c = pl.col(column)
    return (
        pl.when(c.str.contains(r"^\d{11}$"))
        .then(pl.concat_str([pl.lit("***-***-"), c.str.slice(6, 3), pl.lit(" "), c.str.slice(9, 2)]))
        .otherwise(pl.lit("—"))
    )


def formatted_snils_expr(column: str) -> pl.Expr:
    """Vectorised format_snils: the full СНИЛС as XXX-XXX-XXX YY."""
    c = pl.col(column)
    return (
        pl.when(c.str.contains(r"^\d{11}$"))
        .then(
            pl.concat_str(
                [
                    c.str.slice(0, 3),
                    pl.lit("-"),
                    c.str.slice(3, 3),
                    pl.lit("-"),
                    c.str.slice(6, 3),
                    pl.lit(" "),
                    c.str.slice(9, 2),
                ]
            )
        )
        .otherwise(pl.lit("—"))
    )


def graduate_statuses(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    college: str,
    cohort: int,
    as_of: dt.date,
    program: str | None = None,
) -> pl.DataFrame:
    """Graduates of one college (optionally one programme) with their status at `as_of`, for the
    college card: fio, snils_masked, program_code, program_name, status, status_label, status_date
    (when the status took effect: its start date, else the first snapshot reporting it; none for
    «Нет данных»). No full СНИЛС leaves this function.

    Raises ScopeError for roles without access to personal data or a college outside the scope.
    """
    scope.require_personal_data()
    scope.check_college(cur, college)
    frame = cur.sql(
        """SELECT g.last_name, g.first_name, g.middle_name, g.snils, g.program_code, p.name AS program_name,
                  s.status,
                  CASE WHEN s.status = 'unknown' THEN NULL ELSE coalesce(s.status_start, s.valid_from) END
                      AS status_date
           FROM status_spells s
           JOIN graduates g ON g.college_code = s.college_code AND g.cohort = s.cohort
                           AND g.person_key = s.person_key
           LEFT JOIN programs p ON p.program_code = g.program_code
           WHERE s.college_code = ? AND s.cohort = ? AND s.valid_from <= ? AND s.valid_to > ?
             AND (?::VARCHAR IS NULL OR s.program_code = ?)
           ORDER BY g.last_name, g.first_name, g.middle_name, g.person_key""",
        params=[college, cohort, as_of, as_of, program, program],
    ).pl()
    return frame.select(
        fio_expr().alias("fio"),
        masked_snils_expr("snils").alias("snils_masked"),
        "program_code",
        "program_name",
        "status",
        status_label_expr("status").alias("status_label"),
        "status_date",
    )


def graduates_with_status(
    cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, as_of: dt.date, statuses: list[str]
) -> pl.DataFrame:
    """Graduates of the cohort in scope whose status at `as_of` is one of `statuses` (e.g. the
    graduates without a federal column who break the regional form's control rule): college_code,
    program_code, row flags (is_ovz, is_disabled, is_target), fio, snils_masked, status,
    status_label. Only graduates on or after their graduation date (status_spells).

    Raises ScopeError for roles without access to personal data.
    """
    scope.require_personal_data()
    allowed = scope.allowed_colleges(cur)
    frame = cur.sql(
        """SELECT s.college_code, s.program_code, s.is_ovz, s.is_disabled, s.is_target,
                  g.last_name, g.first_name, g.middle_name, g.snils, s.status
           FROM status_spells s
           JOIN graduates g ON g.college_code = s.college_code AND g.cohort = s.cohort
                           AND g.person_key = s.person_key
           WHERE s.cohort = ? AND s.valid_from <= ? AND s.valid_to > ?
             AND s.status IN (SELECT unnest(?::VARCHAR[]))
             AND (?::VARCHAR[] IS NULL OR s.college_code IN (SELECT unnest(?::VARCHAR[])))
           ORDER BY s.college_code, s.program_code, g.last_name, g.first_name, g.middle_name, g.person_key""",
        params=[cohort, as_of, as_of, statuses, allowed, allowed],
    ).pl()
    return frame.select(
        "college_code",
        "program_code",
        "is_ovz",
        "is_disabled",
        "is_target",
        fio_expr().alias("fio"),
        masked_snils_expr("snils").alias("snils_masked"),
        "status",
        status_label_expr("status").alias("status_label"),
    )
