"""Peak memory of the app server while users browse every page, and the pages' warm times there.

    nice -n 5 .venv/bin/python benchmarks/app_memory.py --db FED.duckdb [--rounds 2] [--json OUT]

The database (a demo database: its demo accounts log in through the form) is copied first: pages
write audit entries. A real `streamlit run app.py` server is started on the copy; one websocket
session per demo account (base centre, ministry, territories, colleges: tests/st_client.py speaks
the browser's protocol) logs in and opens every page of its menu `--rounds` times, one session
after another. The first round fills the caches; the last round's times are warm server-side page
times (from the request to the end of the script run, over a socket on this machine).

Prints and returns: browse_peak_rss_mb (the server's peak resident memory, VmHWM: the app's own
work — pages, queries, caches — at this scale), browse_rss_mb (resident at the end), browse_cpu_s
(CPU the server spent), browse_pages (page views), browse_warm_ms ({role:page: ms} of the last
round), browse_warm_max_ms, browse_errors and browse_peak_steps ({role:page#round: MB}: the page views
that raised the server's peak, with the peak after each: where the memory goes).
"""

from __future__ import annotations

import argparse
import asyncio
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

from benchmarks.load_test import _cpu_s, _vm_hwm_mb  # noqa: E402
from tests.browser import pw  # noqa: E402
from tests.server import PROJECT_DIR, AppServer, demo_scopes  # noqa: E402
from tests.st_client import StSession  # noqa: E402
from ui.registry import specs_for_role  # noqa: E402

STEP_TIMEOUT_S = 900.0


def _vm_rss_mb(pid: int) -> float | None:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


async def _browse(url: str, pid: int, user: str, role: str, rounds: int, out: dict[str, Any]) -> None:
    paths = ["", *[s.url_path for s in specs_for_role(role, PROJECT_DIR)][1:]]
    async with StSession(url, timeout_s=STEP_TIMEOUT_S) as s:
        await s.run()
        await s.submit_form({"Имя пользователя": user, "Пароль": pw.PASSWORD}, "Войти")
        if not s.has_button("Выйти"):
            out["browse_errors"].append(f"{user}: not logged in")
            return
        for n in range(rounds):
            for path in paths:
                t0 = time.perf_counter()
                await s.open(path)
                ms = (s.finished_at - t0) * 1000  # to the end of the page's run
                out["browse_warm_ms"][f"{path or 'home'}@{role}"] = round(ms)
                peak = round(_vm_hwm_mb(pid) or 0)
                if peak > max(out["browse_peak_steps"].values(), default=0):
                    out["browse_peak_steps"][f"{path or 'home'}@{role}#{n + 1}"] = peak
                out["browse_pages"] += 1
                out["browse_errors"] += [f"{user} /{path}: {p}" for p in s.problems()]


def run(db_path: Path, *, rounds: int = 2, per_role: int = 1) -> dict[str, Any]:
    out: dict[str, Any] = {
        "browse_pages": 0,
        "browse_warm_ms": {},
        "browse_errors": [],
        "browse_peak_steps": {},
    }
    with tempfile.TemporaryDirectory(prefix="vypusk_memory_") as tmp:
        work = Path(tmp)
        db_copy = work / "app.duckdb"
        shutil.copyfile(db_path, db_copy)
        users: dict[str, list[str]] = {}
        for name, scope in sorted(demo_scopes(db_copy).items()):
            users.setdefault(scope.role, []).append(name)
        server = AppServer(db_copy, work).start()
        try:
            assert server._proc is not None
            pid = server._proc.pid
            cpu0 = _cpu_s(pid)
            for role in ("base_centre", "ministry", "territory", "college"):
                for user in users.get(role, [])[:per_role]:
                    asyncio.run(_browse(server.url, pid, user, role, rounds, out))
                    print(f"  {user}: server peak RSS so far {_vm_hwm_mb(pid):.0f} MB", flush=True)
            out["browse_peak_rss_mb"] = round(_vm_hwm_mb(pid) or 0)
            out["browse_rss_mb"] = round(_vm_rss_mb(pid) or 0)
            cpu1 = _cpu_s(pid)
            out["browse_cpu_s"] = round(cpu1 - cpu0, 1) if cpu0 is not None and cpu1 is not None else None
        finally:
            server.stop()
    warm = out["browse_warm_ms"]
    slowest = max(warm, key=warm.__getitem__) if warm else None
    out["browse_warm_max_ms"] = warm[slowest] if slowest else None
    print(
        f"{out['browse_pages']} page views: server peak RSS {out['browse_peak_rss_mb']} MB "
        f"(at the end {out['browse_rss_mb']} MB), CPU {out['browse_cpu_s']} s; slowest warm page "
        f"{slowest} {out['browse_warm_max_ms']} ms; errors {len(out['browse_errors'])}",
        flush=True,
    )
    for key, ms in sorted(warm.items(), key=lambda kv: -kv[1]):
        print(f"  {key}: {ms} ms")
    print(
        "page views that raised the peak: "
        + ", ".join(f"{k} {mb} MB" for k, mb in out["browse_peak_steps"].items())
    )
    for e in out["browse_errors"][:20]:
        print(f"  error: {e}", flush=True)
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", type=Path, required=True, help="a demo database (copied, not changed)")
    p.add_argument("--rounds", type=int, default=2, help="times every page is opened (first: cold)")
    p.add_argument("--per-role", type=int, default=1, help="demo accounts browsing per role")
    p.add_argument("--json", dest="json_out", type=Path, default=None)
    args = p.parse_args()
    out = run(args.db, rounds=args.rounds, per_role=args.per_role)
    out["load_average"] = [round(x, 1) for x in os.getloadavg()]
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0 if not out["browse_errors"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
