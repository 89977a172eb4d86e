"""Backups and health checks while a real server process holds the database.

DuckDB lets one process open the file for writing; the running app is that process. `vypusk backup`
and `vypusk health` must get their answers from the app (its housekeeping thread), and `vypusk
restore` must refuse with a Russian message.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from data_layer import backup, service
from tests.server import PROJECT_DIR, AppServer
from tests.st_client import StSession

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def _vypusk(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "vypusk"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=180, cwd=PROJECT_DIR)


async def _first_run(url: str) -> None:
    async with StSession(url) as s:
        await s.run()


def test_backup_and_health_through_the_running_app(monitoring_db: Path, tmp_path: Path) -> None:
    db_file = tmp_path / "live.duckdb"
    shutil.copyfile(monitoring_db, db_file)
    out_dir = tmp_path / "backups"
    with AppServer(db_file, tmp_path) as server:
        asyncio.run(_first_run(server.url))  # the first session opens the database
        deadline = time.monotonic() + 30
        while not service.app_seems_alive(db_file):
            assert time.monotonic() < deadline, server.log_text()
            time.sleep(0.2)
        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(db_file), read_only=True)

        done = _vypusk("backup", "--db", str(db_file), "--out", str(out_dir))
        assert done.returncode == 0, done.stderr + server.log_text()
        assert "копию сделало работающее приложение" in done.stdout

        health = _vypusk("health", "--db", str(db_file), "--format", "json")
        assert health.returncode == 0, health.stdout + health.stderr
        report = json.loads(health.stdout)
        assert report["status"] == "ok" and report["source"] == "app" and report["app_running"]
        assert report["database_reachable"] and report["schema_version"] == 1
        assert (
            report["backups"] == 1 and report["last_backup_at"] is not None
        )  # default folder: next to the db

        refused = _vypusk("restore", str(out_dir), "--db", str(db_file))
        assert refused.returncode == 2
        assert "Восстановление при работающем приложении невозможно" in refused.stderr
        # nothing was left behind by the refused restore
        assert sorted(p.name for p in tmp_path.glob("live.duckdb*")) == ["live.duckdb", "live.duckdb.service"]

    copies = backup.list_backups(out_dir)
    assert len(copies) == 1
    manifest = backup.read_manifest(copies[0])
    assert backup.verify_copy(copies[0], manifest) == []
    with duckdb.connect(str(db_file), read_only=True) as con:
        counts = backup.table_counts(con)
    assert manifest["tables"] == counts

    # with the server stopped the database is free: health reads it directly, restore works
    health = _vypusk("health", "--db", str(db_file), "--format", "json")
    assert json.loads(health.stdout)["source"] == "direct"
    restored = _vypusk("restore", str(copies[0]), "--db", str(db_file))
    assert restored.returncode == 0, restored.stderr
