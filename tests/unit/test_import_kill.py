"""A load killed with SIGKILL in the middle of its transaction leaves the previous state intact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from data_layer import db
from data_layer.importer import load_file
from tests.fixtures.import_helpers import (
    GRAD_HEADER,
    STATUS_HEADER,
    csv_bytes,
    digest,
    grad_row,
    must_load,
    region,
    snils,
)

N = 40_000

CHILD = """
import sys, time
from pathlib import Path
from data_layer import db, spells
from data_layer.importer import load_file

db_path, csv_path, marker = sys.argv[1:4]
real = spells.rebuild_spells

def rebuild_then_hang(cur, pairs=None):
    real(cur, pairs)  # old rows deleted, new rows inserted, spells rebuilt: all uncommitted
    Path(marker).write_text("in transaction")
    time.sleep(120)

spells.rebuild_spells = rebuild_then_hang
con = db.open_database(db_path)
load_file(con, Path(csv_path), "big.csv")
print("finished without being killed")
"""


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_load_keeps_previous_state(tmp_path: Path) -> None:
    path = tmp_path / "k.duckdb"
    con = region(path)
    colleges = ["P001", "P002", "P003"]
    grads = [grad_row(i, colleges[i % 3]) for i in range(N)]
    must_load(con, csv_bytes(GRAD_HEADER, grads), "grads.csv")
    first = [[snils(i), colleges[i % 3], "02.09.2024", "06"] for i in range(N)]
    must_load(con, csv_bytes(STATUS_HEADER, first), "first.csv")
    before = digest(con)
    con.close()

    # the big file replaces the 2 September snapshot and adds two more dates
    big = [
        [snils(i), colleges[i % 3], d, s]
        for d, s in (("02.09.2024", "09"), ("09.09.2024", "07"), ("16.09.2024", "10"))
        for i in range(N)
    ]
    csv_path = tmp_path / "big.csv"
    csv_path.write_bytes(csv_bytes(STATUS_HEADER, big, encoding="cp1251"))
    marker = tmp_path / "marker"
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), str(path), str(csv_path), str(marker)])
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, "the loading process ended before reaching the transaction"
            assert time.monotonic() < deadline, "the loading process never reached the transaction"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    con = db.open_database(path)
    try:
        assert digest(con) == before
        # the database is healthy: the same file now loads normally
        res = load_file(con, csv_path, "big.csv")
        assert res.ok and res.rows == 3 * N
        assert con.execute("SELECT count(*) FROM status_rows").fetchall() == [(3 * N,)]
    finally:
        con.close()


COMMITTED_CHILD = """
import os, signal, sys
from pathlib import Path
from data_layer import db
from data_layer.importer import load_file

db_path, csv_path = sys.argv[1:3]
con = db.open_database(db_path)
res = load_file(con, Path(csv_path), "next.csv")
assert res.ok, res.errors[:3]
wal = Path(db_path + ".wal")
print(wal.exists() and wal.stat().st_size > 0, flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # no close, no checkpoint: the load lives only in the WAL
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_committed_load_survives_a_kill_before_any_checkpoint(tmp_path: Path) -> None:
    """Loads do not wait for a checkpoint (db.py, checkpoint_threshold): a commit is durable in the
    write-ahead log, which the next open replays."""
    path = tmp_path / "w.duckdb"
    con = region(path)
    must_load(con, csv_bytes(GRAD_HEADER, [grad_row(i) for i in range(50)]), "grads.csv")
    con.execute("CHECKPOINT")
    con.close()
    csv_path = tmp_path / "next.csv"
    csv_path.write_bytes(
        csv_bytes(STATUS_HEADER, [[snils(i), "P001", "02.09.2024", "06"] for i in range(50)])
    )
    script = tmp_path / "child.py"
    script.write_text(COMMITTED_CHILD, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(script), str(path), str(csv_path)], capture_output=True, text=True
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert proc.stdout.strip() == "True"  # the load was in the WAL only when the process died
    con = db.open_database(path)
    try:
        assert con.execute("SELECT count(*), min(status) FROM status_rows").fetchall() == [(50, "employed")]
        assert con.execute("SELECT count(*) FROM loads WHERE file_name = 'next.csv'").fetchall() == [(1,)]
        assert con.execute("SELECT current_setting('checkpoint_threshold')").fetchall() == [("128.0 MiB",)]
    finally:
        con.close()
