"""Simulated arrival times of the demo region's status snapshots (issue 11, item 5).

The demo is built in one go, so every file would "arrive" at build time. Instead each college gets
a habit: most send their snapshot on its date during the working day (09:00–17:00 Samara, before
the default 18:00 deadline); some are often a few days late; a few back-fill weeks later. Seeded:
the same seed gives the same times.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import polars as pl

from data_layer import arrivals

SAMARA_UTC_OFFSET_H = 4
# habit -> (share of colleges, chance of a late week, chance of a back-filled week)
HABITS: dict[str, tuple[float, float, float]] = {
    "punctual": (0.7, 0.03, 0.0),
    "sloppy": (0.2, 0.25, 0.02),
    "backfills": (0.1, 0.1, 0.2),
}


def simulate(keys: pl.DataFrame, seed: int) -> pl.DataFrame:
    """Arrival times (UTC) for the (college_code, cohort, snapshot_date) keys."""
    rng = np.random.default_rng(seed + 11)
    colleges = sorted(set(keys["college_code"].to_list()))
    names = list(HABITS)
    shares = np.array([HABITS[h][0] for h in names])
    habit_of = dict(
        zip(colleges, rng.choice(len(names), size=len(colleges), p=shares / shares.sum()), strict=True)
    )
    n = keys.height
    p_late = np.array([HABITS[names[habit_of[c]]][1] for c in keys["college_code"].to_list()])
    p_back = np.array([HABITS[names[habit_of[c]]][2] for c in keys["college_code"].to_list()])
    u = rng.random(n)
    minutes = rng.integers(9 * 60, 17 * 60, size=n)  # working day, Samara time
    delay_days = np.where(u < p_back, rng.integers(14, 43, size=n), np.where(u < p_back + p_late, 3, 0))
    offset = [
        dt.timedelta(days=int(d), minutes=int(m)) - dt.timedelta(hours=SAMARA_UTC_OFFSET_H)
        for d, m in zip(delay_days, minutes, strict=True)
    ]
    return keys.with_columns(
        received_at=pl.col("snapshot_date").cast(pl.Datetime("us"))
        + pl.Series(offset, dtype=pl.Duration("us"))
    )


def apply(cur: duckdb.DuckDBPyConnection, seed: int) -> int:
    """Replace the demo database's arrivals with simulated ones; returns the number of snapshots."""
    return arrivals.replace_with_simulated(cur, simulate(arrivals.snapshot_keys(cur), seed))
