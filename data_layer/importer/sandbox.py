"""Parsing an uploaded file where a runaway file cannot take the server down (issue 12).

A workbook is parsed in a child process (`python -m data_layer.importer.sandbox`) started with
`subprocess` (fork + exec in C: safe from Streamlit's threaded server, unlike a bare `fork`), with
an address-space limit (RLIMIT_AS, `VYPUSK_READER_MEMORY_MB`), a CPU-time limit and a wall-clock
timeout (`VYPUSK_READER_SECONDS`). calamine aborts the whole process when an allocation fails (a
5 KB workbook with one cell at XFD1048576 asks for 512 GB): in the child that ends only the child,
and the user gets a Russian message naming the limit. The table comes back as an Arrow IPC file in
a private temporary folder.

A CSV or JSON file no larger than `INPROCESS_ANY_BYTES` is parsed in the server process: its size
alone bounds the memory the parse needs (a few times the file). A larger CSV, up to
`INPROCESS_CSV_BYTES`, is parsed there too when the memory its
parse can need — bounded from its lines, header width and bytes, all counted before polars
allocates anything (`readers.csv_parse_bytes`) — is within `INPROCESS_CSV_BUDGET`: a CSV cannot
hide cells from those counts (rows longer than the header are cut to it), so there is nothing to
contain, and the child's start (0,3–0,4 s of CPU for Python and polars) is saved. Any other file
goes to the child.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl

from data_layer.config import PROJECT_DIR
from data_layer.importer.errors import UnreadableFileError
from data_layer.importer.limits import ReadLimits, check_container
from data_layer.importer.readers import HeaderHint, ParseTooLargeError, RawTable, is_container, read_table
from data_layer.text import fmt_int

INPROCESS_ANY_BYTES = 4 * 1024 * 1024  # a CSV or JSON this small: its size alone bounds its parse
INPROCESS_CSV_BYTES = 32 * 1024 * 1024  # ~200 000 status rows of the 13-column weekly template
INPROCESS_CSV_BUDGET = 256 * 1024 * 1024  # bytes the parse may need (readers.csv_parse_bytes)
_META = "meta.json"
_TABLE = "table.arrow"
_EXIT_REFUSED = 3  # the child refused the file: meta.json holds the Russian message


def read_bounded(
    data: bytes,
    file_name: str,
    kind: str | None = None,
    limits: ReadLimits | None = None,
    hint: HeaderHint = None,
) -> RawTable:
    """`readers.read_table` behind the limits: container checks first, then the parse in a child
    process unless the file is a CSV whose parse fits the budget (module docstring).
    UnreadableFileError (Russian) for every refusal."""
    limits = limits or ReadLimits.from_env()
    check_container(data, limits)
    if len(data) <= INPROCESS_ANY_BYTES and not is_container(data):
        return read_table(data, file_name, kind, limits, hint)
    if len(data) <= INPROCESS_CSV_BYTES and not is_container(data):
        try:
            return read_table(data, file_name, kind, limits, hint, budget=INPROCESS_CSV_BUDGET)
        except ParseTooLargeError:
            pass
    return _read_in_child(data, file_name, kind, limits, hint)


def _memory_message(limits: ReadLimits) -> str:
    return (
        f"Файл не загружен: для его чтения не хватило памяти в пределе {fmt_int(limits.memory_mb)} МБ "
        "(настройка VYPUSK_READER_MEMORY_MB). Обычно так бывает, когда в книге заполнена ячейка далеко за "
        "пределами данных (например, в столбце XFD или в строке 1 048 576) или книга очень велика. Удалите "
        "лишние строки и столбцы или сохраните данные как CSV."
    )


def _time_message(limits: ReadLimits) -> str:
    return (
        f"Файл не загружен: чтение заняло больше {fmt_int(limits.seconds)} с "
        "(настройка VYPUSK_READER_SECONDS). Разделите файл на части или сохраните его как CSV."
    )


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_DIR), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["RUST_BACKTRACE"] = "0"
    env.setdefault("POLARS_MAX_THREADS", "2")
    return env


def _read_in_child(
    data: bytes, file_name: str, kind: str | None, limits: ReadLimits, hint: HeaderHint = None
) -> RawTable:
    with tempfile.TemporaryDirectory(prefix="vypusk_read_") as tmp:  # mode 0o700
        folder = Path(tmp)
        source = folder / "upload.bin"
        source.write_bytes(data)
        cmd = [sys.executable, "-m", "data_layer.importer.sandbox", str(folder), file_name, kind or ""]
        if hint is not None:
            cmd.append(json.dumps(list(hint), ensure_ascii=False))
        try:
            proc = subprocess.run(
                cmd,
                env=_child_env(),
                cwd=PROJECT_DIR,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=limits.seconds,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise UnreadableFileError(_time_message(limits)) from exc
        meta_path = folder / _META
        if proc.returncode == 0 and meta_path.exists():
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            frame = pl.read_ipc(folder / _TABLE)  # a mapped file stays readable after the folder is removed
            return RawTable(
                kind=meta["kind"],
                headers=meta["headers"],
                frame=frame,
                header_row=meta["header_row"],
                sheet=meta.get("sheet"),
                encoding=meta.get("encoding"),
                delimiter=meta.get("delimiter"),
            )
        if proc.returncode == _EXIT_REFUSED and meta_path.exists():
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            raise UnreadableFileError(meta["error"], row=meta.get("row"))
        stderr = proc.stderr.decode("utf-8", errors="replace")
        out_of_memory = (
            proc.returncode in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV, -signal.SIGBUS)
            or "memory allocation" in stderr
            or "MemoryError" in stderr
        )
        if proc.returncode in (-signal.SIGXCPU,):
            raise UnreadableFileError(_time_message(limits))
        if out_of_memory:
            raise UnreadableFileError(_memory_message(limits))
        raise UnreadableFileError(
            "Не удалось прочитать файл: он повреждён или имеет неподдерживаемый формат. "
            "Сохраните его как «Книга Excel (.xlsx)» или CSV."
        )


def _limit_self(limits: ReadLimits) -> None:
    import resource

    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = limits.seconds * 2  # two threads may run; the parent's wall-clock timeout is the real bound
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _child(folder: Path, file_name: str, kind: str | None, hint: HeaderHint = None) -> int:
    limits = ReadLimits.from_env()
    _limit_self(limits)
    data = (folder / "upload.bin").read_bytes()
    try:
        table = read_table(data, file_name, kind, limits, hint)
    except UnreadableFileError as exc:
        (folder / _META).write_text(json.dumps({"error": exc.message, "row": exc.row}), encoding="utf-8")
        return _EXIT_REFUSED
    except MemoryError:
        (folder / _META).write_text(json.dumps({"error": _memory_message(limits)}), encoding="utf-8")
        return _EXIT_REFUSED
    del data
    table.frame.write_ipc(folder / _TABLE, compression="uncompressed")
    meta = {
        "kind": table.kind,
        "headers": table.headers,
        "header_row": table.header_row,
        "sheet": table.sheet,
        "encoding": table.encoding,
        "delimiter": table.delimiter,
    }
    (folder / _META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    _hint = tuple(json.loads(sys.argv[4])) if len(sys.argv) > 4 else None
    sys.exit(_child(Path(sys.argv[1]), sys.argv[2], sys.argv[3] or None, _hint))
