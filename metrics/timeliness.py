"""Timeliness of the colleges' status updates by arrival time (docs/domain.md §8 criterion 5, issue 11).

The base centre sets, per cohort, the weekly deadline: a weekday and an hour, Samara time
(Europe/Samara, UTC+4 all year), and for the current cohort how many weeks apart updates are due.
Until it is set the deadline is DEFAULT (every Friday, 18:00). From 1 January of the following year
a cohort is the *previous* cohort and is updated weekly on the same weekday and hour.

Deadlines run from the first deadline weekday strictly after the college's first graduation date
up to the evaluation date (its end, Samara time), never later than the server's clock and the end of
the monitoring window. A snapshot belongs to the deadline week its «Дата актуализации» falls in
(after the previous deadline's date, up to this one's). For each college and week the *first*
arrival counts (`snapshot_arrivals.received_at`, the server's clock when the file came in): the
week is on time when it arrived by the deadline. A snapshot with an old «Дата актуализации» loaded
later is therefore late for its week, whoever loads it, and a back-filled week stays late.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

import duckdb
import polars as pl

from metrics import engine

SAMARA_UTC_OFFSET = dt.timedelta(hours=4)  # Europe/Samara: UTC+4, no daylight saving since 2011

WEEKDAYS_RU = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")
_EVERY_WEEKDAY_RU = (
    "по понедельникам",
    "по вторникам",
    "по средам",
    "по четвергам",
    "по пятницам",
    "по субботам",
    "по воскресеньям",
)


@dataclass(frozen=True)
class Schedule:
    weekday: int = 5  # ISO: 1 = Monday ... 7 = Sunday
    hour: int = 18  # the deadline hour, Samara time (HH:00)
    every_weeks: int = 1  # the current cohort's period; the previous cohort is always weekly
    set_at: dt.datetime | None = None
    set_by: str | None = None

    def describe(self) -> str:
        """«по пятницам до 18:00 (самарское время)», «раз в 2 недели, по средам до 12:00 …»."""
        when = f"{_EVERY_WEEKDAY_RU[self.weekday - 1]} до {self.hour:02d}:00 (самарское время)"
        return when if self.every_weeks == 1 else f"раз в {self.every_weeks} недели, {when}"


DEFAULT = Schedule()


def validate_schedule(s: Schedule) -> list[str]:
    problems = []
    if not 1 <= s.weekday <= 7:
        problems.append("День недели — от понедельника до воскресенья.")
    if not 0 <= s.hour <= 23:
        problems.append("Час срока — от 0 до 23.")
    if not 1 <= s.every_weeks <= 4:
        problems.append("Периодичность — от 1 до 4 недель.")
    return problems


def get_schedule(cur: duckdb.DuckDBPyConnection, cohort: int) -> Schedule:
    """The schedule in force for a cohort: the newest one set, else DEFAULT."""
    row = cur.execute(
        """SELECT weekday, hour, every_weeks, set_at, set_by FROM update_schedules WHERE cohort = ?
           ORDER BY set_at DESC LIMIT 1""",
        [cohort],
    ).fetchall()
    return Schedule(*row[0]) if row else DEFAULT


def schedule_history(cur: duckdb.DuckDBPyConnection, cohort: int) -> pl.DataFrame:
    return cur.sql(
        """SELECT weekday, hour, every_weeks, set_at, set_by FROM update_schedules WHERE cohort = ?
           ORDER BY set_at DESC""",
        params=[cohort],
    ).pl()


def insert_schedule(cur: duckdb.DuckDBPyConnection, cohort: int, s: Schedule, username: str) -> None:
    """Store a new schedule row (inside the caller's transaction: ops.timeliness)."""
    cur.execute(
        "INSERT INTO update_schedules VALUES (?, ?, ?, ?, ?, ?)",
        [cohort, s.weekday, s.hour, s.every_weeks, utc_now(), username],
    )


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def samara_to_utc(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour)) - SAMARA_UTC_OFFSET


def utc_to_samara(t: dt.datetime) -> dt.datetime:
    return t + SAMARA_UTC_OFFSET


def _on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.isoweekday()) % 7)


def deadlines(
    graduation: dt.date, cohort: int, s: Schedule, until_utc: dt.datetime
) -> list[tuple[dt.date, dt.datetime]]:
    """(deadline date, deadline moment in UTC) from the first deadline weekday strictly after
    `graduation` while the moment is <= `until_utc` and the date is within the monitoring window."""
    end = engine.window_end(cohort)
    d = _on_or_after(graduation + dt.timedelta(days=1), s.weekday)
    out: list[tuple[dt.date, dt.datetime]] = []
    while d <= end:
        moment = samara_to_utc(d, s.hour)
        if moment > until_utc:
            break
        out.append((d, moment))
        if d.year <= cohort:
            nxt = d + dt.timedelta(weeks=s.every_weeks)
            if nxt.year > cohort:  # the previous cohort: weekly from the first deadline of the year
                nxt = _on_or_after(dt.date(cohort + 1, 1, 1), s.weekday)
        else:
            nxt = d + dt.timedelta(weeks=1)
        d = nxt
    return out


def evaluation_end(as_of: dt.date, now_utc: dt.datetime | None = None) -> dt.datetime:
    """The last moment counted: the end of the evaluation date in Samara, never after the clock."""
    end_of_day = samara_to_utc(as_of + dt.timedelta(days=1), 0)
    return min(end_of_day, now_utc or utc_now())


def week_status(
    graduation: dt.date,
    cohort: int,
    s: Schedule,
    arrivals: list[tuple[dt.date, dt.datetime]],
    until_utc: dt.datetime,
) -> list[tuple[dt.date, dt.datetime, dt.datetime | None]]:
    """For one college: (deadline date, deadline UTC, first arrival UTC or None) per deadline week.

    `arrivals` are (snapshot date, received at UTC); a snapshot dated on or before the graduation
    date, or after the last deadline counted, belongs to no week."""
    return first_arrivals(graduation, deadlines(graduation, cohort, s, until_utc), arrivals)


def first_arrivals(
    graduation: dt.date,
    weeks: list[tuple[dt.date, dt.datetime]],
    arrivals: list[tuple[dt.date, dt.datetime]],
) -> list[tuple[dt.date, dt.datetime, dt.datetime | None]]:
    """`week_status` with the deadline weeks (`deadlines`) given."""
    dates = [d for d, _ in weeks]
    first: list[dt.datetime | None] = [None] * len(weeks)
    for snap, received in arrivals:
        i = bisect.bisect_left(dates, snap)  # the first deadline on or after the snapshot's date
        if snap <= graduation or i == len(weeks):
            continue
        prev = first[i]
        if prev is None or received < prev:
            first[i] = received
    return [(d, m, f) for (d, m), f in zip(weeks, first, strict=True)]


def college_timeliness(
    cur: duckdb.DuckDBPyConnection, cohort: int, as_of: dt.date, now_utc: dt.datetime | None = None
) -> pl.DataFrame:
    """Per college of the cohort: expected_weeks (deadlines so far), updated_weeks (arrived on
    time), late_weeks (first arrival after the deadline), missed_weeks (expected − on time),
    last_update (newest «Дата актуализации» on or before `as_of`) and timeliness (on time /
    expected; no value before the first deadline)."""
    s = get_schedule(cur, cohort)
    until = evaluation_end(min(as_of, engine.window_end(cohort)), now_utc)
    starts = cur.execute(
        "SELECT college_code, min(graduation_date) FROM graduates WHERE cohort = ? GROUP BY 1 ORDER BY 1",
        [cohort],
    ).fetchall()
    arr = cur.execute(
        """SELECT college_code, snapshot_date, min(received_at) FROM snapshot_arrivals
           WHERE cohort = ? AND snapshot_date <= ? GROUP BY 1, 2 ORDER BY 1, 2""",
        [cohort, as_of],
    ).fetchall()
    by_college: dict[str, list[tuple[dt.date, dt.datetime]]] = {}
    for code, snap, received in arr:
        by_college.setdefault(code, []).append((snap, received))
    last = dict(
        cur.execute(
            """SELECT college_code, max(snapshot_date) FROM status_rows WHERE cohort = ? AND snapshot_date <= ?
               GROUP BY 1""",
            [cohort, as_of],
        ).fetchall()
    )
    rows = []
    schedule: dict[dt.date, list[tuple[dt.date, dt.datetime]]] = {}  # colleges share graduation dates
    for code, start in starts:
        if start not in schedule:
            schedule[start] = deadlines(start, cohort, s, until)
        weeks = first_arrivals(start, schedule[start], by_college.get(code, []))
        on_time = sum(1 for _, m, f in weeks if f is not None and f <= m)
        late = sum(1 for _, m, f in weeks if f is not None and f > m)
        rows.append((code, len(weeks), on_time, late, last.get(code)))
    out = pl.DataFrame(
        rows,
        schema={
            "college_code": pl.Utf8,
            "expected_weeks": pl.Int64,
            "updated_weeks": pl.Int64,
            "late_weeks": pl.Int64,
            "last_update": pl.Date,
        },
        orient="row",
    )
    return out.with_columns(
        timeliness=pl.when(pl.col("expected_weeks") > 0)
        .then(pl.col("updated_weeks") / pl.col("expected_weeks"))
        .otherwise(None),
        missed_weeks=pl.col("expected_weeks") - pl.col("updated_weeks"),
    )
