"""One upload, all or nothing: read → validate the whole file → one transaction (docs/data_contract.md §2).

A refused file leaves every table as it was and is recorded in the audit log as
`upload_rejected`; an accepted one is recorded in `loads` and the audit log inside the same
transaction that stores it. Loading the very same content again changes nothing. `load_files` loads
a batch the same way, file after file, reading the next file (and validating a status file after a
status file) while the current one is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import duckdb
import polars as pl

from data_layer import audit
from data_layer.config import REFERENCE_DIR
from data_layer.errors import StorageFailure, storage_failure
from data_layer.importer import store
from data_layer.importer.errors import UnreadableFileError
from data_layer.importer.kinds import KINDS, REFERENCE_KINDS
from data_layer.importer.limits import ReadLimits, check_size
from data_layer.importer.mapping import ImportMapping, hint_problems
from data_layer.importer.mapping import read as read_step
from data_layer.importer.readers import RawTable
from data_layer.importer.sandbox import read_bounded
from data_layer.importer.timing import Phases
from data_layer.importer.validate import (
    ROOM_FACTOR,
    ROOM_MIN_BYTES,
    Context,
    Validated,
    needs_room,
    room_for_file,
    validate,
)
from data_layer.scope import OPERATOR, ROLE_LABELS, Scope
from data_layer.text import fmt_int, mask_snils_like, plural, safe_file_name

MAX_PROBLEMS = 10_000
_log = logging.getLogger(__name__)
COMPARE_ALWAYS_ROWS = 100_000  # below this, content identical to the stored rows is detected by content
UPLOAD_ROLES = ("base_centre", "college")

# Loads in one process run one at a time: the app's upload page and a background job must not
# race on the same partitions (DuckDB would abort one of them with a conflict).
_LOAD_LOCK = threading.Lock()


@dataclass(frozen=True)
class Problem:
    row: int | None  # as in the user's file (1-based, title and header rows counted)
    column: str | None  # the header as written in the file
    value: str | None
    message: str  # Russian
    severity: str  # 'error' | 'warning'


@dataclass
class LoadResult:
    ok: bool
    kind: str | None
    file_name: str
    rows: int
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    load_id: int | None = None
    unchanged: bool = False
    message: str = ""  # one Russian summary sentence
    college_codes: list[str] = field(default_factory=list)
    pairs: list[tuple[str, int]] = field(default_factory=list)  # (college, cohort) touched
    # wall and CPU seconds per step: read, validate, compare, write (periods inside it), commit
    phases: Phases = field(default_factory=Phases)


# ---------------------------------------------------------------- Russian text helpers


def _count(n: int, one: str, few: str, many: str) -> str:
    return f"{fmt_int(n)} {plural(n, one, few, many)}"


# ---------------------------------------------------------------- results


def private(p: Problem) -> Problem:
    """The problem with every СНИЛС-shaped number in its value and message masked (issue 12: error
    lists, error reports and the audit never hold a full СНИЛС — also one typed into a wrong column)."""
    value = None if p.value is None else mask_snils_like(p.value, keep_tail=True)
    return Problem(p.row, p.column, value, mask_snils_like(p.message, keep_tail=True), p.severity)


def _to_problems(df: pl.DataFrame, severity: str) -> list[Problem]:
    sub = df.filter(pl.col("severity") == severity)
    out = [
        private(Problem(r["row"], r["column"], r["value"], r["message"], severity))
        for r in sub.head(MAX_PROBLEMS).iter_rows(named=True)
    ]
    if sub.height > MAX_PROBLEMS:
        what = "ошибок" if severity == "error" else "предупреждений"
        out.append(
            Problem(
                None,
                None,
                None,
                f"Показаны первые {fmt_int(MAX_PROBLEMS)} {what} из {fmt_int(sub.height)}.",
                severity,
            )
        )
    return out


def _refusal_message(file_name: str, n_errors: int) -> str:
    return (
        f"Файл «{file_name}» не загружен: {_count(n_errors, 'ошибка', 'ошибки', 'ошибок')}. "
        "Данные в системе не изменены; исправьте файл и загрузите его снова."
    )


def _reject(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    file_name: str,
    kind: str | None,
    rows: int,
    errors: list[Problem],
    warnings: list[Problem] | None = None,
    n_errors: int | None = None,
) -> LoadResult:
    """A refused upload: nothing stored; the refusal itself goes to the audit log."""
    errors, warnings = [private(p) for p in errors], [private(p) for p in warnings or []]
    n = n_errors if n_errors is not None else len(errors)
    label = KINDS.get(kind or "", "вид не определён")
    first = errors[0].message if errors else ""
    details = f"{label}; {_count(n, 'ошибка', 'ошибки', 'ошибок')}; {first}"[:1000]
    try:
        with con.cursor() as cur:
            cur.execute("BEGIN TRANSACTION")
            try:
                audit.record(cur, scope.username, scope.role, "upload_rejected", file_name, details)
                cur.execute("COMMIT")
            except BaseException:
                _rollback(cur)
                raise
    except BaseException as exc:
        # the storage that refused the load refuses the audit entry too: the user still gets the answer
        if storage_failure(exc) is None:
            raise
        _log.error("refusal of %s not audited: %s", file_name, type(exc).__name__)
    return LoadResult(
        ok=False,
        kind=kind,
        file_name=file_name,
        rows=rows,
        errors=errors,
        warnings=warnings or [],
        message=_refusal_message(file_name, n),
    )


def storage_message(failure: StorageFailure) -> str:
    """A Russian message for a storage failure during a load (never the English original)."""
    return (
        f"Файл не загружен: {failure.cause}. Данные в системе не изменены, ранее загруженное не потеряно; "
        f"{failure.advice}."
    )


def _read_source(source: Path | str | bytes, limits: ReadLimits) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    path = Path(source)
    try:
        check_size(path.stat().st_size, limits)  # before reading a huge file into memory
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise UnreadableFileError(f"Файл не найден: {path.name}") from exc
    except PermissionError as exc:
        raise UnreadableFileError(f"Нет прав на чтение файла {path.name}.") from exc
    except IsADirectoryError as exc:
        raise UnreadableFileError(f"{path.name} — папка, а не файл.") from exc
    except OSError as exc:
        raise UnreadableFileError(f"Не удалось прочитать файл {path.name}: ошибка ввода-вывода.") from exc


def _ok_message(v: Validated, file_name: str, replaced: int, n_warnings: int) -> str:
    text = (
        f"Файл «{file_name}» загружен — {v.spec.label}: "
        f"{_count(v.frame.height if v.frame is not None else v.rows, 'строка', 'строки', 'строк')}"
    )
    if replaced:
        text += f", заменено прежних записей: {fmt_int(replaced)}"
    if n_warnings:
        text += f"; {_count(n_warnings, 'предупреждение', 'предупреждения', 'предупреждений')}"
    return text + "."


def load_file(
    con: duckdb.DuckDBPyConnection,
    source: Path | bytes,
    file_name: str,
    *,
    kind: str | None = None,
    scope: Scope = OPERATOR,
    snapshot_date: dt.date | None = None,
    rebuild_spells: bool = True,
    mapping: ImportMapping | None = None,
) -> LoadResult:
    """Validate a whole file and, if it has no error, store it in one transaction.

    `rebuild_spells=False` leaves the derived status spells stale: only for a bulk build into a
    fresh file that calls `data_layer.spells.rebuild_spells(cur)` once at the end (`vypusk init --sample`).

    `kind` forces the file kind (else detected from the headers); `snapshot_date` is the
    «Дата актуализации» for a status file without that column (or with empty cells); `mapping`
    renames a foreign file's columns and translates its labels before validation (importer/mapping.py).
    """
    file_name = safe_file_name(file_name)
    got = _read_file(source, file_name, kind, scope, mapping, partial(room_for_file, con))
    if isinstance(got, _Refused):
        return _reject(con, scope, file_name, got.kind, 0, got.problems)
    with _LOAD_LOCK:
        return _store_read(con, got, scope, snapshot_date, rebuild_spells, mapping)


@dataclass
class _Read:
    """A file read and parsed, not yet validated against the database (the first step of a load)."""

    table: RawTable
    file_name: str
    checksum: str
    received_at: dt.datetime
    phases: Phases
    validated: Validated | None = None  # set when validated ahead (load_files)


@dataclass(frozen=True)
class _Refused:
    """A file refused before validation (unreadable, unknown kind, a role that cannot upload)."""

    kind: str | None
    problems: list[Problem]


def _read_file(
    source: Path | bytes,
    file_name: str,
    kind: str | None,
    scope: Scope,
    mapping: ImportMapping | None,
    room: Callable[[int], None] | None = None,
) -> _Read | _Refused:
    """Read and parse one file; touches no database itself (so load_files can read the next file
    ahead). `room(size)`, when given, runs before the parse (validate.room_for_file)."""
    received_at = store.utc_now()  # arrival time: the server clock only, never a caller's value
    try:
        limits = ReadLimits.from_env()
        data = _read_source(source, limits)
    except UnreadableFileError as exc:
        return _Refused(kind, [Problem(None, None, None, exc.message, "error")])
    if kind is not None and kind not in KINDS:
        known = ", ".join(KINDS)
        msg = f"Неизвестный вид файла «{kind}». Допустимые виды: {known}."
        return _Refused(None, [Problem(None, None, None, msg, "error")])
    if scope.role not in UPLOAD_ROLES:
        msg = (
            f"Роль «{ROLE_LABELS[scope.role]}» не может загружать данные: загрузка доступна "
            "базовому центру и ПОО."
        )
        return _Refused(kind, [Problem(None, None, None, msg, "error")])
    if room is not None:
        room(len(data))  # a big file: DuckDB's cache makes room for its parse (issue 16)
    phases = Phases()
    # the file's checksum is computed beside the parse (hashlib and polars both release the GIL)
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(_sha256, data)
        try:
            with phases.step("read"):
                table = read_step(read_bounded, data, file_name, kind, limits, mapping)
        except UnreadableFileError as exc:
            return _Refused(kind, [Problem(exc.row, None, None, exc.message, "error")])
        checksum = digest.result()
    return _Read(table, file_name, checksum, received_at, phases)


def _store_read(
    con: duckdb.DuckDBPyConnection,
    got: _Read,
    scope: Scope,
    snapshot_date: dt.date | None,
    rebuild_spells: bool,
    mapping: ImportMapping | None,
) -> LoadResult:
    """Validate (unless done ahead) and store a read file: the caller holds _LOAD_LOCK."""
    res = _load_table(con, got, scope, snapshot_date, rebuild_spells)
    res.phases = got.phases
    if mapping is not None:
        res.errors = hint_problems(res.errors, mapping)
    return res


# Which kinds' validation may run while a file of the key kind is being written (load_files): the
# validation reads nothing such a write changes. A status file writes status rows, their periods,
# arrivals, the load register and the audit; validating a status file reads the colleges, the
# graduation lists and the municipalities. Any other pair waits for the write (and its commit).
_VALIDATE_BESIDE = {"statuses": frozenset({"statuses"})}
# The next file is read (and validated) ahead only when it and the file being written are both
# small: files for which DuckDB's cache never has to make room (validate.room_for_file: ~21 MB; a
# status file of 100 000 rows is ~20 MB). Two files in memory at once stay small, a big file (the
# УФНС extract of 1,6 M rows that sets the importer's peak memory) is never joined by a second one,
# and the instance's memory limit never changes while a query of the other thread runs.
AHEAD_MAX_BYTES = ROOM_MIN_BYTES // ROOM_FACTOR


def load_files(
    con: duckdb.DuckDBPyConnection,
    sources: Sequence[tuple[Path | bytes, str]],
    *,
    kind: str | None = None,
    scope: Scope = OPERATOR,
    snapshot_date: dt.date | None = None,
    rebuild_spells: bool = True,
    mapping: ImportMapping | None = None,
    on_result: Callable[[LoadResult], None] | None = None,
) -> list[LoadResult]:
    """`load_file` for each of `sources` ((path or bytes, file name)) in order, with the same results,
    the next file read and, where `_VALIDATE_BESIDE` allows, validated while this one is written.

    Every file is still its own transaction, all or nothing; a refused file does not stop the rest.
    Validation ahead runs on its own cursor: it sees the database as it was before the file being
    written, which is what it would see after it for the kind pairs allowed. `on_result` gets each
    result as soon as it is known (progress of a long batch)."""
    results: list[LoadResult] = []
    names = [(src, safe_file_name(name)) for src, name in sources]
    with _LOAD_LOCK, ThreadPoolExecutor(max_workers=1, thread_name_prefix="load-ahead") as pool:
        ahead: Future[_Read | _Refused] | None = None
        for i, (source, file_name) in enumerate(names):
            if ahead is not None:
                got = ahead.result()
            else:
                got = _read_file(source, file_name, kind, scope, mapping, partial(room_for_file, con))
            ahead = None
            writing = got.table.kind if isinstance(got, _Read) else None
            # nothing runs beside a load whose validation makes DuckDB's cache give back memory
            quiet = not isinstance(got, _Read) or got.validated is not None or not needs_room(got.table.frame)
            if i + 1 < len(names) and quiet and _small(source) and _small(names[i + 1][0]):
                nxt, nxt_name = names[i + 1]
                ahead = pool.submit(
                    _read_ahead, con, nxt, nxt_name, writing, kind, scope, snapshot_date, mapping
                )
            if isinstance(got, _Refused):
                res = _reject(con, scope, file_name, got.kind, 0, got.problems)
            else:
                res = _store_read(con, got, scope, snapshot_date, rebuild_spells, mapping)
            results.append(res)
            if on_result is not None:
                on_result(res)
    return results


def _small(source: Path | bytes) -> bool:
    if isinstance(source, bytes | bytearray | memoryview):
        return len(source) <= AHEAD_MAX_BYTES
    try:
        return Path(source).stat().st_size <= AHEAD_MAX_BYTES
    except OSError:
        return True  # read ahead: the read step refuses it with the same message as load_file


def _read_ahead(
    con: duckdb.DuckDBPyConnection,
    source: Path | bytes,
    file_name: str,
    writing: str | None,
    kind: str | None,
    scope: Scope,
    snapshot_date: dt.date | None,
    mapping: ImportMapping | None,
) -> _Read | _Refused:
    """Read the next file and, when its kind may be validated beside the `writing` kind's write,
    validate it on its own cursor. A validation that fails here is left to the ordinary path."""
    got = _read_file(source, file_name, kind, scope, mapping)
    if not isinstance(got, _Read) or got.table.kind not in _VALIDATE_BESIDE.get(writing or "", ()):
        return got
    if needs_room(got.table.frame):
        # its validation would make DuckDB's cache give back memory, which must not happen while
        # the other file is written: validated in its own load instead
        return got
    phases = Phases()
    try:
        with con.cursor() as cur:
            cur.execute("BEGIN TRANSACTION")
            try:
                got.validated = _validate(cur, got.table, scope, snapshot_date, phases)
            finally:
                _rollback(cur)
    except Exception as exc:  # validated again in the write's own transaction, its errors included
        # the type only: a message could quote a cell of the file (no personal data in the logs)
        _log.warning(
            "validation ahead of %s failed (%s); validated in its load", file_name, type(exc).__name__
        )
        got.validated = None
        return got
    got.table.frame = got.table.frame.clear()  # validated: the raw cells are not needed any more
    got.phases.update(phases)
    return got


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _rollback(cur: duckdb.DuckDBPyConnection) -> None:
    try:
        cur.execute("ROLLBACK")
    except duckdb.TransactionException:
        pass  # no transaction active (already committed or rolled back)


def _accepted(
    v: Validated,
    file_name: str,
    load_id: int | None,
    message: str,
    pairs: list[tuple[str, int]],
    *,
    unchanged: bool,
) -> LoadResult:
    assert v.frame is not None
    return LoadResult(
        ok=True,
        kind=v.spec.kind,
        file_name=file_name,
        rows=v.frame.height,
        warnings=_to_problems(v.problems, "warning"),
        load_id=load_id,
        unchanged=unchanged,
        message=message,
        college_codes=v.college_codes,
        pairs=pairs,
    )


def _unchanged(v: Validated, file_name: str, prev: tuple[int, dt.datetime, str] | None) -> LoadResult:
    """The answer for a file whose rows are stored already: nothing is written."""
    if prev is None:
        message = f"Данные файла «{file_name}» совпадают с уже загруженными; данные не изменились."
        return _accepted(v, file_name, None, message, [], unchanged=True)
    load_id, when, user = prev
    message = (
        f"Этот файл уже загружен {when:%d.%m.%Y} в {when:%H:%M} (пользователь {user}, "
        f"загрузка № {load_id}); данные не изменились."
    )
    return _accepted(v, file_name, load_id, message, [], unchanged=True)


def _failure_message(exc: BaseException, kind: str) -> str | None:
    """The Russian refusal for a load transaction that failed (and was rolled back); None for a
    failure that is not the file's or the storage's (re-raised)."""
    if isinstance(exc, duckdb.ConstraintException | duckdb.ConversionException):
        # A value validation let through: refused like any invalid file, never a traceback.
        _log.error("load of a %s file violated a constraint: %s", kind, type(exc).__name__)
        return (
            "Файл не загружен: значения в нём нарушают ограничения базы данных. Данные в системе "
            "не изменены; сообщите администратору."
        )
    # A full disk (DuckDB reports it at COMMIT), a read-only or locked database, a concurrent
    # change: rolled back, so nothing of the file is stored and nothing stored is lost.
    failure = storage_failure(exc)
    if failure is None:
        return None
    _log.error("load of a %s file failed on storage: %s: %s", kind, type(exc).__name__, exc)
    return storage_message(failure)


def _validate(
    cur: duckdb.DuckDBPyConnection,
    table: RawTable,
    scope: Scope,
    snapshot_date: dt.date | None,
    phases: Phases,
) -> Validated:
    with phases.step("validate"):
        return validate(table, Context(cur, scope, snapshot_date, dt.date.today()))


def _load_table(
    con: duckdb.DuckDBPyConnection,
    got: _Read,
    scope: Scope,
    snapshot_date: dt.date | None,
    rebuild_spells: bool,
) -> LoadResult:
    """Validate the read file (unless done ahead: `got.validated`) and store it in one transaction."""
    table, file_name, phases = got.table, got.file_name, got.phases
    rows = got.validated.rows if got.validated is not None else table.frame.height
    with con.cursor() as cur:
        cur.execute("BEGIN TRANSACTION")
        try:
            v = got.validated or _validate(cur, table, scope, snapshot_date, phases)
            table.frame = table.frame.clear()  # the raw cells are validated: freed before the write
            if v.frame is None:
                _rollback(cur)
                errors, warnings = _to_problems(v.problems, "error"), _to_problems(v.problems, "warning")
                return _reject(con, scope, file_name, table.kind, v.rows, errors, warnings, v.n_errors)
            store.register(cur, v)
            prev = store.previous_load(cur, table.kind, got.checksum)
            # The same file again — or a small file whose rows are already stored exactly (e.g. the
            # same reference re-saved in another format) — changes nothing.
            small = v.frame.height <= COMPARE_ALWAYS_ROWS
            with phases.step("compare"):
                same = (prev is not None or small) and store.same_as_stored(cur, v)
            if same:
                _rollback(cur)
                return _unchanged(v, file_name, prev)
            details = f"{v.spec.label}; {_count(v.frame.height, 'строка', 'строки', 'строк')}"
            with phases.step("write"):
                load_id, replaced, touched = store.apply(
                    cur,
                    v,
                    file_name=file_name,
                    checksum=got.checksum,
                    scope=scope,
                    details=details,
                    rebuild=rebuild_spells,
                    received_at=got.received_at,
                    phases=phases,
                )
            with phases.step("commit"):
                cur.execute("COMMIT")
        except BaseException as exc:
            _rollback(cur)
            refusal = _failure_message(exc, table.kind)
            if refusal is None:
                raise
            problem = Problem(None, None, None, refusal, "error")
            return _reject(con, scope, file_name, table.kind, rows, [problem])
        finally:
            store.unregister(cur)
    pairs = touched if v.spec.kind in store.SPELL_KINDS else v.pairs
    message = _ok_message(v, file_name, replaced, v.n_warnings)
    return _accepted(v, file_name, load_id, message, pairs, unchanged=False)


def load_reference_dir(
    con: duckdb.DuckDBPyConnection, directory: Path = REFERENCE_DIR, scope: Scope = OPERATOR
) -> list[LoadResult]:
    """Load the reference files `<kind>.csv` (or .xlsx) found in `directory`, in dependency order."""
    results = []
    for kind in REFERENCE_KINDS:  # dependency order: territories, municipalities, colleges, programs
        for suffix in (".csv", ".xlsx"):
            path = Path(directory) / f"{kind}{suffix}"
            if path.exists():
                results.append(load_file(con, path, path.name, kind=kind, scope=scope))
                break
    return results
