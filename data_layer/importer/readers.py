"""Reading an uploaded file into a table of strings (docs/data_contract.md §1).

- `.xlsx` (also .xlsm/.xls/.ods): calamine through fastexcel, every cell as text, no header
  inference; the first sheet whose header row names a known kind is used. The header row may be
  preceded by up to 10 title rows.
- `.csv`: UTF-8 with or without BOM, else Windows-1251; delimiter `;`, `,` or tab, chosen by which
  one splits a candidate header line into known column names.

Row numbers are kept as the user sees them in Excel (1-based, title and header rows counted), so
every problem can point at the right line of the user's file.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass

import fastexcel
import polars as pl

from data_layer.importer import vacancy_json
from data_layer.importer.errors import UnreadableFileError
from data_layer.importer.kinds import KINDS, MIN_MATCHED, detect_kind, score_headers
from data_layer.importer.limits import ReadLimits, check_grid, check_sheets
from data_layer.importer.normalize import normalize_label

MAX_TITLE_ROWS = 10
HEADER_SEARCH_ROWS = MAX_TITLE_ROWS + 1
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
ROW = "_row"  # the file row number column
# Header row search for a file whose headers are not the contract's (data_layer/importer/mapping.py):
# None — the contract's headers; a tuple of normalised header texts (a saved mapping's source
# headers) — those count as known too; () — any filled cell counts (reading a foreign file's headers).
HeaderHint = tuple[str, ...] | None


@dataclass
class RawTable:
    kind: str
    headers: list[str | None]  # header cell per column, as written in the file
    frame: pl.DataFrame  # columns c0..cN (Utf8), plus ROW; only non-empty data rows
    header_row: int  # 1-based row of the header in the file
    sheet: str | None = None  # workbook sheet name
    encoding: str | None = None  # CSV encoding detected
    delimiter: str | None = None


def _kind_label(kind: str) -> str:
    return f"«{KINDS[kind]}»"


def _row_score(cells: list[str | None], kind: str | None, hint: HeaderHint) -> int:
    """How many cells of a candidate header row are known headers (see HeaderHint)."""
    if hint is None:
        return score_headers(cells, [kind] if kind else None)[0].matched
    filled = [str(c) for c in cells if c is not None and str(c).strip()]
    if not hint:
        return len(filled)
    known = set(hint)
    own = score_headers(filled, [kind])[0].matched if kind else 0
    return own + sum(1 for c in filled if normalize_label(c) in known)


def _pick_header(
    rows: list[list[str | None]], kind: str | None, hint: HeaderHint = None
) -> tuple[int, str] | None:
    """(index of the header row among `rows`, kind), or None when no row looks like a header.
    With a `hint` the kind is not detected: it is `kind` or "" (unknown).

    Raises UnreadableFileError when the best header row fits several kinds equally well."""
    best: tuple[int, int] | None = None  # (matched, index)
    least = 1 if kind or hint else MIN_MATCHED
    for i, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        matched = _row_score(cells, kind, hint)
        if matched >= least and (best is None or matched > best[0]):
            best = (matched, i)
    if best is None:
        return None
    idx = best[1]
    if kind or hint is not None:
        return idx, kind or ""
    detected, tied = detect_kind(rows[idx])
    if detected is None:
        labels = ", ".join(_kind_label(k) for k in tied)
        raise UnreadableFileError(
            f"По заголовкам нельзя однозначно определить вид файла: подходят {labels}. "
            "Укажите вид файла явно.",
            row=idx + 1,
        )
    return idx, detected


def _no_header_message(kind: str | None) -> str:
    if kind:
        return (
            f"Не найдена строка заголовков файла вида {_kind_label(kind)} среди первых "
            f"{HEADER_SEARCH_ROWS} строк. Проверьте названия столбцов."
        )
    return (
        f"Не удалось определить вид файла: среди первых {HEADER_SEARCH_ROWS} строк нет строки заголовков "
        "с известными столбцами (например, «СНИЛС», «Код ПОО», «Статус»). Проверьте заголовки "
        "или укажите вид файла явно."
    )


def _finish(
    frame: pl.DataFrame, header_idx: int, first_row_number: int
) -> tuple[list[str | None], pl.DataFrame]:
    """Split the header row off, number data rows as in the file, drop entirely empty rows."""
    cols = frame.columns
    headers_raw = frame.row(header_idx)
    headers: list[str | None] = [
        str(h).strip() if h is not None and str(h).strip() else None for h in headers_raw
    ]
    data = frame.slice(header_idx + 1).rename({c: f"c{i}" for i, c in enumerate(cols)})
    data = data.with_row_index(ROW, offset=first_row_number + header_idx + 1).with_columns(
        pl.col(ROW).cast(pl.Int64)
    )
    return headers, _drop_blank_rows(data, [f"c{i}" for i in range(len(cols))])


def _filled(name: str) -> pl.Expr:
    """The cell holds something besides spaces, tabs, line breaks and no-break spaces."""
    return pl.col(name).str.contains(r"[^ \t\r\n\u00a0]").fill_null(False)


def _drop_blank_rows(data: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """Rows with at least one filled cell. The first column decides almost every row (a СНИЛС or a
    code); only rows with that cell blank are looked at whole."""
    if not names:
        return data
    first = data.select(_filled(names[0])).to_series()
    if first.all():
        return data
    rest = data.filter(~first)
    kept = rest.filter(pl.any_horizontal([_filled(n) for n in names[1:]])) if len(names) > 1 else rest.clear()
    return data.filter(first | data.get_column(ROW).is_in(kept.get_column(ROW).implode()))


def _read_excel(data: bytes, kind: str | None, limits: ReadLimits, hint: HeaderHint = None) -> RawTable:
    try:
        reader = fastexcel.read_excel(data)
        sheet_names = list(reader.sheet_names)
    except Exception as exc:
        raise UnreadableFileError(
            "Не удалось прочитать книгу Excel: файл повреждён или имеет другой формат. "
            "Сохраните его как «Книга Excel (.xlsx)» или CSV."
        ) from exc
    check_sheets(len(sheet_names), limits)
    for n, name in enumerate(sheet_names, start=1):
        try:
            sheet = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
            frame = sheet.to_polars()
        except Exception as exc:
            raise UnreadableFileError(
                f"Не удалось прочитать лист № {n} книги Excel: лист повреждён или содержит неподдерживаемые "
                "данные. Сохраните книгу заново как «Книга Excel (.xlsx)» или как CSV."
            ) from exc
        check_grid(frame.height, frame.width, limits, f"на листе № {n}")
        if frame.height == 0 or frame.width == 0:
            continue
        frame = frame.select(pl.all().cast(pl.Utf8))
        top = [list(r) for r in frame.head(HEADER_SEARCH_ROWS).iter_rows()]
        picked = _pick_header(top, kind, hint)
        if picked is None:
            continue
        idx, found = picked
        headers, rows = _finish(frame, idx, first_row_number=1)
        return RawTable(found, headers, rows, header_row=idx + 1, sheet=name)
    if all(_sheet_empty(reader, n) for n in sheet_names):
        raise UnreadableFileError("Файл пуст: в книге нет ни одной заполненной ячейки.")
    raise UnreadableFileError(_no_header_message(kind))


def _sheet_empty(reader: fastexcel.ExcelReader, name: str) -> bool:
    try:
        return reader.load_sheet(name, header_row=None, skip_rows=0, n_rows=1, dtypes="string").height == 0
    except Exception:
        return True


_HEAD_BYTES = 200_000  # the first bytes of a CSV: header search and the encoding guess


def _decode(data: bytes) -> tuple[bytes, str, bool]:
    """UTF-8 bytes without BOM, the encoding the file was in, and whether the whole text is known
    to be valid UTF-8. A file whose first bytes are UTF-8 is taken as UTF-8 without decoding all of
    it here: polars refuses invalid UTF-8 while it parses, and `_read_csv` then converts the file
    from Windows-1251 as it would have been at once (the same result, without a second full pass)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnreadableFileError("Файл CSV повреждён: неверная кодировка UTF-8.") from exc
        return data, "UTF-8", True
    try:
        # a multi-byte character cut at the end of the head is not an error (final=False)
        codecs.getincrementaldecoder("utf-8")().decode(data[:_HEAD_BYTES], final=False)
        return data, "UTF-8", len(data) <= _HEAD_BYTES
    except UnicodeDecodeError:
        return _from_cp1251(data), "Windows-1251", True


def _from_cp1251(data: bytes) -> bytes:
    return data.decode("cp1251", errors="replace").encode("utf-8")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _looks_binary(data: bytes) -> bool:
    """A binary format, or NUL bytes everywhere (UTF-16 without BOM, an image...). A stray NUL in a
    cell is left to validation, which reports it at its row and column."""
    head = data[:4096]
    return head.count(b"\x00") > len(head) // 100 or head.startswith(
        (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF")
    )


class ParseTooLargeError(Exception):
    """The parse of this file may need more memory than the caller's budget (`read_table(budget=)`):
    read it in the bounded child process instead (data_layer/importer/sandbox.py)."""


# Memory a CSV parse may take, from what is counted before polars allocates anything: a string cell
# is a 16-byte view (plus its bytes beyond 12, counted in the text), rows shorter than the header are
# padded to its width; the text is held as the decoded copy and as polars' buffers.
CSV_BYTES_PER_CELL = 16
CSV_TEXT_COPIES = 2


def csv_parse_bytes(lines: int, width: int, text_bytes: int) -> int:
    """An upper bound of the memory polars needs to read a CSV of `lines` lines (an overestimate:
    quoted line breaks), `width` header cells and `text_bytes` bytes of UTF-8."""
    return lines * width * CSV_BYTES_PER_CELL + CSV_TEXT_COPIES * text_bytes


def _check_csv_shape(
    text: bytes, skip: int, header: list[str], limits: ReadLimits, budget: int | None
) -> None:
    """Lines and header width of a CSV, before polars allocates anything (quoted line breaks
    make the line count an overestimate, never an underestimate); ParseTooLargeError beyond `budget`."""
    lines = text.count(b"\n") + (0 if text.endswith(b"\n") else 1) - skip
    check_grid(max(lines - 1, 0), len(header), limits, "в файле")
    if budget is not None and csv_parse_bytes(max(lines, 1), max(len(header), 1), len(text)) > budget:
        raise ParseTooLargeError


def _read_csv(
    data: bytes, kind: str | None, limits: ReadLimits, hint: HeaderHint = None, budget: int | None = None
) -> RawTable:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's «Текст Юникод» (UTF-16, tabs)
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnreadableFileError("Файл CSV повреждён: неверная кодировка UTF-16.") from exc
    if _looks_binary(data):
        raise UnreadableFileError(
            "Файл не является таблицей CSV или книгой Excel. Загрузите файл .xlsx или .csv."
        )
    text, encoding, checked = _decode(data)
    del data
    try:
        return _parse_csv(text, encoding, checked, kind, limits, hint, budget)
    except _NotUtf8Error:  # UTF-8 at the start only: the whole file is read as Windows-1251
        return _parse_csv(_from_cp1251(text), "Windows-1251", True, kind, limits, hint, budget)


class _NotUtf8Error(Exception):
    """A CSV taken as UTF-8 from its first bytes has invalid UTF-8 further on."""


def _parse_csv(
    text: bytes,
    encoding: str,
    checked: bool,
    kind: str | None,
    limits: ReadLimits,
    hint: HeaderHint,
    budget: int | None,
) -> RawTable:
    head_lines = text[:_HEAD_BYTES].decode("utf-8", errors="replace").splitlines()[:HEADER_SEARCH_ROWS]
    if not any(line.strip(" ;,\t\r\n") for line in head_lines):
        raise UnreadableFileError("Файл пуст: в нём нет ни заголовков, ни данных.")
    idx, delim, found = _csv_header(head_lines, kind, hint)
    _check_csv_shape(text, idx, next(csv.reader([head_lines[idx]], delimiter=delim), []), limits, budget)
    try:
        frame = pl.read_csv(
            io.BytesIO(text),
            separator=delim,
            has_header=False,
            infer_schema=False,
            skip_rows=idx,
            truncate_ragged_lines=True,
            raise_if_empty=False,
        )
    except Exception as exc:
        if not checked and not _is_utf8(text):
            raise _NotUtf8Error from exc
        raise UnreadableFileError(
            "Не удалось прочитать CSV-файл: нарушена структура строк (например, незакрытые кавычки). "
            "Сохраните файл из Excel заново как «CSV (разделители — точка с запятой)»."
        ) from exc
    if frame.height == 0:
        raise UnreadableFileError("Файл пуст: в нём нет ни заголовков, ни данных.")
    headers, rows_frame = _finish(frame, 0, first_row_number=idx + 1)
    return RawTable(found, headers, rows_frame, header_row=idx + 1, encoding=encoding, delimiter=delim)


def _csv_header(head_lines: list[str], kind: str | None, hint: HeaderHint) -> tuple[int, str, str]:
    """(header line index, delimiter, kind) of a CSV from its first lines."""
    best: tuple[int, int, str, str] | None = None  # (matched, -line, delimiter, kind)
    errors: list[UnreadableFileError] = []
    for delim in (";", ",", "\t"):
        rows = [next(csv.reader([line], delimiter=delim), []) for line in head_lines]
        try:
            picked = _pick_header([list(r) for r in rows], kind, hint)
        except UnreadableFileError as exc:
            errors.append(exc)
            continue
        if picked is None:
            continue
        idx, found = picked
        matched = _row_score(list(rows[idx]), found or None, hint)
        cand = (matched, -idx, delim, found)
        if best is None or cand[:2] > best[:2]:
            best = cand
    if best is None:
        if errors:
            raise errors[0]
        raise UnreadableFileError(_no_header_message(kind))
    _, neg_idx, delim, found = best
    return -neg_idx, delim, found


def is_container(data: bytes) -> bool:
    """A zip (xlsx, ods) or an OLE compound file (xls)."""
    return data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0"))


def read_table(
    data: bytes,
    file_name: str,
    kind: str | None = None,
    limits: ReadLimits | None = None,
    hint: HeaderHint = None,
    budget: int | None = None,
) -> RawTable:
    """Read a workbook or CSV into a RawTable; UnreadableFileError for unreadable or empty files
    and for files beyond `limits` (rows, columns, cells, sheets). `hint`: see HeaderHint.

    With a `budget` (bytes) only a CSV whose parse fits it (`csv_parse_bytes`) is read; any other
    file raises ParseTooLargeError before its parse starts."""
    limits = limits or ReadLimits.from_env()
    if not data or not data.strip():
        raise UnreadableFileError("Файл пуст: в нём нет ни заголовков, ни данных.")
    suffix = "." + file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if budget is not None and (
        vacancy_json.looks_like_json(data, file_name) or suffix in EXCEL_SUFFIXES or is_container(data)
    ):
        raise ParseTooLargeError
    if vacancy_json.looks_like_json(data, file_name):
        if kind not in (None, "vacancies"):
            raise UnreadableFileError("Файл JSON может быть только выгрузкой вакансий «Работа России».")
        headers, frame = vacancy_json.read_vacancies_json(data, ROW)
        return RawTable("vacancies", headers, frame, header_row=0)
    is_zip_or_ole = is_container(data)
    if suffix in EXCEL_SUFFIXES or (suffix not in (".csv", ".txt") and is_zip_or_ole):
        if not is_zip_or_ole:
            raise UnreadableFileError(
                f"Файл «{file_name}» не является книгой Excel: содержимое не соответствует формату. "
                "Сохраните его как «Книга Excel (.xlsx)» или CSV."
            )
        table = _read_excel(data, kind, limits, hint)
    else:
        table = _read_csv(data, kind, limits, hint, budget)
    if table.frame.height == 0:
        raise UnreadableFileError(
            "В файле нет строк с данными: найдена только строка заголовков.", row=table.header_row
        )
    return table
