"""The week's discipline (issue 13): did each college send its status snapshot by the weekly
deadline? Built on metrics.timeliness (the cohort's schedule, the deadline weeks from the college's
first graduation, the first arrival of a snapshot for each week counts) so the page, the timeliness
criterion and the default as-of date share one definition of the deadline.

- `week_grid`: one row per (college, deadline week) so far: on_time, arrived (UTC), days_late
  (started days after the deadline moment; for a week with nothing received, counted up to now;
  an arrival recorded after `now` has not happened yet at `now`);
- `current_week`: the colleges' record for the last passed deadline, with contacts;
- `next_deadline`: what a college sees — when its next snapshot is due.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from data_layer.scope import Scope
from metrics import deadlines, timeliness


def week_grid(
    cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, now_utc: dt.datetime | None = None
) -> pl.DataFrame:
    """college_code, deadline (date), deadline_utc, arrived_utc, on_time, days_late — every deadline
    week of every college in scope with graduates of `cohort`, up to `now_utc`."""
    now = now_utc or timeliness.utc_now()
    s = timeliness.get_schedule(cur, cohort)
    allowed = scope.allowed_colleges(cur)
    starts = cur.execute(
        """SELECT college_code, min(graduation_date) FROM graduates
           WHERE cohort = ? AND (?::VARCHAR[] IS NULL OR college_code IN (SELECT unnest(?::VARCHAR[])))
           GROUP BY 1 ORDER BY 1""",
        [cohort, allowed, allowed],
    ).fetchall()
    arrivals: dict[str, list[tuple[dt.date, dt.datetime]]] = {}
    for code, snap, received in cur.execute(
        """SELECT college_code, snapshot_date, min(received_at) FROM snapshot_arrivals
           WHERE cohort = ? AND received_at <= ?
             AND (?::VARCHAR[] IS NULL OR college_code IN (SELECT unnest(?::VARCHAR[])))
           GROUP BY 1, 2 ORDER BY 1, 2""",
        [cohort, now, allowed, allowed],
    ).fetchall():
        arrivals.setdefault(code, []).append((snap, received))
    rows = []
    for code, start in starts:
        for day, moment, first in timeliness.week_status(start, cohort, s, arrivals.get(code, []), now):
            late = deadlines.days_late(day, first, now.replace(tzinfo=dt.UTC), s)
            rows.append((code, day, moment, first, first is not None and first <= moment, late))
    return pl.DataFrame(
        rows,
        schema={
            "college_code": pl.Utf8,
            "deadline": pl.Date,
            "deadline_utc": pl.Datetime,
            "arrived_utc": pl.Datetime,
            "on_time": pl.Boolean,
            "days_late": pl.Int64,
        },
        orient="row",
    )


def current_week(
    grid: pl.DataFrame, colleges: pl.DataFrame, due: dt.date | None = None
) -> tuple[dt.date | None, pl.DataFrame]:
    """(the week's deadline — the last passed one unless `due` is given —, one row per college of
    `colleges` with its record for that week: state «в срок» / «с опозданием» / «не прислала»,
    days_late, arrived_utc, contacts)."""
    if grid.is_empty():
        return None, pl.DataFrame()
    if due is None:
        last = grid.get_column("deadline").max()
        assert isinstance(last, dt.date)
        due = last
    week = grid.filter(pl.col("deadline") == due)
    out = colleges.join(week, on="college_code", how="inner").with_columns(
        state=pl.when(pl.col("on_time"))
        .then(pl.lit("в срок"))
        .when(pl.col("arrived_utc").is_not_null())
        .then(pl.lit("с опозданием"))
        .otherwise(pl.lit("не прислала"))
    )
    return due, out.sort(["on_time", "days_late", "short_name"], descending=[False, True, False])


def next_deadline(cur: duckdb.DuckDBPyConnection, cohort: int, now: dt.datetime | None = None) -> dt.datetime:
    """The next deadline moment of the cohort's schedule, in Samara time (naive)."""
    s = timeliness.get_schedule(cur, cohort)
    day = deadlines.next_due(now, s)
    return dt.datetime.combine(day, dt.time(s.hour))


def colleges_with_contacts(cur: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """college_code, short_name, full_name, tu_code, tu_name, contact_person, phone, email."""
    allowed = scope.allowed_colleges(cur)
    return cur.sql(
        """SELECT c.college_code, c.short_name, c.full_name, m.tu_code, t.name AS tu_name,
                  c.contact_person, c.phone, c.email
           FROM colleges c LEFT JOIN municipalities m USING (oktmo) LEFT JOIN territories t USING (tu_code)
           WHERE ?::VARCHAR[] IS NULL OR c.college_code IN (SELECT unnest(?::VARCHAR[]))
           ORDER BY c.short_name""",
        params=[allowed, allowed],
    ).pl()


def coming_week(
    cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, now_utc: dt.datetime | None = None
) -> tuple[dt.date, pl.DataFrame]:
    """(the coming deadline date, college_code and first arrival UTC of every college in scope that
    already sent a snapshot for that week: «Дата актуализации» after the last passed deadline's date,
    up to the coming one's, received by `now_utc`)."""
    now = now_utc or timeliness.utc_now()
    s = timeliness.get_schedule(cur, cohort)
    aware = now.replace(tzinfo=dt.UTC)
    last, nxt = deadlines.last_passed(aware, s), deadlines.next_due(aware, s)
    allowed = scope.allowed_colleges(cur)
    frame = cur.sql(
        """SELECT college_code, min(received_at) AS arrived_utc FROM snapshot_arrivals
           WHERE cohort = ? AND snapshot_date > ? AND snapshot_date <= ? AND received_at <= ?
             AND (?::VARCHAR[] IS NULL OR college_code IN (SELECT unnest(?::VARCHAR[])))
           GROUP BY 1 ORDER BY 1""",
        params=[cohort, last, nxt, now, allowed, allowed],
    ).pl()
    return nxt, frame
