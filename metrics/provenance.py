"""What the figures rest on (issue 11, item 6): every external extract loaded so far — its kind,
its «Дата выгрузки» and when it was loaded — and the newest college snapshot used at the as-of
date. One function for the page header (ui) and the report header (reports), so both say the same.

Figures use every extract loaded so far, each external fact for the dates it covers (УФНС records
confirm work up to their extract date, data_contract §5); issued outputs are frozen (registered
reports, published ratings), so later extracts never change them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from data_layer.scope import Scope
from metrics.formatting import fmt_date, fmt_datetime

# (label, table) of external extracts that carry a «Дата выгрузки» (code constants)
EXTRACTS: tuple[tuple[str, str], ...] = (
    ("УФНС", "ufns_records"),
    ("ЦЗН", "czn_records"),
    ("Минтруд: уволенные с военной службы", "army_returns"),
)
LISTED_PER_KIND = 3


@dataclass(frozen=True)
class Extract:
    kind: str  # Russian label
    extract_date: dt.date
    loaded_at: dt.datetime | None


@dataclass(frozen=True)
class DataUsed:
    extracts: tuple[Extract, ...]  # newest first within each kind
    frdo_loaded_at: dt.datetime | None  # ФИС ФРДО extracts have no «Дата выгрузки»: when loaded
    snapshot_date: dt.date | None  # the newest college snapshot on or before the as-of date
    snapshot_loaded_at: dt.datetime | None


def _table_exists(cur: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        cur.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]).fetchall()[0][0]
    )


def data_used(cur: duckdb.DuckDBPyConnection, scope: Scope, as_of: dt.date | None = None) -> DataUsed:
    """The extracts and the newest snapshot in the user's scope (snapshots on or before `as_of`)."""
    extracts: list[Extract] = []
    for label, table in EXTRACTS:
        if not _table_exists(cur, table):
            continue
        rows = cur.execute(
            f"""SELECT x.extract_date, min(l.loaded_at)
                FROM (SELECT DISTINCT extract_date, load_id FROM {table}) x
                LEFT JOIN loads l ON l.load_id = x.load_id
                GROUP BY 1 ORDER BY 1 DESC"""
        ).fetchall()
        extracts += [Extract(label, d, at) for d, at in rows]
    frdo = cur.execute(
        "SELECT max(l.loaded_at) FROM loads l WHERE l.load_id IN (SELECT DISTINCT load_id FROM frdo_records)"
    ).fetchall()
    allowed = scope.allowed_colleges(cur)
    snap = cur.execute(
        """SELECT r.snapshot_date, max(l.loaded_at)
           FROM status_rows r LEFT JOIN loads l ON l.load_id = r.load_id
           WHERE (?::DATE IS NULL OR r.snapshot_date <= ?)
             AND (?::VARCHAR[] IS NULL OR r.college_code IN (SELECT unnest(?::VARCHAR[])))
           GROUP BY 1 ORDER BY 1 DESC LIMIT 1""",
        [as_of, as_of, allowed, allowed],
    ).fetchall()
    return DataUsed(
        tuple(extracts),
        frdo[0][0] if frdo else None,
        snap[0][0] if snap else None,
        snap[0][1] if snap else None,
    )


def _loaded(at: dt.datetime | None) -> str:
    return f", загружена {fmt_datetime(at)}" if at else ""


def data_used_line(used: DataUsed, *, full: bool = False) -> str:
    """One Russian sentence: the newest snapshot, then each extract kind (the newest
    LISTED_PER_KIND, or all with `full`)."""
    if used.snapshot_date:
        loaded = f", загружен {fmt_datetime(used.snapshot_loaded_at)}" if used.snapshot_loaded_at else ""
        parts = [f"последний срез статусов ПОО — на {fmt_date(used.snapshot_date)}{loaded}"]
    else:
        parts = ["срезов статусов ПОО на эту дату нет"]
    kinds = dict.fromkeys(e.kind for e in used.extracts)
    for kind in kinds:
        items = [e for e in used.extracts if e.kind == kind]
        shown = items if full else items[:LISTED_PER_KIND]
        text = "; ".join(f"выгрузка от {fmt_date(e.extract_date)}{_loaded(e.loaded_at)}" for e in shown)
        more = len(items) - len(shown)
        parts.append(f"{kind}: {text}" + (f" и ещё {more} более ранних" if more else ""))
    if used.frdo_loaded_at:
        parts.append(f"ФИС ФРДО: выписка загружена {fmt_datetime(used.frdo_loaded_at)}")
    if not used.extracts:
        parts.append("внешних выгрузок (УФНС, ЦЗН) пока нет")
    return "Данные расчёта: " + "; ".join(parts) + "."
