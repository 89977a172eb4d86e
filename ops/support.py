"""The base centre's registry of regional support measures for young specialists (audited; no
cached figure depends on it)."""

from __future__ import annotations

import datetime as dt
import re

import duckdb

from data_layer.errors import UserFacingError
from data_layer.scope import Scope
from metrics.support import GROUPS
from ops.transaction import audited

_LINK = re.compile(r"^https?://[^\s<>\"']+$")
_CODE = re.compile(r"^[0-9A-Za-z.]+$")


def _codes(values: list[str], what: str) -> str:
    clean = [v.strip() for v in values if v.strip()]
    bad = [v for v in clean if not _CODE.match(v)]
    if bad:
        raise UserFacingError(f"{what}: недопустимые коды {', '.join(bad[:5])}.")
    return ";".join(sorted(set(clean)))


def save_support_measure(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    title: str,
    who_qualifies: str,
    operator: str,
    link: str | None = None,
    valid_until: dt.date | None = None,
    program_codes: list[str] | None = None,
    tu_codes: list[str] | None = None,
    groups: list[str] | None = None,
    *,
    active: bool = True,
    measure_id: int | None = None,
) -> int:
    """Add a measure (measure_id None) or replace one; returns its id. Base centre only."""
    scope.require_role("base_centre")
    fields = {"Название": title, "Кто может получить": who_qualifies, "Оператор": operator}
    for label, value in fields.items():
        if not (value or "").strip():
            raise UserFacingError(f"Заполните поле «{label}».")
        if len(value) > 2000:
            raise UserFacingError(f"«{label}» длиннее 2000 символов.")
    url = (link or "").strip() or None
    if url is not None and not _LINK.match(url):
        raise UserFacingError("Ссылка должна начинаться с http:// или https:// и не содержать пробелов.")
    unknown = [g for g in groups or [] if g not in GROUPS]
    if unknown:
        raise UserFacingError(f"Неизвестные приоритетные группы: {', '.join(unknown)}.")
    row = [
        title.strip(),
        who_qualifies.strip(),
        operator.strip(),
        url,
        valid_until,
        _codes(program_codes or [], "Специальности"),
        _codes(tu_codes or [], "Территории"),
        ";".join(sorted(set(groups or []))),
        active,
        dt.datetime.now(),
        scope.username,
    ]
    with audited(cur, scope, "support_measure", title.strip()[:200], bump=False) as entry:
        if measure_id is None:
            measure_id = int(cur.execute("SELECT nextval('support_measure_id_seq')").fetchall()[0][0])
            entry.details = f"добавлена мера № {measure_id}"
        else:
            n = cur.execute("DELETE FROM support_measures WHERE measure_id = ?", [measure_id]).fetchall()[0][
                0
            ]
            if not n:
                raise UserFacingError(f"Мера поддержки № {measure_id} не найдена.")
            entry.details = f"изменена мера № {measure_id}"
        cur.execute(
            "INSERT INTO support_measures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [measure_id, *row]
        )
    return measure_id
