"""End-to-end benchmark: build N graduates, load them, time the metrics, pages and reports.

    .venv/bin/python benchmarks/run.py --graduates 100000 --json benchmarks/out/bench.json

Prints each figure as it is measured and writes them all to the JSON file:
  generate_s, ingest_s, ingest_rows, ingest_rows_per_s — synthetic files written (by a child process) and
      loaded through the importer (validation included): every kind, one batch as `vypusk load` takes it
      (pipeline.load_files), file after file into a growing database; ingest_cpu_s — its CPU time; ingest_by_kind — files, rows, s, cpu_s and peak_rise_mb per file kind;
      ingest_status_rows, ingest_status_rows_per_s, ingest_status_rows_per_cpu_s — the status files alone
      (one per year of snapshots; benchmarks/ingest.py measures one status CSV);
  ingest_xlsx_rows_per_s (ingest_xlsx_rows, ingest_xlsx_s, ingest_xlsx_cpu_s) — a 14-column XLSX status
      file of the newest snapshots (--xlsx-rows, default 300 000) loaded through the same importer path
      (benchmarks/xlsx_snapshot.py times the same load alone, on a copy of a database);
  ingest_peak_rss_mb — peak resident memory of this process after the build: the importer's own work;
  metric_query_s — headline indicator by college at one date (engine, warm, best of 3);
  risk_register_s — the region-wide risk register (cold, once);
  pandas_reference_s — the same result by the straightforward pandas implementation
      (benchmarks/pandas_reference.py) on the raw rows already in memory; results checked equal;
  speedup_vs_pandas;
  page_render_ms — warm server-side render of every page via AppTest (base centre, plus the
      ministry and college views of their main pages), best of 2; page_render_cpu_ms — the CPU time
      of those renders (all threads of this process: independent of the machine's load);
  college_card_warm_ms — the college card under the college role, biggest college of the newest
      cohort, warm (best of 3; `--card-only --db FILE` measures just this);
  first_page_after_upload_ms — first render of each page right after one college's status snapshot
      was loaded (caches invalidated by the load), and its maximum first_page_after_upload_max_ms;
      first_page_after_upload_cpu_ms — the CPU time of those renders (all threads of this process);
      first_page_after_upload_by_scale — {graduates in the database: the maximum of both}, printed
      as one line per scale (scale_graduates: the graduates actually in the database);
  report_s, report_cpu_s — time to build each Excel report and the zip of every college's scorecard
      (`scorecards_zip`) as the «Отчёты» page does, with the criteria metrics of every college
      computed once (criteria_metric_values_s, as the page's cache gives them); `regional` is -1 when
      the control rule refuses the final report, and then `regional_draft` is the draft's time;
  concurrent_p50_ms, concurrent_p95_ms, concurrent_errors (and concurrent_*) — 20 sessions of mixed
      roles clicking through pages while the base centre loads a status file of about 100 000 rows
      (benchmarks/load_test.py; whole colleges of the newest cohort at federal scale, not all of it);
  app_peak_rss_mb — peak resident memory of the server process during that load test;
  phase_s, phase_cpu_s, phase_load_avg — wall and CPU seconds of each phase (build, metric_vs_pandas,
      pages, first_page_after_upload, reports, concurrent) and the load average at its end; total_s;
  peak_rss_mb — peak resident memory of this process.

Scale-aware settings (explicit, so that a federal run finishes in about half an hour on 2 cores):
the load test's upload file has about 100 000 rows at any scale (load_test.run(rows=...)); the
criteria's "ever in the risk group" uses every fourth week above 100 000 graduates in a cohort
(metrics.criteria.values.WEEKLY_HISTORY_MAX, as the app does); the pandas reference runs once on
the newest cohort only (the engine's query is the best of 3).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The page phases render pages in this process (AppTest) and time their cold and warm renders; the
# server's warm-up thread (ui/warmup.py) would compute the same views meanwhile and its CPU would count
# in this process's figures. The load test's server runs its own warm-up (benchmarks/load_test.py).
os.environ["VYPUSK_WARMUP"] = "0"

from data_layer import db  # noqa: E402
from data_layer.importer.timing import cpu_seconds as _cpu_s  # noqa: E402
from data_layer.scope import OPERATOR  # noqa: E402


def write_json(path: Path, out: dict[str, Any]) -> None:
    """Write the figures as JSON (UTF-8, Russian kept readable) and say where."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written {path}")


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    best = float("inf")
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def timed_cpu(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """(least CPU seconds of this process, all threads; least wall seconds) over `repeat` calls."""
    cpu, wall = float("inf"), float("inf")
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        cpu, wall = min(cpu, time.process_time() - c0), min(wall, time.perf_counter() - t0)
    return cpu, wall


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# (wall, CPU of this process and its finished children) at the end of the previous phase
_PHASE_START: list[tuple[float, float]] = []


def phase_start() -> None:
    _PHASE_START[:] = [(time.perf_counter(), _cpu_s())]


def phase_done(out: dict[str, Any], phase: str) -> None:
    """Record the peak RSS reached by the end of each phase (to see which one drives the peak), and
    the phase's wall time and CPU time (`phase_s`, `phase_cpu_s`: this process and its child
    processes, the load test's server included) with the load average at its end."""
    out.setdefault("peak_rss_mb_after", {})[phase] = round(peak_rss_mb())
    wall0, cpu0 = _PHASE_START[0] if _PHASE_START else (time.perf_counter(), _cpu_s())
    wall, cpu = time.perf_counter() - wall0, _cpu_s() - cpu0
    out.setdefault("phase_s", {})[phase] = round(wall, 1)
    out.setdefault("phase_cpu_s", {})[phase] = round(cpu, 1)
    load = round(os.getloadavg()[0], 1)
    out.setdefault("phase_load_avg", {})[phase] = load
    print(
        f"  phase {phase}: {wall:.0f} s, CPU {cpu:.0f} s, load average {load}; "
        f"peak RSS after it: {out['peak_rss_mb_after'][phase]} MB",
        flush=True,
    )
    phase_start()


def _generate(folder: Path, graduates: int, seed: int) -> list[Path]:
    """The synthetic files, written by a child process: the generator's memory is not the app's."""
    code = (
        "import sys; from pathlib import Path; from demo.sample import write_sample; "
        "print('\\n'.join(str(f) for f in write_sample(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(folder), str(graduates), str(seed)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return [Path(line) for line in proc.stdout.splitlines() if line.strip()]


def build(db_path: Path, graduates: int, seed: int, out: dict[str, Any], xlsx_rows: int) -> None:
    from data_layer.importer.pipeline import LoadResult, load_files

    with tempfile.TemporaryDirectory(prefix="vypusk_bench_") as tmp:
        t_gen, files = timed(lambda: _generate(Path(tmp), graduates, seed))
        out["generate_s"] = round(t_gen, 2)
        print(f"generated {len(files)} files for {graduates} graduates in {t_gen:.1f} s", flush=True)
        con = db.open_database(db_path)
        by_kind: dict[str, dict[str, float]] = {}
        t0, c0 = time.perf_counter(), _cpu_s()
        last = [t0, c0, peak_rss_mb()]

        # one batch as `vypusk load` takes the files (the next file read and, for status files,
        # validated while this one is written): a file's time runs from the previous file's result
        def tally(res: LoadResult) -> None:
            if not res.ok:
                raise SystemExit(f"load failed for {res.file_name}: {res.message} {res.errors[:5]}")
            now, cpu, peak = time.perf_counter(), _cpu_s(), peak_rss_mb()
            _tally(by_kind, res.kind or "?", res.rows, now - last[0], cpu - last[1], peak - last[2])
            last[:] = [now, cpu, peak]

        results = load_files(con, [(Path(f), Path(f).name) for f in files], scope=OPERATOR, on_result=tally)
        rows = sum(r.rows for r in results)
        t_ing, cpu_ing = time.perf_counter() - t0, _cpu_s() - c0
        db.set_meta(con, "is_demo", "1")
        if xlsx_rows:
            ingest_xlsx(con, Path(tmp), xlsx_rows, out)
        con.close()
    out["ingest_s"] = round(t_ing, 2)
    out["ingest_rows"] = rows
    out["ingest_rows_per_s"] = round(rows / t_ing)
    out["ingest_cpu_s"] = round(cpu_ing, 2)
    _ingest_kinds(out, by_kind)
    print(
        f"ingested {rows} rows in {t_ing:.1f} s (CPU {cpu_ing:.1f} s) = {rows / t_ing:,.0f} rows/s; "
        f"status files {out['ingest_status_rows_per_s']:,} rows/s ({out['ingest_status_rows_per_cpu_s']:,} "
        "per CPU second)",
        flush=True,
    )
    # the generator ran in a child process: this is the importer's own peak (reading, validation, writing)
    out["ingest_peak_rss_mb"] = round(peak_rss_mb())
    rises = ", ".join(
        f"{k} +{v['peak_rise_mb']}" for k, v in out["ingest_by_kind"].items() if v["peak_rise_mb"]
    )
    print(f"ingest peak RSS {out['ingest_peak_rss_mb']} MB (rises while loading, MB: {rises})", flush=True)


def _tally(
    by_kind: dict[str, dict[str, float]], kind: str, rows: int, secs: float, cpu: float, peak_rise: float
) -> None:
    k = by_kind.setdefault(kind, {"files": 0, "rows": 0, "s": 0.0, "cpu_s": 0.0, "peak_rise_mb": 0.0})
    k["files"] += 1
    k["rows"] += rows
    k["s"] += secs
    k["cpu_s"] += cpu
    k["peak_rise_mb"] += peak_rise


def _ingest_kinds(out: dict[str, Any], by_kind: dict[str, dict[str, float]]) -> None:
    """`ingest_by_kind` (files, rows, s, cpu_s per file kind; peak_rise_mb: how much the process's peak
    resident memory rose while files of that kind loaded — which kinds set `ingest_peak_rss_mb`) and the
    status files' own rates:
    `ingest_rows_per_s` mixes every kind (graduation lists and their spell rebuilds, extracts,
    events...) loaded one file after another into a growing database."""
    out["ingest_by_kind"] = {
        kind: {
            "files": int(v["files"]),
            "rows": int(v["rows"]),
            "s": round(v["s"], 2),
            "cpu_s": round(v["cpu_s"], 2),
            "peak_rise_mb": round(v["peak_rise_mb"]),
        }
        for kind, v in by_kind.items()
    }
    st = by_kind.get("statuses", {"rows": 0, "s": 0.0, "cpu_s": 0.0})
    out["ingest_status_rows"] = int(st["rows"])
    out["ingest_status_rows_per_s"] = round(st["rows"] / st["s"]) if st["s"] else 0
    out["ingest_status_rows_per_cpu_s"] = round(st["rows"] / st["cpu_s"]) if st["cpu_s"] else 0


def ingest_xlsx(con: Any, folder: Path, limit: int, out: dict[str, Any]) -> None:
    """`ingest_xlsx_rows_per_s`: the newest status snapshots (whole colleges, up to `limit` rows) written
    back as one 14-column workbook and loaded through the importer like an upload. The rows are the
    stored ones, so the load replaces them by themselves and the figures measured later are the same."""
    from benchmarks.xlsx_snapshot import snapshot_workbook
    from data_layer.importer import load_file

    path, _ = snapshot_workbook(con, folder / "statuses_snapshot.xlsx", limit)
    t0, c0 = time.perf_counter(), _cpu_s()
    res = load_file(con, path, path.name, scope=OPERATOR)
    secs, cpu = time.perf_counter() - t0, _cpu_s() - c0
    if not res.ok:
        raise SystemExit(f"xlsx load failed: {res.message} {res.errors[:5]}")
    out["ingest_xlsx_rows"] = res.rows
    out["ingest_xlsx_s"] = round(secs, 2)
    out["ingest_xlsx_rows_per_s"] = round(res.rows / secs)
    out["ingest_xlsx_cpu_s"] = round(cpu, 2)  # this process and the reader's child process
    print(
        f"ingested an XLSX status file of {res.rows} rows (14 columns) in {secs:.1f} s (CPU {cpu:.1f} s) = "
        f"{res.rows / secs:,.0f} rows/s",
        flush=True,
    )


def metric_vs_pandas(db_path: Path, out: dict[str, Any]) -> None:
    import pandas as pd
    import polars as pl

    from benchmarks.pandas_reference import employment_by_college
    from metrics import engine
    from metrics.indicators import BUILTIN_BY_ID

    con = db.open_database(db_path)
    with con.cursor() as cur:
        cohort = engine.cohorts(cur, OPERATOR)[-1]
        as_of = engine.default_as_of(cur, OPERATOR, cohort)
        ind = BUILTIN_BY_ID["employment_federal"]
        t_q, ours = timed(
            lambda: engine.indicator_table(cur, OPERATOR, cohort, as_of, ind, "college"), repeat=3
        )
        g = cur.sql(
            "SELECT college_code, cohort, person_key FROM graduates WHERE cohort = ?", params=[cohort]
        ).df()
        s = cur.sql(
            "SELECT college_code, cohort, person_key, snapshot_date, status FROM status_rows WHERE cohort = ?",
            params=[cohort],
        ).df()
    s["snapshot_date"] = pd.to_datetime(s["snapshot_date"])
    t_p, ref = timed(lambda: employment_by_college(g, s, cohort, as_of), repeat=1)
    ref_pl = pl.from_pandas(ref).sort("college_code")
    ours_cmp = ours.select(pl.col("code").alias("college_code"), "total", "numerator", "denominator").sort(
        "college_code"
    )
    equal = ours_cmp.equals(
        ref_pl.select("college_code", "total", "numerator", "denominator").cast(ours_cmp.schema)
    )
    out.update(
        {
            "cohort": cohort,
            "as_of": as_of.isoformat(),
            "colleges": ours.height,
            "status_rows_of_cohort": len(s),
            "metric_query_s": round(t_q, 4),
            "pandas_reference_s": round(t_p, 4),
            "speedup_vs_pandas": round(t_p / t_q, 1),
            "pandas_equal": bool(equal),
        }
    )
    print(
        f"metric query {t_q * 1000:.1f} ms; pandas {t_p * 1000:.0f} ms; x{t_p / t_q:.1f}; equal={equal}",
        flush=True,
    )
    if not equal:
        raise SystemExit("engine and pandas reference disagree")
    with con.cursor() as cur:
        # The heaviest cold computation of the pages: the region-wide risk register (every weekly
        # checkpoint since graduation), built once per dataset version and then cached.
        from metrics import risk, settings

        thr = settings.risk_thresholds(cur)
        t_r, reg = timed(lambda: risk.risk_register(cur, OPERATOR, cohort, as_of, thr))
    out["risk_register_s"] = round(t_r, 2)
    print(f"risk register (region, cold): {t_r:.1f} s for {reg.height} graduates", flush=True)
    con.close()


def page_renders(db_path: Path, out: dict[str, Any]) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.helpers import login_as
    from ui.registry import PAGE_SPECS

    os.environ["VYPUSK_DB"] = str(db_path)
    os.environ.setdefault("VYPUSK_CREDENTIALS", str(Path(tempfile.mkdtemp()) / "credentials.yaml"))
    db.close_all()
    users = {"base_centre": ("demo_base", None), "ministry": ("demo_ministry", None)}
    con = db.open_database(db_path)
    with con.cursor() as cur:
        college = cur.execute("SELECT min(college_code) FROM graduates").fetchall()[0][0]
    con.close()
    users["college"] = ("demo_college", college)
    result: dict[str, float] = {}
    cpu: dict[str, float] = {}
    for role in ("base_centre", "ministry", "college"):
        name, code = users[role]
        for spec in PAGE_SPECS:
            if not measured(spec, role):
                continue
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
            login_as(at, name, role, code)  # type: ignore[arg-type]
            at.run()
            at.switch_page(spec.file).run()  # cold: fills the caches
            c, t = timed_cpu(at.run, repeat=2)
            if at.exception:
                print(f"  page {spec.url_path}@{role}: EXCEPTION {at.exception[0].message}", flush=True)
            key = spec.url_path if role == "base_centre" else f"{spec.url_path}@{role}"
            result[key], cpu[key] = round(t * 1000, 1), round(c * 1000, 1)
            print(
                f"  page {key}: {t * 1000:.0f} ms, CPU {c * 1000:.0f} ms (peak RSS so far {peak_rss_mb():.0f} MB)",
                flush=True,
            )
    out["page_render_ms"] = result
    out["page_render_cpu_ms"] = cpu
    if result:
        slowest = max(result, key=result.__getitem__)
        busiest = max(cpu, key=cpu.__getitem__)
        print(
            f"warm pages: max {result[slowest]:.0f} ms ({slowest}), CPU max {cpu[busiest]:.0f} ms ({busiest}); "
            f"load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    college_card(db_path, out)


def college_card(db_path: Path, out: dict[str, Any]) -> None:
    """The college card as its college sees it, warm (best of 3 reruns after a cold one), for the
    biggest college of the newest cohort: the page a college opens every week (target <= 1 s)."""
    from streamlit.testing.v1 import AppTest

    from tests.helpers import login_as

    os.environ["VYPUSK_DB"] = str(db_path)
    os.environ.setdefault("VYPUSK_CREDENTIALS", str(Path(tempfile.mkdtemp()) / "credentials.yaml"))
    db.close_all()
    con = db.open_database(db_path)
    with con.cursor() as cur:
        college = cur.execute(
            "SELECT college_code FROM graduates WHERE cohort = (SELECT max(cohort) FROM graduates) "
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchall()[0][0]
    con.close()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    login_as(at, "demo_college", "college", college)
    at.run()
    at.switch_page("pages/screens/college.py").run()  # cold: fills the caches
    t, _ = timed(at.run, repeat=3)
    if at.exception:
        print(f"  college card: EXCEPTION {at.exception[0].message}", flush=True)
    out["college_card_warm_ms"] = round(t * 1000, 1)
    print(f"college_card_warm_ms: {t * 1000:.0f} (college {college}, college role)", flush=True)


def _college_snapshot_file(db_path: Path, folder: Path, shift: int) -> tuple[Path, str]:
    """A status file replacing the newest snapshot of the biggest college of the newest cohort
    (statuses rotated by `shift`, so every upload changes figures). Returns (file, college)."""
    import csv

    from data_layer.statuses import BY_CODE

    labels = [BY_CODE[c].label for c in ("employed", "continuing_education", "undetermined", "self_employed")]
    con = db.get_connection(db_path)
    with con.cursor() as cur:
        cohort = cur.execute("SELECT max(cohort) FROM graduates").fetchall()[0][0]
        college = cur.execute(
            "SELECT college_code FROM graduates WHERE cohort = ? GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
            [cohort],
        ).fetchall()[0][0]
        snapshot = cur.execute(
            "SELECT max(snapshot_date) FROM status_rows WHERE college_code = ? AND cohort = ?",
            [college, cohort],
        ).fetchall()[0][0]
        people = [
            r[0]
            for r in cur.execute(
                "SELECT snils FROM graduates WHERE cohort = ? AND college_code = ? AND snils IS NOT NULL ORDER BY 1",
                [cohort, college],
            ).fetchall()
        ]
    path = folder / f"statuses_{college}_{shift}.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["СНИЛС", "Код ПОО", "Дата актуализации", "Статус"])
        for i, snils in enumerate(people):
            w.writerow([snils, college, snapshot.strftime("%d.%m.%Y"), labels[(i + shift) % len(labels)]])
    return path, str(college)


def graduates_in(db_path: Path) -> int:
    """The graduates (all cohorts) in the database: the scale a figure was measured at."""
    con = db.open_database(db_path)
    try:
        with con.cursor() as cur:
            return int(cur.execute("SELECT count(*) FROM graduates").fetchall()[0][0])
    finally:
        con.close()


# --pages: the page keys (as in page_render_ms) the page phases measure; None: every page
PAGES: set[str] | None = None


def measured(spec: Any, role: str) -> bool:
    """Whether the page phases measure this page for this role: every page of the base centre, the
    main pages of the ministry and the college (or the keys given with --pages)."""
    if role not in spec.roles or not (ROOT / spec.file).exists():
        return False
    if role != "base_centre" and spec.url_path not in ("overview", "college", "home"):
        return False
    return PAGES is None or key_of(spec.url_path, role) in PAGES


def key_of(url_path: str, role: str) -> str:
    return url_path if role == "base_centre" else f"{url_path}@{role}"


def _render_after_upload(
    db_path: Path, folder: Path, shift: int, spec: Any, role: str, user: tuple[str, str | None]
) -> tuple[float, float]:
    """Render one page warm, load a college's snapshot, render it again: (wall s, CPU s) of the
    second render (CPU of this process, all threads: independent of what else the machine runs)."""
    from streamlit.testing.v1 import AppTest

    from data_layer.importer import load_file
    from tests.helpers import login_as

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    login_as(at, user[0], role, user[1])  # type: ignore[arg-type]
    at.run()
    at.switch_page(spec.file).run()  # warm
    file, _ = _college_snapshot_file(db_path, folder, shift)
    res = load_file(db.get_connection(db_path), file, file.name, scope=OPERATOR)
    if not res.ok:
        raise SystemExit(f"upload failed: {res.message}")
    cpu0 = time.process_time()
    t, _ = timed(at.run)
    cpu_s = time.process_time() - cpu0
    if at.exception:
        print(f"  after upload {spec.url_path}@{role}: EXCEPTION {at.exception[0].message}", flush=True)
    return t, cpu_s


def first_page_after_upload(db_path: Path, out: dict[str, Any]) -> None:
    """For every page of the base centre (and the ministry's and college's main pages): render it
    warm, load one college's status snapshot through the importer in the same process (as the upload
    page does), then time the first render after the load. Keys as in page_render_ms."""
    import shutil

    from ui.registry import PAGE_SPECS

    result: dict[str, float] = {}
    cpu: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="vypusk_upload_") as tmp:
        # the uploads change the database: work on a copy
        source, db_path = db_path, Path(tmp) / "after_upload.duckdb"
        shutil.copyfile(source, db_path)
        os.environ["VYPUSK_DB"] = str(db_path)
        os.environ.setdefault("VYPUSK_CREDENTIALS", str(Path(tempfile.mkdtemp()) / "credentials.yaml"))
        db.close_all()
        _, college = _college_snapshot_file(db_path, Path(tmp), 0)
        users: dict[str, tuple[str, str | None]] = {
            "base_centre": ("demo_base", None),
            "ministry": ("demo_ministry", None),
            "college": ("demo_college", college),
        }
        for role in ("base_centre", "ministry", "college"):
            for spec in PAGE_SPECS:
                if spec.url_path == "upload" or not measured(spec, role):
                    continue
                key = key_of(spec.url_path, role)
                t, cpu_s = _render_after_upload(db_path, Path(tmp), len(result) + 1, spec, role, users[role])
                result[key], cpu[key] = round(t * 1000, 1), round(cpu_s * 1000, 1)
                print(
                    f"  first render after upload {key}: {t * 1000:.0f} ms (CPU {cpu[key]:.0f} ms)",
                    flush=True,
                )
        db.close_all()
        os.environ["VYPUSK_DB"] = str(source)
    out["first_page_after_upload_ms"] = result
    out["first_page_after_upload_max_ms"] = max(result.values()) if result else None
    out["first_page_after_upload_cpu_ms"] = cpu
    if result:
        scale = str(graduates_in(source))
        slowest = max(result, key=result.__getitem__)
        out["first_page_after_upload_by_scale"] = {
            scale: {"max_ms": result[slowest], "page": slowest, "max_cpu_ms": max(cpu.values())}
        }
        print(
            f"first_page_after_upload_ms at {int(scale):,} graduates: max {result[slowest]:.0f} ms ({slowest}), "
            f"CPU max {max(cpu.values()):.0f} ms, load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )


def reports(db_path: Path, out: dict[str, Any]) -> None:
    """`report_s` (and `report_cpu_s`): each report as the «Отчёты» page builds it, plus the zip of every
    college's scorecard. The page passes the criteria metrics of every college from its cache (one
    computation per dataset version, ui.downloads.NEEDS_METRIC_VALUES): they are computed once here,
    timed as `criteria_metric_values_s`, and passed to the rating, the scorecard and the zip. When the
    final regional report is refused by its control rule (the synthetic data leave some graduates
    without a federal status), `regional` is -1 and the draft the user can download is timed as
    `regional_draft`."""
    import reports as rep
    from data_layer.errors import UserFacingError
    from metrics import criteria, engine

    con = db.open_database(db_path)
    times: dict[str, float] = {}
    cpu: dict[str, float] = {}

    def measure(key: str, fn: Callable[[], Any]) -> Any:
        c0 = time.process_time()
        t, result = timed(fn)
        times[key], cpu[key] = round(t, 2), round(time.process_time() - c0, 2)
        print(f"  report {key}: {t:.1f} s (CPU {cpu[key]:.1f} s)", flush=True)
        return result

    with con.cursor() as cur:
        cohort = engine.cohorts(cur, OPERATOR)[-1]
        as_of = engine.default_as_of(cur, OPERATOR, cohort)
        college = cur.execute(
            "SELECT min(college_code) FROM graduates WHERE cohort = ?", [cohort]
        ).fetchall()[0][0]
        tu = engine.college_territory(cur, college)
        codes = {"territory": tu, "scorecard": college, "risk_list": college}
        values = measure("criteria_metric_values", lambda: criteria.college_metric_values(cur, cohort, as_of))
        out["criteria_metric_values_s"] = times.pop("criteria_metric_values")
        for kind in rep.REPORT_KINDS:
            build = partial(
                rep.build_report, cur, OPERATOR, kind, cohort, as_of, codes.get(kind), metric_values=values
            )
            try:
                measure(kind, build)
            except UserFacingError as exc:  # a refused control rule is a result, not a crash
                times[kind] = -1.0
                print(f"  report {kind}: refused: {str(exc)[:160]}", flush=True)
                if kind in rep.DRAFT_KINDS:
                    measure(f"{kind}_draft", partial(build, draft=True))
        zipped = measure(
            "scorecards_zip",
            lambda: rep.build_scorecards_zip(cur, OPERATOR, cohort, as_of, metric_values=values),
        )
        print(f"  scorecards zip: {len(zipped):,} bytes", flush=True)
    con.close()
    out["report_s"] = times
    out["report_cpu_s"] = cpu


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--graduates", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--json", dest="json_out", type=Path, default=None)
    p.add_argument(
        "--db",
        type=Path,
        default=None,
        help="reuse this database; when the file does not exist it is built there and kept",
    )
    p.add_argument(
        "--xlsx-rows",
        type=int,
        default=300_000,
        help="rows of the XLSX status file loaded after the build (ingest_xlsx_rows_per_s; 0 skips it)",
    )
    p.add_argument("--skip-pages", action="store_true")
    p.add_argument("--card-only", action="store_true", help="only college_card_warm_ms (needs --db)")
    p.add_argument("--skip-reports", action="store_true")
    p.add_argument("--skip-after-upload", action="store_true", help="skip first_page_after_upload_ms")
    p.add_argument(
        "--pages",
        default=None,
        metavar="KEYS",
        help="only these pages in the page phases, comma-separated keys as in page_render_ms "
        "(e.g. cases,risk,college@college): a federal-scale run of the slow pages",
    )
    p.add_argument(
        "--concurrent",
        type=int,
        default=20,
        metavar="N",
        help="sessions of the load test (benchmarks/load_test.py; 0 skips it; needs Chromium)",
    )
    return p.parse_args()


def main() -> int:
    args = parse_args()
    global PAGES
    PAGES = set(args.pages.split(",")) if args.pages else None
    out: dict[str, Any] = {
        "graduates": args.graduates,
        "date": dt.date.today().isoformat(),
        "cpus": os.cpu_count(),
    }
    t_start = time.perf_counter()
    phase_start()
    with tempfile.TemporaryDirectory(prefix="vypusk_benchdb_") as tmp:
        db_path = args.db or Path(tmp) / "bench.duckdb"
        if not db_path.exists():
            build(db_path, args.graduates, args.seed, out, args.xlsx_rows)
            phase_done(out, "build")
        if args.card_only:
            college_card(db_path, out)
            if args.json_out:
                write_json(args.json_out, out)
            return 0
        metric_vs_pandas(db_path, out)
        phase_done(out, "metric_vs_pandas")
        if not args.skip_pages:
            page_renders(db_path, out)
            phase_done(out, "pages")
        if not args.skip_after_upload:
            first_page_after_upload(db_path, out)
            phase_done(out, "first_page_after_upload")
        if not args.skip_reports:
            reports(db_path, out)
            phase_done(out, "reports")
        if args.concurrent:
            from benchmarks import load_test

            # the server is its own process: its peak memory is the app's own work (app_peak_rss_mb)
            out.update(load_test.run(db_path, sessions=args.concurrent))
            phase_done(out, "concurrent")
        out["peak_rss_mb"] = round(peak_rss_mb())
        out["total_s"] = round(time.perf_counter() - t_start, 1)
        print(f"peak RSS {out['peak_rss_mb']} MB; total {out['total_s'] / 60:.1f} min", flush=True)
        if args.json_out:
            write_json(args.json_out, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
