"""No probing through the graduation list (issue 12).

A college gets УФНС/ЦЗН facts about the graduates in its own graduation list. Putting a stranger's
СНИЛС into that list must not reveal where the stranger works or whether he is registered at a ЦЗН.
So a (СНИЛС, college) pair is *contested* when
  - another college lists the same СНИЛС (in any cohort), or
  - the ФИС ФРДО extract attributes that СНИЛС to another college and not to this one;
and the external facts of a contested pair are withheld (from every figure and list of every role:
the attribution is in doubt) until the base centre decides: «выпускник этой ПОО» (`allowed`, facts
shown) or «не выпускник этой ПОО» (`denied`, facts stay withheld, no longer pending).

`WITHHELD_CTE` is the SQL every reader of external data joins against (metrics.verification,
metrics.risk, metrics.army).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import duckdb
import polars as pl

from data_layer.errors import UserFacingError
from data_layer.scope import Scope

DECISIONS = ("allowed", "denied")
DECISION_LABELS = {"allowed": "Выпускник этой ПОО", "denied": "Не выпускник этой ПОО", None: "Не решено"}

# (snils, college_code, listed_elsewhere, frdo_elsewhere, decision) for every contested pair;
# {only}: an extra condition on `snils` of the graduation lists and the ФИС ФРДО extract (empty: all)
_CONTESTED_TEMPLATE = """
SELECT l.snils, l.college_code, l.n_colleges > 1 AS listed_elsewhere,
       coalesce(f.snils IS NOT NULL AND NOT list_contains(f.colleges, l.college_code), false) AS frdo_elsewhere,
       d.decision
FROM (SELECT snils, college_code, count(*) OVER (PARTITION BY snils) AS n_colleges
      FROM (SELECT DISTINCT snils, college_code FROM graduates WHERE snils IS NOT NULL{only})) l
LEFT JOIN (SELECT snils, list(DISTINCT college_code) AS colleges FROM frdo_records
           WHERE snils IS NOT NULL{only} GROUP BY snils) f ON f.snils = l.snils
LEFT JOIN (SELECT snils, college_code, decision FROM identity_decisions
           QUALIFY row_number() OVER (PARTITION BY snils, college_code ORDER BY decided_at DESC) = 1) d
       ON d.snils = l.snils AND d.college_code = l.college_code
WHERE l.n_colleges > 1 OR (f.snils IS NOT NULL AND NOT list_contains(f.colleges, l.college_code))
"""
CONTESTED_SQL = _CONTESTED_TEMPLATE.format(only="")


def withheld_cte(keys: str | None = None, part: str = "") -> str:
    """The `withheld` CTE: (snils, college_code) pairs whose external facts are withheld.

    `keys`: SQL of the СНИЛС the query asks about (e.g. `SELECT person_key FROM sp0`, a CTE defined
    before this one). Whether a pair is contested depends only on the rows with its own СНИЛС, so
    restricting both lists to those СНИЛС gives the same pairs for them while a query about one
    college does not evaluate the whole region's graduation lists. `part`: one of `snils_parts()`."""
    only = (f" AND snils IN ({keys})" if keys else "") + part
    return f"""withheld AS (
    SELECT snils, college_code FROM ({_CONTESTED_TEMPLATE.format(only=only)}) WHERE decision IS DISTINCT FROM 'allowed'
)"""


# The region's contested pairs are computed in parts of the СНИЛС (by hash): a pair's status depends
# only on the rows of its own СНИЛС, so the parts' union is the whole, while DuckDB's working memory
# for one part is a fraction (2,5 M graduates: one query +0,5-0,7 GB of process memory, four +0,26 GB
# at the same CPU; issue 16 item 2).
SNILS_PARTS = 4


def snils_parts(n: int = SNILS_PARTS) -> list[str]:
    """Conditions on `snils` (appended to a WHERE) that split every СНИЛС into `n` disjoint parts."""
    return [f" AND hash(snils) % {n} = {k}" for k in range(n)]


def in_snils_parts(cur: duckdb.DuckDBPyConnection, sql: Callable[[str], str]) -> pl.DataFrame:
    """The rows of `sql(part)` for every part of `snils_parts()`, one query per part, together."""
    return pl.concat([cur.sql(sql(part)).pl() for part in snils_parts()], how="vertical_relaxed")


# (snils, college_code) pairs whose external facts are withheld
WITHHELD_CTE = withheld_cte()


def contested(cur: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """Every contested pair with the graduate's name, cohorts, the reasons and the decision:
    the base centre's work list (personal data, full СНИЛС: it needs it to act)."""
    scope.require_role("base_centre")
    out = in_snils_parts(
        cur,
        lambda part: (
            f"""SELECT c.snils, c.college_code, col.short_name AS college_name,
                   any_value(g.last_name) AS last_name, any_value(g.first_name) AS first_name,
                   any_value(g.middle_name) AS middle_name, string_agg(DISTINCT g.cohort::VARCHAR, ', ') AS cohorts,
                   any_value(c.listed_elsewhere) AS listed_elsewhere, any_value(c.frdo_elsewhere) AS frdo_elsewhere,
                   any_value(c.decision) AS decision
            FROM ({_CONTESTED_TEMPLATE.format(only=part)}) c
            JOIN graduates g ON g.snils = c.snils AND g.college_code = c.college_code
            LEFT JOIN colleges col ON col.college_code = c.college_code
            GROUP BY c.snils, c.college_code, col.short_name"""
        ),
    )
    return out.sort(pl.col("decision").is_not_null(), "snils", "college_code")


def check_decision(
    cur: duckdb.DuckDBPyConnection, scope: Scope, snils: str, college_code: str, decision: str
) -> None:
    scope.require_role("base_centre")
    if decision not in DECISIONS:
        raise UserFacingError("Неизвестное решение.")
    row = cur.execute(
        f"SELECT count(*) FROM ({CONTESTED_SQL}) WHERE snils = ? AND college_code = ?", [snils, college_code]
    ).fetchone()
    if not row or not row[0]:
        raise UserFacingError("Этот СНИЛС у этой ПОО не спорный: решение не нужно.")


def insert_decision(
    cur: duckdb.DuckDBPyConnection, scope: Scope, snils: str, college_code: str, decision: str, comment: str
) -> None:
    cur.execute(
        "INSERT INTO identity_decisions VALUES (?, ?, ?, ?, ?, ?)",
        [snils, college_code, decision, comment.strip() or None, scope.username, dt.datetime.now()],
    )


def grown_lists(cur: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """Graduation lists that grew after the college confirmed the reconciliation: (college, cohort)
    whose current list is longer than the list counted at the latest confirmation."""
    scope.require_role("base_centre")
    return cur.sql(
        """WITH conf AS (
               SELECT college_code, cohort, list_count, decided_at, username FROM reconciliation_decisions
               WHERE decision = 'confirmed' AND list_count IS NOT NULL
               QUALIFY row_number() OVER (PARTITION BY college_code, cohort ORDER BY decided_at DESC) = 1),
           now_ AS (SELECT college_code, cohort, count(*) AS current_count FROM graduates GROUP BY ALL)
           SELECT conf.college_code, c.short_name AS college_name, conf.cohort, conf.list_count,
                  now_.current_count, conf.decided_at, conf.username
           FROM conf JOIN now_ USING (college_code, cohort)
           LEFT JOIN colleges c USING (college_code)
           WHERE now_.current_count > conf.list_count
           ORDER BY conf.college_code, conf.cohort"""
    ).pl()
