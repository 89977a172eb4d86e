"""Verification of declared statuses against external data (docs/domain.md §5).

УФНС data covers every date up to its newest "Дата выгрузки" (coverage). For a graduate whose
college declares work that УФНС can see (labour contract, ИП, НПД) at D, with D' = min(D, coverage):
  confirmed      a УФНС record is active at D' (start <= D' and no end before D');
  unconfirmed    no such record, and the declared work began on or before the coverage date;
  not_checkable  the work began after the newest extract, or the graduate has no СНИЛС.
Found by external data: the college declares no work (any other status, or nothing) while a УФНС
record is active at D'. A ЦЗН conflict: registered at D while the college declares work.
Extracts are combined (a newer extract adds to older ones), deduplicated by record.
A contested СНИЛС (data_layer.identity) sees no external facts: its work is not checkable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import polars as pl

from data_layer.identity import in_snils_parts, withheld_cte
from data_layer.scope import Scope
from metrics.engine import _FROM, Filters, scope_where
from metrics.statuses import VERIFIABLE_WORK, WORK_STATUSES

# Each extract repeats the records it knows with their latest state (a registration gets its
# deregistration date, a job its end date in a later extract). A record is identified by its
# person and start date; its newest extract wins, so a closed record is never kept open by an
# older extract that still showed it open.


def ufns_latest(keys: str | None = None, part: str = "") -> str:
    """The newest state of every УФНС record; `keys`: SQL of the СНИЛС asked about (a record's state
    depends only on its own rows, so the records of those СНИЛС are the same as in the whole extract);
    `part`: one of `data_layer.identity.snils_parts()`."""
    only = " WHERE true" + (f" AND snils IN ({keys})" if keys else "") + part
    return f"""SELECT * FROM ufns_records{only} QUALIFY row_number() OVER (
    PARTITION BY snils, employment_kind, start_date ORDER BY extract_date DESC) = 1"""


def czn_latest(keys: str | None = None) -> str:
    """The newest state of every ЦЗН registration; `keys` as in `ufns_latest` (a registration's
    state depends only on its own СНИЛС's rows)."""
    only = f" WHERE snils IN ({keys})" if keys else ""
    return f"""SELECT * FROM czn_records{only} QUALIFY row_number() OVER (
    PARTITION BY snils, reg_date ORDER BY extract_date DESC) = 1"""


@dataclass(frozen=True, eq=False)
class ExternalFacts:
    """The region's lookups of base data that a query about some graduates otherwise finds by
    scanning every graduation list, the ФИС ФРДО and the УФНС extracts (millions of rows at federal
    scale, not ordered by СНИЛС). They read no status data, so a cache keyed by the base version
    keeps them across status loads (ui/cached.py) and a query about one college only looks up its
    СНИЛС in them.

    withheld: the (snils, college_code) pairs whose external facts are withheld (`data_layer.identity.WITHHELD_CTE`);
    ufns: `ufns_latest()` of every СНИЛС (the columns the queries read)."""

    withheld: pl.DataFrame
    ufns: pl.DataFrame


def external_facts(cur: duckdb.DuckDBPyConnection) -> ExternalFacts:
    return ExternalFacts(
        # in parts of the СНИЛС: a fraction of the working memory (data_layer.identity.SNILS_PARTS)
        withheld=in_snils_parts(
            cur, lambda p: f"WITH {withheld_cte(part=p)} SELECT snils, college_code FROM withheld"
        ),
        ufns=in_snils_parts(
            cur, lambda p: f"SELECT snils, start_date, end_date FROM ({ufns_latest(part=p)})"
        ),
    )


# the names `ExternalFacts` frames have in a query (registered on its cursor for the query only)
_WITHHELD_NAME = "ext_withheld"
_UFNS_NAME = "ext_ufns"


def withheld_sql(keys: str, facts: ExternalFacts | None) -> str:
    """The `withheld` CTE for the СНИЛС `keys` (data_layer.identity.withheld_cte), looked up in
    `facts` when given (the query must then run inside `registered(cur, facts)`)."""
    if facts is None:
        return withheld_cte(keys)
    return f"withheld AS (SELECT snils, college_code FROM {_WITHHELD_NAME} WHERE snils IN ({keys}))"


def ufns_sql(keys: str, facts: ExternalFacts | None) -> str:
    """`ufns_latest(keys)`, looked up in `facts` when given (as `withheld_sql`)."""
    if facts is None:
        return ufns_latest(keys)
    return f"SELECT * FROM {_UFNS_NAME} WHERE snils IN ({keys})"


@contextmanager
def registered(cur: duckdb.DuckDBPyConnection, facts: ExternalFacts | None) -> Iterator[None]:
    """Make `facts` readable by the queries of `withheld_sql`/`ufns_sql` on `cur` meanwhile."""
    if facts is None:
        yield
        return
    cur.register(_WITHHELD_NAME, facts.withheld)
    cur.register(_UFNS_NAME, facts.ufns)
    try:
        yield
    finally:
        cur.unregister(_WITHHELD_NAME)
        cur.unregister(_UFNS_NAME)


# The СНИЛС through which a spell `s` sees external facts: none for a foreign graduate without one,
# none while the (СНИЛС, college) pair is contested (data_layer.identity; needs the `withheld` CTE).
SNILS_SEEN = """CASE WHEN s.person_key LIKE 'D:%' OR EXISTS (
        SELECT 1 FROM withheld w WHERE w.snils = s.person_key AND w.college_code = s.college_code)
    THEN NULL ELSE s.person_key END"""

VERIFICATION_LABELS: dict[str, str] = {
    "confirmed": "Подтверждено УФНС",
    "unconfirmed": "Не подтверждено",
    "not_checkable": "Проверить нельзя",
    "found_external": "Найден по данным УФНС",
    "not_work": "Не работает (по данным ПОО)",
}

_VERIFY_SQL = """
WITH cur0 AS (
    SELECT s.college_code, s.person_key, s.program_code, s.status,
           coalesce(s.status_start, s.valid_from) AS since
    {from_} WHERE s.cohort = ? AND s.valid_from <= ? AND s.valid_to > ? {where}
),
-- contested pairs and УФНС records of these graduates only (a query about one college reads its share)
{withheld},
cov AS (SELECT max(extract_date) AS coverage FROM ufns_records),
cur AS (SELECT s.*, {snils_seen} AS snils FROM cur0 s),
chk AS (
    SELECT cur.*, cov.coverage, least(?::DATE, cov.coverage) AS d_check,
           EXISTS (SELECT 1 FROM ({ufns_latest}) u WHERE u.snils = cur.snils
                     AND u.start_date <= least(?::DATE, cov.coverage)
                     AND (u.end_date IS NULL OR u.end_date >= least(?::DATE, cov.coverage))) AS ufns_active,
           EXISTS (SELECT 1 FROM ({czn_latest}) z WHERE z.snils = cur.snils AND z.reg_date <= ?
                     AND (z.dereg_date IS NULL OR z.dereg_date > ?)) AS czn_active
    FROM cur CROSS JOIN cov
)
SELECT college_code, person_key, program_code, status, since, ufns_active, czn_active,
       CASE
         WHEN status IN {verifiable} THEN
           CASE WHEN snils IS NULL OR coverage IS NULL OR since > coverage THEN 'not_checkable'
                WHEN ufns_active THEN 'confirmed' ELSE 'unconfirmed' END
         WHEN status IN {work} THEN 'not_checkable'
         WHEN ufns_active THEN 'found_external'
         ELSE 'not_work'
       END AS verification,
       czn_active AND status IN {work} AS czn_conflict
FROM chk
"""


def _in_list(codes: frozenset[str]) -> str:
    return "(" + ", ".join(f"'{c}'" for c in sorted(codes)) + ")"


def verification_frame(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    filters: Filters | None = None,
    facts: ExternalFacts | None = None,
) -> pl.DataFrame:
    """One row per graduate: declared status, verification class, ЦЗН conflict flag. `facts`: the
    region's `ExternalFacts` of the current base data (looked up instead of scanning the extracts)."""
    where, params = scope_where(cur, scope, filters)
    q = _VERIFY_SQL.format(
        from_=_FROM,
        where=where,
        verifiable=_in_list(VERIFIABLE_WORK),
        work=_in_list(WORK_STATUSES),
        ufns_latest=ufns_sql("SELECT person_key FROM cur0", facts),
        czn_latest=czn_latest("SELECT person_key FROM cur0"),
        withheld=withheld_sql("SELECT person_key FROM cur0", facts),
        snils_seen=SNILS_SEEN,
    )
    with registered(cur, facts):
        return cur.sql(q, params=[cohort, as_of, as_of, *params, as_of, as_of, as_of, as_of, as_of]).pl()


def verification_summary(frame: pl.DataFrame, by: str = "college_code") -> pl.DataFrame:
    """Per group: declared work, confirmed, unconfirmed, found by external data, ЦЗН conflicts,
    and confirmed_share = confirmed / (confirmed + unconfirmed) (criterion 6)."""
    keys = [by] if by else []
    agg = [
        pl.len().cast(pl.Int64).alias("total"),
        (pl.col("verification").is_in(["confirmed", "unconfirmed", "not_checkable"]))
        .sum()
        .cast(pl.Int64)
        .alias("declared_work"),
        (pl.col("verification") == "confirmed").sum().cast(pl.Int64).alias("confirmed"),
        (pl.col("verification") == "unconfirmed").sum().cast(pl.Int64).alias("unconfirmed"),
        (pl.col("verification") == "not_checkable").sum().cast(pl.Int64).alias("not_checkable"),
        (pl.col("verification") == "found_external").sum().cast(pl.Int64).alias("found_external"),
        pl.col("czn_conflict").sum().cast(pl.Int64).alias("czn_conflicts"),
    ]
    out = frame.group_by(keys).agg(agg) if keys else frame.select(agg)
    out = out.with_columns(
        confirmed_share=pl.when((pl.col("confirmed") + pl.col("unconfirmed")) > 0)
        .then(pl.col("confirmed") / (pl.col("confirmed") + pl.col("unconfirmed")))
        .otherwise(None)
    )
    return out.sort(keys) if keys else out


def conflicts(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows the college has to resolve: unconfirmed work, found by УФНС, ЦЗН conflicts."""
    return frame.filter(
        pl.col("verification").is_in(["unconfirmed", "found_external"]) | pl.col("czn_conflict")
    ).sort(["college_code", "person_key"])
