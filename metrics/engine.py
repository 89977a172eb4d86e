"""Status counts at any date, breakdowns and the weekly series (docs/domain.md §4).

Speed by design: queries read `status_spells` (one row per graduate and period of constant status,
rebuilt at load time), never raw snapshots. The status of every graduate at D is the spell with
valid_from <= D < valid_to, so counts at a date are one filtered GROUP BY, and the weekly series is
one pass over spell boundaries (starts minus ends up to each week), whatever the number of weeks.
All SQL fragments below are code constants; user values are bound as parameters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import polars as pl

from data_layer.errors import ScopeError, UserFacingError
from data_layer.scope import Scope
from data_layer.spells import FAR_FUTURE
from metrics.indicators import COUNT_COLUMNS, EMPLOYED_BY_SPECIALTY, Indicator, with_indicator
from metrics.statuses import CODES

SMALL_GROUP = 5  # docs/domain.md §10 / issue 4: aggregates of fewer graduates are marked in aggregate views
REGION_CODE = "63"
REGION_NAME = "Самарская область"


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    code_sql: str
    name_sql: str
    extra: tuple[tuple[str, str], ...] = ()


DIMENSIONS: dict[str, Dimension] = {
    d.key: d
    for d in (
        Dimension("region", "Регион", f"'{REGION_CODE}'", f"'{REGION_NAME}'"),
        Dimension("territory", "Территориальное управление", "m.tu_code", "t.name"),
        Dimension("municipality", "Муниципалитет", "c.oktmo", "m.name", (("tu_code", "m.tu_code"),)),
        Dimension(
            "college",
            "ПОО",
            "s.college_code",
            "c.short_name",
            (
                ("tu_code", "m.tu_code"),
                ("tu_name", "t.name"),
                ("oktmo", "c.oktmo"),
                ("full_name", "c.full_name"),
            ),
        ),
        Dimension(
            "program",
            "Специальность / профессия",
            "s.program_code",
            "p.name",
            (("ugps_code", "p.ugps_code"), ("ugps_name", "p.ugps_name"), ("level", "p.level")),
        ),
        Dimension("ugps", "УГПС", "p.ugps_code", "p.ugps_name"),
        # Cross breakdown for the colleges × УГПС heat map: one query instead of one per УГПС.
        Dimension(
            "college_ugps",
            "ПОО × УГПС",
            "s.college_code || '|' || p.ugps_code",
            "c.short_name || ' — ' || p.ugps_name",
            (
                ("college_code", "s.college_code"),
                ("college_name", "c.short_name"),
                ("ugps_code", "p.ugps_code"),
                ("ugps_name", "p.ugps_name"),
                ("tu_code", "m.tu_code"),
            ),
        ),
        # Cross breakdown for admission quotas (КЦП): each college's specialties.
        Dimension(
            "college_program",
            "ПОО × специальность",
            "s.college_code || '|' || s.program_code",
            "c.short_name || ' — ' || p.name",
            (
                ("college_code", "s.college_code"),
                ("college_name", "c.short_name"),
                ("full_name", "c.full_name"),
                ("program_code", "s.program_code"),
                ("program_name", "p.name"),
                ("tu_code", "m.tu_code"),
            ),
        ),
        Dimension("level", "Уровень образования", "p.level", "p.level"),
        Dimension("study_form", "Форма обучения", "s.study_form", "s.study_form"),
        Dimension("sex", "Пол", "s.sex", "CASE s.sex WHEN 'М' THEN 'Мужчины' ELSE 'Женщины' END"),
        Dimension(
            "health",
            "ОВЗ / инвалидность",
            "CASE WHEN s.is_disabled THEN 'disabled' WHEN s.is_ovz THEN 'ovz' ELSE 'none' END",
            "CASE WHEN s.is_disabled THEN 'Инвалидность' WHEN s.is_ovz THEN 'ОВЗ' ELSE 'Без ОВЗ и инвалидности' END",
        ),
        Dimension(
            "target",
            "Целевое обучение",
            "CASE WHEN s.is_target THEN 'yes' ELSE 'no' END",
            "CASE WHEN s.is_target THEN 'Целевое обучение' ELSE 'Без целевого обучения' END",
        ),
        Dimension(
            "professionalitet",
            "Профессионалитет",
            "CASE WHEN s.is_professionalitet THEN 'yes' ELSE 'no' END",
            "CASE WHEN s.is_professionalitet THEN 'Профессионалитет' ELSE 'Вне Профессионалитета' END",
        ),
    )
}

# Filters a caller may pass: key -> SQL column. Values are always bound parameters.
FILTERS: dict[str, str] = {
    "territory": "m.tu_code",
    "municipality": "c.oktmo",
    "college": "s.college_code",
    "program": "s.program_code",
    "ugps": "p.ugps_code",
    "level": "p.level",
    "study_form": "s.study_form",
    "sex": "s.sex",
}
BOOL_FILTERS: dict[str, str] = {
    "is_ovz": "s.is_ovz",
    "is_disabled": "s.is_disabled",
    "is_target": "s.is_target",
    "is_professionalitet": "s.is_professionalitet",
}

_FROM = """
FROM status_spells s
LEFT JOIN colleges c ON c.college_code = s.college_code
LEFT JOIN municipalities m ON m.oktmo = c.oktmo
LEFT JOIN territories t ON t.tu_code = m.tu_code
LEFT JOIN programs p ON p.program_code = s.program_code
"""

Filters = dict[str, str | bool | list[str] | dt.date]

# Filters whose value is a date D, with their SQL (code constants; D bound twice).
# army_return_by: graduates discharged from conscript service on or before D, as reported in a
# college snapshot dated on or before D (issue 11, item 8).
DATE_FILTERS: dict[str, str] = {
    "army_return_by": """ AND EXISTS (SELECT 1 FROM status_rows r
        WHERE r.college_code = s.college_code AND r.cohort = s.cohort AND r.person_key = s.person_key
          AND r.discharge_date IS NOT NULL AND r.discharge_date <= ? AND r.snapshot_date <= ?)""",
}


def window_end(cohort: int) -> dt.date:
    """The monitoring window of a cohort ends on 31 December of the following year (docs/domain.md §2)."""
    return dt.date(cohort + 1, 12, 31)


def scope_where(
    cur: duckdb.DuckDBPyConnection, scope: Scope, filters: Filters | None = None
) -> tuple[str, list[object]]:
    """WHERE fragment (starting with ' AND') and parameters for the scope and the whitelisted filters."""
    sql: list[str] = []
    params: list[object] = []
    allowed = scope.allowed_colleges(cur)
    if allowed is not None:
        sql.append(" AND s.college_code IN (SELECT unnest(?::VARCHAR[]))")
        params.append(allowed)
    for key, value in (filters or {}).items():
        if value is None or value == [] or value == "":
            continue
        if key in FILTERS:
            if isinstance(value, list):
                sql.append(f" AND {FILTERS[key]} IN (SELECT unnest(?::VARCHAR[]))")
                params.append([str(v) for v in value])
            else:
                sql.append(f" AND {FILTERS[key]} = ?")
                params.append(str(value))
        elif key in BOOL_FILTERS:
            sql.append(f" AND {BOOL_FILTERS[key]} = ?")
            params.append(bool(value))
        elif key in DATE_FILTERS and isinstance(value, dt.date):
            sql.append(DATE_FILTERS[key])
            params += [value, value]
        else:
            raise UserFacingError(f"Неизвестный фильтр: {key}")
    return "".join(sql), params


def _dimension(by: str) -> Dimension:
    if by not in DIMENSIONS:
        raise UserFacingError(f"Неизвестный разрез: {by}. Доступны: {', '.join(DIMENSIONS)}.")
    return DIMENSIONS[by]


def _empty_counts(dim: Dimension) -> pl.DataFrame:
    schema: dict[str, pl.DataType | type[pl.DataType]] = {"code": pl.Utf8, "name": pl.Utf8}
    for alias, _ in dim.extra:
        schema[alias] = pl.Utf8
    schema["total"] = pl.Int64
    for c in COUNT_COLUMNS:
        schema[c] = pl.Int64
    return pl.DataFrame(schema=schema)


def _pivot(long: pl.DataFrame, dim: Dimension, key_cols: list[str]) -> pl.DataFrame:
    """Long (keys, status, n, n_spec) -> wide with one Int64 column per status code."""
    if long.is_empty():
        return _empty_counts(dim) if key_cols[0] == "code" else pl.DataFrame()
    wide = long.pivot(on="status", index=key_cols, values="n", aggregate_function="sum")
    spec = long.group_by(key_cols).agg(pl.col("n_spec").sum().alias(EMPLOYED_BY_SPECIALTY))
    wide = wide.join(spec, on=key_cols, how="left")
    for c in COUNT_COLUMNS:
        if c not in wide.columns:
            wide = wide.with_columns(pl.lit(0, dtype=pl.Int64).alias(c))
    wide = wide.with_columns([pl.col(c).fill_null(0).cast(pl.Int64) for c in COUNT_COLUMNS])
    wide = wide.with_columns(total=pl.sum_horizontal([pl.col(c) for c in CODES]).cast(pl.Int64))
    return wide.select([*key_cols, "total", *COUNT_COLUMNS]).sort(key_cols)


def status_counts(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    by: str = "region",
    filters: Filters | None = None,
) -> pl.DataFrame:
    """Status counts at `as_of` for each group of `by` within the scope.

    Columns: code, name, <dimension extras>, total, one Int64 column per status code, and
    employed_by_specialty. `total` is the size of the actual graduation list (every graduate has
    exactly one status at any date, `unknown` before the first snapshot).
    """
    dim = _dimension(by)
    where, params = scope_where(cur, scope, filters)
    extras = "".join(f", {sql_expr} AS {alias}" for alias, sql_expr in dim.extra)
    q = f"""SELECT {dim.code_sql} AS code, {dim.name_sql} AS name{extras}, s.status,
                   count(*) AS n, count(*) FILTER (WHERE s.by_specialty AND s.status = 'employed') AS n_spec
            {_FROM}
            WHERE s.cohort = ? AND s.valid_from <= ? AND s.valid_to > ? {where}
            GROUP BY ALL"""
    long = cur.sql(q, params=[cohort, as_of, as_of, *params]).pl()
    keys = ["code", "name", *[a for a, _ in dim.extra]]
    if long.is_empty():
        return _empty_counts(dim)
    return _pivot(long, dim, keys)


def not_yet_graduated(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    filters: Filters | None = None,
) -> int:
    """Graduates of the cohort in scope whose graduation date is after `as_of`.

    They are in no figure at `as_of` (docs/domain.md §2: spells start at the graduation date,
    data_layer.spells); pages show the number beside the figures («ещё не выпустились: N»).
    Every graduate has exactly one open-ended spell, so counting those counts graduates.
    """
    where, params = scope_where(cur, scope, filters)
    row = cur.sql(
        f"""SELECT count(*) {_FROM}
            WHERE s.cohort = ? AND s.graduation_date > ? AND s.valid_to = DATE '{FAR_FUTURE}' {where}""",
        params=[cohort, as_of, *params],
    ).fetchall()
    return int(row[0][0]) if row else 0


def indicator_table(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    indicator: Indicator,
    by: str = "region",
    filters: Filters | None = None,
    forecast: bool = False,
) -> pl.DataFrame:
    """Status counts plus numerator, denominator, rate and `small_group` (total < 5) per group."""
    counts = status_counts(cur, scope, cohort, as_of, by, filters)
    return with_indicator(counts, indicator, forecast).with_columns(small_group=pl.col("total") < SMALL_GROUP)


def comparison_counts(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    level: str,
    code: str | None = None,
) -> pl.DataFrame:
    """Aggregate counts of the whole region or of one territory, for comparison.

    Aggregates carry no personal data, so every role may see the region and a territory role or a
    college its own territory (docs/domain.md §1: "may see region-level figures for comparison").
    """
    from data_layer.scope import OPERATOR

    if level == "region":
        return status_counts(cur, OPERATOR, cohort, as_of, "region")
    if level == "territory":
        if scope.role == "territory" and scope.code != code:
            raise ScopeError("Сравнение доступно только со своей территорией и регионом.")
        if scope.role == "college":
            own = college_territory(cur, scope.code or "")
            if own != code:
                raise ScopeError("Сравнение доступно только со своей территорией и регионом.")
        return status_counts(cur, OPERATOR, cohort, as_of, "territory", {"territory": code or ""})
    raise UserFacingError(f"Неизвестный уровень сравнения: {level}")


def college_territory(cur: duckdb.DuckDBPyConnection, college_code: str) -> str | None:
    row = cur.execute(
        "SELECT m.tu_code FROM colleges c JOIN municipalities m USING (oktmo) WHERE c.college_code = ?",
        [college_code],
    ).fetchall()
    return row[0][0] if row else None


# ---------------------------------------------------------------- weekly series


def weekly_dates(start: dt.date, end: dt.date) -> list[dt.date]:
    """Fridays from the first Friday on or after `start` up to `end`, plus `end` itself.

    Colleges send their weekly update by Friday, so a Friday point shows the finished week.
    """
    if end < start:
        return [end]
    first = start + dt.timedelta(days=(4 - start.weekday()) % 7)
    out: list[dt.date] = []
    d = first
    while d <= end:
        out.append(d)
        d += dt.timedelta(days=7)
    if not out or out[-1] != end:
        out.append(end)
    return out


def cohort_colleges(cur: duckdb.DuckDBPyConnection, cohort: int) -> list[str]:
    """Every college with status data of the cohort (the parts a region-wide result consists of)."""
    rows = cur.execute(
        "SELECT DISTINCT college_code FROM status_spells WHERE cohort = ? ORDER BY 1", [cohort]
    ).fetchall()
    return [str(r[0]) for r in rows]


def cohort_sizes(cur: duckdb.DuckDBPyConnection, cohort: int) -> dict[str, int]:
    """The number of graduates of the cohort per college (the size of its part of a per-graduate
    result)."""
    rows = cur.execute(
        "SELECT college_code, count(*) FROM graduates WHERE cohort = ? GROUP BY college_code", [cohort]
    ).fetchall()
    return {str(c): int(n) for c, n in rows}


def persons(
    cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, filters: Filters | None = None
) -> pl.DataFrame:
    """The graduates of the cohort in scope that the filters select: college_code, person_key.
    Every filter is a property of the graduate (his spells all carry it), so a per-graduate result
    restricted to these graduates is the result computed with the filters."""
    where, params = scope_where(cur, scope, filters)
    return cur.sql(
        f"SELECT DISTINCT s.college_code, s.person_key {_FROM} WHERE s.cohort = ? {where}",
        params=[cohort, *params],
    ).pl()


def cohort_start(
    cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, filters: Filters | None = None
) -> dt.date | None:
    """Earliest graduation date of the cohort within the scope."""
    where, params = scope_where(cur, scope, filters)
    row = cur.sql(
        f"SELECT min(s.graduation_date) {_FROM} WHERE s.cohort = ? {where}", params=[cohort, *params]
    ).fetchall()
    return row[0][0] if row and row[0][0] is not None else None


def counts_at_dates(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    dates: list[dt.date],
    filters: Filters | None = None,
    by: str = "region",
) -> pl.DataFrame:
    """Status counts at each of `dates` (column `date`), per group of `by`.

    One pass over spell boundaries: N(s, D) = #spells of s starting <= D - #spells of s ending <= D.
    """
    dim = _dimension(by)
    where, params = scope_where(cur, scope, filters)
    q = f"""
    WITH sp AS (
        SELECT {dim.code_sql} AS code, {dim.name_sql} AS name, s.status,
               (s.by_specialty AND s.status = 'employed') AS spec, s.valid_from, s.valid_to
        {_FROM} WHERE s.cohort = ? {where}
    ),
    deltas AS (
        SELECT code, name, status, valid_from AS d, count(*) AS n, count(*) FILTER (WHERE spec) AS n_spec
        FROM sp GROUP BY ALL
        UNION ALL
        SELECT code, name, status, valid_to AS d, -count(*) AS n, -count(*) FILTER (WHERE spec) AS n_spec
        FROM sp GROUP BY ALL
    ),
    cp AS (SELECT unnest(?::DATE[]) AS date)
    SELECT cp.date, deltas.code, deltas.name, deltas.status, sum(deltas.n) AS n, sum(deltas.n_spec) AS n_spec
    FROM cp JOIN deltas ON deltas.d <= cp.date
    GROUP BY ALL
    """
    long = cur.sql(q, params=[cohort, *params, dates]).pl()
    if long.is_empty():
        return pl.DataFrame(
            schema={"date": pl.Date, "code": pl.Utf8, "name": pl.Utf8, "total": pl.Int64}
            | {c: pl.Int64 for c in COUNT_COLUMNS}
        )
    long = long.filter(pl.col("n") != 0)
    return _pivot(long, dim, ["date", "code", "name"])


def weekly_series(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    indicator: Indicator,
    filters: Filters | None = None,
    forecast: bool = False,
) -> pl.DataFrame:
    """Weekly points from graduation to min(as_of, 31 December of the following year).

    Columns: date, total, status counts, numerator, denominator, rate. `total` is the number of
    graduates at each point: points before the main graduation rest on the few who graduated early
    (a graduate counts only from his own graduation date), and charts show it beside the rate.
    """
    start = cohort_start(cur, scope, cohort, filters)
    if start is None:
        return with_indicator(
            counts_at_dates(cur, scope, cohort, [as_of], filters), indicator, forecast
        ).head(0)
    end = min(as_of, window_end(cohort))
    dates = weekly_dates(start, end)
    counts = counts_at_dates(cur, scope, cohort, dates, filters)
    return with_indicator(counts, indicator, forecast).sort("date")


# ---------------------------------------------------------------- what data is there


def cohorts(cur: duckdb.DuckDBPyConnection, scope: Scope) -> list[int]:
    where, params = scope_where(cur, scope)
    rows = cur.sql(
        f"SELECT DISTINCT s.cohort FROM status_spells s WHERE true {where} ORDER BY 1", params=params
    ).fetchall()
    return [int(r[0]) for r in rows]


def latest_snapshot(
    cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int | None = None
) -> dt.date | None:
    """Newest status snapshot date in scope (optionally for one cohort)."""
    allowed = scope.allowed_colleges(cur)
    row = cur.sql(
        """SELECT max(snapshot_date) FROM status_rows
           WHERE (?::INTEGER IS NULL OR cohort = ?)
             AND (?::VARCHAR[] IS NULL OR college_code IN (SELECT unnest(?::VARCHAR[])))""",
        params=[cohort, cohort, allowed, allowed],
    ).fetchall()
    return row[0][0] if row else None


def default_as_of(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    today: dt.date | dt.datetime | None = None,
) -> dt.date:
    """The default as-of date of the app and the CLI: the last passed deadline of the cohort's
    update schedule (metrics.deadlines / metrics.timeliness), never after the cohort's monitoring
    window. The same for every user and scope, and never moved by an upload."""
    from metrics import deadlines, timeliness  # they build on this module

    del scope
    schedule = timeliness.get_schedule(cur, cohort)
    return min(deadlines.last_passed(today, schedule), window_end(cohort))


# The sources of data_dates ("данные на ..."), Russian labels in the order shown.
DATES_STATUSES = "Статусы выпускников (мониторинг ПОО)"
DATES_GRADUATES = "Фактический выпуск (списки ПОО)"
DATES_FRDO = "ФИС ФРДО"
DATES_UFNS = "Данные УФНС"
DATES_CZN = "Данные ЦЗН"
DATES_EVENTS = "Мероприятия"


def _as_date(v: object) -> dt.date | None:
    return v.date() if isinstance(v, dt.datetime) else v  # type: ignore[return-value]


def data_dates(
    cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int | None = None, as_of: dt.date | None = None
) -> dict[str, dt.date | None]:
    """Freshness of every source within the scope ("данные на ..."), Russian labels as keys. With a
    cohort and a date (the chosen context), what the figures of that cohort at that date rest on: the
    newest snapshot of the cohort up to the date, the loads of its graduation lists, extracts and
    events dated up to the date."""
    allowed = scope.allowed_colleges(cur)
    scoped = "(?::VARCHAR[] IS NULL OR college_code IN (SELECT unnest(?::VARCHAR[])))"
    in_cohort = "(?::INTEGER IS NULL OR cohort = ?)"

    def upto(column: str) -> str:
        return f"(?::DATE IS NULL OR {column} <= ?)"

    def one(sql: str, *params: object) -> dt.date | None:
        row = cur.sql(sql, params=[p for x in params for p in (x, x)]).fetchall()
        return _as_date(row[0][0] if row else None)

    return {
        DATES_STATUSES: one(
            f"SELECT max(snapshot_date) FROM status_rows WHERE {scoped} AND {in_cohort} AND {upto('snapshot_date')}",
            allowed,
            cohort,
            as_of,
        ),
        # a load may cover several colleges: take the loads that stored graduates of colleges in scope
        DATES_GRADUATES: one(
            f"""SELECT max(l.loaded_at) FROM loads l
                WHERE l.load_id IN (SELECT DISTINCT load_id FROM graduates WHERE {scoped} AND {in_cohort})""",
            allowed,
            cohort,
        ),
        DATES_FRDO: one(
            f"SELECT max(issue_date) FROM frdo_records WHERE {scoped} AND {upto('issue_date')}",
            allowed,
            as_of,
        ),
        DATES_UFNS: one(f"SELECT max(extract_date) FROM ufns_records WHERE {upto('extract_date')}", as_of),
        DATES_CZN: one(f"SELECT max(extract_date) FROM czn_records WHERE {upto('extract_date')}", as_of),
        DATES_EVENTS: one(
            f"SELECT max(event_date) FROM events WHERE {scoped} AND {upto('event_date')}", allowed, as_of
        ),
    }


def data_dates_by_college(cur: duckdb.DuckDBPyConnection) -> dict[str, dict[str, dt.date | None]]:
    """`data_dates(cur, <the college's scope>)` of every college at once (no cohort, no date): one
    grouped query per source instead of six queries per college (the scorecard zip)."""

    def per_college(sql: str) -> dict[str, dt.date | None]:
        return {code: _as_date(v) for code, v in cur.sql(sql).fetchall()}

    statuses = per_college("SELECT college_code, max(snapshot_date) FROM status_rows GROUP BY 1")
    loads = per_college(
        """SELECT g.college_code, max(l.loaded_at) FROM loads l
           JOIN (SELECT DISTINCT college_code, load_id FROM graduates) g ON g.load_id = l.load_id GROUP BY 1"""
    )
    frdo = per_college("SELECT college_code, max(issue_date) FROM frdo_records GROUP BY 1")
    events = per_college("SELECT college_code, max(event_date) FROM events GROUP BY 1")
    ufns = _as_date(cur.sql("SELECT max(extract_date) FROM ufns_records").fetchall()[0][0])
    czn = _as_date(cur.sql("SELECT max(extract_date) FROM czn_records").fetchall()[0][0])
    codes = [r[0] for r in cur.sql("SELECT college_code FROM colleges").fetchall()]
    return {
        code: {
            DATES_STATUSES: statuses.get(code),
            DATES_GRADUATES: loads.get(code),
            DATES_FRDO: frdo.get(code),
            DATES_UFNS: ufns,
            DATES_CZN: czn,
            DATES_EVENTS: events.get(code),
        }
        for code in codes
    }


def college_list(cur: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """Colleges in scope with their territory (for selectors and maps)."""
    allowed = scope.allowed_colleges(cur)
    return cur.sql(
        """SELECT c.college_code, c.short_name, c.full_name, c.oktmo, m.name AS municipality, m.tu_code,
                  t.name AS tu_name, c.college_type, c.lat, c.lon
           FROM colleges c LEFT JOIN municipalities m USING (oktmo) LEFT JOIN territories t USING (tu_code)
           WHERE (?::VARCHAR[] IS NULL OR c.college_code IN (SELECT unnest(?::VARCHAR[])))
           ORDER BY c.short_name""",
        params=[allowed, allowed],
    ).pl()
