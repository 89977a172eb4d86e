"""Vacancy extracts of «Работа России» (open-data JSON, docs/data_contract.md §6) turned into
the rows of the `vacancies` kind, so that they go through the same validation and store as a
CSV/XLSX vacancy file.

The feed's fields use hyphens (`job-name`, `creation-date`), are often missing or empty, salary may
be text only, and text fields may carry HTML: tags are stripped here and nothing is ever rendered as
HTML. Row numbers in error messages are the vacancy's position in the file (1, 2, …).
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import polars as pl

from data_layer.importer.errors import UnreadableFileError

SOURCE = "Работа России"
HEADERS: tuple[str, ...] = (
    "Идентификатор вакансии",
    "Работодатель",
    "ИНН работодателя",
    "Вакансия",
    "Профессия",
    "Муниципалитет",
    "Зарплата от",
    "Зарплата до",
    "Требуемое образование",
    "Дата размещения",
    "Ссылка",
    "Источник",
)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def looks_like_json(data: bytes, file_name: str) -> bool:
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return file_name.lower().endswith(".json") or head in (b"{", b"[")


def plain(value: Any) -> str | None:
    """Text without HTML tags and entities, whitespace collapsed; None for empty."""
    if value is None:
        return None
    text = _SPACE.sub(" ", html.unescape(_TAG.sub(" ", str(value)))).strip()
    return text or None


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _salary(value: Any) -> str | None:
    """A number, or the digits of a text salary («от 45000»); None when there is none."""
    if isinstance(value, int | float) and value > 0:
        return str(int(value))
    if isinstance(value, str):
        digits = re.sub(r"\D", "", value)
        return digits or None
    return None


def _row(v: dict[str, Any]) -> list[str | None]:
    addresses = _get(v, "addresses", "address")
    location = None
    if isinstance(addresses, list) and addresses and isinstance(addresses[0], dict):
        location = plain(addresses[0].get("location"))
    salary_min = _salary(v.get("salary_min"))
    if salary_min is None:  # only a text salary: «от 45000» is the lower bound
        salary_min = _salary(v.get("salary"))
    return [
        plain(v.get("id")),
        plain(_get(v, "company", "name")),
        plain(_get(v, "company", "inn")),
        plain(v.get("job-name")),
        plain(_get(v, "category", "specialisation")),
        location,
        salary_min,
        _salary(v.get("salary_max")),
        plain(_get(v, "requirement", "education")),
        plain(v.get("creation-date") or v.get("modify-date")),
        plain(v.get("vac_url")),
        SOURCE,
    ]


def read_vacancies_json(data: bytes, row_column: str) -> tuple[list[str | None], pl.DataFrame]:
    """The feed's vacancies as (headers, frame of c0..cN text columns plus `row_column`, the
    vacancy's position); UnreadableFileError when the file is not such a JSON document."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise UnreadableFileError(
            f"Файл не является корректным JSON: ошибка в строке {exc.lineno}, позиция {exc.colno}."
        ) from exc
    except (UnicodeDecodeError, RecursionError, MemoryError) as exc:
        # a deeply nested document ([[[[…]]]]) must be a refusal, not a traceback
        raise UnreadableFileError(
            "Файл не является корректным JSON: неверная кодировка или слишком глубокая вложенность."
        ) from exc
    items = _get(doc, "results", "vacancies") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise UnreadableFileError(
            "В файле JSON нет списка вакансий (ожидается выгрузка «Работа России»: results → vacancies)."
        )
    rows = []
    for item in items:
        v = item.get("vacancy", item) if isinstance(item, dict) else None
        rows.append(_row(v) if isinstance(v, dict) else [None] * len(HEADERS))
    if not rows:
        raise UnreadableFileError("В выгрузке нет ни одной вакансии.")
    frame = pl.DataFrame(
        {f"c{i}": [r[i] for r in rows] for i in range(len(HEADERS))},
        schema={f"c{i}": pl.Utf8 for i in range(len(HEADERS))},
    ).with_row_index(row_column, offset=1)
    return list(HEADERS), frame.with_columns(pl.col(row_column).cast(pl.Int64))
