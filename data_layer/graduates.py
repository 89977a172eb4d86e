"""Graduate records (personal data, domain.md §10): the list as a college or the base centre may see
it, and the masked СНИЛС shown on screens (***-***-123 45)."""

from __future__ import annotations

import duckdb
import polars as pl

from data_layer.scope import Scope


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
        fio=pl.concat_str(
            [pl.col("last_name"), pl.col("first_name"), pl.col("middle_name")],
            separator=" ",
            ignore_nulls=True,
        ),
        snils_masked=pl.col("snils").map_elements(mask_snils, return_dtype=pl.Utf8, skip_nulls=False),
    )
