"""A straightforward pandas implementation of the headline indicator by college at one date.

Kept as the yardstick for `benchmarks/run.py`: it reads the raw snapshot rows, takes each graduate's
latest row dated on or before D, counts statuses per college and applies the employment_federal
formula. The engine's result must be equal to it.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

WORK = ["employed", "entrepreneur", "self_employed", "military_contract"]
EXCLUDED = [
    "continuing_education",
    "military_conscript",
    "parental_leave",
    "death_illness",
    "under_investigation",
    "moved_abroad",
    "foreign_no_snils",
]


def employment_by_college(
    graduates: pd.DataFrame, status_rows: pd.DataFrame, cohort: int, as_of: dt.date
) -> pd.DataFrame:
    """graduates: college_code, cohort, person_key; status_rows: college_code, cohort, person_key,
    snapshot_date, status. Returns college_code, total, numerator, denominator, rate."""
    g = graduates[graduates["cohort"] == cohort][["college_code", "person_key"]]
    s = status_rows[(status_rows["cohort"] == cohort) & (status_rows["snapshot_date"] <= pd.Timestamp(as_of))]
    s = s.sort_values("snapshot_date").drop_duplicates(["college_code", "person_key"], keep="last")
    merged = g.merge(
        s[["college_code", "person_key", "status"]], on=["college_code", "person_key"], how="left"
    )
    merged["status"] = merged["status"].fillna("unknown")
    merged["work"] = merged["status"].isin(WORK)
    merged["excluded"] = merged["status"].isin(EXCLUDED)
    out = merged.groupby("college_code").agg(
        total=("status", "size"), numerator=("work", "sum"), excluded=("excluded", "sum")
    )
    out["denominator"] = out["total"] - out["excluded"]
    out["rate"] = out["numerator"] / out["denominator"].where(out["denominator"] > 0)
    return out.reset_index()[["college_code", "total", "numerator", "denominator", "rate"]]
