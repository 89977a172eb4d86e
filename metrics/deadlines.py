"""The weekly deadline as a calendar: the last passed and the next deadline of a schedule, and how
late an arrival is. The schedule itself (weekday and hour, Samara time, per cohort, set by the base
centre; Friday 18:00 until set) and the weeks of the timeliness criterion are `metrics.timeliness`:
this module only reads it, so "the deadline" has one definition.

Used by the default as-of date of the app and the CLI (`engine.default_as_of`: the last passed
deadline of the cohort's schedule, the same for every user, never moved by an upload), the week's
discipline page and the weekly template (its «Дата актуализации» is the next deadline).
"""

from __future__ import annotations

import datetime as dt

from metrics.timeliness import DEFAULT, SAMARA_UTC_OFFSET, Schedule, samara_to_utc, utc_now


def to_utc(now: dt.datetime | dt.date | None) -> dt.datetime:
    """A moment as naive UTC: None = the server clock; a bare date = the end of that day in Samara;
    a naive datetime = server local time; an aware one is converted."""
    if now is None:
        return utc_now()
    if not isinstance(now, dt.datetime):
        return samara_to_utc(now + dt.timedelta(days=1), 0) - dt.timedelta(seconds=1)
    return now.astimezone(dt.UTC).replace(tzinfo=None)


def last_passed(now: dt.datetime | dt.date | None = None, s: Schedule = DEFAULT) -> dt.date:
    """Date of the latest deadline (weekday and hour of `s`, Samara time) that has passed at `now`."""
    t = to_utc(now)
    today = (t + SAMARA_UTC_OFFSET).date()
    d = today - dt.timedelta(days=(today.isoweekday() - s.weekday) % 7)
    if samara_to_utc(d, s.hour) > t:
        d -= dt.timedelta(days=7)
    return d


def next_due(now: dt.datetime | dt.date | None = None, s: Schedule = DEFAULT) -> dt.date:
    """Date of the first deadline not yet passed at `now`."""
    return last_passed(now, s) + dt.timedelta(days=7)


def days_late(
    due: dt.date,
    arrived_utc: dt.datetime | None,
    now: dt.datetime | dt.date | None = None,
    s: Schedule = DEFAULT,
) -> int:
    """Started days from the deadline moment to the arrival (naive UTC, as `snapshot_arrivals`
    stores it), or to `now` when nothing arrived; 0 when in time."""
    end = arrived_utc if arrived_utc is not None else to_utc(now)
    late = (end - samara_to_utc(due, s.hour)).total_seconds()
    return 0 if late <= 0 else int(-(-late // 86400))


def snapshot_date_for_upload(now: dt.datetime | dt.date | None = None, s: Schedule = DEFAULT) -> dt.date:
    """The «Дата актуализации» of a snapshot prepared now for the coming deadline: today (Samara),
    which falls in the coming deadline's week — except on a deadline day after its hour, when today
    already belongs to the passed week: then the coming deadline's date."""
    today = (to_utc(now) + SAMARA_UTC_OFFSET).date()
    return next_due(now, s) if today == last_passed(now, s) else today
