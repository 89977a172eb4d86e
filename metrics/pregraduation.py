"""Graduating students at risk before the graduation date (issue 14, part 3; seed: October–May).

At date D from 1 October of the academic year, the graduating cohort is the one whose academic year
«Y−1/Y» contains D. Its students are those of the graduation list of Y not yet graduated at D (lists
can be loaded ahead) and those with a career track of that academic year. A student is at risk for:
  no_track      no career track of the academic year formed by D;
  undetermined  the track is «не определился»;
  no_events     the college has had no event with graduate participants since 1 September of the
                academic year (the events file counts participants per event, not by name, so this
                reason is the college's, applied to each of its students).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from data_layer.scope import Scope

REASONS: dict[str, str] = {
    "no_track": "нет карьерного трека",
    "undetermined": "трек «не определился»",
    "no_events": "ПОО не провела мероприятий с участием выпускников",
}
START_MONTH = 10  # work with graduating students starts in October


def graduating_year(as_of: dt.date) -> int:
    """The cohort graduating in the academic year that contains `as_of` (September–August)."""
    return as_of.year + 1 if as_of.month >= 9 else as_of.year


def in_season(as_of: dt.date) -> bool:
    """October to the end of June of the academic year (graduation)."""
    return as_of.month >= START_MONTH or as_of.month <= 6


_SQL = """
WITH students AS (
    SELECT college_code, person_key FROM graduates
    WHERE cohort = ? AND graduation_date > ?
      AND (?::VARCHAR[] IS NULL OR college_code IN (SELECT unnest(?::VARCHAR[])))
    UNION
    SELECT college_code, person_key FROM career_tracks
    WHERE academic_year = ? AND (formed_date IS NULL OR formed_date <= ?)
      AND (?::VARCHAR[] IS NULL OR college_code IN (SELECT unnest(?::VARCHAR[])))
),
tracks AS (
    SELECT college_code, person_key, track FROM career_tracks
    WHERE academic_year = ? AND (formed_date IS NULL OR formed_date <= ?)
    QUALIFY row_number() OVER (PARTITION BY college_code, person_key ORDER BY formed_date DESC NULLS LAST) = 1
),
events_ AS (
    SELECT college_code, sum(graduate_participants) AS participants FROM events
    WHERE event_date BETWEEN ? AND ? GROUP BY college_code
)
SELECT s.college_code, s.person_key, t.track,
       t.track IS NULL AS no_track,
       coalesce(t.track = 'не определился', false) AS undetermined,
       coalesce(e.participants, 0) = 0 AS no_events
FROM students s
LEFT JOIN tracks t USING (college_code, person_key)
LEFT JOIN events_ e USING (college_code)
ORDER BY s.college_code, s.person_key
"""


def _students(cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: dt.date) -> pl.DataFrame:
    year = graduating_year(as_of)
    academic = f"{year - 1}/{year}"
    allowed = scope.allowed_colleges(cur)
    frame = cur.sql(
        _SQL,
        params=[
            year,
            as_of,
            allowed,
            allowed,
            academic,
            as_of,
            allowed,
            allowed,
            academic,
            as_of,
            dt.date(year - 1, 9, 1),
            as_of,
        ],
    ).pl()
    return frame.with_columns(
        reasons=pl.concat_list(
            [pl.when(pl.col(r)).then(pl.lit(r)).otherwise(None) for r in REASONS]
        ).list.drop_nulls()
    ).with_columns(at_risk=pl.col("reasons").list.len() > 0)


def students_at_risk(cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: dt.date) -> pl.DataFrame:
    """Graduating students at risk (personal data): college_code, person_key, track, one bool per
    reason, reasons (list)."""
    scope.require_personal_data()
    return _students(cur, scope, as_of).filter(pl.col("at_risk")).drop("at_risk")


def counts(cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: dt.date) -> pl.DataFrame:
    """Per college in scope: students, at_risk and one count per reason (aggregates only)."""
    frame = _students(cur, scope, as_of)
    return (
        frame.group_by("college_code")
        .agg(
            pl.len().cast(pl.Int64).alias("students"),
            pl.col("at_risk").sum().cast(pl.Int64),
            *[pl.col(r).sum().cast(pl.Int64) for r in REASONS],
        )
        .sort("college_code")
    )
