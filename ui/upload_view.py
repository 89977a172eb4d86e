"""Pure helpers of the upload page (no Streamlit calls, unit-testable): the problem table of a load,
the example files offered as templates, the load history as a Russian table."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from data_layer.importer import KINDS, Problem
from data_layer.importer.kinds import SPEC_BY_KIND
from metrics.formatting import datetime_expr

PROBLEM_COLUMNS = ("Строка", "Столбец", "Значение", "Проблема")
_EXAMPLE_RE = re.compile(r"^\d+_(?P<kind>[a-z_]+)\.(xlsx|csv)$")


def problems_frame(problems: list[Problem]) -> pl.DataFrame:
    """Every problem of a load, in file order: row (as in the user's file), column, value, message."""
    return pl.DataFrame(
        {
            PROBLEM_COLUMNS[0]: [p.row for p in problems],
            PROBLEM_COLUMNS[1]: [p.column or "" for p in problems],
            PROBLEM_COLUMNS[2]: [p.value or "" for p in problems],
            PROBLEM_COLUMNS[3]: [p.message for p in problems],
        },
        schema={
            PROBLEM_COLUMNS[0]: pl.Int64,
            PROBLEM_COLUMNS[1]: pl.Utf8,
            PROBLEM_COLUMNS[2]: pl.Utf8,
            PROBLEM_COLUMNS[3]: pl.Utf8,
        },
    )


def kind_label(kind: str) -> str:
    return KINDS.get(kind, kind)


def error_report_name(file_name: str) -> str:
    return f"ошибки_{Path(file_name).stem}.xlsx"


@dataclass(frozen=True)
class Example:
    path: Path
    kind: str
    label: str


def example_files(folder: Path, allowed_kinds: tuple[str, ...] | list[str]) -> list[Example]:
    """Valid example files (NN_<kind>.xlsx|csv) of the kinds the user may upload, in file order."""
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.iterdir()):
        m = _EXAMPLE_RE.match(path.name)
        if m and m["kind"] in KINDS and m["kind"] in allowed_kinds:
            out.append(Example(path, m["kind"], KINDS[m["kind"]]))
    return out


def example_bytes(path: Path, notice: str = "") -> bytes:
    """An example file as served for download; with a `notice` (a demo database) it carries the
    notice as a title line above the header, which the importer skips like any form title."""
    data = path.read_bytes()
    if not notice:
        return data
    if path.suffix == ".csv":
        bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
        try:  # the line in the file's own encoding (UTF-8 or Windows-1251, docs/data_contract.md §1)
            data.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "cp1251"
        return bom + notice.encode(encoding) + b"\r\n" + data[len(bom) :]
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    for ws in book.worksheets:
        ws.insert_rows(1)
        ws.cell(row=1, column=1, value=notice)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def columns_text(kind: str) -> str:
    """Markdown: required and optional columns of a file kind (docs/data_contract.md §3–7)."""
    spec = SPEC_BY_KIND[kind]
    required = [c.header for c in spec.columns if c.required]
    optional = [c.header for c in spec.columns if not c.required]
    text = "обязательные: " + (", ".join(f"«{h}»" for h in required) or "—")
    if optional:
        text += "; необязательные: " + ", ".join(f"«{h}»" for h in optional)
    return text


def history_display(loads: pl.DataFrame) -> pl.DataFrame:
    """load_history as a Russian table."""
    for col in ("undone_at", "undone_by"):
        if col not in loads.columns:
            loads = loads.with_columns(
                pl.lit(None, pl.Datetime if col == "undone_at" else pl.Utf8).alias(col)
            )
    return loads.select(
        pl.col("load_id").alias("№"),
        datetime_expr(pl.col("loaded_at")).alias("Когда"),
        pl.col("username").alias("Пользователь"),
        pl.col("file_name").alias("Файл"),
        pl.col("kind")
        .replace_strict(KINDS, default=pl.col("kind"), return_dtype=pl.Utf8)
        .alias("Вид данных"),
        pl.col("college_code").fill_null("вся область").alias("ПОО"),
        pl.col("rows").alias("Строк"),
        pl.col("warnings").alias("Предупреждений"),
        pl.col("replaced_rows").alias("Заменено записей"),
        pl.when(pl.col("undone_at").is_not_null())
        .then(
            pl.lit("отменена ")
            + datetime_expr(pl.col("undone_at"))
            + pl.lit(" (")
            + pl.col("undone_by").fill_null("")
            + pl.lit(")")
        )
        .otherwise(pl.lit("действует"))
        .alias("Состояние"),
    )
