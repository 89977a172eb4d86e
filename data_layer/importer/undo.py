"""Rolling back a load (issue 13): the base centre undoes the latest load of a college and kind.

A load's own rows are deleted and the rows it replaced (kept in `replaced_<table>` by store.apply)
come back; the load is marked undone in the register; spells are rebuilt for the (college, cohort)
pairs involved. `ops.loads.undo_load` runs it in one transaction with its audit entry and the
data-version bump.

Only the latest not-undone load of its kind for each college it touched can be undone (a later load
of the same kind for one of those colleges replaced or built on it: undo that first). Reference
loads (справочники) keep no replaced rows and cannot be undone: load the previous file again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from data_layer import spells
from data_layer.errors import UserFacingError
from data_layer.importer.kinds import KINDS, REFERENCE_KINDS, SPEC_BY_KIND
from data_layer.importer.store import SPELL_KINDS, UNDO_TABLES
from data_layer.text import safe_file_name


@dataclass(frozen=True)
class UndoResult:
    load_id: int
    removed: int  # rows of the load deleted
    restored: int  # rows it had replaced, back
    file_name: str
    message: str


def _load_row(
    cur: duckdb.DuckDBPyConnection, load_id: int
) -> tuple[str, str | None, str, dt.datetime | None]:
    rows = cur.execute(
        "SELECT kind, college_code, file_name, undone_at FROM loads WHERE load_id = ?", [load_id]
    ).fetchall()
    if not rows:
        raise UserFacingError(f"Загрузки № {load_id} нет в журнале загрузок.")
    kind, college, file_name, undone = rows[0]
    # a name stored before names were cleaned on the way in: masked for the message and the audit
    return str(kind), college, safe_file_name(file_name), undone


def blocker(cur: duckdb.DuckDBPyConnection, load_id: int) -> str | None:
    """Why the load cannot be undone (Russian), or None when it can."""
    kind, college, _, undone = _load_row(cur, load_id)
    if undone is not None:
        return f"Загрузка № {load_id} уже отменена ({undone:%d.%m.%Y %H:%M})."
    if kind in REFERENCE_KINDS or kind not in SPEC_BY_KIND:
        return "Загрузку справочника отменить нельзя: загрузите прежний файл справочника снова."
    if SPEC_BY_KIND[kind].table not in UNDO_TABLES:
        return f"Загрузку вида «{KINDS[kind]}» отменить нельзя: загрузите прежний файл снова."
    later = cur.execute(
        """SELECT min(load_id) FROM loads
           WHERE kind = ? AND load_id > ? AND undone_at IS NULL
             AND (college_code IS NULL AND ?::VARCHAR IS NULL
                  OR len(list_intersect(string_split(college_code, ','), string_split(?, ','))) > 0)""",
        [kind, load_id, college, college],
    ).fetchall()[0][0]
    if later is not None:
        return (
            f"После неё есть загрузка № {later} того же вида для тех же ПОО: сначала отмените её "
            "(отменить можно только последнюю загрузку ПОО и вида)."
        )
    return None


def undoable_ids(cur: duckdb.DuckDBPyConnection, load_ids: list[int]) -> set[int]:
    """The ids among `load_ids` that can be undone now (`blocker` is None): one query for all of
    them (the upload page lists a few hundred loads at federal scale; two queries each took 0,6 s)."""
    kinds = sorted(
        k for k in SPEC_BY_KIND if k not in REFERENCE_KINDS and SPEC_BY_KIND[k].table in UNDO_TABLES
    )
    # a load is blocked by a later live load of its kind sharing a college (or, for loads of no
    # college, a later live one of no college): compare with the latest live load per kind and college
    rows = cur.execute(
        """WITH live AS (SELECT load_id, kind, college_code FROM loads WHERE undone_at IS NULL),
                cand AS (SELECT * FROM live
                         WHERE load_id IN (SELECT unnest(?::BIGINT[])) AND kind IN (SELECT unnest(?::VARCHAR[]))),
                live_c AS (SELECT load_id, kind, unnest(string_split(college_code, ',')) AS c FROM live),
                latest AS (SELECT kind, c, max(load_id) AS last FROM live_c GROUP BY kind, c),
                latest_none AS (SELECT kind, max(load_id) AS last FROM live WHERE college_code IS NULL GROUP BY kind),
                blocked AS (
                    SELECT a.load_id FROM (SELECT load_id, kind, unnest(string_split(college_code, ',')) AS c
                                           FROM cand) a
                    JOIN latest l ON l.kind = a.kind AND l.c = a.c AND l.last > a.load_id
                    UNION
                    SELECT a.load_id FROM cand a JOIN latest_none l ON l.kind = a.kind AND l.last > a.load_id
                    WHERE a.college_code IS NULL)
           SELECT load_id FROM cand WHERE load_id NOT IN (SELECT load_id FROM blocked)""",
        [load_ids, kinds],
    ).fetchall()
    return {int(r[0]) for r in rows}


def revert(cur: duckdb.DuckDBPyConnection, load_id: int) -> UndoResult:
    """Undo load `load_id` inside the caller's transaction (ops.loads.undo_load opens it and adds
    the audit entry and the version bump); UserFacingError when it cannot be undone."""
    why = blocker(cur, load_id)
    if why is not None:
        raise UserFacingError(why)
    kind, _, file_name, _ = _load_row(cur, load_id)
    spec = SPEC_BY_KIND[kind]
    table, cols = spec.table, ", ".join(spec.stored)
    pairs: list[tuple[str, int]] = []
    if kind in SPELL_KINDS:
        found = cur.execute(
            f"""SELECT DISTINCT college_code, cohort FROM {table} WHERE load_id = ?
                UNION SELECT DISTINCT college_code, cohort FROM replaced_{table} WHERE replaced_by = ?""",
            [load_id, load_id],
        ).fetchall()
        pairs = sorted((str(c), int(y)) for c, y in found)
    removed = int(cur.execute(f"DELETE FROM {table} WHERE load_id = ?", [load_id]).fetchall()[0][0])
    restored = int(
        cur.execute(
            f"""INSERT INTO {table} ({cols}, load_id)
                SELECT {cols}, load_id FROM replaced_{table} WHERE replaced_by = ?""",
            [load_id],
        ).fetchall()[0][0]
    )
    cur.execute(f"DELETE FROM replaced_{table} WHERE replaced_by = ?", [load_id])
    if kind == "statuses":  # an undone snapshot did not arrive (timeliness counts arrivals)
        cur.execute("DELETE FROM snapshot_arrivals WHERE load_id = ?", [load_id])
    cur.execute("UPDATE loads SET undone_at = ? WHERE load_id = ?", [dt.datetime.now(), load_id])
    if pairs:
        spells.rebuild_spells(cur, pairs)
    message = (
        f"Загрузка № {load_id} («{file_name}», {KINDS[kind]}) отменена: удалено строк — {removed}, "
        f"восстановлено прежних — {restored}."
    )
    return UndoResult(load_id, removed, restored, file_name, message)
