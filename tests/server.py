"""A real `streamlit run app.py` server on a small demo database, for browser and concurrency tests.

    db_file = demo_db_copy(tmp / "demo.duckdb")          # built once per process, then copied
    with AppServer(db_file, tmp) as server:                # free localhost port, waits for health
        ... server.url ...                                 # "http://localhost:PORT"

The demo database is `vypusk init --sample --graduates 3000` when init has that option; otherwise it
is made the same way in process: the reference files, then the generator's files for 3 000 graduates
loaded one by one in the order given, then the demo flag.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from data_layer.scope import Scope

PROJECT_DIR = Path(__file__).resolve().parent.parent
APP_FILE = PROJECT_DIR / "app.py"
DEMO_GRADUATES = 3000
DEMO_SEED = 1
START_TIMEOUT_S = 90.0

_template: Path | None = None


def _vypusk() -> list[str]:
    exe = Path(sys.executable).parent / "vypusk"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "cli.main"]


def _init_has_size_option() -> bool:
    out = subprocess.run([*_vypusk(), "init", "--help"], capture_output=True, text=True, timeout=60)
    return "--graduates" in out.stdout


def build_demo_db(path: Path, *, graduates: int = DEMO_GRADUATES, seed: int = DEMO_SEED) -> Path:
    """A fresh demo database at `path` (must not exist): reference data, a generated region, is_demo=1."""
    if _init_has_size_option():
        cmd = [*_vypusk(), "init", "--sample", "--graduates", str(graduates), "--db", str(path)]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=PROJECT_DIR)
        if out.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
        return path
    return _build_demo_db_in_process(path, graduates, seed)


def _build_demo_db_in_process(path: Path, graduates: int, seed: int) -> Path:
    from data_layer import db
    from data_layer.importer.pipeline import LoadResult, load_file, load_reference_dir
    from demo.sample import write_sample  # the generator's entry point

    def check(res: LoadResult, name: str) -> None:
        if not res.ok:
            detail = "; ".join(p.message for p in res.errors[:5])
            raise RuntimeError(f"demo database: {name} refused: {res.message} {detail}")

    con = db.open_database(path)
    try:
        for res in load_reference_dir(con):
            check(res, "reference file")
        with tempfile.TemporaryDirectory(prefix="vypusk_demo_") as tmp:
            for file in write_sample(Path(tmp), graduates=graduates, seed=seed):
                check(load_file(con, file, file.name), file.name)
        with con.cursor() as cur:
            db.set_meta(cur, "is_demo", "1")
        from demo import cases as demo_cases  # the demo's work with the risk group, as `vypusk init --sample`

        demo_cases.apply(con, seed)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path


def demo_db_copy(dest: Path) -> Path:
    """A copy of the process-wide demo database (built on first use) at `dest`."""
    global _template
    if _template is None:
        folder = Path(tempfile.mkdtemp(prefix="vypusk_demo_db_"))
        atexit.register(shutil.rmtree, folder, True)
        _template = build_demo_db(folder / "demo.duckdb")
    dest.parent.mkdir(parents=True, exist_ok=True)
    # A write-ahead log left by an earlier database at `dest` would not match the copy.
    Path(f"{dest}.wal").unlink(missing_ok=True)
    shutil.copyfile(_template, dest)
    return dest


def demo_scopes(db_file: Path) -> dict[str, Scope]:
    """The demo accounts of a demo database (read before the server locks the file)."""
    from data_layer import db, users

    con = db.open_database(db_file)
    try:
        with con.cursor() as cur:
            return {name: rec.scope() for name, rec in users.demo_users(cur).items()}
    finally:
        con.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _streamlit_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "streamlit"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "streamlit"]


class AppServer:
    """`streamlit run app.py` on `db_file` with an empty credentials file under `workdir`.

    Started by `start()` or `with`; `stop()` terminates it (kills it after 20 s). The server's
    output goes to `workdir/server.log` (`log_text()`), which failing tests should show.
    """

    def __init__(self, db_file: Path, workdir: Path, *, env: dict[str, str] | None = None) -> None:
        self.db_file = db_file
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        self.log_path = workdir / f"server-{self.port}.log"
        self._extra_env = env or {}
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> AppServer:
        env = dict(os.environ)
        # A developer's cookie key or accounts must not leak in: demo mode signs with its own key.
        env.pop("VYPUSK_COOKIE_KEY", None)
        # as the service runs it (README, «Служба»): glibc's heap in two arenas, not one per thread
        env.setdefault("MALLOC_ARENA_MAX", "2")
        env.update(
            VYPUSK_DB=str(self.db_file),
            VYPUSK_CREDENTIALS=str(self.workdir / "credentials.yaml"),
            PYTHONUNBUFFERED="1",
        )
        env.update(self._extra_env)
        cmd = [
            *_streamlit_cmd(),
            "run",
            str(APP_FILE),
            "--server.headless=true",
            f"--server.port={self.port}",
            "--server.address=127.0.0.1",
            "--browser.gatherUsageStats=false",
            "--server.fileWatcherType=none",
            "--global.developmentMode=false",
        ]
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self._proc = subprocess.Popen(cmd, env=env, cwd=PROJECT_DIR, stdout=log, stderr=subprocess.STDOUT)
        self._wait_healthy()
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        health = f"http://127.0.0.1:{self.port}/_stcore/health"
        while True:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self._proc.returncode}:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(health, timeout=2) as resp:
                    if resp.status == 200 and resp.read().strip() == b"ok":
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"streamlit not healthy after {START_TIMEOUT_S:.0f} s:\n{self.log_text()}")
            time.sleep(0.25)

    def log_text(self, tail: int = 20_000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return ""

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
