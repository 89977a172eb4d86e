"""Health of one installation, for a monitor: database reachable, schema, last load, disk, backups.

`collect(cur, db_file)` reads the facts from an open database (in the app process through its own
connection, or in `vypusk health` when no process holds the file); `problems(report)` turns them
into Russian sentences; an empty list means healthy. No personal data: counts, times and paths only.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Any

import duckdb

from data_layer import backup, migrations

MIN_FREE_MB_DEFAULT = 1024
BACKUP_MAX_AGE_H_DEFAULT = 36


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


def disk_facts(db_file: Path) -> dict[str, Any]:
    folder = db_file.parent if db_file.parent.exists() else Path("/")
    usage = shutil.disk_usage(folder)
    size = db_file.stat().st_size if db_file.exists() else 0
    wal = Path(f"{db_file}.wal")
    return {
        "disk_free_mb": usage.free // (1 << 20),
        "disk_total_mb": usage.total // (1 << 20),
        "db_size_mb": round((size + (wal.stat().st_size if wal.exists() else 0)) / (1 << 20), 1),
    }


def backup_facts(db_file: Path) -> dict[str, Any]:
    folder = backup.default_backup_dir(db_file)
    sets = backup.list_backups(folder)
    newest = None
    if sets:
        newest = dt.datetime.fromtimestamp(sets[0].stat().st_mtime).isoformat(timespec="seconds")
    return {"backup_dir": str(folder), "backups": len(sets), "last_backup_at": newest}


def collect(cur: duckdb.DuckDBPyConnection, db_file: Path) -> dict[str, Any]:
    """Facts read from the open database plus the disk and backup facts."""
    cur.execute("SELECT 1").fetchall()
    meta = dict(cur.execute("SELECT key, value FROM meta").fetchall())
    done = set(backup.applied_migrations(cur))
    pending = [m.migration_id for m in migrations.available() if m.migration_id not in done]
    last = cur.execute("SELECT max(loaded_at), count(*) FROM loads").fetchall()[0]
    return {
        "database_reachable": True,
        "schema_version": int(meta.get("schema_version") or 0),
        "migrations_applied": len(done),
        "migrations_pending": pending,
        "dataset_version": int(meta.get("dataset_version") or 0),
        "last_load_at": last[0].isoformat(timespec="seconds") if last[0] else None,
        "loads": int(last[1]),
        **disk_facts(db_file),
        **backup_facts(db_file),
    }


def problems(report: dict[str, Any], now: dt.datetime | None = None) -> list[str]:
    """What a monitor should alert on, in Russian; empty when healthy."""
    now = now or dt.datetime.now()
    out: list[str] = []
    if not report.get("database_reachable"):
        out.append(str(report.get("error") or "база данных недоступна"))
        return out
    if report.get("migrations_pending"):
        out.append(
            "не применены изменения схемы: "
            + ", ".join(report["migrations_pending"])
            + " (перезапустите приложение после обновления)"
        )
    if report.get("warmup_state") == "failed":
        out.append(f"прогрев кэша при запуске не удался: {report.get('warmup_error')}")
    min_free = _env_int("VYPUSK_MIN_FREE_MB", MIN_FREE_MB_DEFAULT)
    free = report.get("disk_free_mb")
    if isinstance(free, int) and free < min_free:
        out.append(f"на диске с базой данных свободно {free} МБ (меньше {min_free} МБ)")
    last_backup = report.get("last_backup_at")
    if last_backup:
        age_h = (now - dt.datetime.fromisoformat(last_backup)).total_seconds() / 3600
        limit = _env_int("VYPUSK_BACKUP_MAX_AGE_H", BACKUP_MAX_AGE_H_DEFAULT)
        if age_h > limit:
            out.append(f"последняя резервная копия сделана {age_h:.0f} ч назад (больше {limit} ч)")
    return out
