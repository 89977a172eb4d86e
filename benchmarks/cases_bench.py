"""Timings of the work with the risk group (issue 14) on a database: the stays (cases) of the latest
cohort region-wide, the cases with their measures, the counts, vacancy scoring, matching for one
graduate and for every open case, returnees and graduating students. Prints one line per figure
(and JSON with --json).

    .venv/bin/python -m benchmarks.cases_bench --db /tmp/demo.duckdb [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from data_layer import db
from data_layer.scope import OPERATOR
from metrics import army, cases, engine, pregraduation, risk, settings
from metrics import vacancies as vm


def _timed(label: str, fn: Callable[[], Any], out: dict[str, float], repeat: int = 1) -> Any:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    out[label] = round(best, 3)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--db", required=True, type=Path)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    con = db.open_database(args.db)
    t: dict[str, float] = {}
    with con.cursor() as cur:
        cohort = max(engine.cohorts(cur, OPERATOR))
        as_of = engine.default_as_of(cur, OPERATOR, cohort)
        thr = settings.risk_thresholds(cur)
        stays = _timed("risk_stays_s", lambda: risk.risk_stays(cur, OPERATOR, cohort, as_of, thr), t)
        frame = _timed(
            "cases_with_measures_s",
            lambda: cases.case_list(cur, OPERATOR, cohort, as_of, thr, stays=stays),
            t,
            3,
        )
        _timed("case_counts_s", lambda: cases.case_counts(frame), t, 3)
        prepared = _timed("vacancy_scoring_s", lambda: vm.prepare(cur), t)
        open_ = frame.filter(pl.col("state") == "open").select("college_code", "person_key")
        one = open_.head(1)
        college = str(one["college_code"][0]) if one.height else None
        _timed(
            "match_one_graduate_s",
            lambda: vm.matches(cur, OPERATOR, cohort, one, college, prepared=prepared),
            t,
            3,
        )
        ranked = _timed(
            "match_all_open_cases_s", lambda: vm.matches(cur, OPERATOR, cohort, open_, prepared=prepared), t
        )
        _timed("returnees_s", lambda: army.returnee_list(cur, OPERATOR, cohort, as_of), t, 3)
        _timed("graduating_students_s", lambda: pregraduation.counts(cur, OPERATOR, as_of), t, 3)
        n_vac = prepared[0].height
    sizes = {
        "cohort": cohort,
        "as_of": as_of.isoformat(),
        "stays": stays.height,
        "open_cases": open_.height,
        "vacancies": n_vac,
        "matched_rows": ranked.height,
    }
    for k, v in {**sizes, **t}.items():
        print(f"{k}: {v}")
    if args.json:
        args.json.write_text(json.dumps({**sizes, **t}, ensure_ascii=False, indent=2), encoding="utf-8")
    con.close()


if __name__ == "__main__":
    main()
