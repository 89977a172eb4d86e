"""The one DuckDB file: process-wide cached connection, a cursor per query, dataset version.

DuckDB 2.0 refuses concurrent calls on one connection from several threads, and Streamlit runs
every session on a thread of one process. So the base connection is cached per process and every
query runs on its own `cursor()` (see README, "Хранилище").
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from data_layer import config
from data_layer.errors import DatabaseLockedError, UserFacingError
from data_layer.schema import apply_schema

# Offline: never download DuckDB extensions; fail at once instead. The memory cap keeps the app
# and bulk loads within a modest server (DuckDB's default is 80 % of RAM); larger operations spill
# to a temporary folder next to the database file (`memory_limit()`: 1 GB for the command line and
# bulk loads, less for the app server). DuckDB's allocator keeps memory a finished query
# freed until its own next allocations; its background threads give it back to the system instead
# (a long-lived server: the cold region-wide queries of one page no longer stay in its resident memory
# beside the next page's; README, «Память приложения»).
_DUCKDB_CONFIG: dict[str, str | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    # A commit is durable once its WAL is written; moving the WAL into the database file (a
    # checkpoint, 0,3–0,5 s after a 100 000-row status file at federal scale) waits until this much
    # WAL has gathered instead of DuckDB's default 16 MB (one checkpoint per ~8 such files).
    "checkpoint_threshold": os.environ.get("VYPUSK_DUCKDB_CHECKPOINT", "128MiB"),
    "allocator_background_threads": True,
}

# DuckDB's memory limit (`memory_limit()`). In the app server it bounds most of the process's peak:
# under it DuckDB keeps the table blocks it has read (~0,3 GB at federal scale) beside the working
# memory of the running queries, and 2 GB let a cold region-wide page hold both at once (the
# server's peak is the sum); with APP_MEMORY it first drops cached blocks (read again from the
# operating system's file cache) and spills only what does not fit (README, «Память приложения»).
# The command line's 1 GB instead of 2 GB: a federal build 0,2–0,3 GB less peak at ~5 % slower status files,
# reports 0,5–0,6 GB less at up to 15 % more CPU (paired runs, README «Четвёртый шаг»).
MEMORY_ENV = "VYPUSK_DUCKDB_MEMORY"
BULK_MEMORY = "1GB"
APP_MEMORY = "500MB"
_MEMORY_FORMAT = re.compile(r"\d+(\.\d+)?\s*(B|[KMGT]i?B)", re.IGNORECASE)


def memory_limit(*, app: bool = False) -> str:
    """DuckDB's memory limit: VYPUSK_DUCKDB_MEMORY when set, else APP_MEMORY in the app server
    (`app`), BULK_MEMORY elsewhere (command line, bulk loads, benchmarks of reports)."""
    value = os.environ.get(MEMORY_ENV, "").strip() or (APP_MEMORY if app else BULK_MEMORY)
    if not _MEMORY_FORMAT.fullmatch(value):
        raise UserFacingError(f"{MEMORY_ENV}={value!r}: ожидается размер памяти, например 500MB или 2GB.")
    return value


def limit_memory(con: duckdb.DuckDBPyConnection, limit: str, *, shared: bool = False) -> None:
    """Set the memory limit of the DuckDB instance behind `con` (every connection of this process to
    the same file shares it). `limit` as `memory_limit()` returns it (checked there). `shared`: the
    instance serves many sessions at once (the app server): make_room leaves its limit alone."""
    con.execute(f"SET memory_limit = '{limit}'")  # a size checked by memory_limit(), not user text
    path = _database_file(con)
    _LIMITS[path] = limit
    if shared:
        _SHARED.add(path)


# database file -> the memory limit this process set for it: what make_room puts back (DuckDB shows
# a limit cut to one decimal of its unit, '1.8 GiB' for 2GB, so its own text would not do)
_LIMITS: dict[str, str] = {}
# database files whose instance runs other sessions' queries at any moment (the app server): a query
# there must never meet make_room's lowered limit, so their cache is left as it is
_SHARED: set[str] = set()


def _database_file(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()")
    return os.path.realpath(str(rows.fetchall()[0][0]))


_SIZE_UNITS = {"": 1, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40, "KB": 10**3, "MB": 10**6}
_SIZE_UNITS |= {"GB": 10**9, "TB": 10**12, "B": 1, "BYTES": 1}
_SETTING_SIZE = re.compile(r"([\d.]+)\s*([A-Za-z]*)")


def _setting_bytes(text: str) -> int | None:
    """A size as DuckDB shows a setting ('953.6 MiB'), in bytes; None if not such a size."""
    m = _SETTING_SIZE.fullmatch(text.strip())
    unit = _SIZE_UNITS.get(m.group(2).upper()) if m else None
    return None if m is None or unit is None else int(float(m.group(1)) * unit)


def make_room(con: duckdb.DuckDBPyConnection, need: int) -> None:
    """Let DuckDB's cache give back memory for `need` bytes of other work of this process (polars
    validating a big file): blocks it keeps beyond `memory_limit − need` (at least a quarter of
    the limit stays) are dropped and their memory returned to the system, by lowering the limit
    for an instant; the limit itself is as before. Blocks are read again when a query needs them.
    Nothing is dropped when DuckDB holds less, or when it cannot free enough (blocks in use), nor on
    an instance shared by concurrent sessions (`limit_memory(..., shared=True)`: the app server)."""
    with con.cursor() as cur:  # `con` may be the process's shared connection (one call at a time)
        path = _database_file(cur)
        if path in _SHARED:
            return
        shown = str(cur.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        limit = _setting_bytes(shown)
        if limit is None:
            return
        keep = max(limit - need, limit // 4)
        used = cur.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchall()[0][0]
        if int(used or 0) <= keep:
            return
        try:
            cur.execute(f"SET memory_limit = '{keep}B'")  # integers only: no user text
        except duckdb.Error:
            pass  # blocks in use could not be dropped: the cache stays as it is
        finally:  # sizes checked by memory_limit() or DuckDB's own text: no user text
            cur.execute(f"SET memory_limit = '{_LIMITS.get(path, shown)}'")


_lock = threading.Lock()
_connections: dict[Path, duckdb.DuckDBPyConnection] = {}


def open_database(path: Path | str | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and create if needed) the database file, with the schema applied."""
    p = config.db_path(path)
    if read_only and not p.exists():
        raise UserFacingError(f"База данных не найдена: {p}. Создайте её командой «vypusk init».")
    private_files()
    p.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        con = duckdb.connect(
            str(p), read_only=read_only, config={**_DUCKDB_CONFIG, "memory_limit": memory_limit()}
        )
    except duckdb.IOException as exc:
        text = str(exc).lower()
        if "lock" in text:
            raise DatabaseLockedError(
                f"База данных {p} занята другим процессом (например, запущенным приложением). "
                "Остановите его или выполните загрузку через страницу «Загрузка данных»."
            ) from exc
        if "permission" in text or "read-only" in text or "read only" in text:
            raise UserFacingError(
                f"Нет прав на запись в базу данных {p} (файл или папка только для чтения). "
                "Проверьте права доступа; данные не изменены."
            ) from exc
        raise UserFacingError(f"Не удалось открыть базу данных {p}: ошибка ввода-вывода.") from exc
    _LIMITS[os.path.realpath(p)] = memory_limit()
    if not read_only:
        _owner_only(p)
        apply_schema(con)
    return con


def private_files() -> None:
    """Files this process creates (database, WAL, reports, temporary files) are owner-only: the
    database holds personal data under 152-ФЗ. Called on every open; a no-op after the first."""
    global _UMASK_SET
    if not _UMASK_SET:
        os.umask(0o077)
        _UMASK_SET = True


_UMASK_SET = False


def _owner_only(p: Path) -> None:
    """A database file created before this release (or by another tool) made owner-only."""
    for f in (p, p.with_name(p.name + ".wal")):
        try:
            if f.exists() and f.stat().st_uid == os.getuid() and f.stat().st_mode & 0o077:
                f.chmod(0o600)
        except OSError:
            pass


def get_connection(path: Path | str | None = None) -> duckdb.DuckDBPyConnection:
    """The cached read-write base connection of this process for the given file."""
    p = config.db_path(path)
    with _lock:
        con = _connections.get(p)
        if con is None:
            con = open_database(p)
            _connections[p] = con
        return con


def cached_connection(path: Path | str | None = None) -> duckdb.DuckDBPyConnection | None:
    """The cached connection of this process for the file, or None when none is open (never opens one)."""
    with _lock:
        return _connections.get(config.db_path(path))


def close_all() -> None:
    """Close every cached connection (tests, file swaps)."""
    with _lock:
        for con in _connections.values():
            try:
                con.close()
            except duckdb.Error:
                pass
        _connections.clear()


@contextmanager
def cursor(path: Path | str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh cursor on the cached connection; use one per query or per transaction."""
    with get_connection(path).cursor() as cur:
        yield cur


def dataset_version(cur: duckdb.DuckDBPyConnection) -> int:
    """A counter bumped by every change of stored data; it keys all result caches."""
    row = cur.execute("SELECT value FROM meta WHERE key = 'dataset_version'").fetchall()
    return int(row[0][0]) if row else 0


def bump_dataset_version(
    cur: duckdb.DuckDBPyConnection, pairs: Iterable[tuple[str, int]] | None = None
) -> int:
    """Increment the dataset version; call inside the transaction that changes the data.

    `pairs`: the change touched only these (college_code, cohort) pairs (a status snapshot load);
    they get the new version, and caches that read other pairs stay valid. Without `pairs`
    the change may affect anything: the base version moves and every cache is invalidated."""
    old = dataset_version(cur)
    new = old + 1
    cur.execute("UPDATE meta SET value = ? WHERE key = 'dataset_version'", [str(new)])
    if pairs is None:
        set_meta(cur, "base_version", str(new))
    else:
        if old > _last_recorded(cur):
            # an earlier write moved the counter without saying what it changed: it counts as a
            # change of everything, before this one
            set_meta(cur, "base_version", str(old))
        rows = sorted(set(pairs))
        if rows:
            # set-wise: one statement per pair cost ~2,5 ms each (0,8 s for a 300-pair status file)
            lists = [[c for c, _ in rows], [y for _, y in rows]]
            cur.execute(
                """DELETE FROM pair_versions p
                   USING (SELECT unnest(?::VARCHAR[]) AS c, unnest(?::INTEGER[]) AS y) n
                   WHERE p.college_code = n.c AND p.cohort = n.y""",
                lists,
            )
            cur.execute(
                "INSERT INTO pair_versions SELECT unnest(?::VARCHAR[]), unnest(?::INTEGER[]), ?",
                [*lists, new],
            )
    return new


@dataclass(frozen=True)
class CacheVersions:
    """What result caches are keyed by: the base version (last change not limited to pairs) and the
    version of every (college, cohort) pair changed since then by a pair-limited load."""

    dataset: int
    base: int
    pairs: dict[tuple[str, int], int]

    def pair(self, college: str, cohort: int) -> int:
        """The version of one (college, cohort) pair's data (the base version unless a pair-limited
        load changed it since)."""
        return self.pairs.get((college, cohort), self.base)

    def of(
        self, cohort: int | None, colleges: Iterable[str] | None = None, *, before: int | None = None
    ) -> int:
        """The newest version among the pairs of `cohort` (any cohort when None; with `before`, the
        cohorts before it) and `colleges` (all when None), never older than the base version."""
        wanted = None if colleges is None else set(colleges)
        newest = self.base
        for (college, year), version in self.pairs.items():
            if cohort is not None and year != cohort:
                continue
            if before is not None and year >= before:
                continue
            if wanted is None or college in wanted:
                newest = max(newest, version)
        return newest


def _last_recorded(cur: duckdb.DuckDBPyConnection) -> int:
    """The newest version some write recorded what it changed for (the base or a pair)."""
    row = cur.execute(
        "SELECT greatest((SELECT max(version) FROM pair_versions), "
        "(SELECT max(value::BIGINT) FROM meta WHERE key = 'base_version'))"
    ).fetchall()
    return int(row[0][0] or 0)


def cache_versions(cur: duckdb.DuckDBPyConnection) -> CacheVersions:
    meta = dict(
        cur.execute("SELECT key, value FROM meta WHERE key IN ('dataset_version', 'base_version')").fetchall()
    )
    dataset = int(meta.get("dataset_version") or 0)
    base = int(meta.get("base_version") or dataset)
    if dataset > _last_recorded(cur):
        base = dataset  # the newest write did not say what it changed: everything may have changed
    rows = cur.execute(
        "SELECT college_code, cohort, version FROM pair_versions WHERE version > ?", [base]
    ).fetchall()
    return CacheVersions(dataset, base, {(str(c), int(y)): int(v) for c, y, v in rows})


def get_meta(cur: duckdb.DuckDBPyConnection, key: str) -> str | None:
    row = cur.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
    return row[0][0] if row else None


def set_meta(cur: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    cur.execute("DELETE FROM meta WHERE key = ?", [key])
    cur.execute("INSERT INTO meta VALUES (?, ?)", [key, value])


# Shown on every page and written into every exported file of a demo database (issue 17).
DEMO_NOTICE = "Демонстрационные данные — не являются сведениями о реальных выпускниках"


def is_demo(cur: duckdb.DuckDBPyConnection) -> bool:
    """True when the database was built by `vypusk init --sample` (demo users exist only then)."""
    return get_meta(cur, "is_demo") == "1"
