"""Writing a validated file: replace semantics per kind, inside the caller's transaction.

The caller (pipeline.load_file) opens one transaction on one cursor; everything here — deleting
the replaced partitions, inserting, rebuilding spells, the `loads` row, the audit event and the
dataset version — happens inside it, so a crash or kill leaves the previous state intact.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from data_layer import audit, spells
from data_layer.db import bump_dataset_version
from data_layer.importer.kinds import REFERENCE_KINDS, KindSpec
from data_layer.importer.timing import Phases
from data_layer.importer.validate import Validated
from data_layer.scope import Scope

NEW = "_import_new"
KEYS = "_import_keys"
SPELL_KINDS = ("graduates", "statuses")
# Tables whose replaced rows are kept for undo (each has a replaced_<table> twin, migration
# m20261203_load_undo); loads of other kinds cannot be undone.
UNDO_TABLES = (
    "graduates",
    "status_rows",
    "ufns_records",
    "czn_records",
    "frdo_records",
    "events",
    "career_tracks",
)


def _partition_where(spec: KindSpec) -> str:
    """SQL condition on the stored table (alias t) selecting the rows the file replaces.

    Built only from code constants in kinds.SPECS, never from user input."""
    if not spec.partition:
        return "TRUE"
    conds = " AND ".join(f"k.{frame_col} = {table_expr}" for table_expr, frame_col in spec.partition)
    return f"EXISTS (SELECT 1 FROM {KEYS} k WHERE {conds})"


def register(cur: duckdb.DuckDBPyConnection, v: Validated) -> None:
    assert v.frame is not None
    cur.register(NEW, v.frame)
    if v.spec.partition:
        cur.register(KEYS, v.frame.select([fc for _, fc in v.spec.partition]).unique())


def unregister(cur: duckdb.DuckDBPyConnection) -> None:
    for name in (NEW, KEYS):
        try:
            cur.unregister(name)
        except duckdb.Error:
            pass


def same_as_stored(cur: duckdb.DuckDBPyConnection, v: Validated) -> bool:
    """True when the rows the file would replace are exactly the file's rows (as multisets).

    Exact without a two-way EXCEPT ALL (15 s of CPU for 2,5 M status rows): the stored rows equal
    the file's when there are as many of them and every file row is among them — a set EXCEPT when
    the file's rows are all distinct (n distinct rows inside a multiset of n rows are all of it), else
    one EXCEPT ALL (a file of a kind that may repeat a row)."""
    assert v.frame is not None
    spec = v.spec
    cols = ", ".join(spec.stored)
    where = _partition_where(spec)
    stored = f"SELECT {cols} FROM {spec.table} t WHERE {where}"
    n = v.frame.height
    if int(cur.execute(f"SELECT count(*) FROM {spec.table} t WHERE {where}").fetchall()[0][0]) != n:
        return False
    new = f"SELECT {cols} FROM {NEW}"
    row = cur.execute(
        f"""SELECT (SELECT count(*) FROM (SELECT DISTINCT {cols} FROM {NEW})),
                   (SELECT count(*) FROM ({new} EXCEPT {stored}))"""
    ).fetchall()[0]
    if row[0] == n:
        return row[1] == 0
    return int(cur.execute(f"SELECT count(*) FROM ({new} EXCEPT ALL {stored})").fetchall()[0][0]) == 0


def _scope_key(v: Validated) -> str | None:
    """A short description of the replaced partitions, kept in `loads.scope_key`."""
    assert v.frame is not None
    kind = v.spec.kind
    if kind == "graduates":
        vals = sorted({str(c) for c in v.frame.get_column("cohort").unique().to_list()})
        key = "cohort=" + ",".join(vals)
    elif kind == "statuses":
        dates = sorted({d.isoformat() for d in v.frame.get_column("snapshot_date").unique().to_list()})
        key = "snapshot=" + ",".join(dates)
    elif kind in ("ufns", "czn"):
        dates = sorted({d.isoformat() for d in v.frame.get_column("extract_date").unique().to_list()})
        key = "extract=" + ",".join(dates)
    elif kind == "frdo":
        key = "year=" + ",".join(
            sorted({str(y) for y in v.frame.get_column("issue_year").unique().to_list()})
        )
    elif not v.spec.partition:
        key = "all"
    else:
        return None
    return key if len(key) <= 500 else key[:497] + "..."


def _first_snapshots(v: Validated) -> pl.DataFrame:
    """(college_code, cohort, first_new): the earliest snapshot of each pair in a status file."""
    assert v.frame is not None
    return v.frame.group_by("college_code", "cohort").agg(pl.col("snapshot_date").min().alias("first_new"))


def _college_column(v: Validated) -> str | None:
    """Comma-separated colleges the file touched; NULL for region-wide files (data_layer.loads)."""
    if v.spec.kind in REFERENCE_KINDS or not v.college_codes:
        return None
    return ",".join(v.college_codes)


def _take_out(cur: duckdb.DuckDBPyConnection, spec: KindSpec, where: str, load_id: int) -> int:
    """Delete the rows this load replaces (returns how many), keeping a copy in replaced_<table>
    so that an undo (data_layer.importer.undo) can bring them back."""
    if spec.table in UNDO_TABLES:
        cols = ", ".join(spec.stored)
        cur.execute(
            f"""INSERT INTO replaced_{spec.table} ({cols}, load_id, replaced_by)
                SELECT {cols}, load_id, ? FROM {spec.table} t WHERE {where}""",
            [load_id],
        )
    return int(cur.execute(f"DELETE FROM {spec.table} AS t WHERE {where}").fetchall()[0][0])


def _register_load(
    cur: duckdb.DuckDBPyConnection,
    v: Validated,
    load_id: int,
    username: str,
    file_name: str,
    checksum: str,
    replaced: int,
) -> None:
    """The load's row in the register `loads`."""
    assert v.frame is not None
    cur.execute(
        """INSERT INTO loads (load_id, loaded_at, username, file_name, checksum, kind, college_code, scope_key,
                              rows, warnings, replaced_rows)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            load_id,
            dt.datetime.now(),
            username,
            file_name,
            checksum,
            v.spec.kind,
            _college_column(v),
            _scope_key(v),
            v.frame.height,
            int((v.problems.get_column("severity") == "warning").sum()),
            replaced,
        ],
    )


def apply(
    cur: duckdb.DuckDBPyConnection,
    v: Validated,
    *,
    file_name: str,
    checksum: str,
    scope: Scope,
    details: str,
    rebuild: bool = True,
    received_at: dt.datetime | None = None,
    phases: Phases | None = None,
) -> tuple[int, int, list[tuple[str, int]]]:
    """Replace the file's partitions; returns (load_id, replaced rows, spell pairs touched).

    `received_at` (UTC) is when the server received the file, taken by the pipeline; a status file
    appends one `snapshot_arrivals` row per (college, cohort, «Дата актуализации») it holds.
    `phases` gets the time of the status periods' update ("periods", a part of the whole write)."""
    assert v.frame is not None
    phases = Phases() if phases is None else phases
    spec = v.spec
    where = _partition_where(spec)
    touched: set[tuple[str, int]] = set(v.pairs) if spec.kind in SPELL_KINDS else set()
    replacing = pl.DataFrame()
    if spec.kind == "statuses":
        # Snapshots being replaced may belong to other cohorts than the new rows.
        replacing = cur.sql(
            f"""SELECT college_code, cohort, min(snapshot_date) AS first_replaced FROM status_rows t
                WHERE {where} GROUP BY ALL"""
        ).pl()
        touched |= {(str(c), int(y)) for c, y, _ in replacing.iter_rows()}
    load_id = int(cur.execute("SELECT nextval('load_id_seq')").fetchall()[0][0])
    cols = ", ".join(spec.stored)
    replaced = _take_out(cur, spec, where, load_id)
    if spec.kind in REFERENCE_KINDS:  # reference tables carry no load_id
        cur.execute(f"INSERT INTO {spec.table} ({cols}) SELECT {cols} FROM {NEW}")
    else:
        cur.execute(f"INSERT INTO {spec.table} ({cols}, load_id) SELECT {cols}, ? FROM {NEW}", [load_id])
    if spec.kind == "statuses":
        cur.execute(
            f"""INSERT INTO snapshot_arrivals (college_code, cohort, snapshot_date, received_at, load_id, username)
                SELECT DISTINCT college_code, cohort, snapshot_date, ?::TIMESTAMP, ?, ? FROM {NEW}""",
            [received_at or utc_now(), load_id, scope.username],
        )
    if touched and rebuild:
        with phases.step("periods"):
            if spec.kind == "statuses":
                # newer snapshots (also ones replacing the newest) extend the spells; others rebuild their pairs
                spells.update_after_status_load(cur, load_id, _first_snapshots(v), replacing, NEW)
            else:
                spells.rebuild_spells(cur, sorted(touched))
    _register_load(cur, v, load_id, scope.username, file_name, checksum, replaced)
    audit.record(cur, scope.username, scope.role, "upload", file_name, details)
    # a status snapshot changes only its (college, cohort) pairs: caches of other colleges' and
    # cohorts' figures stay valid (db.bump_dataset_version, ui/cached.py). A graduation list can make
    # another college's СНИЛС contested (data_layer.identity), so every other kind moves the base.
    bump_dataset_version(cur, sorted(touched) if spec.kind == "statuses" else None)
    return load_id, replaced, sorted(touched)


def utc_now() -> dt.datetime:
    """The server clock in UTC, as a naive TIMESTAMP value (how `snapshot_arrivals` stores it)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def previous_load(
    cur: duckdb.DuckDBPyConnection, kind: str, checksum: str
) -> tuple[int, dt.datetime, str] | None:
    """The latest accepted load of the same kind with the same checksum: (load_id, time, user)."""
    rows = cur.execute(
        """SELECT load_id, loaded_at, username FROM loads WHERE kind = ? AND checksum = ? AND undone_at IS NULL
           ORDER BY load_id DESC LIMIT 1""",
        [kind, checksum],
    ).fetchall()
    return (int(rows[0][0]), rows[0][1], str(rows[0][2])) if rows else None
