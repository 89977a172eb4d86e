"""Ingest throughput of the importer (validation included), on synthetic files in a temp folder.

    .venv/bin/python benchmarks/ingest.py [--graduates 200000] [--snapshots 5] [--xlsx-rows 100000] [--json OUT]
    .venv/bin/python benchmarks/ingest.py --db COPY_OF_FED [--db-rows 100000] [--db-files 3] [--one-by-one] [--json OUT]

1. reference data + 60 colleges, then a graduation list of `--graduates` rows (CSV);
2. a multi-college status CSV of graduates × snapshots rows (1,000,000 by default), Windows-1251, ';';
3. a status workbook (.xlsx) of `--xlsx-rows` rows for one more snapshot date (0 skips it).
With `--db` (a federal-scale database, never written: it is copied into a temporary folder first)
only status CSV files as benchmarks/run.py's build loads them are timed instead: `--db-files` files of
about `--db-rows` rows each, a new snapshot of whole colleges of the newest cohort (the 13 columns of
the demo files, UTF-8, ';'; a fifth of the statuses changed), as one batch the way `vypusk load`
takes several files (`load_files`: the next status file read and validated while this one is
written; every file still its own transaction), or with `--one-by-one` one `load_file` after another.
Every load prints its wall and CPU seconds per step (read, validate, compare, write, periods, commit).
Each load runs through the importer exactly as an upload does (read in the bounded child process,
validate, one transaction, spell rebuild): `load_file`, or `load_files` for the batch of `--db`. Targets on a 2-core machine (issue 16): ≥ 250,000 rows/s
CSV, ≥ 60,000 rows/s xlsx. CPU is printed for this process and the reader's child process together
(on a shared machine the wall time depends on what else runs; the load average is printed too).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from data_layer import db
from data_layer.importer import load_file, load_reference_dir
from data_layer.importer.pipeline import load_files
from data_layer.importer.timing import cpu_seconds as _cpu
from data_layer.statuses import BY_CODE, STATUSES

N_COLLEGES = 60
CSV_TARGET = 250_000
Results = dict[str, dict[str, Any]]
XLSX_TARGET = 60_000


def snils_numbers(n: int, start: int = 100_000_000) -> list[str]:
    """n valid 11-digit СНИЛС (standard checksum), vectorised with numpy."""
    body = np.arange(start, start + n, dtype=np.int64)
    total = np.zeros(n, dtype=np.int64)
    for i in range(9):
        total += ((body // 10**i) % 10) * (i + 1)
    mod = total % 101
    control = np.where(total < 100, total, np.where(total <= 101, 0, np.where(mod == 100, 0, mod)))
    return [f"{b:09d}{c:02d}" for b, c in zip(body.tolist(), control.tolist(), strict=True)]


def write_colleges(out: Path, oktmos: list[str]) -> Path:
    rows = [
        f"P{i:03d};Колледж {i};ГБПОУ «Колледж {i}»;{oktmos[i % len(oktmos)]};Минобрнауки СО;региональная;;"
        for i in range(1, N_COLLEGES + 1)
    ]
    path = out / "colleges.csv"
    header = "Код ПОО;Краткое наименование;Полное наименование;ОКТМО;Учредитель;Тип;Широта;Долгота"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _dates(rng: np.random.Generator, n: int, y0: int, y1: int) -> list[str]:
    days = rng.integers(1, 29, n).tolist()
    months = rng.integers(1, 13, n).tolist()
    years = rng.integers(y0, y1, n).tolist()
    return [f"{d:02d}.{m:02d}.{y}" for d, m, y in zip(days, months, years, strict=True)]


def graduates_frame(n: int, programs: list[str], rng: np.random.Generator) -> pl.DataFrame:
    snils = snils_numbers(n)
    college = rng.integers(1, N_COLLEGES + 1, n)
    return pl.DataFrame(
        {
            "СНИЛС": snils,
            "Фамилия": rng.choice(["Иванов", "Петрова", "Сидоров", "Кузнецова"], n),
            "Имя": rng.choice(["Иван", "Анна", "Пётр", "Мария"], n),
            "Отчество": rng.choice(["Иванович", "Петровна", ""], n),
            "Дата рождения": _dates(rng, n, 2001, 2006),
            "Пол": rng.choice(["М", "Ж"], n),
            "Код ПОО": [f"P{c:03d}" for c in college.tolist()],
            "Код специальности": rng.choice(programs, n),
            "Форма обучения": rng.choice(["очная", "заочная", "очно-заочная"], n, p=[0.8, 0.1, 0.1]),
            "Дата выпуска": rng.choice(["28.06.2024", "30.06.2024", "2024-07-01"], n),
            "Целевое обучение": rng.choice(["да", "нет", ""], n),
            "ОВЗ": rng.choice(["нет", ""], n),
        }
    )


def statuses_frame(
    snils: list[str], colleges: list[str], dates: list[str], rng: np.random.Generator
) -> pl.DataFrame:
    labels = [s.label for s in STATUSES if s.code != "unknown"] + [
        s.federal_col for s in STATUSES if s.federal_col
    ]
    n = len(snils)
    parts = []
    for d in dates:
        parts.append(
            pl.DataFrame(
                {
                    "СНИЛС": snils,
                    "Код ПОО": colleges,
                    "Дата актуализации": [d] * n,
                    "Статус": rng.choice(labels, n),
                    "По специальности": rng.choice(["да", "нет"], n),
                    "ИНН работодателя": rng.choice(["6315000001", "631500000123", ""], n),
                }
            )
        )
    return pl.concat(parts)


def write_xlsx(df: pl.DataFrame, path: Path) -> None:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Статусы")
    ws.write(0, 0, "Оперативный мониторинг трудоустройства выпускников")
    ws.write_row(2, 0, df.columns)
    for r, row in enumerate(df.iter_rows(), start=3):
        ws.write_row(r, 0, row)
    wb.close()


def timed_load(con, path: Path, label: str, results: Results) -> None:
    t0, c0 = time.perf_counter(), _cpu()
    res = load_file(con, path, path.name)
    record(res, label, time.perf_counter() - t0, _cpu() - c0, results)


def timed_batch(con, paths: list[Path], label: str, results: Results) -> None:
    """The files as one `vypusk load` batch (pipeline.load_files: the next status file read and
    validated while this one is written); a file's time runs from the previous file's result."""
    last = [time.perf_counter(), _cpu()]
    n = iter(range(1, len(paths) + 1))

    def one(res) -> None:
        now, cpu = time.perf_counter(), _cpu()
        record(res, f"{label} {next(n)}", now - last[0], cpu - last[1], results)
        last[:] = [now, cpu]

    load_files(con, [(p, p.name) for p in paths], on_result=one)


def record(res, label: str, secs: float, cpu: float, results: Results) -> None:
    load = os.getloadavg()[0]
    if not res.ok:
        raise SystemExit(f"{label}: refused: {res.message} {res.errors[:5]}")
    rate = res.rows / secs
    results[label] = {
        "rows": res.rows,
        "seconds": round(secs, 3),
        "cpu_seconds": round(cpu, 3),
        "rows_per_s": round(rate),
        "rows_per_cpu_s": round(res.rows / cpu) if cpu else 0,
        "load_average": round(load, 1),
        "phases": {k: {"s": round(w, 3), "cpu_s": round(c, 3)} for k, (w, c) in res.phases.items()},
    }
    # CPU time (all threads) shows whether a slow wall time was the machine being busy.
    print(
        f"{label:<28} {res.rows:>10,} rows  {secs:7.2f} s (CPU {cpu:6.2f} s)  {rate:>10,.0f} rows/s"
        f" ({res.rows / cpu if cpu else 0:,.0f} per CPU s)  (load average {load:.1f})",
        flush=True,
    )
    steps = "  ".join(f"{k} {w:.2f} s / CPU {c:.2f} s" for k, (w, c) in res.phases.items())
    print(f"{'':<28} {steps}  (periods are part of write)", flush=True)


def timed_reload(con, path: Path, results: Results) -> None:
    """The same file again: answered «данные не изменились» without writing anything."""
    load = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), _cpu()
    again = load_file(con, path, path.name)
    secs, cpu = time.perf_counter() - t0, _cpu() - c0
    print(
        f"{'identical reload (CSV)':<28} unchanged={again.unchanged}  {secs:7.2f} s (CPU {cpu:6.2f} s)"
        f"  (load average {load:.1f})"
    )
    results["identical reload"] = {
        "rows": again.rows,
        "seconds": round(secs, 3),
        "rows_per_s": 0,
        "cpu_seconds": round(cpu, 3),
        "load_average": round(load, 1),
    }


# The newest stored snapshot of each college of the newest cohort, as a demo status file's columns.
_FED_ROWS = """
WITH newest AS (SELECT college_code, max(snapshot_date) AS d FROM status_rows WHERE cohort = ? GROUP BY 1)
SELECT CASE WHEN r.person_key LIKE 'D:%' THEN NULL ELSE r.person_key END AS "СНИЛС",
       CASE WHEN r.person_key LIKE 'D:%' THEN substr(r.person_key, 3) END AS "Номер документа",
       r.college_code AS "Код ПОО", r.status, strftime(r.status_start, '%d.%m.%Y') AS "Дата начала статуса",
       CASE WHEN r.by_specialty THEN 'да' ELSE 'нет' END AS "По специальности",
       r.employer_inn AS "ИНН работодателя", r.employer_name AS "Работодатель",
       r.work_municipality AS "Муниципалитет трудоустройства", r.career_track AS "Карьерный трек",
       strftime(r.discharge_date, '%d.%m.%Y') AS "Дата увольнения с военной службы",
       r.support_measures AS "Меры поддержки", hash(r.person_key) % 5 = 0 AS changed
FROM status_rows r JOIN newest n ON n.college_code = r.college_code AND n.d = r.snapshot_date
WHERE r.cohort = ? ORDER BY r.college_code, r.person_key
"""
_ROTATE = ("employed", "continuing_education", "undetermined", "self_employed", "informal")


def federal_status_files(con, out: Path, rows: int, files: int) -> list[Path]:
    """`files` status CSVs of whole colleges (about `rows` rows each, disjoint colleges) of the newest
    cohort at a new snapshot date four weeks after the newest stored one."""
    cohort, newest = con.execute("SELECT max(cohort), max(snapshot_date) FROM status_rows").fetchall()[0]
    df = con.sql(_FED_ROWS, params=[cohort, cohort]).pl()
    rotated = {c: BY_CODE[_ROTATE[(i + 1) % len(_ROTATE)]].label for i, c in enumerate(_ROTATE)}
    label = pl.col("status").replace_strict({s.code: s.label for s in STATUSES}, return_dtype=pl.Utf8)
    new_label = pl.col("status").replace_strict(
        rotated, default=BY_CODE["employed"].label, return_dtype=pl.Utf8
    )
    df = df.with_columns(
        pl.when(pl.col("changed")).then(new_label).otherwise(label).alias("Статус"),
        pl.lit((newest + dt.timedelta(days=28)).strftime("%d.%m.%Y")).alias("Дата актуализации"),
    ).drop("status", "changed")
    order = ["СНИЛС", "Номер документа", "Код ПОО", "Дата актуализации", "Статус"]
    df = df.select(*order, *[c for c in df.columns if c not in order])
    sizes = df.group_by("Код ПОО", maintain_order=True).len()
    paths: list[Path] = []
    chunk: list[str] = []
    n = 0
    for code, size in sizes.iter_rows():
        chunk.append(code)
        n += size
        if n >= rows:
            paths.append(out / f"20_statuses_{len(paths):03d}.csv")
            df.filter(pl.col("Код ПОО").is_in(chunk)).write_csv(paths[-1], separator=";")
            chunk, n = [], 0
            if len(paths) == files:
                break
    return paths


def timed_checkpoint(con) -> tuple[float, float]:
    """Wall and CPU seconds of a CHECKPOINT (the WAL moved into the database file)."""
    t0, c0 = time.perf_counter(), _cpu()
    con.execute("CHECKPOINT")
    return time.perf_counter() - t0, _cpu() - c0


def keep(db_file: Path, target: Path | None) -> None:
    """A copy of the database the loads produced (`--keep-db`: comparing stored tables between versions)."""
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(db_file, target)


def federal(args: argparse.Namespace) -> int:
    """Status CSVs into a copy of a federal-scale database (module docstring)."""
    results: Results = {}
    with tempfile.TemporaryDirectory(dir=args.db.parent, prefix="ingest_fed_") as tmp:
        out = Path(tmp)
        copy = out / "fed.duckdb"
        shutil.copyfile(args.db, copy)
        con = db.open_database(copy)
        files = federal_status_files(con, out, args.db_rows, args.db_files)
        if args.one_by_one:
            for i, path in enumerate(files, start=1):
                timed_load(con, path, f"federal status CSV {i}", results)
        else:
            timed_batch(con, files, "federal status CSV", results)
        checkpoint_s, checkpoint_cpu = timed_checkpoint(con)
        con.close()
        keep(copy, args.keep_db)
    rows = sum(r["rows"] for r in results.values())
    # the WAL the loads left is moved into the file as it would be by the next automatic checkpoint:
    # counted, so that a later checkpoint is not a cost the figure leaves out
    secs = sum(r["seconds"] for r in results.values()) + checkpoint_s
    cpu = sum(r["cpu_seconds"] for r in results.values()) + checkpoint_cpu
    results["federal status CSV files"] = {
        "rows": rows,
        "seconds": round(secs, 3),
        "cpu_seconds": round(cpu, 3),
        "checkpoint_s": round(checkpoint_s, 3),
        "checkpoint_cpu_s": round(checkpoint_cpu, 3),
        "rows_per_s": round(rows / secs),
        "rows_per_cpu_s": round(rows / cpu),
        "load_average": round(os.getloadavg()[0], 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(f"peak RSS of this process {results['federal status CSV files']['peak_rss_mb']:,} MB")
    print(
        f"{len(files)} files and a final checkpoint ({checkpoint_s:.2f} s, CPU {checkpoint_cpu:.2f} s): "
        f"{rows / secs:,.0f} rows/s, {rows / cpu:,.0f} rows per CPU s (load average {os.getloadavg()[0]:.1f})"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0 if rows / secs >= CSV_TARGET else 1


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--graduates", type=int, default=200_000)
    ap.add_argument("--snapshots", type=int, default=5)
    ap.add_argument("--xlsx-rows", type=int, default=100_000)
    ap.add_argument("--db", type=Path, default=None, help="a federal-scale database (copied, never written)")
    ap.add_argument("--db-rows", type=int, default=100_000)
    ap.add_argument("--db-files", type=int, default=3)
    ap.add_argument(
        "--one-by-one",
        action="store_true",
        help="with --db: load_file per file instead of one batch (load_files, as `vypusk load` takes several files)",
    )
    ap.add_argument("--keep-db", type=Path, default=None, help="copy the resulting database here")
    ap.add_argument("--json", type=Path, default=None)
    return ap.parse_args()


def main() -> int:
    args = parse_args()
    if args.db is not None:
        return federal(args)
    rng = np.random.default_rng(42)
    results: Results = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        con = db.open_database(out / "bench.duckdb")
        load_reference_dir(con)
        oktmos = [r[0] for r in con.execute("SELECT oktmo FROM municipalities ORDER BY 1").fetchall()]
        programs = [r[0] for r in con.execute("SELECT program_code FROM programs ORDER BY 1").fetchall()]
        load_file(con, write_colleges(out, oktmos), "colleges.csv")

        grads = graduates_frame(args.graduates, programs, rng)
        gpath = out / "graduates.csv"
        grads.write_csv(gpath, separator=";")
        timed_load(con, gpath, "graduates CSV", results)

        dates = [
            (dt.date(2024, 9, 2) + dt.timedelta(weeks=2 * i)).strftime("%d.%m.%Y")
            for i in range(args.snapshots)
        ]
        st = statuses_frame(grads["СНИЛС"].to_list(), grads["Код ПОО"].to_list(), dates, rng)
        spath = out / "statuses.csv"
        spath.write_bytes(st.write_csv(separator=";").encode("cp1251"))
        timed_load(con, spath, "statuses CSV (cp1251, ';')", results)

        n_x = min(args.xlsx_rows, args.graduates)
        if n_x:
            xdate = (dt.date(2024, 9, 2) + dt.timedelta(weeks=2 * args.snapshots)).strftime("%d.%m.%Y")
            sx = statuses_frame(
                grads["СНИЛС"].to_list()[:n_x], grads["Код ПОО"].to_list()[:n_x], [xdate], rng
            )
            xpath = out / "statuses.xlsx"
            write_xlsx(sx, xpath)
            timed_load(con, xpath, "statuses XLSX", results)

        timed_reload(con, spath, results)
        con.execute("CHECKPOINT")
        con.close()
        keep(out / "bench.duckdb", args.keep_db)
    csv_ok = results["statuses CSV (cp1251, ';')"]["rows_per_s"] >= CSV_TARGET
    xlsx_ok = "statuses XLSX" not in results or results["statuses XLSX"]["rows_per_s"] >= XLSX_TARGET
    print(f"CSV target ≥ {CSV_TARGET:,} rows/s: {'met' if csv_ok else 'NOT met'}")
    print(f"XLSX target ≥ {XLSX_TARGET:,} rows/s: {'met' if xlsx_ok else 'NOT met'}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0 if csv_ok and xlsx_ok else 1


if __name__ == "__main__":
    sys.exit(main())
