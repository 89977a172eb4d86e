"""Record a measure of support for a risk-group graduate (domain.md §6).

A measure changes no figure, so the dataset version is not bumped. The audit object names the
college and cohort and the details the measure number, never the graduate: the log is not a
personal-data register.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from data_layer import risk_measures
from data_layer.scope import Scope
from ops.transaction import audited


def record_measure(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    college: str,
    cohort: int,
    person_key: str,
    date: dt.date,
    text: str,
    *,
    today: dt.date | None = None,
) -> int:
    """Record one measure for a graduate of `college`; returns its id."""
    body = risk_measures.check_measure(cur, scope, college, cohort, person_key, date, text, today)
    with audited(cur, scope, "risk_measure", f"{college}/{cohort}", bump=False) as entry:
        measure_id = risk_measures.insert_measure(
            cur, scope.username, college, cohort, person_key, date, body
        )
        entry.details = f"мера № {measure_id}"
    return measure_id
