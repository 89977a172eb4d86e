"""Backups of the DuckDB store and their restore.

A backup set is three files side by side in one folder, readable by the owner only (0600):

    vypusk-20261203-023000.duckdb       the copy (a complete DuckDB database)
    vypusk-20261203-023000.json         manifest: schema version, migrations, tables and row counts,
                                        sha256 of the copy, source path, time
    vypusk-20261203-023000.users.yaml   the accounts file, when there is one

The copy is taken by `COPY FROM DATABASE` inside one read transaction on the live connection, so it
is consistent (one snapshot) while other sessions keep reading and writing. DuckDB lets only one
process open the file for writing; when the app runs, it is the app process that takes the copy
(`data_layer.service` serves requests dropped into its spool folder). When nobody holds the file,
the caller opens it read-only and takes the copy itself.

Restore checks the copy first (checksum, tables, row counts, schema not newer than this code) and
refuses while any process holds the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
import threading
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from data_layer import config, db, migrations
from data_layer.errors import DatabaseLockedError, UserFacingError
from data_layer.schema import DDL, SCHEMA_VERSION

PREFIX = "vypusk-"
DB_SUFFIX = ".duckdb"
MANIFEST_SUFFIX = ".json"
USERS_SUFFIX = ".users.yaml"
FORMAT = 1
_NAME_RE = re.compile(r"^vypusk-(\d{8}-\d{6})(?:-\d+)?\.duckdb$")
_TABLE_RE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+)")

# Tables every database of this product has (the frozen baseline); a copy without one is refused.
BASELINE_TABLES: tuple[str, ...] = tuple(m.group(1) for stmt in DDL if (m := _TABLE_RE.search(stmt)))

# One copy at a time per process: two copies of a big database at once only double the load.
_copy_lock = threading.Lock()


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest_path: Path
    manifest: dict[str, Any]
    seconds: float

    @property
    def size_bytes(self) -> int:
        return int(self.manifest["size_bytes"])

    @property
    def total_rows(self) -> int:
        return sum(int(n) for n in self.manifest["tables"].values())


def default_backup_dir(db_file: Path | None = None) -> Path:
    """`VYPUSK_BACKUP_DIR`, else a `backups` folder next to the database file."""
    env = os.environ.get("VYPUSK_BACKUP_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return config.db_path(db_file).parent / "backups"


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, 0o600)


def table_counts(cur: duckdb.DuckDBPyConnection, catalog: str | None = None) -> dict[str, int]:
    """Row count of every base table of the main schema of `catalog` (default: the current one)."""
    cat = catalog or cur.execute("SELECT current_database()").fetchall()[0][0]
    names = [
        r[0]
        for r in cur.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
            "ORDER BY table_name",
            [cat],
        ).fetchall()
    ]
    counts = {}
    for name in names:
        # names come from the catalogue, quoted as identifiers
        counts[name] = int(cur.execute(f'SELECT count(*) FROM "{cat}".main."{name}"').fetchall()[0][0])
    return counts


def _meta(cur: duckdb.DuckDBPyConnection, catalog: str, key: str) -> str | None:
    row = cur.execute(f'SELECT value FROM "{catalog}".main.meta WHERE key = ?', [key]).fetchall()
    return row[0][0] if row else None


def applied_migrations(cur: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[str]:
    """Migration ids recorded in `catalog` (default: the current database); read-only."""
    catalog = catalog or cur.execute("SELECT current_database()").fetchall()[0][0]
    exists = cur.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = 'schema_migrations'",
        [catalog],
    ).fetchall()[0][0]
    if not exists:
        return []
    rows = cur.execute(
        f'SELECT migration_id FROM "{catalog}".main.schema_migrations ORDER BY migration_id'
    ).fetchall()
    return [r[0] for r in rows]


def _new_stem(folder: Path, now: dt.datetime) -> str:
    stem = f"{PREFIX}{now:%Y%m%d-%H%M%S}"
    n = 1
    candidate = stem
    while (folder / f"{candidate}{DB_SUFFIX}").exists() or (
        folder / f"{candidate}{MANIFEST_SUFFIX}"
    ).exists():
        n += 1
        candidate = f"{stem}-{n}"
    return candidate


def copy_database(
    con: duckdb.DuckDBPyConnection, source_path: Path, out_dir: Path, *, now: dt.datetime | None = None
) -> BackupResult:
    """Copy the database behind `con` (read-write or read-only) into a new backup set in `out_dir`.

    The copy is written into a private temporary folder inside `out_dir` and moved into place only
    when complete, so a crash never leaves a half-written set with a final name."""
    started = dt.datetime.now()
    now = now or started
    out_dir = _private_dir(out_dir.expanduser().resolve())
    with _copy_lock:
        stem = _new_stem(out_dir, now)
        work = Path(tempfile.mkdtemp(prefix=".backup-", dir=out_dir))  # 0700
        tmp_db = work / f"{stem}{DB_SUFFIX}"
        try:
            copied = _copy_into(con, tmp_db)
            os.chmod(tmp_db, 0o600)
            manifest: dict[str, Any] = {
                "format": FORMAT,
                "created_at": now.isoformat(timespec="seconds"),
                "source": str(source_path),
                **copied,
                "size_bytes": tmp_db.stat().st_size,
                "sha256": _sha256(tmp_db),
                "users_file": None,
                "users_sha256": None,
            }
            _copy_users_file(work, stem, manifest)
            _write_private(
                work / f"{stem}{MANIFEST_SUFFIX}",
                json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"),
            )
            # the database and the users file first, the manifest last: a set is complete when its
            # manifest exists
            for suffix in (DB_SUFFIX, USERS_SUFFIX, MANIFEST_SUFFIX):
                part = work / f"{stem}{suffix}"
                if part.exists():
                    part.replace(out_dir / part.name)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    seconds = (dt.datetime.now() - started).total_seconds()
    return BackupResult(
        out_dir / f"{stem}{DB_SUFFIX}", out_dir / f"{stem}{MANIFEST_SUFFIX}", manifest, seconds
    )


def _copy_into(con: duckdb.DuckDBPyConnection, tmp_db: Path) -> dict[str, Any]:
    """COPY FROM DATABASE into a new file in one transaction (a consistent snapshot while the app
    writes); the copy's schema version, dataset version, migrations and table counts for the manifest."""
    alias = f"vypusk_backup_{secrets.token_hex(4)}"
    with con.cursor() as cur:
        source = cur.execute("SELECT current_database()").fetchall()[0][0]
        cur.execute(f"ATTACH '{_sql_path(tmp_db)}' AS {alias} (READ_WRITE)")
        try:
            cur.execute("BEGIN TRANSACTION")
            cur.execute(f'COPY FROM DATABASE "{source}" TO {alias}')
            counts = table_counts(cur, alias)
            schema_version = _meta(cur, alias, "schema_version")
            dataset_version = _meta(cur, alias, "dataset_version")
            applied = applied_migrations(cur, alias)
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        finally:
            cur.execute(f"DETACH {alias}")
    return {
        "schema_version": int(schema_version) if schema_version else None,
        "dataset_version": int(dataset_version) if dataset_version else 0,
        "migrations": applied,
        "tables": counts,
    }


def _copy_users_file(work: Path, stem: str, manifest: dict[str, Any]) -> None:
    """The accounts file beside the database (when there is one), named and hashed in the manifest."""
    users = config.credentials_path()
    if users.is_file():
        data = users.read_bytes()
        _write_private(work / f"{stem}{USERS_SUFFIX}", data)
        manifest["users_file"] = f"{stem}{USERS_SUFFIX}"
        manifest["users_sha256"] = hashlib.sha256(data).hexdigest()


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def backup_unlocked(db_file: Path, out_dir: Path) -> BackupResult:
    """Take the copy in this process: opens the database read-only (raises DatabaseLockedError when
    another process holds it)."""
    p = config.db_path(db_file)
    if not p.exists():
        raise UserFacingError(f"База данных не найдена: {p}.")
    with closing(db.open_database(p, read_only=True)) as con:
        return copy_database(con, p, out_dir)


def prune(out_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` complete backup sets in `out_dir`; returns deleted copies.

    Only files named like our sets are touched; sets are ordered by the time in their name."""
    if keep < 1:
        raise UserFacingError("Число хранимых копий (--keep) должно быть не меньше 1.")
    sets = list_backups(out_dir)
    removed = []
    for path in sets[keep:]:
        stem = path.name[: -len(DB_SUFFIX)]
        for suffix in (MANIFEST_SUFFIX, USERS_SUFFIX, DB_SUFFIX):
            (path.parent / f"{stem}{suffix}").unlink(missing_ok=True)
        removed.append(path)
    return removed


def list_backups(out_dir: Path) -> list[Path]:
    """Complete backup sets (copy and manifest both present), newest first."""
    if not out_dir.is_dir():
        return []
    found = []
    for p in out_dir.iterdir():
        m = _NAME_RE.match(p.name)
        if m and p.with_suffix(MANIFEST_SUFFIX).exists():
            found.append(p)
    return sorted(found, key=lambda p: p.name, reverse=True)


# ------------------------------------------------------------------------------------------ restore


def read_manifest(backup: Path) -> dict[str, Any]:
    manifest_path = backup.with_suffix(MANIFEST_SUFFIX)
    if not backup.is_file():
        raise UserFacingError(f"Файл резервной копии не найден: {backup}.")
    if not manifest_path.is_file():
        raise UserFacingError(
            f"Рядом с копией нет описания {manifest_path.name}: без него копию нельзя проверить."
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserFacingError(f"Описание копии {manifest_path.name} не читается: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise UserFacingError(f"Описание копии {manifest_path.name} имеет неизвестный формат.")
    return manifest


def verify_copy(path: Path, manifest: dict[str, Any]) -> list[str]:
    """Problems (Russian) that make the database file at `path` unfit to restore; empty when fit."""
    problems: list[str] = []
    if _sha256(path) != manifest.get("sha256"):
        return ["контрольная сумма файла не совпадает с описанием: копия повреждена или изменена"]
    try:
        con = duckdb.connect(str(path), read_only=True, config={"autoinstall_known_extensions": False})
    except duckdb.Error as exc:
        return [f"файл не открывается как база данных: {exc}"]
    with closing(con), con.cursor() as cur:
        catalog = cur.execute("SELECT current_database()").fetchall()[0][0]
        counts = table_counts(cur, catalog)
        missing = [t for t in BASELINE_TABLES if t not in counts]
        if missing:
            problems.append(f"в копии нет таблиц: {', '.join(missing)}")
        expected = {str(k): int(v) for k, v in dict(manifest.get("tables", {})).items()}
        if set(expected) != set(counts):
            problems.append("список таблиц копии не совпадает с описанием")
        wrong = [t for t, n in expected.items() if counts.get(t) != n]
        if wrong:
            problems.append(
                "число строк не совпадает с описанием в таблицах: "
                + ", ".join(f"{t} ({counts.get(t, 0)} вместо {expected[t]})" for t in wrong)
            )
        version = _meta(cur, catalog, "schema_version") if "meta" in counts else None
        if version is None or int(version) > SCHEMA_VERSION:
            problems.append(
                f"версия схемы копии ({version or 'не указана'}) не поддерживается этой версией программы "
                f"(поддерживается {SCHEMA_VERSION})"
            )
        known = {m.migration_id for m in migrations.available()}
        newer = [m for m in applied_migrations(cur, catalog) if m not in known]
        if newer:
            problems.append(
                "копия сделана более новой версией программы (неизвестные изменения схемы: "
                + ", ".join(newer)
                + "); обновите программу перед восстановлением"
            )
    return problems


def ensure_not_in_use(db_file: Path) -> None:
    """Raise a Russian error when another process (the running app, a load) holds the database."""
    try:
        con = duckdb.connect(str(db_file), config={"autoinstall_known_extensions": False})
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseLockedError(
                f"База данных {db_file} сейчас открыта другим процессом — скорее всего, работает приложение. "
                "Восстановление при работающем приложении невозможно: остановите приложение "
                "(например, systemctl stop vypusk) и повторите команду."
            ) from exc
        raise UserFacingError(f"Не удалось открыть базу данных {db_file}: {exc}") from exc
    # flush the write-ahead log into the file, so that no stale log is left beside the new file
    with closing(con):
        con.execute("CHECKPOINT")


@dataclass(frozen=True)
class RestoreResult:
    db_path: Path
    previous_saved_as: Path | None
    manifest: dict[str, Any]
    users_restored: bool
    migrations_applied: list[str]


def restore(backup: Path, db_file: Path | None = None, *, with_users: bool = False) -> RestoreResult:
    """Replace the database with a checked backup copy.

    Order: read the manifest; copy the backup next to the database (same file system, so the final
    rename is atomic); check the copy (checksum, tables, row counts, schema version); make sure no
    process holds the database; keep the current file as `<name>.before-restore-<time>`; rename the
    copy into place; open it read-write once (applies this code's schema migrations)."""
    backup = backup.expanduser().resolve()
    target = config.db_path(db_file)
    manifest = read_manifest(backup)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        ensure_not_in_use(target)
    staging = target.with_name(f".{target.name}.restoring-{secrets.token_hex(4)}")
    try:
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out, backup.open("rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
        problems = verify_copy(staging, manifest)
        if problems:
            raise UserFacingError(
                f"Копия {backup.name} не прошла проверку, база данных не изменена:\n  • "
                + "\n  • ".join(problems)
            )
        users_src: Path | None = None
        if with_users:
            name = manifest.get("users_file")
            if not name:
                raise UserFacingError("В этой копии нет файла учётных записей (--with-users).")
            users_src = backup.parent / str(name)
            if not users_src.is_file() or _sha256(users_src) != manifest.get("users_sha256"):
                raise UserFacingError(
                    f"Файл учётных записей копии {users_src.name} отсутствует или повреждён; база данных не изменена."
                )
        previous: Path | None = None
        if target.exists():
            ensure_not_in_use(target)  # again: the app may have started while we copied
            previous = target.with_name(f"{target.name}.before-restore-{dt.datetime.now():%Y%m%d-%H%M%S}")
            os.replace(target, previous)
            os.chmod(previous, 0o600)
            Path(f"{target}.wal").unlink(missing_ok=True)
        os.replace(staging, target)
        os.chmod(target, 0o600)
        if users_src is not None:
            dest = config.credentials_path()
            dest.parent.mkdir(parents=True, exist_ok=True)
            _write_private(dest, users_src.read_bytes())
        with closing(db.open_database(target)) as con, con.cursor() as cur:
            after = migrations.applied(cur)
        before = set(manifest.get("migrations") or [])
        return RestoreResult(target, previous, manifest, users_src is not None, sorted(after - before))
    finally:
        staging.unlink(missing_ok=True)
