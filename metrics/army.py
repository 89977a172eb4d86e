"""Graduates coming back from conscript service (issue 14, part 2), so that the college contacts them
before the four-week clock of the risk rule (docs/domain.md §6, N2) starts.

Expected discharge = call-up date + 12 months (conscript service lasts a year). The call-up date is
the status file's «Дата призыва», else the «Дата начала статуса» of the conscript status, else the
first snapshot that reported the graduate as a conscript. A graduate is listed at date D when
  - his latest status at D is still «Служба в армии по призыву» and the expected discharge is no later
    than D + 8 weeks (an expected date already past stays listed until the college reports him back), or
  - the labour ministry's file (kind army_returns, the newest extract dated on or before D that names
    him) gives a discharge date from D − N2 weeks to D + 8 weeks.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from data_layer.scope import Scope
from metrics.settings import risk_thresholds
from metrics.verification import ExternalFacts, registered, withheld_sql

WEEKS_AHEAD = 8
# the order of a returnee list (the query's ORDER BY): a list assembled from parts is sorted by it
ORDER = ["return_date", "college_code", "person_key"]
SOURCES = {"status": "по статусу ПОО", "ministry": "файл Минтруда", "both": "статус ПОО и файл Минтруда"}

# the contested pairs of the СНИЛС in the ministry's file only (data_layer.identity.withheld_cte)
_SQL = """
WITH {withheld},
rows_ AS (
    SELECT r.* FROM status_rows r
    JOIN graduates g ON g.college_code = r.college_code AND g.cohort = r.cohort AND g.person_key = r.person_key
    WHERE r.cohort = ? AND r.snapshot_date <= ?
      AND (?::VARCHAR[] IS NULL OR r.college_code IN (SELECT unnest(?::VARCHAR[])))
),
latest AS (
    SELECT college_code, person_key, status AS status_now FROM rows_
    QUALIFY row_number() OVER (PARTITION BY college_code, person_key ORDER BY snapshot_date DESC) = 1
),
conscripts AS (
    SELECT college_code, person_key,
           coalesce(max(conscription_date), min(status_start), min(snapshot_date)) AS call_up_date
    FROM rows_ WHERE status = 'military_conscript' GROUP BY college_code, person_key
),
expected AS (
    SELECT c.college_code, c.person_key, c.call_up_date,
           (c.call_up_date + INTERVAL 12 MONTH)::DATE AS expected_discharge
    FROM conscripts c JOIN latest l USING (college_code, person_key)
    WHERE l.status_now = 'military_conscript' AND (c.call_up_date + INTERVAL 12 MONTH)::DATE <= ?::DATE + ?
),
ministry AS (
    SELECT g.college_code, g.person_key, a.discharge_date
    FROM (SELECT snils, discharge_date FROM army_returns WHERE extract_date <= ?
          QUALIFY row_number() OVER (PARTITION BY snils ORDER BY extract_date DESC) = 1) a
    JOIN graduates g ON g.snils = a.snils AND g.cohort = ?
    WHERE a.discharge_date BETWEEN ?::DATE - ? AND ?::DATE + ?
      -- a contested СНИЛС (data_layer.identity) learns nothing from the ministry's file
      AND NOT EXISTS (SELECT 1 FROM withheld w WHERE w.snils = g.snils AND w.college_code = g.college_code)
      AND (?::VARCHAR[] IS NULL OR g.college_code IN (SELECT unnest(?::VARCHAR[])))
)
SELECT coalesce(e.college_code, m.college_code) AS college_code,
       coalesce(e.person_key, m.person_key) AS person_key,
       e.call_up_date, e.expected_discharge, m.discharge_date,
       CASE WHEN e.person_key IS NOT NULL AND m.person_key IS NOT NULL THEN 'both'
            WHEN e.person_key IS NOT NULL THEN 'status' ELSE 'ministry' END AS source,
       l.status_now
FROM expected e
FULL JOIN ministry m ON m.college_code = e.college_code AND m.person_key = e.person_key
LEFT JOIN latest l ON l.college_code = coalesce(e.college_code, m.college_code)
                  AND l.person_key = coalesce(e.person_key, m.person_key)
ORDER BY coalesce(m.discharge_date, e.expected_discharge), college_code, person_key
"""


def _returnees(cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, as_of: dt.date) -> pl.DataFrame:
    return returnees_of(cur, cohort, as_of, scope.allowed_colleges(cur))


def returnees_of(
    cur: duckdb.DuckDBPyConnection,
    cohort: int,
    as_of: dt.date,
    colleges: list[str] | None,
    facts: ExternalFacts | None = None,
) -> pl.DataFrame:
    """The returnees of these colleges (None: all), no scope check: a college's rows depend only on
    its own status rows and on data that moves the base version, so ui/parts.py keeps them per
    college. Callers showing them check the scope (`returnee_list`). `facts`: the region's
    metrics.verification.ExternalFacts (contested pairs looked up instead of found)."""
    ahead = WEEKS_AHEAD * 7
    back = risk_thresholds(cur).n2_weeks * 7
    with registered(cur, facts):
        out = cur.sql(
            _SQL.format(withheld=withheld_sql("SELECT snils FROM army_returns", facts)),
            params=[
                cohort,
                as_of,
                colleges,
                colleges,
                as_of,
                ahead,
                as_of,
                cohort,
                as_of,
                back,
                as_of,
                ahead,
                colleges,
                colleges,
            ],
        ).pl()
    return out.with_columns(
        return_date=pl.coalesce(pl.col("discharge_date"), pl.col("expected_discharge")),
    )


def returnee_list(cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, as_of: dt.date) -> pl.DataFrame:
    """Who comes back (personal data: the college's own graduates, or all for the base centre):
    college_code, person_key, call_up_date, expected_discharge, discharge_date (ministry file),
    source (status | ministry | both), status_now, return_date (the known or the expected one)."""
    scope.require_personal_data()
    return _returnees(cur, scope, cohort, as_of)


def returnee_counts(
    cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, as_of: dt.date
) -> pl.DataFrame:
    """Per college in scope: returnees expected (by status), known from the ministry file, total."""
    return count_returnees(_returnees(cur, scope, cohort, as_of))


def count_returnees(frame: pl.DataFrame) -> pl.DataFrame:
    """`returnee_counts` of a returnee list."""
    return (
        frame.group_by("college_code")
        .agg(
            pl.len().cast(pl.Int64).alias("returnees"),
            pl.col("source").is_in(["ministry", "both"]).sum().cast(pl.Int64).alias("from_ministry"),
        )
        .sort("college_code")
    )
