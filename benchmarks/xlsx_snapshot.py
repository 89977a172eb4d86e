"""An XLSX status file made of stored status rows, for timing the XLSX path of the importer.

The newest snapshot dates' rows are written back, whole (college, date) partitions only, so loading
the file replaces exactly those rows by themselves (identical values): the figures measured after
it do not change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter

from data_layer.importer.timing import cpu_seconds as _cpu
from data_layer.statuses import BY_CODE

HEADERS = [
    "СНИЛС",
    "Номер документа",
    "Код ПОО",
    "Дата актуализации",
    "Статус",
    "Дата начала статуса",
    "По специальности",
    "ИНН работодателя",
    "Работодатель",
    "Муниципалитет трудоустройства",
    "Карьерный трек",
    "Дата призыва",
    "Дата увольнения с военной службы",
    "Меры поддержки",
]

_PARTITIONS = """
SELECT college_code, snapshot_date, count(*) AS n FROM status_rows
GROUP BY ALL ORDER BY snapshot_date DESC, n DESC, college_code
"""

_ROWS = """
SELECT CASE WHEN r.person_key LIKE 'D:%' THEN NULL ELSE r.person_key END,
       CASE WHEN r.person_key LIKE 'D:%' THEN substr(r.person_key, 3) END,
       r.college_code, strftime(r.snapshot_date, '%d.%m.%Y'), r.status,
       strftime(r.status_start, '%d.%m.%Y'), CASE WHEN r.by_specialty THEN 'да' ELSE 'нет' END,
       r.employer_inn, r.employer_name, r.work_municipality, r.career_track,
       strftime(r.conscription_date, '%d.%m.%Y'), strftime(r.discharge_date, '%d.%m.%Y'), r.support_measures
FROM status_rows r JOIN _bench_parts p ON p.college_code = r.college_code AND p.snapshot_date = r.snapshot_date
ORDER BY r.college_code, r.person_key
"""


def snapshot_workbook(con: Any, path: Path, limit: int) -> tuple[Path, int]:
    """Write up to `limit` stored status rows (whole partitions, newest dates first) as a workbook
    with a title row above the header, as the weekly template has. Returns (path, rows)."""
    parts, total = [], 0
    for code, date, n in con.execute(_PARTITIONS).fetchall():
        if total + n > limit:
            continue
        parts.append((code, date))
        total += n
    con.execute("CREATE OR REPLACE TEMP TABLE _bench_parts (college_code VARCHAR, snapshot_date DATE)")
    con.executemany("INSERT INTO _bench_parts VALUES (?, ?)", parts)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Статусы")
    ws.write(0, 0, "Оперативный мониторинг трудоустройства выпускников")
    ws.write_row(2, 0, HEADERS)
    r = 3
    cur = con.execute(_ROWS)
    while batch := cur.fetchmany(50_000):
        for row in batch:
            values = list(row)
            values[4] = BY_CODE[values[4]].label
            ws.write_row(r, 0, values)
            r += 1
    wb.close()
    con.execute("DROP TABLE _bench_parts")
    return path, r - 3


# ---------------------------------------------------------------- the load alone, with its parts
#
#     nice -n 5 .venv/bin/python benchmarks/xlsx_snapshot.py --source /tmp/fed.duckdb \
#         --db /tmp/xlsx_fed.duckdb [--rows 300000] [--workbook FILE.xlsx] [--check] [--json OUT]
#
# `--source` is copied to `--db` first (the load writes; the source is never opened), the
# migrations are applied outside the clock, the workbook is written (or reused when `--workbook`
# exists), then one timed `load_file`: wall and CPU seconds (this process and the reader's child
# process), and the same for its parts. `--check` then compares the stored spells of the pairs the
# load touched with a rebuild of those pairs from all their status rows (rolled back): 0 rows differ.

_PARTS = (
    ("read", "data_layer.importer.pipeline", "read_step"),
    ("validate", "data_layer.importer.pipeline", "validate"),
    ("store", "data_layer.importer.pipeline", "store.apply"),
    ("spells_rebuild", "data_layer.spells", "rebuild_spells"),
    ("spells_append", "data_layer.spells", "append_spells"),
    ("spells_cut", "data_layer.spells", "cut_back"),
)


def _timing_parts(parts: dict[str, list[float]]) -> None:
    """Wrap each function of `_PARTS` that exists so that its wall and CPU seconds add up in `parts`."""
    import importlib
    import time

    for label, module, name in _PARTS:
        owner: Any = importlib.import_module(module)
        *path, attr = name.split(".")
        for step in path:
            owner = getattr(owner, step)
        real = getattr(owner, attr, None)
        if real is None:
            continue

        def timed(*args: Any, _real: Any = real, _label: str = label, **kwargs: Any) -> Any:
            t0, c0 = time.perf_counter(), _cpu()
            try:
                return _real(*args, **kwargs)
            finally:
                acc = parts.setdefault(_label, [0.0, 0.0])
                acc[0] += time.perf_counter() - t0
                acc[1] += _cpu() - c0

        timed.__wrapped__ = real  # type: ignore[attr-defined]
        setattr(owner, attr, timed)


def _check(con: Any, pairs: list[tuple[str, int]]) -> int:
    """Rows that differ (both ways) between the stored spells of `pairs` and their rebuild."""
    import data_layer.spells as spells_module

    rebuild = getattr(spells_module.rebuild_spells, "__wrapped__", spells_module.rebuild_spells)
    with con.cursor() as cur:
        cur.execute("CREATE TEMP TABLE _check_pairs (college_code VARCHAR, cohort INTEGER)")
        cur.executemany("INSERT INTO _check_pairs VALUES (?, ?)", [list(p) for p in pairs])
        cur.execute(
            """CREATE TEMP TABLE _check_stored AS SELECT s.* FROM status_spells s
               JOIN _check_pairs p USING (college_code, cohort)"""
        )
        cur.execute("BEGIN TRANSACTION")
        rebuild(cur, pairs)
        sql = """SELECT count(*) FROM (SELECT s.* FROM status_spells s JOIN _check_pairs p USING (college_code, cohort)
                 EXCEPT ALL SELECT * FROM _check_stored)"""
        one = int(cur.execute(sql).fetchall()[0][0])
        other = int(
            cur.execute(
                """SELECT count(*) FROM (SELECT * FROM _check_stored EXCEPT ALL
                   SELECT s.* FROM status_spells s JOIN _check_pairs p USING (college_code, cohort))"""
            ).fetchall()[0][0]
        )
        n = int(cur.execute("SELECT count(*) FROM _check_stored").fetchall()[0][0])
        cur.execute("ROLLBACK")
        print(f"check: {n:,} stored spells of {len(pairs):,} pairs; differing from a rebuild: {one + other}")
        return one + other


def _prepare(db_path: Path, source: Path | None, workbook: Path | None, rows: int) -> tuple[Any, Path]:
    """The database (a fresh copy of `source` when given, migrations applied) and the workbook."""
    import shutil

    from data_layer import db

    if source is not None:
        if source.resolve() == db_path.resolve():
            raise SystemExit("--source and --db are the same file")
        shutil.copyfile(source, db_path)
        db_path.with_name(db_path.name + ".wal").unlink(missing_ok=True)
    con = db.open_database(db_path)  # migrations, outside the clock
    workbook = workbook or db_path.with_suffix(".xlsx")
    if not workbook.exists():
        snapshot_workbook(con, workbook, rows)
    return con, workbook


def main() -> int:
    import argparse
    import json
    import os
    import sys
    import time

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from data_layer.importer import load_file
    from data_layer.scope import OPERATOR

    ap = argparse.ArgumentParser(description="Time one XLSX status load that replaces the newest snapshots.")
    ap.add_argument("--db", type=Path, required=True, help="the database the load writes to")
    ap.add_argument("--source", type=Path, default=None, help="copied to --db first (never opened)")
    ap.add_argument("--rows", type=int, default=300_000)
    ap.add_argument("--workbook", type=Path, default=None, help="reused when it exists, else written here")
    ap.add_argument("--check", action="store_true", help="compare the stored spells with a rebuild")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    con, workbook = _prepare(args.db, args.source, args.workbook, args.rows)
    parts: dict[str, list[float]] = {}
    _timing_parts(parts)
    load = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), _cpu()
    res = load_file(con, workbook, workbook.name, scope=OPERATOR)
    secs, cpu = time.perf_counter() - t0, _cpu() - c0
    if not res.ok:
        raise SystemExit(f"xlsx load failed: {res.message} {res.errors[:5]}")
    out: dict[str, Any] = {
        "ingest_xlsx_rows": res.rows,
        "ingest_xlsx_s": round(secs, 2),
        "ingest_xlsx_cpu_s": round(cpu, 2),
        "ingest_xlsx_rows_per_s": round(res.rows / secs),
        "ingest_xlsx_rows_per_cpu_s": round(res.rows / cpu),
        "ingest_xlsx_pairs": len(res.pairs),
        "ingest_xlsx_parts": {k: {"s": round(v[0], 2), "cpu_s": round(v[1], 2)} for k, v in parts.items()},
        "load_average": round(load, 1),
    }
    print(
        f"XLSX status file of {res.rows:,} rows ({len(res.pairs):,} pairs) loaded in {secs:.2f} s, CPU {cpu:.2f} s "
        f"= {res.rows / secs:,.0f} rows/s ({res.rows / cpu:,.0f} per CPU second); load average {load:.1f}",
        flush=True,
    )
    for k, (w, c) in parts.items():
        print(f"  {k:<16} {w:6.2f} s, CPU {c:6.2f} s")
    if args.check:
        out["check_differing_spells"] = _check(con, res.pairs)
    con.close()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
    return 1 if out.get("check_differing_spells") else 0


if __name__ == "__main__":
    raise SystemExit(main())
