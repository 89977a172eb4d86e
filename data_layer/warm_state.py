"""Where the app process's cache warm-up (ui/warmup.py) stands, for the health check.

The warm-up runs in the Streamlit process; the health facts are read by the housekeeping thread of
the same process (data_layer.service.live_health), so the state is a small record in process memory,
one per database file. No personal data: a state, times and counts.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path
from typing import Any

from data_layer import config

NOT_STARTED = "not_started"
RUNNING = "running"
DONE = "done"
FAILED = "failed"

_lock = threading.Lock()
_states: dict[Path, dict[str, Any]] = {}
_clock: dict[Path, float] = {}


def started(db_file: Path | str | None = None) -> None:
    p = config.db_path(db_file)
    with _lock:
        _clock[p] = time.monotonic()
        _states[p] = {
            "warmup_state": RUNNING,
            "warmup_started_at": dt.datetime.now().isoformat(timespec="seconds"),
            "warmup_s": None,
            "warmup_steps": 0,
            "warmup_error": None,
        }


def step(db_file: Path | str | None = None) -> None:
    """One more view computed (progress for a monitor watching a long warm-up)."""
    p = config.db_path(db_file)
    with _lock:
        if p in _states:
            _states[p]["warmup_steps"] += 1


def finished(db_file: Path | str | None = None, error: str | None = None) -> None:
    p = config.db_path(db_file)
    with _lock:
        state = _states.setdefault(p, {"warmup_steps": 0, "warmup_started_at": None})
        state["warmup_state"] = FAILED if error else DONE
        state["warmup_s"] = round(time.monotonic() - _clock.get(p, time.monotonic()), 1)
        state["warmup_error"] = error


def snapshot(db_file: Path | str | None = None) -> dict[str, Any]:
    """The warm-up facts of the database in this process (`warmup_state` not_started when none ran)."""
    with _lock:
        state = _states.get(config.db_path(db_file))
        return dict(state) if state else {"warmup_state": NOT_STARTED}


def reset() -> None:
    """Forget every state (tests)."""
    with _lock:
        _states.clear()
        _clock.clear()
