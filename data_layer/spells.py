"""Derived table `status_spells`: periods of constant status per graduate.

Rebuilt inside the load transaction for the (college, cohort) pairs a load touched, so that the
status of every graduate at any date is one range lookup (valid_from <= D < valid_to) and the
weekly series is one pass over spell boundaries. Semantics (docs/data_contract.md §5): a graduate's status
at D is the one in the latest snapshot dated <= D that contains the graduate; before the first
such snapshot it is 'unknown'.

Cohort membership in time (docs/domain.md §2): a graduate belongs to his cohort's figures only from his own
graduation date. Spells are clipped to [graduation_date, ...): a graduate has no spell at all
before he graduates, so every reader of this table (counts at a date, weekly series, risk group,
verification, reports) leaves him out without a condition of its own. A status reported before
graduation carries into the first spell after it.

`declared_from` is the first snapshot of the uninterrupted run of the spell's status (a change of
"по специальности" or of the start date splits a spell but not the run): the date the college
first declared that status, the start of the unconfirmed-work clock N3 (docs/domain.md §6).
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

FAR_PAST = "1900-01-01"
FAR_FUTURE = "9999-12-31"

_DIMS = """g.program_code, g.study_form, g.sex, g.is_target, g.is_ovz, g.is_disabled,
           g.is_professionalitet, g.graduation_date"""

SPELL_COLUMNS = """cohort, college_code, person_key, program_code, study_form, sex, is_target, is_ovz,
    is_disabled, is_professionalitet, graduation_date, status, by_specialty, status_start, discharge_date,
    valid_from, valid_to, declared_from"""

_REBUILD_SQL = f"""
INSERT INTO status_spells ({SPELL_COLUMNS})
WITH raw AS (
    -- status rows of listed graduates only (others make no spells), numbered by the graduate's row:
    -- the windows partition by one integer instead of three text and number columns.
    -- One window pass: the next snapshot, and whether this row starts a new spell (any field
    -- changed) or a new run of the status.
    SELECT g.rowid AS gid, r.status, r.by_specialty, r.status_start, r.discharge_date,
           r.snapshot_date AS valid_from,
           coalesce(lead(r.snapshot_date) OVER w, DATE '{FAR_FUTURE}') AS valid_to,
           CASE WHEN (r.status, r.by_specialty, r.status_start, r.discharge_date)
                     IS NOT DISTINCT FROM
                     (lag(r.status) OVER w, lag(r.by_specialty) OVER w,
                      lag(r.status_start) OVER w, lag(r.discharge_date) OVER w)
                THEN 0 ELSE 1 END AS is_break,
           r.status IS DISTINCT FROM lag(r.status) OVER w AS status_break
    FROM status_rows r
    JOIN _spell_pairs p ON p.college_code = r.college_code AND p.cohort = r.cohort
    JOIN graduates g ON g.college_code = r.college_code AND g.cohort = r.cohort AND g.person_key = r.person_key
    WINDOW w AS (PARTITION BY g.rowid ORDER BY r.snapshot_date)
),
numbered AS (
    -- second pass: the spell number, and the first snapshot of the current run of the status
    -- (a spell never changes status inside, so the run start is the latest status break so far)
    SELECT *, sum(is_break) OVER v AS island,
           max(CASE WHEN status_break THEN valid_from END) OVER v AS declared_from
    FROM raw
    WINDOW v AS (PARTITION BY gid ORDER BY valid_from ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
-- consecutive snapshots with an identical status row merge into one spell
declared AS (
    SELECT gid, any_value(status) AS status,
           any_value(by_specialty) AS by_specialty, any_value(status_start) AS status_start,
           any_value(discharge_date) AS discharge_date, min(valid_from) AS valid_from, max(valid_to) AS valid_to,
           min(declared_from) AS declared_from
    FROM numbered GROUP BY gid, island
),
firsts AS (
    SELECT gid, min(valid_from) AS first_date FROM declared GROUP BY gid
),
unclipped AS (
    SELECT g.cohort, g.college_code, g.person_key, {_DIMS},
           'unknown' AS status, false AS by_specialty, NULL::DATE AS status_start, NULL::DATE AS discharge_date,
           DATE '{FAR_PAST}' AS valid_from, coalesce(f.first_date, DATE '{FAR_FUTURE}') AS valid_to,
           NULL::DATE AS declared_from
    FROM graduates g
    JOIN _spell_pairs p ON p.college_code = g.college_code AND p.cohort = g.cohort
    LEFT JOIN firsts f ON f.gid = g.rowid
    UNION ALL
    SELECT g.cohort, g.college_code, g.person_key, {_DIMS},
           r.status, r.by_specialty, r.status_start, r.discharge_date, r.valid_from, r.valid_to, r.declared_from
    FROM declared r
    JOIN graduates g ON g.rowid = r.gid
)
-- membership in time: nothing before the graduate's own graduation date
SELECT * REPLACE (greatest(valid_from, graduation_date) AS valid_from)
FROM unclipped
WHERE valid_to > graduation_date
"""


def rebuild_spells(cur: duckdb.DuckDBPyConnection, pairs: Iterable[tuple[str, int]] | None = None) -> None:
    """Recompute spells for the given (college_code, cohort) pairs; None means every pair.

    Call inside the caller's transaction: a crash leaves the previous spells intact.
    Status rows of graduates no longer in the graduation list are kept in `status_rows` but do
    not produce spells (they are not part of the actual graduation).
    """
    cur.execute("CREATE OR REPLACE TEMP TABLE _spell_pairs (college_code VARCHAR, cohort INTEGER)")
    if pairs is None:
        cur.execute(
            """INSERT INTO _spell_pairs SELECT DISTINCT college_code, cohort FROM graduates
               UNION SELECT DISTINCT college_code, cohort FROM status_rows"""
        )
    else:
        pair_list = sorted(set(pairs))
        if not pair_list:
            return
        cur.executemany("INSERT INTO _spell_pairs VALUES (?, ?)", [list(p) for p in pair_list])
    cur.execute(
        """DELETE FROM status_spells s USING _spell_pairs p
           WHERE s.college_code = p.college_code AND s.cohort = p.cohort"""
    )
    cur.execute(_REBUILD_SQL)
    cur.execute("DROP TABLE _spell_pairs")
