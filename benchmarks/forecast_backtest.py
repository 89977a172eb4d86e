"""Backtest of the year-end forecast on a region (issue 11, item 7).

    .venv/bin/vypusk init --sample --db /tmp/demo.duckdb            # the demo region, once
    .venv/bin/python benchmarks/forecast_backtest.py --db /tmp/demo.duckdb [--weeks 13] [--json OUT]

For every closed cohort (its window ended 31 December of the following year) that had at least one
earlier closed cohort to learn from at the time, the forecast of the regional `employment_federal`
rate made `--weeks` weeks after the main graduation (metrics.forecast, learning only from cohorts
closed by then) is compared with the actual rate on 31 December; so is the straight-line
projection the app used before (pace of the last four weekly points, carried to 31 December).
Prints every figure; --json writes them all. Reads the database read-only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a file, this folder is first on sys.path and benchmarks/concurrent.py would shadow the
# standard library's `concurrent` package (polars imports concurrent.futures): the repository
# root replaces it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import polars as pl  # noqa: E402

from data_layer import db  # noqa: E402
from data_layer.scope import OPERATOR  # noqa: E402
from metrics import engine, forecast  # noqa: E402
from metrics.indicators import BUILTIN_BY_ID  # noqa: E402


def straight_line(cur: duckdb.DuckDBPyConnection, cohort: int, made: dt.date) -> float | None:
    """The replaced projection: (rate now − rate four weekly points earlier) per day, carried to
    31 December of the following year, capped to [0, 1]."""
    s = engine.weekly_series(cur, OPERATOR, cohort, made, BUILTIN_BY_ID["employment_federal"])
    pts = s.filter(pl.col("rate").is_not_null()).sort("date")
    if pts.height < 2:
        return None
    last = pts.row(-1, named=True)
    prev = pts.row(max(pts.height - 5, 0), named=True)
    days = (last["date"] - prev["date"]).days
    pace = (last["rate"] - prev["rate"]) / days if days > 0 else 0.0
    end = engine.window_end(cohort)
    return float(min(max(last["rate"] + pace * (end - last["date"]).days, 0.0), 1.0))


def pct(x: object) -> str:
    return "—" if x is None else f"{float(x) * 100:.1f} %".replace(".", ",")  # type: ignore[arg-type]


def pp(x: object) -> str:
    return "—" if x is None else f"{float(x):+.1f} п. п.".replace(".", ",", 1)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--weeks", type=int, default=13)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    con = db.open_database(args.db, read_only=True)
    cur = con.cursor()
    ind = BUILTIN_BY_ID["employment_federal"]
    today = dt.date.today()
    cohorts = [int(r[0]) for r in cur.execute("SELECT DISTINCT cohort FROM graduates ORDER BY 1").fetchall()]
    results: list[dict[str, Any]] = []
    for c in cohorts:
        if engine.window_end(c) > today:
            continue
        r = forecast.backtest(cur, c, ind, args.weeks)
        if not r.get("learned_from"):
            continue
        made = dt.date.fromisoformat(str(r["made_on"]))
        line = straight_line(cur, c, made)
        r["straight_line"] = line
        actual = r["actual"]
        r["straight_line_error_pp"] = (
            None if line is None or not isinstance(actual, float) else (line - actual) * 100
        )
        results.append(r)
        print(
            f"Выпуск {c}: прогноз от {made:%d.%m.%Y} ({args.weeks} недель после выпуска, доля тогда "
            f"{pct(r['rate_then'])}) на 31.12.{c + 1}: {pct(r['forecast'])} "
            f"(диапазон {pct(r['low'])} – {pct(r['high'])}, выпуски {r['learned_from']}, "
            f"траекторий {r['trajectories']}); факт {pct(r['actual'])}; ошибка {pp(r['error_pp'])}; "
            f"прямая линия: {pct(line)} (ошибка {pp(r['straight_line_error_pp'])})"
        )
    if not results:
        print("Нет закрытых выпусков с более ранней историей: проверять нечего.")
    if args.json:
        Path(args.json).write_text(
            json.dumps({"weeks": args.weeks, "backtest": results}, ensure_ascii=False, indent=2)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
