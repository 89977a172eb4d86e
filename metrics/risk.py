"""The risk group (docs/domain.md §6): five reasons, thresholds N1–N3 from settings, entry and exit.

A graduate is in the group at D when any reason holds:
  risk_status      status at D in гр.13–16 (informal, czn_unemployed, no_motivation, other_risk);
  no_status        status unknown or undetermined and D more than N1 weeks after graduation;
  army_return      discharged from conscript service (discharge date known, <= D), more than N2 weeks
                   ago, and no work/study status dated after the discharge;
  czn_registered   registered at a ЦЗН at D (reg_date <= D, not yet deregistered);
  unconfirmed_work declared work (labour contract, ИП, НПД) not confirmed by УФНС data
                   (metrics.verification) more than N3 weeks after the college first declared it
                   (the first snapshot with that status, not the job's own start date).
Membership is evaluated by one SQL query over a list of checkpoint dates, so history (entry and
exit dates, "ever in the group") costs one query, not one per week.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from data_layer.scope import OPERATOR, Scope
from metrics.engine import (
    _FROM,
    DIMENSIONS,
    Filters,
    _dimension,
    cohort_start,
    scope_where,
    weekly_dates,
    window_end,
)
from metrics.settings import RiskThresholds
from metrics.statuses import NO_STATUS, RISK_STATUSES, STUDY_STATUSES, VERIFIABLE_WORK, WORK_STATUSES
from metrics.verification import SNILS_SEEN, ExternalFacts, czn_latest, registered, ufns_sql, withheld_sql

REASONS: dict[str, str] = {
    "risk_status": "Статус риска нетрудоустройства (гр.13–16)",
    "no_status": "Нет статуса или не определился дольше N1 недель после выпуска",
    "army_return": "Вернулся со службы по призыву и не трудоустроен дольше N2 недель",
    "czn_registered": "Состоит на учёте в ЦЗН",
    "unconfirmed_work": "Занятость не подтверждена данными УФНС дольше N3 недель",
}
REASON_SHORT: dict[str, str] = {
    "risk_status": "статус риска",
    "no_status": "нет статуса",
    "army_return": "после армии",
    "czn_registered": "учёт в ЦЗН",
    "unconfirmed_work": "не подтверждено УФНС",
}

# The two risk figures of the app, each named for what it counts (docs/domain.md §6 and §5).
RISK_GROUP_HELP = (
    "Выпускники, у которых на дату расчёта есть хотя бы одна из пяти причин группы риска: "
    + "; ".join(REASON_SHORT.values())
    + ". Это же число — на страницах «Группа риска» и «Работа с группой риска»."
)
RISK_SHARE_NOTE = (
    "Показатель «Доля выпускников под риском нетрудоустройства» считает только статусы риска "
    "(гр.13–16); «Группа риска» — выпускников хотя бы с одной из пяти причин (статус риска, нет "
    "статуса, после армии, учёт в ЦЗН, не подтверждено УФНС), поэтому она больше."
)


def _in_list(codes: frozenset[str]) -> str:
    # Code constants only (status codes are ASCII identifiers), never user input.
    return "(" + ", ".join(f"'{c}'" for c in sorted(codes)) + ")"


_RISK_SQL = """
WITH cp AS (SELECT unnest(?::DATE[]) AS d),
sp0 AS (
    -- only the columns the reasons need
    SELECT {dim_code} AS group_code, {dim_name} AS group_name, s.college_code, s.person_key, s.status,
           s.status_start, s.declared_from, s.graduation_date, s.valid_from, s.valid_to
    {from_} WHERE s.cohort = ? {where}
),
-- the contested pairs of these graduates only (data_layer.identity.withheld_cte)
{withheld},
sp AS (SELECT s.*, {snils_seen} AS snils FROM sp0 s),
-- the rest reads status rows and external records of these graduates' colleges and СНИЛС only,
-- so a query about one college costs about that college's share of the region
dis AS (
    SELECT cp.d, r.college_code, r.person_key, max(r.discharge_date) AS discharge_date
    FROM cp JOIN status_rows r ON r.snapshot_date <= cp.d AND r.discharge_date <= cp.d
    WHERE r.cohort = ? AND r.discharge_date IS NOT NULL
      AND r.college_code IN (SELECT DISTINCT college_code FROM sp0)
    GROUP BY ALL
),
czn AS (
    SELECT DISTINCT cp.d, z.snils FROM cp JOIN ({czn_latest}) z
      ON z.reg_date <= cp.d AND (z.dereg_date IS NULL OR z.dereg_date > cp.d)
),
cov AS (SELECT max(extract_date) AS coverage FROM ufns_records),
czn_p AS (SELECT DISTINCT snils FROM ({czn_latest})),
dis_p AS (
    SELECT DISTINCT person_key FROM status_rows WHERE cohort = ? AND discharge_date IS NOT NULL
      AND person_key IN (SELECT person_key FROM sp0)
      AND college_code IN (SELECT DISTINCT college_code FROM sp0)
),
-- `special`: a graduate with a ЦЗН registration or a discharge, for whom any status can matter
spx AS (
    SELECT sp.*,
           coalesce(sp.snils IN (SELECT snils FROM czn_p), false)
               OR sp.person_key IN (SELECT person_key FROM dis_p) AS special
    FROM sp
),
-- (1) checkpoints where a reason other than unconfirmed work can hold: a risk or no-status status,
-- or a special graduate. Most graduates at most checkpoints work or study and are left out here,
-- which keeps the per-checkpoint rows few.
other_plain AS (
    SELECT cp.d, spx.* FROM cp JOIN spx ON spx.valid_from <= cp.d AND spx.valid_to > cp.d
    WHERE cp.d >= spx.graduation_date AND NOT spx.special
      AND (spx.status IN {risk} OR spx.status IN {no_status})
),
other_special AS (
    SELECT cp.d, spx.* FROM cp JOIN spx ON spx.valid_from <= cp.d AND spx.valid_to > cp.d
    WHERE cp.d >= spx.graduation_date AND spx.special
),
-- (2) unconfirmed work, found per spell, not per checkpoint. A УФНС record confirms work at d when
-- it is active at least(d, coverage): that is the interval [start, end] before the coverage date,
-- and for ever after it when the record is still open at the coverage date.
ua AS (
    SELECT u.snils, u.start_date AS a,
           CASE WHEN u.end_date IS NULL OR u.end_date >= cov.coverage THEN DATE '9999-12-31'
                ELSE u.end_date + 1 END AS b
    FROM ({ufns_latest}) u CROSS JOIN cov
    WHERE u.start_date <= cov.coverage
),
ua_prev AS (
    SELECT snils, a, b, max(b) OVER (PARTITION BY snils ORDER BY a, b
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_b
    FROM ua
),
ua_grp AS (
    SELECT snils, a, b,
           sum(CASE WHEN prev_b IS NULL OR a > prev_b THEN 1 ELSE 0 END)
               OVER (PARTITION BY snils ORDER BY a, b) AS grp
    FROM ua_prev
),
active AS (SELECT snils, min(a) AS a, max(b) AS b FROM ua_grp GROUP BY snils, grp),
-- the complement of the active intervals: when a declared job is not confirmed
gaps AS (
    SELECT snils, coalesce(lag(b) OVER (PARTITION BY snils ORDER BY a), DATE '0001-01-01') AS ga, a AS gb
    FROM active
    UNION ALL
    SELECT snils, max(b) AS ga, DATE '9999-12-31' AS gb FROM active GROUP BY snils
),
unconf_windows AS (
    SELECT spx.*,
           greatest(spx.valid_from, spx.graduation_date,
                    -- the N3 clock runs from the college's first declaration of the work status
                    coalesce(spx.declared_from, spx.valid_from) + ?::INTEGER + 1,
                    coalesce(g.ga, DATE '0001-01-01')) AS wa,
           least(spx.valid_to, coalesce(g.gb, DATE '9999-12-31')) AS wb
    FROM spx CROSS JOIN cov LEFT JOIN gaps g ON g.snils = spx.snils
    WHERE spx.status IN {verifiable} AND spx.snils IS NOT NULL AND cov.coverage IS NOT NULL
      AND coalesce(spx.status_start, spx.valid_from) <= cov.coverage
),
unconf AS (
    SELECT cp.d, w.* EXCLUDE (wa, wb) FROM cp JOIN unconf_windows w ON cp.d >= w.wa AND cp.d < w.wb
),
-- (3) one row per graduate and checkpoint: the three parts do not overlap (unconfirmed work needs a
-- work status, which plain rows never have; special graduates' unconfirmed checkpoints are joined
-- onto their rows).
cand AS (
    SELECT *, false AS unconfirmed_work FROM other_plain
    UNION ALL
    SELECT o.*, u.d IS NOT NULL AS unconfirmed_work
    FROM other_special o
    LEFT JOIN unconf u ON u.d = o.d AND u.college_code = o.college_code AND u.person_key = o.person_key
    UNION ALL
    SELECT *, true AS unconfirmed_work FROM unconf WHERE NOT special
),
flags AS (
    SELECT c.*, dis.discharge_date AS known_discharge,
           coalesce(c.status_start, c.valid_from) AS since,
           (czn.snils IS NOT NULL) AS in_czn
    FROM cand c
    LEFT JOIN dis ON dis.d = c.d AND dis.college_code = c.college_code AND dis.person_key = c.person_key
    LEFT JOIN czn ON czn.d = c.d AND czn.snils = c.snils
),
reasons AS (
    SELECT d, group_code, group_name, college_code, person_key, status, graduation_date, since,
           known_discharge,
           status IN {risk} AS risk_status,
           status IN {no_status} AND d - graduation_date > ? AS no_status,
           known_discharge IS NOT NULL AND d - known_discharge > ?
               AND NOT (status IN {work_study} AND since > known_discharge) AS army_return,
           in_czn AS czn_registered,
           unconfirmed_work
    FROM flags
)
SELECT * FROM reasons
WHERE risk_status OR no_status OR army_return OR czn_registered OR unconfirmed_work
"""


def _membership_query(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    dates: list[dt.date],
    thresholds: RiskThresholds,
    filters: Filters | None,
    by: str | None,
    facts: ExternalFacts | None = None,
) -> tuple[str, list[object]]:
    """The membership SQL and its parameters (shared by `membership` and `risk_register`).
    `by=None`: no group columns (NULL), for callers that regroup by graduate anyway. `facts`: the
    region's metrics.verification.ExternalFacts (the query then runs inside `registered`)."""
    where, params = scope_where(cur, scope, filters)
    dim = _dimension(by) if by is not None else None
    q = _RISK_SQL.format(
        dim_code=dim.code_sql if dim else "NULL::VARCHAR",
        dim_name=dim.name_sql if dim else "NULL::VARCHAR",
        from_=_FROM,
        where=where,
        risk=_in_list(RISK_STATUSES),
        no_status=_in_list(NO_STATUS),
        work_study=_in_list(WORK_STATUSES | STUDY_STATUSES),
        verifiable=_in_list(VERIFIABLE_WORK),
        # the registrations of the graduates asked about only (the extract covers every cohort)
        czn_latest=czn_latest("SELECT person_key FROM sp0"),
        # only the graduates asked about (the extract covers every cohort)
        ufns_latest=ufns_sql(f"SELECT snils FROM spx WHERE status IN {_in_list(VERIFIABLE_WORK)}", facts),
        withheld=withheld_sql("SELECT person_key FROM sp0", facts),
        snils_seen=SNILS_SEEN,
    )
    return q, [
        dates,
        cohort,
        *params,
        cohort,
        cohort,
        thresholds.n3_weeks * 7,
        thresholds.n1_weeks * 7,
        thresholds.n2_weeks * 7,
    ]


def membership(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    dates: list[dt.date],
    thresholds: RiskThresholds,
    filters: Filters | None = None,
    by: str | None = "college",
    facts: ExternalFacts | None = None,
) -> pl.DataFrame:
    """Risk-group members at each date: one row per (date, graduate) with a bool column per reason
    (`by=None`: group_code and group_name null). `facts`: as in `_membership_query`."""
    q, params = _membership_query(cur, scope, cohort, dates, thresholds, filters, by, facts)
    with registered(cur, facts):
        return cur.sql(q, params=params).pl()


def reason_list(frame: pl.DataFrame) -> pl.DataFrame:
    """Add `reasons`: list of reason codes that hold, in the order of docs/domain.md §6."""
    return frame.with_columns(
        reasons=pl.concat_list(
            [pl.when(pl.col(r)).then(pl.lit(r)).otherwise(None) for r in REASONS]
        ).list.drop_nulls()
    )


def risk_counts(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    thresholds: RiskThresholds,
    by: str = "region",
    filters: Filters | None = None,
) -> pl.DataFrame:
    """Risk-group size per group at `as_of`: code, name, risk_count and one count column per reason."""
    return count_members(membership(cur, scope, cohort, [as_of], thresholds, filters, by))


def count_members(m: pl.DataFrame) -> pl.DataFrame:
    """Risk-group size per group of a membership frame at one date (`risk_counts`); the frames of
    disjoint sets of colleges can be concatenated first."""
    if m.is_empty():
        return pl.DataFrame(
            schema={"code": pl.Utf8, "name": pl.Utf8, "risk_count": pl.Int64} | {r: pl.Int64 for r in REASONS}
        )
    return (
        m.group_by(["group_code", "group_name"])
        .agg(pl.len().cast(pl.Int64).alias("risk_count"), *[pl.col(r).sum().cast(pl.Int64) for r in REASONS])
        .rename({"group_code": "code", "group_name": "name"})
        .sort("code")
    )


def history_dates(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    filters: Filters | None = None,
    step_days: int = 7,
) -> list[dt.date]:
    """Checkpoints from graduation to as_of: every Friday (or every `step_days`), plus as_of."""
    start = cohort_start(cur, scope, cohort, filters)
    if start is None:
        return [as_of]
    end = min(as_of, window_end(cohort))
    dates = weekly_dates(start, end)
    if step_days > 7:
        stride = max(step_days // 7, 1)
        dates = sorted(set(dates[::stride]) | {dates[-1]})
    return dates


def region_dates(
    cur: duckdb.DuckDBPyConnection, cohort: int, as_of: dt.date, step_days: int = 7
) -> list[dt.date]:
    """The region's checkpoints (`history_dates` of the whole region). With weekly checkpoints a
    narrower scope's checkpoints are the same Fridays from its own first graduation on, and the
    earlier ones find nobody graduated yet, so `risk_register` and `risk_stays` of any set of
    colleges give the same rows with these dates: the region's results are the concatenation of
    per-college parts (ui/parts.py)."""
    return history_dates(cur, OPERATOR, cohort, as_of, None, step_days)


# Stays in the group, computed in DuckDB so that only one row per graduate reaches Python (the
# per-checkpoint membership of a whole cohort is millions of rows at federal scale). A stay is a run
# of consecutive checkpoints (gaps and islands: index minus row number is constant along a run).
_RUNS_SQL = """
WITH m AS ({membership}),
ix AS (SELECT d, (row_number() OVER (ORDER BY d) - 1)::INTEGER AS i FROM (SELECT unnest(?::DATE[]) AS d)),
mi AS (
    SELECT m.college_code, m.person_key, ix.i,
           {mask} AS mask,
           ix.i - row_number() OVER (PARTITION BY m.college_code, m.person_key ORDER BY ix.i) AS run
    FROM m JOIN ix USING (d)
),
runs AS (
    SELECT college_code, person_key, min(i) AS first_i, max(i) AS last_i, arg_max(mask, i) AS mask,
           arg_min(mask, i) AS entry_mask
    FROM mi GROUP BY college_code, person_key, run
)
"""
# The register keeps each graduate's last stay, with the reasons at its last checkpoint.
_REGISTER_SQL = (
    _RUNS_SQL
    + """
SELECT college_code, person_key, arg_max(first_i, last_i) AS first_i, max(last_i) AS last_i,
       arg_max(mask, last_i) AS mask
FROM runs GROUP BY college_code, person_key
"""
)
# Every stay (one risk case each, metrics.cases), with the reasons at entry and at the last checkpoint.
_STAYS_SQL = _RUNS_SQL + "SELECT college_code, person_key, first_i, last_i, entry_mask, mask FROM runs"

_MASK = " + ".join(f"({r})::INTEGER * {1 << k}" for k, r in enumerate(REASONS))


def _run_dates(runs: pl.DataFrame, dates: list[dt.date]) -> pl.DataFrame:
    """entry_date (the run's first checkpoint) and exit_date (the first checkpoint after it; null
    when the run lasts to the last checkpoint) from the run's checkpoint indexes."""
    last_i = len(dates) - 1
    date_list = pl.Series("d", dates, dtype=pl.Date)
    return runs.with_columns(
        entry_date=pl.lit(date_list).gather(pl.col("first_i")),
        exit_date=pl.when(pl.col("last_i") < last_i)
        .then(pl.lit(date_list).gather(pl.min_horizontal(pl.col("last_i") + 1, pl.lit(last_i))))
        .otherwise(None),
    )


def _mask_reasons(frame: pl.DataFrame, mask_col: str, out: str) -> pl.DataFrame:
    """Column `out`: the list of reason codes set in the bit mask `mask_col`, in the order of §6."""
    return frame.with_columns(
        pl.concat_list(
            [
                pl.when((pl.col(mask_col) & (1 << k)) != 0).then(pl.lit(r)).otherwise(None)
                for k, r in enumerate(REASONS)
            ]
        )
        .list.drop_nulls()
        .alias(out)
    )


def risk_stays(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    thresholds: RiskThresholds,
    filters: Filters | None = None,
    step_days: int = 7,
    dates: list[dt.date] | None = None,
    facts: ExternalFacts | None = None,
) -> pl.DataFrame:
    """Every stay in the risk group up to `as_of`, one row per (graduate, stay).

    Columns: college_code, person_key, entry_date (first checkpoint of the stay), exit_date (first
    checkpoint after it; null while the stay lasts at as_of), entry_reasons, last_reasons (at the
    stay's last checkpoint), exit_status (the status at exit_date; null while open), stay_no (1, 2, …
    per graduate in time order). `dates`: the checkpoints (default: `history_dates` of the scope).
    """
    dates = dates or history_dates(cur, scope, cohort, as_of, filters, step_days)
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "college_code": pl.Utf8,
        "person_key": pl.Utf8,
        "entry_date": pl.Date,
        "exit_date": pl.Date,
        "entry_reasons": pl.List(pl.Utf8),
        "last_reasons": pl.List(pl.Utf8),
        "exit_status": pl.Utf8,
        "stay_no": pl.Int64,
    }
    sql, params = _membership_query(cur, scope, cohort, dates, thresholds, filters, None, facts)
    with registered(cur, facts):
        runs = cur.sql(_STAYS_SQL.format(membership=sql, mask=_MASK), params=[*params, dates]).pl()
    if runs.is_empty():
        return pl.DataFrame(schema=schema)
    runs = _mask_reasons(_mask_reasons(runs, "entry_mask", "entry_reasons"), "mask", "last_reasons")
    runs = _run_dates(runs, dates).sort(["college_code", "person_key", "entry_date"])
    runs = runs.with_columns(
        stay_no=pl.col("entry_date").rank("ordinal").over("college_code", "person_key").cast(pl.Int64)
    )
    exits = runs.filter(pl.col("exit_date").is_not_null()).select("college_code", "person_key", "exit_date")
    if exits.height:
        status = cur.sql(
            """SELECT e.college_code, e.person_key, e.exit_date, s.status AS exit_status
               FROM exits e JOIN status_spells s
                 ON s.cohort = ? AND s.college_code = e.college_code AND s.person_key = e.person_key
                AND s.valid_from <= e.exit_date AND s.valid_to > e.exit_date""",
            params=[cohort],
        ).pl()
        runs = runs.join(status, on=["college_code", "person_key", "exit_date"], how="left")
    else:
        runs = runs.with_columns(exit_status=pl.lit(None, dtype=pl.Utf8))
    return (
        runs.select(list(schema)).cast(pl.Schema(schema)).sort(["college_code", "person_key", "entry_date"])
    )


def risk_register(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    thresholds: RiskThresholds,
    filters: Filters | None = None,
    step_days: int = 7,
    dates: list[dt.date] | None = None,
    facts: ExternalFacts | None = None,
) -> pl.DataFrame:
    """Everyone who was in the risk group at some checkpoint up to `as_of`, one row per graduate.

    Columns: college_code, person_key, in_group (at as_of), reasons (at as_of, or the last ones
    before leaving), entry_date (start of the current or last continuous stay), exit_date (first
    checkpoint after leaving; null while in the group), weeks_in_group, status_now,
    left_for_work_study (left and now has a work or study status). `dates`: the checkpoints
    (default: `history_dates` of the scope).
    """
    dates = dates or history_dates(cur, scope, cohort, as_of, filters, step_days)
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "college_code": pl.Utf8,
        "person_key": pl.Utf8,
        "in_group": pl.Boolean,
        "reasons": pl.List(pl.Utf8),
        "entry_date": pl.Date,
        "exit_date": pl.Date,
        "weeks_in_group": pl.Int64,
        "status_now": pl.Utf8,
        "left_for_work_study": pl.Boolean,
    }
    sql, params = _membership_query(cur, scope, cohort, dates, thresholds, filters, None, facts)
    with registered(cur, facts):
        runs = cur.sql(_REGISTER_SQL.format(membership=sql, mask=_MASK), params=[*params, dates]).pl()
    if runs.is_empty():
        return pl.DataFrame(schema=schema)
    runs = reason_list(
        runs.with_columns(((pl.col("mask") & (1 << k)) != 0).alias(r) for k, r in enumerate(REASONS))
    )
    runs = _run_dates(runs, dates).with_columns(in_group=pl.col("exit_date").is_null())
    end_date = dates[-1]
    runs = runs.with_columns(
        weeks_in_group=(
            (pl.coalesce(pl.col("exit_date"), pl.lit(end_date)) - pl.col("entry_date")).dt.total_days() // 7
        ).cast(pl.Int64)
    )
    now = _status_now(cur, scope, cohort, as_of, filters)
    out = runs.join(now, on=["college_code", "person_key"], how="left").with_columns(
        left_for_work_study=(~pl.col("in_group"))
        & pl.col("status_now").is_in(sorted(WORK_STATUSES | STUDY_STATUSES))
    )
    return out.select(list(schema)).sort(["college_code", "person_key"])


def _status_now(
    cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, as_of: dt.date, filters: Filters | None
) -> pl.DataFrame:
    where, params = scope_where(cur, scope, filters)
    return cur.sql(
        f"""SELECT s.college_code, s.person_key, s.status AS status_now {_FROM}
            WHERE s.cohort = ? AND s.valid_from <= ? AND s.valid_to > ? {where}""",
        params=[cohort, as_of, as_of, *params],
    ).pl()


def resolved_share_by_college(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    thresholds: RiskThresholds,
    step_days: int = 7,
    register: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Criterion 4: per college, ever in the group / left for work or study, and the share.
    `register`: the scope's `risk_register` with these checkpoints, when the caller has it."""
    reg = (
        register
        if register is not None
        else risk_register(cur, scope, cohort, as_of, thresholds, None, step_days)
    )
    return (
        reg.group_by("college_code")
        .agg(
            pl.len().cast(pl.Int64).alias("ever_in_group"),
            pl.col("left_for_work_study").sum().cast(pl.Int64).alias("left_for_work_study"),
        )
        .with_columns(resolved_share=pl.col("left_for_work_study") / pl.col("ever_in_group"))
        .sort("college_code")
    )


__all__ = [
    "DIMENSIONS",
    "REASONS",
    "REASON_SHORT",
    "count_members",
    "membership",
    "reason_list",
    "region_dates",
    "resolved_share_by_college",
    "risk_counts",
    "risk_register",
    "risk_stays",
]
