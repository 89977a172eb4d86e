"""The app process's housekeeping thread: serves backup and health requests, writes a status file.

DuckDB lets one process open the file for writing, and while the app runs that process is the app.
So `vypusk backup` and `vypusk health` cannot open the database then; instead they drop a request
file into the spool folder next to the database and wait for the answer, which this thread writes:

    <db>.service/status.json           written every STATUS_INTERVAL_S: pid, time, health facts
    <db>.service/spool/ID.request.json a request: {"kind": "backup", "out_dir": ...} or {"kind": "health"}
    <db>.service/spool/ID.result.json  the answer (written atomically; the requester deletes it)

The thread starts together with the app's database connection (`ui.connection`) and ends when that
connection is closed. The folder is created owner-only (0700): whoever may drop a request may
already read the database file.
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import logging
import os
import secrets
import threading
import time
from pathlib import Path
from typing import Any

import duckdb

from data_layer import backup, config, db, health, warm_state

log = logging.getLogger(__name__)

POLL_S = 0.5
STATUS_INTERVAL_S = 30.0
REQUEST_SUFFIX = ".request.json"
RESULT_SUFFIX = ".result.json"
WORKING_SUFFIX = ".working"

_lock = threading.Lock()
_threads: dict[Path, threading.Thread] = {}
_stop = threading.Event()


@atexit.register
def _stop_all() -> None:
    """Stop the threads before the interpreter tears down: a daemon thread inside a DuckDB call
    while the process finalises can abort it."""
    _stop.set()
    for t in list(_threads.values()):
        t.join(timeout=2 * POLL_S + 1)


def service_dir(db_file: Path | str | None = None) -> Path:
    p = config.db_path(db_file)
    return p.with_name(f"{p.name}.service")


def spool_dir(db_file: Path | str | None = None) -> Path:
    return service_dir(db_file) / "spool"


def status_path(db_file: Path | str | None = None) -> Path:
    return service_dir(db_file) / "status.json"


def _status_interval() -> float:
    try:
        return float(os.environ.get("VYPUSK_STATUS_INTERVAL_S", STATUS_INTERVAL_S))
    except ValueError:
        return STATUS_INTERVAL_S


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write JSON so that a reader sees the old file or the new one, never half of one (0600)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1, default=str)
    os.replace(tmp, path)


def ensure_running(db_file: Path | str | None = None) -> None:
    """Start the housekeeping thread for the database unless it runs (call once the connection is open)."""
    p = config.db_path(db_file)
    if os.environ.get("VYPUSK_SERVICE", "1") == "0":
        return
    with _lock:
        t = _threads.get(p)
        if t is not None and t.is_alive():
            return
        t = threading.Thread(target=_run, args=(p,), name=f"vypusk-service-{p.name}", daemon=True)
        _threads[p] = t
        t.start()


def _connection(p: Path) -> duckdb.DuckDBPyConnection | None:
    con = db.cached_connection(p)
    if con is None:
        return None
    try:
        con.cursor().close()
    except duckdb.Error:
        return None
    return con


def live_health(con: duckdb.DuckDBPyConnection, p: Path) -> dict[str, Any]:
    """The health facts as the app sees them, with where its cache warm-up stands."""
    try:
        with con.cursor() as cur:
            facts = health.collect(cur, p)
    except duckdb.Error as exc:
        facts = {"database_reachable": False, "error": f"запрос к базе данных не выполнен: {exc}"}
    return {**facts, **warm_state.snapshot(p)}


def _run(p: Path) -> None:
    folder = spool_dir(p)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(service_dir(p), 0o700)
    os.chmod(folder, 0o700)
    next_status = 0.0
    log.info("housekeeping thread started for %s", p.name)
    while not _stop.is_set():
        con = _connection(p)
        if con is None:
            log.info("housekeeping thread for %s ends: connection closed", p.name)
            return
        now = time.monotonic()
        if now >= next_status:
            _write_status(con, p)
            next_status = now + _status_interval()
        for req in sorted(folder.glob(f"*{REQUEST_SUFFIX}")):
            _claim_and_serve(con, p, req)
        _stop.wait(POLL_S)


def _write_status(con: duckdb.DuckDBPyConnection, p: Path) -> None:
    report = live_health(con, p)
    report.update(pid=os.getpid(), written_at=dt.datetime.now().isoformat(timespec="seconds"))
    try:
        write_json_atomic(status_path(p), report)
    except OSError as exc:
        log.warning("status file not written: %s", exc)


def _claim_and_serve(con: duckdb.DuckDBPyConnection, p: Path, req: Path) -> None:
    rid = req.name[: -len(REQUEST_SUFFIX)]
    working = req.with_name(f"{rid}{WORKING_SUFFIX}")
    try:
        req.rename(working)  # claim: a second thread (or a restart) never serves it twice
        request = json.loads(working.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("request %s unreadable: %s", rid, exc)
        working.unlink(missing_ok=True)
        return
    kind = request.get("kind") if isinstance(request, dict) else None
    if kind == "health":
        _answer(req.with_name(f"{rid}{RESULT_SUFFIX}"), working, {"ok": True, "health": live_health(con, p)})
    elif kind == "backup":
        # a copy can take minutes: do it beside the loop so health requests keep being answered
        threading.Thread(
            target=_serve_backup,
            args=(con, p, request, rid, working),
            name=f"vypusk-backup-{rid}",
            daemon=True,
        ).start()
    else:
        _answer(req.with_name(f"{rid}{RESULT_SUFFIX}"), working, {"ok": False, "error": "неизвестный запрос"})


def _serve_backup(
    con: duckdb.DuckDBPyConnection, p: Path, request: dict[str, Any], rid: str, working: Path
) -> None:
    result_path = working.with_name(f"{rid}{RESULT_SUFFIX}")
    try:
        out_dir = Path(str(request.get("out_dir") or backup.default_backup_dir(p)))
        res = backup.copy_database(con, p, out_dir)
        log.info("backup written: %s (%.1f s)", res.path.name, res.seconds)
        answer: dict[str, Any] = {
            "ok": True,
            "path": str(res.path),
            "manifest": res.manifest,
            "seconds": res.seconds,
        }
    except Exception as exc:  # the answer carries any failure to the waiting command
        log.exception("backup failed")
        answer = {"ok": False, "error": f"резервная копия не создана: {exc}"}
    _answer(result_path, working, answer)


def _answer(result_path: Path, working: Path, answer: dict[str, Any]) -> None:
    answer["served_by_pid"] = os.getpid()
    try:
        write_json_atomic(result_path, answer)
    finally:
        working.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------- requester side


def read_status(db_file: Path | str | None = None) -> dict[str, Any] | None:
    try:
        data = json.loads(status_path(db_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def status_age_s(status: dict[str, Any], now: dt.datetime | None = None) -> float | None:
    try:
        written = dt.datetime.fromisoformat(str(status["written_at"]))
    except (KeyError, ValueError):
        return None
    return ((now or dt.datetime.now()) - written).total_seconds()


def app_seems_alive(db_file: Path | str | None = None) -> bool:
    """The app wrote its status file recently (within three status intervals)."""
    status = read_status(db_file)
    if status is None:
        return False
    age = status_age_s(status)
    return age is not None and age <= 3 * max(_status_interval(), STATUS_INTERVAL_S)


def request(db_file: Path | str | None, payload: dict[str, Any], timeout_s: float) -> dict[str, Any] | None:
    """Drop a request for the app and wait for its answer; None when none came within `timeout_s`
    (the request is withdrawn then, unless the app has already taken it)."""
    folder = spool_dir(db_file)
    if not folder.is_dir():
        return None
    rid = f"{dt.datetime.now():%Y%m%d%H%M%S}-{secrets.token_hex(6)}"
    req = folder / f"{rid}{REQUEST_SUFFIX}"
    result = folder / f"{rid}{RESULT_SUFFIX}"
    write_json_atomic(req, payload)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if result.exists():
            try:
                answer = json.loads(result.read_text(encoding="utf-8"))
            except ValueError:
                time.sleep(0.1)  # replaced atomically, so only a race with the rename: read again
                continue
            result.unlink(missing_ok=True)
            return answer if isinstance(answer, dict) else None
        time.sleep(0.2)
    req.unlink(missing_ok=True)
    return None
