"""The base centre's edits of the specialty → occupation map used to match vacancies (audited; no
cached figure depends on it, so the dataset version is not bumped)."""

from __future__ import annotations

import datetime as dt

import duckdb

from data_layer.errors import UserFacingError
from data_layer.scope import Scope
from ops.transaction import audited

MAX_KEYWORDS = 40
MAX_KEYWORD_CHARS = 100


def parse_keywords(text: str) -> list[str]:
    """Keywords from a text (one per line or separated by «;»), trimmed, without repeats."""
    seen: list[str] = []
    for part in text.replace("\n", ";").split(";"):
        word = " ".join(part.split())
        if word and word.lower() not in (w.lower() for w in seen):
            seen.append(word)
    return seen


def save_specialty_keywords(
    cur: duckdb.DuckDBPyConnection, scope: Scope, program_code: str, text: str
) -> list[str]:
    """Replace the keywords of one specialty; returns them."""
    scope.require_role("base_centre")
    known = cur.execute("SELECT count(*) FROM programs WHERE program_code = ?", [program_code]).fetchall()[0][
        0
    ]
    if not known:
        raise UserFacingError(f"Специальность {program_code} не найдена в справочнике.")
    words = parse_keywords(text)
    if not words:
        raise UserFacingError("Укажите хотя бы одну профессию или ключевое слово.")
    if len(words) > MAX_KEYWORDS or any(len(w) > MAX_KEYWORD_CHARS for w in words):
        raise UserFacingError(
            f"Не больше {MAX_KEYWORDS} слов длиной до {MAX_KEYWORD_CHARS} символов; сократите список."
        )
    if any(";" in w for w in words):  # cannot happen after parsing; the separator is reserved
        raise UserFacingError("Символ «;» разделяет слова.")
    with audited(cur, scope, "vacancy_map", program_code, "; ".join(words)[:500], bump=False):
        cur.execute("DELETE FROM specialty_occupations WHERE program_code = ?", [program_code])
        cur.execute(
            "INSERT INTO specialty_occupations VALUES (?, ?, ?, ?)",
            [program_code, ";".join(words), dt.datetime.now(), scope.username],
        )
    return words
