"""Many users at once: page times while sessions of mixed roles click through their pages and the
base centre loads a status file through the upload page.

    .venv/bin/python benchmarks/load_test.py --db DEMO.duckdb [--sessions 20] [--browsers 3] \
        [--rows 100000] [--json OUT]

The database is copied first (the load changes it). One Chromium tab (demo_base) uploads the file,
`--browsers` more Chromium tabs browse, the rest are websocket sessions speaking the browser's
protocol (tests/st_client.py): twenty Chromium renderers on two cores would measure the test
machine, not the server. Every browsing session logs in through the login form (demo accounts, so
the database must be a demo database) and opens up to four pages of its menu in turn until the
load has finished (at least one round). The file has about `--rows` rows at any scale: on the demo
region several daily snapshots of the newest cohort, at federal scale (more graduates in that
cohort than rows) one snapshot of whole colleges up to that many graduates, not the whole cohort. A page time is from the click (or the websocket request)
to the end of that page's script run; an error is an exception, an error box, a page that drew
nothing, a failed login or a refused load. (Until 03.12.2026 a page time also held the quiet
time the client waits after a run to be sure no rerun follows: +0,5 s on websocket sessions,
+0,4-0,7 s in Chromium.)

Before the clock starts, one websocket visit starts the server's cache warm-up (ui/warmup.py) and the
script waits until `vypusk health` reports it done (--cold: no warm-up, the sessions hit a cold
server); what the cold start cost is reported apart: warmup_s (as the server measured it),
warmup_cpu_s, warmup_rss_mb, warmup_state.

Prints and returns: concurrent_sessions, concurrent_pages, concurrent_p50_ms, concurrent_p95_ms,
concurrent_max_ms, concurrent_errors (count; the first ones in concurrent_error_list),
concurrent_load_s, concurrent_page_p95_ms (per page), app_peak_rss_mb (the server process's peak
resident memory, VmHWM), app_peak_rss_at_load_end_mb (that peak when the load had finished: the rest
came from the rounds after it), app_cpu_s and app_cpu_ms_per_page (CPU the server spent, load
included: independent of what else runs on the machine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from data_layer.users import DEMO_USERNAMES  # noqa: E402
from tests.browser import pw  # noqa: E402
from tests.server import AppServer, demo_scopes  # noqa: E402
from tests.st_client import StSession  # noqa: E402
from tests.test_concurrency import round_of_pages, write_status_file  # noqa: E402

STEP_TIMEOUT_MS = 180_000
LOAD_TIMEOUT_S = 900
BROWSE_DEADLINE_S = 900
WARMUP_TIMEOUT_S = 1800
FILE_NAME = "statuses_concurrent_bench.csv"
BROWSER_NOW = "() => performance.now()"
LAST_RUN_CHANGE = "() => (window.__vypRuns ? window.__vypRuns.changed : performance.now())"  # pw.RUN_OBSERVER


@dataclass
class Session:
    name: str
    page_ms: list[float] = field(default_factory=list)
    page_paths: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _keep_browsing(done: asyncio.Event, started: float) -> bool:
    return not done.is_set() and time.monotonic() - started < BROWSE_DEADLINE_S


async def _websocket(url: str, user: str, role: str, log: Session, done: asyncio.Event) -> None:
    try:
        async with StSession(url, timeout_s=STEP_TIMEOUT_MS / 1000) as s:
            await s.run()
            await s.submit_form({"Имя пользователя": user, "Пароль": pw.PASSWORD}, "Войти")
            if not s.has_button("Выйти"):
                log.errors.append("not logged in after the form was sent")
                return
            started = time.monotonic()
            while True:
                for url_path in round_of_pages(role):
                    t0 = time.perf_counter()
                    drawn = await s.open(url_path)
                    # to the end of the page's run, not the quiet half second `open` waits after it
                    log.page_ms.append((s.finished_at - t0) * 1000)
                    log.page_paths.append(url_path or "home")
                    if not drawn.main_count():
                        log.errors.append(f"/{url_path}: the page drew nothing")
                    log.errors += [f"/{url_path}: {p}" for p in s.problems()]
                if not _keep_browsing(done, started):
                    break
    except Exception as exc:
        log.errors.append(f"{type(exc).__name__}: {exc}")


async def _chromium(browser: Any, url: str, user: str, role: str, log: Session, done: asyncio.Event) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    watch = pw.Watch(page)
    try:
        await pw.login(page, url, user, timeout_ms=STEP_TIMEOUT_MS)
        started = time.monotonic()
        while True:
            for url_path in round_of_pages(role):
                t0 = await page.evaluate(BROWSER_NOW)
                await pw.open_page(page, url_path, timeout_ms=STEP_TIMEOUT_MS)
                # to the last change of the app's run state (the end of the run), in the browser's
                # clock: not the quiet time and polling `open_page` waits for after it
                log.page_ms.append(await page.evaluate(LAST_RUN_CHANGE) - t0)
                log.page_paths.append(url_path or "home")
                log.errors += [f"/{url_path}: {p}" for p in await pw.page_problems(page)]
            if not _keep_browsing(done, started):
                break
        log.errors += watch.problems
    except Exception as exc:
        log.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        await context.close()


async def _upload(
    browser: Any, url: str, file: Path, log: Session, done: asyncio.Event, pid: int
) -> tuple[str, float, float | None]:
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    message, seconds, hwm = "", 0.0, None
    try:
        await pw.login(page, url, "demo_base", timeout_ms=STEP_TIMEOUT_MS)
        await pw.open_page(page, "upload", timeout_ms=STEP_TIMEOUT_MS)
        t0 = time.monotonic()
        message = await pw.upload_file(page, file, timeout_ms=LOAD_TIMEOUT_S * 1000)
        seconds = time.monotonic() - t0
        hwm = _vm_hwm_mb(pid)  # the server's peak so far: warm-up, browsing and the load itself
        if f"Файл «{file.name}» загружен" not in message:
            log.errors.append(f"load refused: {message[:300]}")
        log.errors += await pw.page_problems(page)
    except Exception as exc:
        log.errors.append(f"upload: {type(exc).__name__}: {exc}")
    finally:
        done.set()
        await context.close()
    return message, seconds, hwm


async def _all(
    url: str, file: Path, roles: Mapping[str, str], sessions: int, browsers: int, pid: int
) -> tuple[list[Session], float, float | None]:
    done = asyncio.Event()
    browser_users = [u for u in DEMO_USERNAMES if u != "demo_base"][:browsers]
    browser_users += [DEMO_USERNAMES[i % len(DEMO_USERNAMES)] for i in range(browsers - len(browser_users))]
    n_ws = sessions - 1 - len(browser_users)
    ws_users = [DEMO_USERNAMES[i % len(DEMO_USERNAMES)] for i in range(n_ws)]
    loader = Session("demo_base (upload, Chromium)")
    b_logs = [Session(f"{u} (Chromium)") for u in browser_users]
    ws_logs = [Session(f"{u} (websocket #{i + 1})") for i, u in enumerate(ws_users)]
    async with pw.chromium() as browser:
        results = await asyncio.gather(
            _upload(browser, url, file, loader, done, pid),
            *[
                _chromium(browser, url, u, roles[u], log, done)
                for u, log in zip(browser_users, b_logs, strict=True)
            ],
            *[_websocket(url, u, roles[u], log, done) for u, log in zip(ws_users, ws_logs, strict=True)],
        )
    _message, load_s, hwm = cast(tuple[str, float, float | None], results[0])
    return [loader, *b_logs, *ws_logs], load_s, hwm


def _vm_hwm_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (/proc/PID/stat fields 14 and 15)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def warm_up(url: str, db_file: Path, pid: int) -> dict[str, Any]:
    """Start the server's cache warm-up (ui/warmup.py) the way the first visitor does — one script
    run of the login page — and wait until the health check (`vypusk health`) reports it done: a
    real service is warmed before users come (docs/scaling.md). Returns what the cold start cost:
    warmup_s (the server's own measurement), warmup_cpu_s (server CPU meanwhile), warmup_rss_mb."""
    from cli.maintenance import health_report

    cpu0 = _cpu_s(pid)

    async def first_visit() -> None:
        async with StSession(url, timeout_s=STEP_TIMEOUT_MS / 1000) as s:
            await s.run()

    asyncio.run(first_visit())
    deadline = time.monotonic() + WARMUP_TIMEOUT_S
    report: dict[str, Any] = {}
    while time.monotonic() < deadline:
        report = health_report(str(db_file), 30.0)
        if report.get("warmup_state") in ("done", "failed"):
            break
        time.sleep(2.0)
    cpu1 = _cpu_s(pid)
    rss = _vm_hwm_mb(pid)
    out = {
        "warmup_state": report.get("warmup_state"),
        "warmup_s": report.get("warmup_s"),
        "warmup_cpu_s": round(cpu1 - cpu0, 1) if cpu0 is not None and cpu1 is not None else None,
        "warmup_rss_mb": round(rss) if rss is not None else None,
    }
    if report.get("warmup_error"):
        out["warmup_error"] = report["warmup_error"]
    print(
        f"cache warm-up {out['warmup_state']}: {out['warmup_s']} s, server CPU {out['warmup_cpu_s']} s, "
        f"peak RSS {out['warmup_rss_mb']} MB",
        flush=True,
    )
    return out


def run(
    db_path: Path, *, sessions: int = 20, browsers: int = 3, rows: int = 100_000, cold: bool = False
) -> dict[str, Any]:
    pw.require_browser()
    with tempfile.TemporaryDirectory(prefix="vypusk_concurrent_") as tmp:
        work = Path(tmp)
        db_copy = work / "bench.duckdb"
        shutil.copyfile(db_path, db_copy)
        roles = {name: scope.role for name, scope in demo_scopes(db_copy).items()}
        file = work / FILE_NAME
        written, _dates, _colleges = write_status_file(db_copy, file, rows, whole_colleges=True)
        server = AppServer(db_copy, work, env={"VYPUSK_WARMUP": "0" if cold else "1"}).start()
        try:
            assert server._proc is not None
            pid = server._proc.pid
            warm = {} if cold else warm_up(server.url, db_copy, pid)
            cpu0 = _cpu_s(pid)
            t0 = time.monotonic()
            logs, load_s, load_hwm = asyncio.run(_all(server.url, file, roles, sessions, browsers, pid))
            wall_s = time.monotonic() - t0
            rss = _vm_hwm_mb(pid)
            cpu1 = _cpu_s(pid)
        finally:
            server.stop()
    times = [t for log in logs for t in log.page_ms]
    errors = _errors(logs, warm)
    out: dict[str, Any] = {
        **warm,
        "concurrent_cold_start": cold,
        "concurrent_sessions": len(logs),
        "concurrent_status_rows": written,
        "concurrent_pages": len(times),
        "concurrent_p50_ms": round(statistics.median(times)) if times else None,
        "concurrent_p95_ms": round(percentile(times, 95)) if times else None,
        "concurrent_max_ms": round(max(times)) if times else None,
        "concurrent_errors": len(errors),
        "concurrent_error_list": errors[:20],
        "concurrent_page_p95_ms": _page_p95(logs),
        "concurrent_load_s": round(load_s, 1),
        "concurrent_wall_s": round(wall_s, 1),
        "app_peak_rss_mb": round(rss) if rss is not None else None,
        "app_peak_rss_at_load_end_mb": round(load_hwm) if load_hwm is not None else None,
        # CPU the server spent (the load included): unlike wall times, this does not depend on what
        # else the machine runs, so it gives the capacity of N cores
        "app_cpu_s": round(cpu1 - cpu0, 1) if cpu0 is not None and cpu1 is not None else None,
    }
    if out["app_cpu_s"] is not None and times:
        out["app_cpu_ms_per_page"] = round(out["app_cpu_s"] * 1000 / len(times))
    print(
        f"{len(logs)} sessions ({browsers + 1} Chromium), {len(times)} page views in {wall_s:.0f} s while "
        f"{written} status rows loaded in {load_s:.0f} s: p50 {out['concurrent_p50_ms']} ms, "
        f"p95 {out['concurrent_p95_ms']} ms, max {out['concurrent_max_ms']} ms, errors {len(errors)}; "
        f"server peak RSS {out['app_peak_rss_mb']} MB ({out['app_peak_rss_at_load_end_mb']} MB when the load "
        f"ended), server CPU {out['app_cpu_s']} s",
        flush=True,
    )
    print("  p95 by page: " + ", ".join(f"{p} {t} ms" for p, t in out["concurrent_page_p95_ms"].items()))
    for e in errors[:20]:
        print(f"  error: {e}", flush=True)
    return out


def _errors(logs: list[Session], warm: dict[str, Any]) -> list[str]:
    errors = [f"{log.name}: {e}" for log in logs for e in log.errors]
    errors += [f"{log.name}: visited no page" for log in logs[1:] if not log.page_ms]
    if warm.get("warmup_state") not in (None, "done"):
        errors.append(f"cache warm-up {warm.get('warmup_state')}: {warm.get('warmup_error', '')}")
    return errors


def _page_p95(logs: list[Session]) -> dict[str, int]:
    by_page: dict[str, list[float]] = {}
    for log in logs:
        for path, t in zip(log.page_paths, log.page_ms, strict=True):
            by_page.setdefault(path, []).append(t)
    return {p: round(percentile(ts, 95)) for p, ts in sorted(by_page.items())}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", type=Path, required=True, help="a demo database (copied, not changed)")
    p.add_argument("--sessions", type=int, default=20)
    p.add_argument("--browsers", type=int, default=3, help="browsing Chromium tabs besides the uploader")
    p.add_argument("--rows", type=int, default=100_000, help="status rows in the uploaded file")
    p.add_argument(
        "--cold",
        action="store_true",
        help="no cache warm-up: the sessions start on a cold server (how it was before the warm-up)",
    )
    p.add_argument("--json", dest="json_out", type=Path, default=None)
    args = p.parse_args()
    out = run(args.db, sessions=args.sessions, browsers=args.browsers, rows=args.rows, cold=args.cold)
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0 if out["concurrent_errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
