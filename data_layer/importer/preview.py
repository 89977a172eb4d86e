"""What a load would change, before it is made (issue 13): the file is read and validated exactly as
`load_file` does (bounded: `sandbox.read_bounded`), inside a transaction that is always rolled back, and compared with what it would
replace. A refused file gives the same refusal as a load (audited as `upload_rejected`).

- graduation list: graduates of its (college, cohort) lists who are new, changed (any stored field),
  unchanged, and those who disappear (removed; their status history stays in the database);
- status snapshot replacing a stored (college, date): the same by graduate;
- a new status snapshot: each graduate against his latest earlier status row in that college
  (new = no earlier status, changed = another status);
- other kinds: rows added and rows removed (as multisets of stored columns).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import polars as pl

from data_layer.importer import pipeline, store
from data_layer.importer.errors import UnreadableFileError
from data_layer.importer.mapping import ImportMapping, hint_problems
from data_layer.importer.mapping import read as read_step
from data_layer.importer.sandbox import read_bounded
from data_layer.importer.validate import Context, Validated, validate
from data_layer.scope import Scope
from data_layer.text import safe_file_name

LIST_LIMIT = 500
KEYS: dict[str, tuple[str, ...]] = {
    "graduates": ("college_code", "cohort", "person_key"),
    "statuses": ("college_code", "snapshot_date", "person_key"),
}


@dataclass
class Preview:
    kind: str
    label: str
    file_name: str
    rows: int
    new: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    basis: str = ""  # Russian: what the file is compared with
    identical: bool = False
    warnings: list[pipeline.Problem] = field(default_factory=list)
    # personal detail for the uploader (college or base centre): who disappears / whose status changes
    removed_people: pl.DataFrame = field(default_factory=pl.DataFrame)
    changed_people: pl.DataFrame = field(default_factory=pl.DataFrame)


def preview_file(
    con: duckdb.DuckDBPyConnection,
    source: bytes,
    file_name: str,
    *,
    kind: str | None = None,
    scope: Scope,
    snapshot_date: dt.date | None = None,
    mapping: ImportMapping | None = None,
) -> Preview | pipeline.LoadResult:
    """A Preview of an acceptable file, or the refusal LoadResult of one that would be refused
    (`mapping`: a saved mapping applied to the file before validation, as `load_file` does)."""
    out = _preview(con, source, file_name, kind, scope, snapshot_date, mapping)
    if mapping is not None and isinstance(out, pipeline.LoadResult):
        out.errors = hint_problems(out.errors, mapping)
    return out


def _preview(
    con: duckdb.DuckDBPyConnection,
    source: bytes,
    file_name: str,
    kind: str | None,
    scope: Scope,
    snapshot_date: dt.date | None,
    mapping: ImportMapping | None,
) -> Preview | pipeline.LoadResult:
    file_name = safe_file_name(file_name)  # as load_file keeps it (audit log, messages)
    if (kind is not None and kind not in pipeline.KINDS) or scope.role not in pipeline.UPLOAD_ROLES:
        return pipeline.load_file(con, source, file_name, kind=kind, scope=scope)  # refused: same message
    try:
        # the same bounded reading as a load (issue 12): limits first, a workbook parsed in a
        # memory- and time-limited child process; in-process a far cell would abort the server
        table = read_step(read_bounded, source, file_name, kind, None, mapping)
    except UnreadableFileError as exc:
        problem = pipeline.Problem(exc.row, None, None, exc.message, "error")
        return pipeline._reject(con, scope, file_name, kind, 0, [problem])
    with con.cursor() as cur:
        cur.execute("BEGIN TRANSACTION")
        try:
            v = validate(table, Context(cur, scope, snapshot_date, dt.date.today()))
            if v.frame is None:
                pipeline._rollback(cur)
                errors = pipeline._to_problems(v.problems, "error")
                warnings = pipeline._to_problems(v.problems, "warning")
                return pipeline._reject(
                    con, scope, file_name, table.kind, v.rows, errors, warnings, n_errors=v.n_errors
                )
            store.register(cur, v)
            try:
                return _compare(cur, v, file_name)
            finally:
                store.unregister(cur)
        finally:
            pipeline._rollback(cur)


def _compare(cur: duckdb.DuckDBPyConnection, v: Validated, file_name: str) -> Preview:
    assert v.frame is not None
    spec = v.spec
    p = Preview(
        spec.kind,
        spec.label,
        file_name,
        v.frame.height,
        warnings=pipeline._to_problems(v.problems, "warning"),
    )
    where = store._partition_where(spec)
    stored_n = int(cur.execute(f"SELECT count(*) FROM {spec.table} t WHERE {where}").fetchall()[0][0])
    keys = KEYS.get(spec.kind)
    if keys and stored_n:
        _keyed(cur, p, spec.table, where, keys, [c for c in spec.stored if c not in keys])
        p.basis = "с данными, которые файл заменит" + (
            " (списки выпуска тех же ПОО и лет)" if spec.kind == "graduates" else " (срезы тех же ПОО и дат)"
        )
    elif spec.kind == "statuses":
        _against_previous_snapshot(cur, p)
        p.basis = "с последними прежними статусами тех же выпускников"
    else:
        cols = ", ".join(spec.stored)
        new, gone = cur.execute(
            f"""SELECT (SELECT count(*) FROM (SELECT {cols} FROM {store.NEW}
                                              EXCEPT ALL SELECT {cols} FROM {spec.table} t WHERE {where})),
                       (SELECT count(*) FROM (SELECT {cols} FROM {spec.table} t WHERE {where}
                                              EXCEPT ALL SELECT {cols} FROM {store.NEW}))"""
        ).fetchall()[0]
        p.new, p.removed = int(new), int(gone)
        p.unchanged = p.rows - p.new
        p.basis = "с данными, которые файл заменит" if spec.partition else "со всем справочником"
    p.identical = p.new == p.changed == p.removed == 0 and (stored_n > 0 or p.rows == 0)
    return p


def _keyed(
    cur: duckdb.DuckDBPyConnection,
    p: Preview,
    table: str,
    where: str,
    keys: tuple[str, ...],
    values: list[str],
) -> None:
    on = " AND ".join(f"n.{k} = o.{k}" for k in keys)
    differs = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in values) or "false"
    k0 = keys[-1]
    row = cur.execute(
        f"""WITH o AS (SELECT * FROM {table} t WHERE {where})
            SELECT count(*) FILTER (WHERE o.{k0} IS NULL),
                   count(*) FILTER (WHERE n.{k0} IS NULL),
                   count(*) FILTER (WHERE n.{k0} IS NOT NULL AND o.{k0} IS NOT NULL AND ({differs})),
                   count(*) FILTER (WHERE n.{k0} IS NOT NULL AND o.{k0} IS NOT NULL AND NOT ({differs}))
            FROM {store.NEW} n FULL OUTER JOIN o ON {on}"""
    ).fetchall()[0]
    p.new, p.removed, p.changed, p.unchanged = (int(x) for x in row)
    if p.kind == "graduates" and p.removed:
        p.removed_people = cur.sql(
            f"""WITH o AS (SELECT * FROM graduates t WHERE {where})
                SELECT o.college_code AS "ПОО", o.cohort AS "Выпуск",
                       concat_ws(' ', o.last_name, o.first_name, o.middle_name) AS "ФИО",
                       '***-***-' || substr(o.snils, 7, 3) || ' ' || substr(o.snils, 10, 2) AS "СНИЛС",
                       o.program_code AS "Код специальности"
                FROM o ANTI JOIN {store.NEW} n ON {on}
                ORDER BY 1, 2, 3 LIMIT {LIST_LIMIT}"""
        ).pl()
    if p.kind == "statuses" and p.changed:
        p.changed_people = _status_changes(
            cur,
            f"(SELECT * FROM status_rows t WHERE {where})",
            f"{on} AND n.status IS DISTINCT FROM o.status",
        )


def _against_previous_snapshot(cur: duckdb.DuckDBPyConnection, p: Preview) -> None:
    prev = """(SELECT college_code, person_key, snapshot_date, status FROM status_rows
               WHERE college_code IN (SELECT DISTINCT college_code FROM _import_new))"""
    join = f"""FROM {store.NEW} n ASOF LEFT JOIN {prev} o
               ON n.college_code = o.college_code AND n.person_key = o.person_key
              AND n.snapshot_date > o.snapshot_date"""
    row = cur.execute(
        f"""SELECT count(*) FILTER (WHERE o.status IS NULL),
                   count(*) FILTER (WHERE o.status IS NOT NULL AND o.status <> n.status),
                   count(*) FILTER (WHERE o.status = n.status)
            {join}"""
    ).fetchall()[0]
    p.new, p.changed, p.unchanged = (int(x) for x in row)
    if p.changed:
        p.changed_people = _status_changes(
            cur,
            prev,
            "n.college_code = o.college_code AND n.person_key = o.person_key AND n.snapshot_date > o.snapshot_date",
            asof=True,
        )


def _status_changes(cur: duckdb.DuckDBPyConnection, old: str, on: str, *, asof: bool = False) -> pl.DataFrame:
    """Who changes status: ФИО, masked СНИЛС, old and new status labels."""
    from data_layer.statuses import BY_CODE

    join = "ASOF JOIN" if asof else "JOIN"
    frame = cur.sql(
        f"""SELECT concat_ws(' ', g.last_name, g.first_name, g.middle_name) AS fio, n.person_key,
                   o.status AS old, n.status AS new
            FROM {store.NEW} n {join} {old} o ON {on}
            LEFT JOIN graduates g ON g.college_code = n.college_code AND g.person_key = n.person_key
                                   AND g.cohort = n.cohort
            WHERE o.status <> n.status
            ORDER BY 1 LIMIT {LIST_LIMIT}"""
    ).pl()
    labels = {c: s.label for c, s in BY_CODE.items()}
    return frame.select(
        pl.col("fio").alias("ФИО"),
        pl.col("old").replace_strict(labels, default=pl.col("old")).alias("Было"),
        pl.col("new").replace_strict(labels, default=pl.col("new")).alias("Станет"),
    )
