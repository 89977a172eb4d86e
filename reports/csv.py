"""CSV of any table for Excel users: UTF-8 with a BOM (so Excel detects the encoding and shows
Cyrillic), ';' as the separator and ',' as the decimal mark (what a Russian Excel expects),
Russian column labels, dates as ДД.ММ.ГГГГ. Cells that start with '=', '+', '-' or '@' get a
leading apostrophe so that a spreadsheet never evaluates user data as a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Mapping
from typing import Any

import polars as pl

BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, dt.datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        return _cell("; ".join(str(v) for v in value))
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv_bytes(
    df: pl.DataFrame, column_labels: Mapping[str, str] | None = None, *, notice: str = ""
) -> bytes:
    """The frame as CSV bytes; `column_labels` maps column names to headers (and, when given,
    selects and orders the columns). A `notice` (demo databases: data_layer.db.DEMO_NOTICE) is
    written as a line above the header (the importer, like Excel users, skips title lines)."""
    labels = dict(column_labels) if column_labels else {c: c for c in df.columns}
    cols = [c for c in labels if c in df.columns]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    if notice:
        writer.writerow([notice])
    writer.writerow([labels[c] for c in cols])
    for row in df.select(cols).iter_rows():
        writer.writerow([_cell(v) for v in row])
    return (BOM + out.getvalue()).encode("utf-8")
