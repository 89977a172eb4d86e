"""Derived table `status_spells`: periods of constant status per graduate.

Updated inside the load transaction for the (college, cohort) pairs a load touched (extended by
snapshots newer than every stored one, `append_spells` — after cutting them back, `cut_back`, when the
load replaces the newest snapshots; else rebuilt, `rebuild_spells`: `update_after_status_load`), so that
the status of every graduate at any date is one range lookup (valid_from <= D < valid_to) and the
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

import datetime as dt
from collections.abc import Iterable

import duckdb
import polars as pl

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
    pair_list = None if pairs is None else sorted(set(pairs))
    if pair_list == []:
        return  # nothing to rebuild (the usual case after a status load that only extends spells)
    cur.execute("CREATE OR REPLACE TEMP TABLE _spell_pairs (college_code VARCHAR, cohort INTEGER)")
    if pair_list is None:
        cur.execute(
            """INSERT INTO _spell_pairs SELECT DISTINCT college_code, cohort FROM graduates
               UNION SELECT DISTINCT college_code, cohort FROM status_rows"""
        )
    else:
        cur.executemany("INSERT INTO _spell_pairs VALUES (?, ?)", [list(p) for p in pair_list])
    cur.execute(
        """DELETE FROM status_spells s USING _spell_pairs p
           WHERE s.college_code = p.college_code AND s.cohort = p.cohort"""
    )
    cur.execute(_REBUILD_SQL)
    cur.execute("DROP TABLE _spell_pairs")


# ---------------------------------------------------------------- appending newer snapshots
#
# A load whose snapshots all come after every stored snapshot of its (college, cohort) pair (the
# weekly case) changes only the open spell (valid_to = FAR_FUTURE) of each graduate it lists: that
# spell goes on, or is closed at the first snapshot that differs and followed by new spells. The
# result is the same rows `rebuild_spells` would write (tests/unit/test_spells_append.py compares
# them); anything else (an older or replaced snapshot, an undo, a graduation list) rebuilds.

_FIELDS = ("status", "by_specialty", "status_start", "discharge_date")
_NEW_PAIRS = "_spell_new_pairs"
_APPENDED = "_spell_appended"
_CLOSED = "_spell_closed"

# each new status row with the open spell of its graduate (NULL when there is none: spells not built,
# or a graduate not listed — validation refuses such rows); {rows}: the load's rows (a code constant).
# The open spells of the pairs first: the join then hashes those, not every open spell of the region.
_NEW_ROWS_SQL = f"""
WITH s AS (
    SELECT s.rowid AS sid, s.college_code, s.cohort, s.person_key, s.status, s.by_specialty, s.status_start,
           s.discharge_date, s.declared_from
    FROM status_spells s SEMI JOIN {_NEW_PAIRS} p ON p.college_code = s.college_code AND p.cohort = s.cohort
    WHERE s.valid_to = DATE '{FAR_FUTURE}'
)
SELECT s.sid, r.college_code, r.cohort, r.snapshot_date AS d,
       r.status, r.by_specialty, r.status_start, r.discharge_date,
       s.status AS s_status, s.by_specialty AS s_by_specialty, s.status_start AS s_status_start,
       s.discharge_date AS s_discharge_date, s.declared_from AS s_declared_from
FROM {{rows}} r
JOIN {_NEW_PAIRS} p ON p.college_code = r.college_code AND p.cohort = r.cohort
LEFT JOIN s ON s.college_code = r.college_code AND s.cohort = r.cohort AND s.person_key = r.person_key
"""

# the spells after each open spell that ends, with the graduate's fields from the open spell
_WRITE_SQL = f"""
INSERT INTO status_spells ({SPELL_COLUMNS})
SELECT s.cohort, s.college_code, s.person_key, s.program_code, s.study_form, s.sex, s.is_target, s.is_ovz,
       s.is_disabled, s.is_professionalitet, s.graduation_date, a.status, a.by_specialty, a.status_start,
       a.discharge_date, greatest(a.valid_from, s.graduation_date), a.valid_to, a.declared_from
FROM {_APPENDED} a
JOIN (SELECT s.rowid AS sid, s.* FROM status_spells s
      JOIN {_NEW_PAIRS} p ON p.college_code = s.college_code AND p.cohort = s.cohort
      WHERE s.valid_to = DATE '{FAR_FUTURE}') s ON s.sid = a.sid
WHERE a.valid_to > s.graduation_date
"""
# then the open spells end (one that now ends by the graduation date goes: membership in time)
_CLOSE_SQL = f"""UPDATE status_spells SET valid_to = c.valid_to FROM {_CLOSED} c
                 WHERE status_spells.rowid = c.sid"""
_DROP_SQL = f"""DELETE FROM status_spells WHERE rowid IN (SELECT sid FROM {_CLOSED})
                AND valid_to <= graduation_date"""


# ---------------------------------------------------------------- replacing the newest snapshots
#
# A load that replaces the newest snapshots of a pair (a college re-sends this week's file) leaves the
# pair's status rows as they were before `cut` (its earliest new or replaced snapshot) plus its own
# rows. The spells rebuilt from the rows before `cut` are the stored spells cut back at `cut`:
# every graduate's spells cover [graduation_date, FAR_FUTURE) without gaps, the islands before `cut`
# are the same (declared_from included: the run start of an island is that of its first row), and the
# island holding the last row before `cut` (or the 'unknown' spell when there is none) goes on to
# FAR_FUTURE. So: spells starting on or after `cut` go, the one spell holding `cut` becomes open, and
# the load's rows are appended as newer snapshots. Exact only when every graduate of the pair
# graduated before `cut`: a spell that ended by the graduation date was not stored (membership in
# time) and may be the one to go on; such pairs are rebuilt.

_CUTS = "_spell_cuts"

# the pairs of _CUTS (college_code, cohort, cut, replaced) that can be cut back and extended;
# ? = the load's id (its own rows are stored already)
_EXTENDABLE_SQL = f"""
SELECT c.college_code, c.cohort, c.replaced FROM {_CUTS} c
WHERE NOT EXISTS (SELECT 1 FROM status_rows r WHERE r.college_code = c.college_code AND r.cohort = c.cohort
                  AND r.snapshot_date >= c.cut AND r.load_id IS DISTINCT FROM ?)
  AND NOT (c.replaced AND EXISTS (SELECT 1 FROM graduates g WHERE g.college_code = c.college_code
                                  AND g.cohort = c.cohort AND g.graduation_date >= c.cut))
"""
_CUT_DELETE_SQL = f"""DELETE FROM status_spells s USING {_CUTS} c
    WHERE s.college_code = c.college_code AND s.cohort = c.cohort AND s.valid_from >= c.cut"""
_CUT_OPEN_SQL = f"""UPDATE status_spells SET valid_to = DATE '{FAR_FUTURE}' FROM {_CUTS} c
    WHERE status_spells.college_code = c.college_code AND status_spells.cohort = c.cohort
      AND status_spells.valid_to >= c.cut AND status_spells.valid_to <> DATE '{FAR_FUTURE}'"""


def _cuts(firsts: pl.DataFrame, replaced: pl.DataFrame) -> pl.DataFrame:
    """(college_code, cohort, cut, replaced) per pair from the load's earliest snapshot of each pair
    (`firsts`: first_new) and the earliest snapshot it takes out of each pair (`replaced`: first_replaced)."""
    keys = [pl.col("college_code").cast(pl.Utf8), pl.col("cohort").cast(pl.Int32)]
    new = firsts.select(*keys, pl.col("first_new").cast(pl.Date))
    old = replaced.select(*keys, pl.col("first_replaced").cast(pl.Date))
    both = new.join(old, on=["college_code", "cohort"], how="full", coalesce=True)
    return both.select(
        "college_code",
        "cohort",
        pl.min_horizontal("first_new", "first_replaced").alias("cut"),
        pl.col("first_replaced").is_not_null().alias("replaced"),
    )


def update_after_status_load(
    cur: duckdb.DuckDBPyConnection,
    load_id: int,
    firsts: pl.DataFrame,
    replaced: pl.DataFrame,
    new_rows: str | None = None,
) -> set[tuple[str, int]]:
    """The spells after status load `load_id` (its rows stored, the replaced ones taken out):
    `firsts` (college_code, cohort, first_new) — the load's earliest snapshot of each pair;
    `replaced` (college_code, cohort, first_replaced) — the earliest snapshot it took out of each pair.
    A pair with no other stored row on or after its cut is cut back (when rows were taken out) and
    extended; every other pair is rebuilt from all its rows (returned). `new_rows`: see `append_spells`."""
    cuts = _cuts(firsts, replaced)
    if not cuts.height:
        return set()
    cur.register(_CUTS, cuts)
    try:
        found = cur.sql(_EXTENDABLE_SQL, params=[load_id]).pl()
    finally:
        cur.unregister(_CUTS)
    keys = ["college_code", "cohort"]
    to_cut = cuts.join(found.filter("replaced").select(keys), on=keys, how="semi")
    if to_cut.height:
        cut_back(cur, to_cut)
    extendable = {(str(c), int(y)) for c, y in found.select(keys).iter_rows()}
    stale = append_spells(cur, load_id, extendable, new_rows)
    every = {(str(c), int(y)) for c, y in cuts.select(keys).iter_rows()}
    rebuilt = (every - extendable) | stale
    rebuild_spells(cur, sorted(rebuilt))
    return rebuilt


def cut_back(cur: duckdb.DuckDBPyConnection, cuts: pl.DataFrame) -> None:
    """Spells of each pair of `cuts` (college_code, cohort, cut) as rebuilt from its status rows
    dated before `cut` (every graduate of the pair graduated before it: see above)."""
    cur.register(_CUTS, cuts)
    try:
        cur.execute(_CUT_DELETE_SQL)
        cur.execute(_CUT_OPEN_SQL)
    finally:
        cur.unregister(_CUTS)


def append_spells(
    cur: duckdb.DuckDBPyConnection,
    load_id: int,
    pairs: Iterable[tuple[str, int]],
    new_rows: str | None = None,
) -> set[tuple[str, int]]:
    """Extend the spells of `pairs` by the status rows of load `load_id`, stored already and all
    dated after every other stored row of their pair (`update_after_status_load`). Returns the pairs that
    could not be extended (a listed graduate without an open spell): rebuild those.

    `new_rows`: a registered relation holding exactly those rows (the importer's validated frame,
    a code constant), read instead of finding them in `status_rows` by `load_id`."""
    pair_list = sorted(set(pairs))
    if not pair_list:
        return set()
    cur.register(_NEW_PAIRS, pl.DataFrame(pair_list, schema=["college_code", "cohort"], orient="row"))
    try:
        if new_rows is None:
            rows = cur.sql(
                _NEW_ROWS_SQL.format(rows="status_rows") + "WHERE r.load_id = ?", params=[load_id]
            ).pl()
        else:
            rows = cur.sql(_NEW_ROWS_SQL.format(rows=new_rows)).pl()
        stale = rows.filter(pl.col("sid").is_null()).select("college_code", "cohort").unique()
        if stale.height:
            rows = rows.join(stale, on=["college_code", "cohort"], how="anti")
        closed, appended = _extend(rows)
        cur.register(_CLOSED, closed)
        cur.register(_APPENDED, appended)
        for sql in (_WRITE_SQL, _CLOSE_SQL, _DROP_SQL):
            cur.execute(sql)
    finally:
        for name in (_NEW_PAIRS, _CLOSED, _APPENDED):
            try:
                cur.unregister(name)
            except duckdb.Error:
                pass
    return {(str(c), int(y)) for c, y in stale.iter_rows()}


def _extend(rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(closed: sid, valid_to — open spells that end; appended: the spells after them) from the new
    rows of each graduate (sid: his open spell) and the fields of that open spell (s_*).

    The same islands as `_REBUILD_SQL`: a row starts a spell when any field differs from the row
    (or open spell) before it; the open 'unknown' spell (no declared_from) is followed by a new spell
    whatever the row says; declared_from moves on where the status differs."""
    rows = rows.sort("sid", "d")
    sid, d = pl.col("sid"), pl.col("d")
    first = sid.ne_missing(sid.shift(1))
    after_unknown = first & pl.col("s_declared_from").is_null()

    def before(name: str) -> pl.Expr:
        return pl.when(first).then(pl.col(f"s_{name}")).otherwise(pl.col(name).shift(1))

    changed = pl.any_horizontal([pl.col(f).ne_missing(before(f)) for f in _FIELDS])
    marked = rows.with_columns(
        (changed | after_unknown).alias("_break"),
        (pl.col("status").ne_missing(before("status")) | after_unknown).alias("_status_break"),
    ).with_columns(
        pl.when("_status_break")
        .then(d)
        .when(first)
        .then(pl.col("s_declared_from"))
        .otherwise(None)
        .forward_fill()
        .alias("declared_from")
    )
    starts = marked.filter("_break")
    starts = starts.with_columns(
        pl.when(sid.eq_missing(sid.shift(-1)))
        .then(d.shift(-1))
        .otherwise(pl.lit(dt.date.fromisoformat(FAR_FUTURE)))
        .alias("valid_to")
    )
    closed = starts.filter(sid.ne_missing(sid.shift(1))).select("sid", d.alias("valid_to"))
    appended = starts.select("sid", *_FIELDS, d.alias("valid_from"), "valid_to", "declared_from")
    return closed, appended
