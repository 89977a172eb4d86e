"""Ingest throughput of the importer (validation included), on synthetic files in a temp folder.

    .venv/bin/python benchmarks/ingest.py [--graduates 200000] [--snapshots 5] [--xlsx-rows 100000] [--json OUT]

1. reference data + 60 colleges, then a graduation list of `--graduates` rows (CSV);
2. a multi-college status CSV of graduates × snapshots rows (1,000,000 by default), Windows-1251, ';';
3. a status workbook (.xlsx) of `--xlsx-rows` rows for one more snapshot date.
Each load runs through `load_file` exactly as an upload does (read in the bounded child process,
validate, one transaction, spell rebuild). Targets on a 2-core machine (issue 16): ≥ 250,000 rows/s
CSV, ≥ 60,000 rows/s xlsx. CPU is printed for this process and the reader's child process together
(on a shared machine the wall time depends on what else runs; the load average is printed too).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from data_layer import db
from data_layer.importer import load_file, load_reference_dir
from data_layer.statuses import STATUSES

N_COLLEGES = 60
CSV_TARGET = 250_000
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


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the reader's child process)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed_load(con, path: Path, label: str, results: dict[str, dict[str, float]]) -> None:
    load = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), _cpu()
    res = load_file(con, path, path.name)
    secs, cpu = time.perf_counter() - t0, _cpu() - c0
    if not res.ok:
        raise SystemExit(f"{label}: refused: {res.message} {res.errors[:5]}")
    rate = res.rows / secs
    results[label] = {
        "rows": res.rows,
        "seconds": round(secs, 3),
        "cpu_seconds": round(cpu, 3),
        "rows_per_s": round(rate),
        "load_average": round(load, 1),
    }
    # CPU time (all threads) shows whether a slow wall time was the machine being busy.
    print(
        f"{label:<28} {res.rows:>10,} rows  {secs:7.2f} s (CPU {cpu:6.2f} s)  {rate:>10,.0f} rows/s"
        f"  (load average {load:.1f})",
        flush=True,
    )


def timed_reload(con, path: Path, results: dict[str, dict[str, float]]) -> None:
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--graduates", type=int, default=200_000)
    ap.add_argument("--snapshots", type=int, default=5)
    ap.add_argument("--xlsx-rows", type=int, default=100_000)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    rng = np.random.default_rng(42)
    results: dict[str, dict[str, float]] = {}
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
        xdate = (dt.date(2024, 9, 2) + dt.timedelta(weeks=2 * args.snapshots)).strftime("%d.%m.%Y")
        sx = statuses_frame(grads["СНИЛС"].to_list()[:n_x], grads["Код ПОО"].to_list()[:n_x], [xdate], rng)
        xpath = out / "statuses.xlsx"
        write_xlsx(sx, xpath)
        timed_load(con, xpath, "statuses XLSX", results)

        timed_reload(con, spath, results)
        con.close()
    csv_ok = results["statuses CSV (cp1251, ';')"]["rows_per_s"] >= CSV_TARGET
    xlsx_ok = results["statuses XLSX"]["rows_per_s"] >= XLSX_TARGET
    print(f"CSV target ≥ {CSV_TARGET:,} rows/s: {'met' if csv_ok else 'NOT met'}")
    print(f"XLSX target ≥ {XLSX_TARGET:,} rows/s: {'met' if xlsx_ok else 'NOT met'}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0 if csv_ok and xlsx_ok else 1


if __name__ == "__main__":
    sys.exit(main())
