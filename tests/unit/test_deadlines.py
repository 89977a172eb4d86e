"""The weekly deadline calendar (metrics.deadlines) on the schedules of metrics.timeliness:
Friday 18:00 Samara time (UTC+4) until the base centre sets another."""

from __future__ import annotations

import datetime as dt

from metrics import deadlines as dl
from metrics.timeliness import Schedule

SAMARA = dt.timezone(dt.timedelta(hours=4))
UTC = dt.datetime  # naive UTC, as snapshot_arrivals stores arrivals


def test_last_passed_and_next_due_around_the_friday_deadline() -> None:
    # 2026-11-27 is a Friday; its deadline is 18:00 Samara = 14:00 UTC.
    assert dl.last_passed(dt.datetime(2026, 11, 27, 17, 59, tzinfo=SAMARA)) == dt.date(2026, 11, 20)
    assert dl.last_passed(dt.datetime(2026, 11, 27, 18, 0, tzinfo=SAMARA)) == dt.date(2026, 11, 27)
    assert dl.last_passed(dt.datetime(2026, 11, 27, 14, 0, tzinfo=dt.UTC)) == dt.date(2026, 11, 27)
    assert dl.last_passed(dt.datetime(2026, 12, 3, 10, 0, tzinfo=SAMARA)) == dt.date(2026, 11, 27)
    assert dl.next_due(dt.datetime(2026, 12, 3, 10, 0, tzinfo=SAMARA)) == dt.date(2026, 12, 4)
    # A bare date is its end of day: on a Friday the deadline of that day has passed.
    assert dl.last_passed(dt.date(2026, 11, 27)) == dt.date(2026, 11, 27)
    assert dl.last_passed(dt.date(2026, 11, 26)) == dt.date(2026, 11, 20)


def test_another_schedule() -> None:
    monday_noon = Schedule(weekday=1, hour=12)
    assert dl.last_passed(dt.datetime(2026, 12, 3, 10, 0, tzinfo=SAMARA), monday_noon) == dt.date(
        2026, 11, 30
    )
    assert dl.last_passed(dt.datetime(2026, 11, 30, 11, 0, tzinfo=SAMARA), monday_noon) == dt.date(
        2026, 11, 23
    )


def test_days_late_counts_started_days_after_the_deadline_moment() -> None:
    due = dt.date(2026, 11, 27)  # deadline 14:00 UTC
    assert dl.days_late(due, UTC(2026, 11, 27, 13, 0)) == 0
    assert dl.days_late(due, UTC(2026, 11, 27, 15, 0)) == 1  # an hour late: day 1
    assert dl.days_late(due, UTC(2026, 11, 30, 5, 0)) == 3
    assert dl.days_late(due, None, dt.datetime(2026, 12, 3, 10, 0, tzinfo=SAMARA)) == 6


def test_snapshot_date_for_upload_falls_in_the_coming_week() -> None:
    assert dl.snapshot_date_for_upload(dt.datetime(2026, 12, 3, 10, 0, tzinfo=SAMARA)) == dt.date(2026, 12, 3)
    assert dl.snapshot_date_for_upload(dt.datetime(2026, 12, 4, 17, 0, tzinfo=SAMARA)) == dt.date(2026, 12, 4)
    # Friday after 18:00: today belongs to the passed week, so the next Friday
    assert dl.snapshot_date_for_upload(dt.datetime(2026, 12, 4, 19, 0, tzinfo=SAMARA)) == dt.date(
        2026, 12, 11
    )
