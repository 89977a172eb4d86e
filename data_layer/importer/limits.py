"""Bounds on an uploaded file, checked before any parsing (issue 12, «bounded reading»).

Every number is a setting read from the environment, with defaults sized for the largest real file
the app receives: a federal-scale ФИС ФРДО extract (several million rows of five columns as CSV, or
a full 1 048 576-row sheet as xlsx). A file beyond a limit is refused with a Russian message that
names the limit and the setting that raises it.

The checks here only look at the container: the file size; for a zip (xlsx, ods) the central
directory — the number of entries, their declared uncompressed sizes and compression ratios — and
the declared `<dimension>` of every worksheet (read from the first bytes of each sheet, never the
whole sheet); for a CSV the number of lines. What a lying file hides from them (a cell far outside
its declared dimension, an entry larger than declared) is stopped by the memory and time limits of
the child process that parses it (`sandbox.py`).
"""

from __future__ import annotations

import os
import re
import zipfile
import zlib
from dataclasses import dataclass
from io import BytesIO

from data_layer.importer.errors import UnreadableFileError
from data_layer.text import fmt_int

MB = 1024 * 1024


@dataclass(frozen=True)
class ReadLimits:
    upload_mb: int = 200  # the file as uploaded (Streamlit's server.maxUploadSize is 200 too)
    unzipped_mb: int = 2048  # sum of the declared uncompressed sizes of a workbook's entries
    zip_ratio: int = 200  # uncompressed / compressed, per entry larger than 1 MB
    zip_entries: int = 1000
    sheets: int = 50
    rows: int = 5_000_000
    columns: int = 200
    cells: int = 25_000_000
    memory_mb: int = 4096  # address space of the child process that parses the file
    seconds: int = 300  # wall-clock time of that child process
    # One check on the upload page: every chosen file is held in the server's memory at once.
    files_per_upload: int = 20
    upload_total_mb: int = 400  # two largest files (a federal ФИС ФРДО extract is under 200 MB)

    @classmethod
    def from_env(cls) -> ReadLimits:
        """Defaults overridden by VYPUSK_MAX_UPLOAD_MB, VYPUSK_MAX_UNZIPPED_MB, VYPUSK_MAX_ZIP_RATIO,
        VYPUSK_MAX_ZIP_ENTRIES, VYPUSK_MAX_SHEETS, VYPUSK_MAX_ROWS, VYPUSK_MAX_COLUMNS,
        VYPUSK_MAX_CELLS, VYPUSK_READER_MEMORY_MB, VYPUSK_READER_SECONDS, VYPUSK_MAX_FILES_PER_UPLOAD,
        VYPUSK_MAX_UPLOAD_TOTAL_MB (positive integers)."""
        values = {}
        for name, env in ENV_NAMES.items():
            text = os.environ.get(env, "").strip().replace("_", "")
            if text:
                try:
                    value = int(text)
                except ValueError:
                    value = 0
                if value <= 0:
                    raise ValueError(
                        f"Настройка {env} должна быть целым положительным числом, а не «{text}»."
                    )
                values[name] = value
        return cls(**values)


ENV_NAMES = {
    "upload_mb": "VYPUSK_MAX_UPLOAD_MB",
    "unzipped_mb": "VYPUSK_MAX_UNZIPPED_MB",
    "zip_ratio": "VYPUSK_MAX_ZIP_RATIO",
    "zip_entries": "VYPUSK_MAX_ZIP_ENTRIES",
    "sheets": "VYPUSK_MAX_SHEETS",
    "rows": "VYPUSK_MAX_ROWS",
    "columns": "VYPUSK_MAX_COLUMNS",
    "cells": "VYPUSK_MAX_CELLS",
    "memory_mb": "VYPUSK_READER_MEMORY_MB",
    "seconds": "VYPUSK_READER_SECONDS",
    "files_per_upload": "VYPUSK_MAX_FILES_PER_UPLOAD",
    "upload_total_mb": "VYPUSK_MAX_UPLOAD_TOTAL_MB",
}
_RATIO_MIN_BYTES = MB  # small entries (styles, themes) compress far better than data; not checked
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Za-z]{1,3})?(\d+)?(?::([A-Za-z]{1,3})(\d+))?"')
_SHEET_ENTRY = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)
_DIMENSION_PROBE = 16 * 1024  # the <dimension> element comes right after <sheetPr>, in the first bytes


def _refuse(what: str, value: int, limit: int, setting: str, unit: str = "") -> UnreadableFileError:
    u = f" {unit}" if unit else ""
    return UnreadableFileError(
        f"Файл не загружен: {what} — {fmt_int(value)}{u}, это больше предела {fmt_int(limit)}{u} "
        f"(настройка {ENV_NAMES[setting]}). Разделите файл на части или попросите администратора "
        "увеличить предел."
    )


def check_size(size: int, limits: ReadLimits) -> None:
    if size > limits.upload_mb * MB:
        mb = -(-size // MB)
        raise _refuse("размер файла", mb, limits.upload_mb, "upload_mb", "МБ")


def check_batch(sizes: list[int], limits: ReadLimits) -> None:
    """The number and total size of the files of one check, from their sizes alone (nothing read)."""
    n, total = len(sizes), sum(sizes)
    if n > limits.files_per_upload:
        what, value, limit, setting, unit = "файлов", n, limits.files_per_upload, "files_per_upload", ""
    elif total > limits.upload_total_mb * MB:
        what, value, limit, setting, unit = (
            "общий размер файлов",
            -(-total // MB),
            limits.upload_total_mb,
            "upload_total_mb",
            " МБ",
        )
    else:
        return
    raise UnreadableFileError(
        f"Файлы не проверены: {what} — {fmt_int(value)}{unit}, это больше предела {fmt_int(limit)}{unit} "
        f"за одну проверку (настройка {ENV_NAMES[setting]}). Выберите меньше файлов и проверьте остальные "
        "следующей партией или попросите администратора увеличить предел."
    )


def col_number(letters: str) -> int:
    """'A' → 1, 'Z' → 26, 'AA' → 27, 'XFD' → 16384."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def check_sheets(n: int, limits: ReadLimits) -> None:
    if n > limits.sheets:
        raise _refuse("листов в книге", n, limits.sheets, "sheets")


def check_grid(rows: int, columns: int, limits: ReadLimits, where: str) -> None:
    """Rows, columns and cells of one sheet (declared or counted)."""
    if rows > limits.rows:
        raise _refuse(f"строк {where}", rows, limits.rows, "rows")
    if columns > limits.columns:
        raise _refuse(f"столбцов {where}", columns, limits.columns, "columns")
    if rows * columns > limits.cells:
        raise _refuse(f"ячеек {where} (строк × столбцов)", rows * columns, limits.cells, "cells")


def _declared_dimension(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, int] | None:
    """(rows, columns) of a worksheet's <dimension ref="A1:XFD1048576">, reading only its first bytes."""
    try:
        with zf.open(info) as f:
            head = f.read(_DIMENSION_PROBE)
    except (zipfile.BadZipFile, zlib.error, OSError, NotImplementedError, RuntimeError, EOFError) as exc:
        # zlib.error: a damaged compressed stream (seen with byte-flipped workbooks)
        raise UnreadableFileError(
            "Не удалось прочитать книгу Excel: файл повреждён или зашифрован. "
            "Сохраните его как «Книга Excel (.xlsx)» без пароля или как CSV."
        ) from exc
    m = _DIMENSION.search(head)
    if m is None:
        return None
    c1, r1, c2, r2 = (g.decode("ascii") if g else None for g in m.groups())
    # The sheet as the user sees it reaches the last cell of the range (calamine allocates at least
    # from the first used cell to the last one).
    return int(r2 or r1 or "1"), col_number(c2 or c1 or "A")


def check_zip(data: bytes, limits: ReadLimits) -> None:
    """Entries, declared sizes, ratios, sheets and declared dimensions of an xlsx/ods container."""
    try:
        zf = zipfile.ZipFile(BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UnreadableFileError(
            "Не удалось прочитать книгу Excel: файл повреждён или имеет другой формат. "
            "Сохраните его как «Книга Excel (.xlsx)» или CSV."
        ) from exc
    with zf:
        if len(infos) > limits.zip_entries:
            raise _refuse("частей внутри книги (zip)", len(infos), limits.zip_entries, "zip_entries")
        total = sum(max(i.file_size, 0) for i in infos)
        if total > limits.unzipped_mb * MB:
            raise _refuse(
                "объём книги в распакованном виде", -(-total // MB), limits.unzipped_mb, "unzipped_mb", "МБ"
            )
        for i in infos:
            if i.file_size >= _RATIO_MIN_BYTES:
                ratio = i.file_size // max(i.compress_size, 1)
                if ratio > limits.zip_ratio:
                    raise _refuse(
                        f"степень сжатия части «{i.filename[:80]}» (признак zip-бомбы)",
                        ratio,
                        limits.zip_ratio,
                        "zip_ratio",
                        "раз",
                    )
        sheets = [i for i in infos if _SHEET_ENTRY.match(i.filename)]
        check_sheets(len(sheets), limits)
        for n, info in enumerate(sheets, start=1):
            dim = _declared_dimension(zf, info)
            if dim is not None:
                check_grid(dim[0], dim[1], limits, f"на листе № {n} (по размеру, записанному в книге)")


def check_container(data: bytes, limits: ReadLimits) -> None:
    """All checks that need no parsing: size, and the zip container of a workbook."""
    check_size(len(data), limits)
    if data.startswith(b"PK\x03\x04"):
        check_zip(data, limits)
