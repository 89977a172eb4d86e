"""Time to build each official report and the zip of every college's scorecard on a region.

    .venv/bin/vypusk init --sample --db /tmp/demo_reports.duckdb      # the demo region, once
    .venv/bin/python benchmarks/reports_bench.py --db /tmp/demo_reports.duckdb [--json OUT]

Works on a temporary copy of the database (builds write audit records). Cohort: the newest one,
as-of date: its default (the last passed weekly deadline, engine.default_as_of). First the regional control rule is checked on the
data as loaded and its outcome printed. When it fails, the copy gets a "year-end clean-up"
(undetermined statuses of the cohort become «Иные причины риска нетрудоустройства», spells
rebuilt) so that the regional report can be timed on its real path; --no-cleanup skips that.
Targets: each report <= 5 s, the zip <= 60 s. Prints every figure (wall and CPU seconds: on a shared
machine the CPU time is the comparable one); --json writes them all (report_s, report_cpu_s, bytes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import polars as pl  # noqa: E402

import reports as rep  # noqa: E402
from benchmarks.run import timed, write_json  # noqa: E402
from data_layer import db  # noqa: E402
from data_layer.errors import UserFacingError  # noqa: E402
from data_layer.scope import OPERATOR  # noqa: E402
from data_layer.spells import rebuild_spells  # noqa: E402
from metrics import engine  # noqa: E402
from reports import regional  # noqa: E402
from reports.base import ReportContext  # noqa: E402

REPORT_TARGET_S = 5.0
ZIP_TARGET_S = 60.0


def control_outcome(cur: duckdb.DuckDBPyConnection, cohort: int, as_of: dt.date) -> dict[str, Any]:
    form = regional.form_counts(ReportContext(cur, OPERATOR, cohort, as_of))
    rows01 = form.filter(pl.col("row_code") == "01")
    bad = rows01.filter(pl.col("total") != pl.col("federal_sum"))
    return {
        "passes": bad.is_empty(),
        "graduates": int(rows01["total"].sum()),
        "undetermined": int(rows01["undetermined"].sum()),
        "unknown": int(rows01["unknown"].sum()),
        "college_specialty_pairs": rows01.height,
        "failing_pairs": bad.height,
        "failing_colleges": bad["college_code"].n_unique(),
        "colleges": rows01["college_code"].n_unique(),
    }


def year_end_cleanup(cur: duckdb.DuckDBPyConnection, cohort: int) -> int:
    """Undetermined -> other_risk for the cohort (what colleges do before the year-end report)."""
    pairs = cur.execute(
        "SELECT DISTINCT college_code, cohort FROM status_rows WHERE cohort = ? AND status = 'undetermined'",
        [cohort],
    ).fetchall()
    cur.execute("BEGIN TRANSACTION")
    changed = cur.execute(
        "UPDATE status_rows SET status = 'other_risk' WHERE cohort = ? AND status = 'undetermined'", [cohort]
    ).fetchall()[0][0]
    rebuild_spells(cur, {(c, int(y)) for c, y in pairs})
    db.bump_dataset_version(cur)
    cur.execute("COMMIT")
    return int(changed)


def _arguments() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--db", type=Path, default=None, help="database (default: VYPUSK_DB or data/vypusk.duckdb)"
    )
    p.add_argument("--cohort", type=int, default=None)
    p.add_argument(
        "--as-of", dest="as_of", default=None, help="YYYY-MM-DD (default: the cohort's newest data)"
    )
    p.add_argument("--repeat", type=int, default=1, help="best of N builds per report")
    p.add_argument("--no-cleanup", action="store_true", help="do not clean up undetermined statuses")
    p.add_argument("--zip-only", action="store_true", help="time only the zip of every college's scorecard")
    p.add_argument("--json", dest="json_out", type=Path, default=None)
    return p.parse_args()


def main() -> int:
    args = _arguments()
    source = db.config.db_path(args.db)
    if not source.exists():
        print(
            f"no database at {source}: build one with `vypusk init --sample --db {source}`", file=sys.stderr
        )
        return 2
    out: dict[str, Any] = {
        "db": str(source),
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_avg_start": [round(x, 1) for x in os.getloadavg()],
        "targets_s": {"report": REPORT_TARGET_S, "zip": ZIP_TARGET_S},
    }
    with tempfile.TemporaryDirectory(prefix="vypusk_reports_bench_") as tmp:
        copy = Path(tmp) / "bench.duckdb"
        shutil.copyfile(source, copy)
        con = db.open_database(copy)
        with con.cursor() as cur:
            _measure(cur, args, out)
        con.close()
        db.close_all()
    out["load_avg_end"] = [round(x, 1) for x in os.getloadavg()]
    print(f"load average: start {out['load_avg_start']}, end {out['load_avg_end']} on {out['cpus']} CPUs")
    if args.json_out:
        write_json(args.json_out, out)
    return 0


def _measure(cur: duckdb.DuckDBPyConnection, args: argparse.Namespace, out: dict[str, Any]) -> None:
    """Picks the cohort, date, largest college and its territory, checks the control rule (cleaning
    up when it fails), then times every report and the zip; adds to `out` as it goes."""
    cohort = args.cohort or engine.cohorts(cur, OPERATOR)[-1]
    as_of = dt.date.fromisoformat(args.as_of) if args.as_of else engine.default_as_of(cur, OPERATOR, cohort)
    college = cur.execute(
        "SELECT college_code FROM graduates WHERE cohort = ? GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
        [cohort],
    ).fetchall()[0][0]
    tu = engine.college_territory(cur, college)
    out |= {"cohort": cohort, "as_of": as_of.isoformat(), "college": college, "territory": tu}
    control = control_outcome(cur, cohort, as_of)
    out["control_rule_as_loaded"] = control
    print(f"cohort {cohort}, as of {as_of}, largest college {college} ({tu})")
    print(f"control rule as loaded: {json.dumps(control, ensure_ascii=False)}")
    if not control["passes"] and not args.no_cleanup:
        n = year_end_cleanup(cur, cohort)
        out["cleanup_rows"] = n
        print(f"year-end clean-up: {n} undetermined status rows -> other_risk")
    codes = {"territory": tu, "scorecard": college, "risk_list": college}
    times: dict[str, float | None] = {}
    cpu: dict[str, float] = {}
    sizes: dict[str, int] = {}
    for kind in () if args.zip_only else rep.REPORT_KINDS:
        timed_kind = _time_report(cur, kind, cohort, as_of, codes.get(kind), args.repeat)
        if timed_kind is None:
            times[kind] = None
        else:
            times[kind], cpu[kind], sizes[kind] = timed_kind
    c0 = time.process_time()
    t, data = timed(lambda: rep.build_scorecards_zip(cur, OPERATOR, cohort, as_of), 1)
    cpu["scorecards_zip"] = round(time.process_time() - c0, 2)
    n_cards = len(engine.status_counts(cur, OPERATOR, cohort, as_of, "college"))
    times["scorecards_zip"], sizes["scorecards_zip"] = round(t, 2), len(data)
    flag = "ok" if t <= ZIP_TARGET_S else "OVER TARGET"
    print(
        f"  scorecards zip: {t:.1f} s (CPU {cpu['scorecards_zip']:.1f} s) for {n_cards} colleges, "
        f"{len(data):,} bytes {flag}"
    )
    out |= {"report_s": times, "report_cpu_s": cpu, "bytes": sizes}


def _time_report(
    cur: duckdb.DuckDBPyConnection, kind: str, cohort: int, as_of: dt.date, code: str | None, repeat: int
) -> tuple[float, float, int] | None:
    """Seconds (best of `repeat`), CPU seconds (all threads of this process, mean of the builds) and
    bytes of one report; None when it is refused."""
    try:
        build = functools.partial(rep.build_report, cur, OPERATOR, kind, cohort, as_of, code)
        c0 = time.process_time()
        t, (data, name) = timed(build, repeat)
        cpu = (time.process_time() - c0) / repeat
    except UserFacingError as exc:
        print(f"  {kind}: refused — {str(exc)[:160]}…")
        return None
    flag = "ok" if t <= REPORT_TARGET_S else "OVER TARGET"
    print(f"  {kind}: {t:.2f} s (CPU {cpu:.2f} s), {len(data):,} bytes ({name}) {flag}")
    return round(t, 2), round(cpu, 2), len(data)


if __name__ == "__main__":
    raise SystemExit(main())
