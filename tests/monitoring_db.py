"""A deterministic demo region for the monitoring pages: the real reference data (13 territories,
37 municipalities, programmes from sample_data/reference) plus generated colleges, graduates,
monthly status snapshots, УФНС and ЦЗН extracts.

Rows are inserted directly (bypassing the importer) so the page tests do not depend on the
importer; the figures the pages show are compared with the metrics registry, not hard-coded.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import duckdb
import polars as pl

from data_layer import config, db
from data_layer.spells import rebuild_spells
from tests.factories import snils_with_checksum

# College sizes cycle through the size bands (до 100 / 100–300 / 300–600 / более 600) and include
# a college under 10 graduates (unreliable) and one under 5 (small group).
DEFAULT_SIZES = (3, 8, 40, 120, 350, 700, 60, 150, 25, 90, 200, 45)

FINAL_STATUSES: tuple[tuple[str, float], ...] = (
    ("employed", 0.36),
    ("self_employed", 0.04),
    ("entrepreneur", 0.01),
    ("military_contract", 0.02),
    ("continuing_education", 0.14),
    ("military_conscript", 0.12),
    ("parental_leave", 0.05),
    ("informal", 0.05),
    ("czn_unemployed", 0.02),
    ("no_motivation", 0.03),
    ("other_risk", 0.04),
    ("family_circumstances", 0.02),
    ("moved_abroad", 0.005),
    ("undetermined", 0.095),
)
WORK = {"employed", "self_employed", "entrepreneur", "military_contract"}
LAST_NAMES = ("Иванов", "Петров", "Смирнов", "Кузнецов", "Попов", "Васильев", "Соколов", "Михайлов")
FIRST_NAMES = ("Иван", "Алексей", "Дмитрий", "Сергей", "Андрей", "Максим", "Никита", "Егор")


def _read(name: str) -> pl.DataFrame:
    return pl.read_csv(config.REFERENCE_DIR / name, infer_schema_length=0)


def _centres() -> dict[str, tuple[float, float]]:
    data = json.loads((config.GEO_DIR / "samara_municipalities.geojson").read_text(encoding="utf-8"))
    return {
        f["properties"]["oktmo"]: (f["properties"]["center_lat"], f["properties"]["center_lon"])
        for f in data["features"]
    }


def _month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """Snapshot dates: the last Friday of every month from `start` to `end`, plus `end`."""
    out: list[dt.date] = []
    y, m = start.year, start.month
    while True:
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        last = nxt - dt.timedelta(days=1)
        friday = last - dt.timedelta(days=(last.weekday() - 4) % 7)
        if friday > end:
            break
        if friday >= start:
            out.append(friday)
        y, m = nxt.year, nxt.month
    if not out or out[-1] != end:
        out.append(end)
    return out


def build(
    path: Path,
    *,
    n_colleges: int = 24,
    sizes: tuple[int, ...] = DEFAULT_SIZES,
    cohorts: tuple[int, ...] = (2025,),
    last_snapshot: dt.date = dt.date(2026, 10, 30),
    seed: int = 7,
    demo: bool = True,
    targets: bool = False,
) -> Path:
    """Write the demo region to `path` (a new DuckDB file) and return the path."""
    rnd = random.Random(seed)
    con = db.open_database(path)
    ter, mun, prog = _read("territories.csv"), _read("municipalities.csv"), _read("programs.csv")
    con.executemany("INSERT INTO territories VALUES (?, ?, ?, ?)", ter.rows())
    con.executemany(
        "INSERT INTO municipalities VALUES (?, ?, ?, ?)",
        [(r[0], r[1], r[2], r[3]) for r in mun.rows()],
    )
    con.executemany("INSERT INTO programs VALUES (?, ?, ?, ?, ?)", prog.rows())
    centres = _centres()
    # One college in the centre of every territory first, then the rest in the big cities.
    by_tu: dict[str, list[str]] = {}
    for oktmo, _name, _kind, tu in mun.rows():
        by_tu.setdefault(tu, []).append(oktmo)
    placement = [v[0] for _, v in sorted(by_tu.items())]
    big = ["36701000", "36740000", "36735000", "36701000", "36740000"]
    while len(placement) < n_colleges:
        placement.append(big[len(placement) % len(big)])
    programs = prog["Код"].to_list()
    colleges: list[tuple[str, int, float, list[str]]] = []
    for i in range(n_colleges):
        code = f"P{i + 1:03d}"
        oktmo = placement[i]
        lat, lon = centres.get(oktmo, (53.2, 50.1))
        con.execute(
            "INSERT INTO colleges (college_code, short_name, full_name, oktmo, founder, college_type, lat, lon) VALUES (?, ?, ?, ?, NULL, 'региональная', ?, ?)",
            [code, f"Колледж № {i + 1}", f"ГБПОУ «Колледж № {i + 1}»", oktmo, lat, lon],
        )
        quality = rnd.uniform(-0.18, 0.12)  # shifts the odds of work vs risk per college
        colleges.append((code, sizes[i % len(sizes)], quality, rnd.sample(programs, 3)))
    grads: list[tuple[object, ...]] = []
    rows: list[tuple[object, ...]] = []
    ufns: list[tuple[object, ...]] = []
    czn: list[tuple[object, ...]] = []
    n = 0
    for cohort in cohorts:
        graduation = dt.date(cohort, 6, 27)
        end = min(last_snapshot, dt.date(cohort + 1, 12, 31))
        snaps = _month_ends(graduation + dt.timedelta(days=7), end)
        for code, size, quality, progs in colleges:
            for _ in range(size):
                n += 1
                snils = snils_with_checksum(200_000_000 + n)
                program = progs[rnd.randrange(len(progs))]
                grads.append(
                    (
                        snils,
                        snils,
                        rnd.choice(LAST_NAMES),
                        rnd.choice(FIRST_NAMES),
                        dt.date(cohort - 19, 1 + n % 12, 1 + n % 28),
                        "М" if n % 2 else "Ж",
                        code,
                        program,
                        graduation,
                        cohort,
                    )
                )
                codes, weights = zip(*FINAL_STATUSES, strict=True)
                w = [
                    wt + (quality if c in WORK else -quality / 6)
                    for c, wt in zip(codes, weights, strict=True)
                ]
                final = rnd.choices(codes, weights=[max(x, 0.001) for x in w])[0]
                reached = graduation + dt.timedelta(days=rnd.randint(10, 520))
                first = rnd.randrange(0, 3)  # some graduates miss the first snapshots
                spec = rnd.random() < 0.7
                for k, snap in enumerate(snaps):
                    if k < first:
                        continue
                    if snap >= reached:
                        status, start = final, reached
                    else:
                        status, start = ("forecast_employed" if rnd.random() < 0.3 else "undetermined"), None
                    rows.append((code, snap, cohort, snils, status, start, spec and status == "employed"))
                if final in WORK and final != "military_contract" and rnd.random() < 0.8:
                    ufns.append((snils, "labour_contract", reached, None, end))
                if final == "czn_unemployed":
                    czn.append((snils, reached, "unemployed", None, end))
    _insert_frame(
        con,
        "graduates (person_key, snils, last_name, first_name, birth_date, sex, college_code, program_code, "
        "graduation_date, cohort, study_form)",
        pl.DataFrame(
            grads,
            schema=["k", "s", "ln", "fn", "bd", "sex", "college", "program", "gd", "cohort"],
            orient="row",
        ).with_columns(study_form=pl.lit("очная")),
    )
    _insert_frame(
        con,
        "status_rows (college_code, snapshot_date, cohort, person_key, status, status_start, by_specialty)",
        pl.DataFrame(
            rows,
            schema=[
                "college_code",
                "snapshot_date",
                "cohort",
                "person_key",
                "status",
                "status_start",
                "spec",
            ],
            orient="row",
        ),
    )
    if ufns:
        _insert_frame(
            con,
            "ufns_records (snils, employment_kind, start_date, end_date, extract_date)",
            pl.DataFrame(ufns, schema=["s", "k", "sd", ("ed", pl.Date), "xd"], orient="row"),
        )
    if czn:
        _insert_frame(
            con,
            "czn_records (snils, reg_date, category, dereg_date, extract_date)",
            pl.DataFrame(czn, schema=["s", "rd", "c", ("dd", pl.Date), "xd"], orient="row"),
        )
    now = dt.datetime(last_snapshot.year, last_snapshot.month, last_snapshot.day, 12, 0)
    con.execute(
        "INSERT INTO loads (load_id, loaded_at, username, file_name, checksum, kind, college_code, scope_key, rows, warnings, replaced_rows) VALUES (1, ?, 'builder', 'graduates.xlsx', 'x', 'graduates', NULL, NULL, ?, 0, 0)",
        [now, len(grads)],
    )
    if targets:
        for cohort in cohorts:
            con.execute(
                "INSERT INTO targets VALUES ('employment_federal', ?, 0.625, ?, 'builder')", [cohort, now]
            )
    rebuild_spells(con, None)
    db.bump_dataset_version(con)
    if demo:
        db.set_meta(con, "is_demo", "1")
    con.close()
    return path


def _insert_frame(con: duckdb.DuckDBPyConnection, target: str, frame: pl.DataFrame) -> None:
    con.register("_frame", frame)
    con.execute(f"INSERT INTO {target} SELECT * FROM _frame")
    con.unregister("_frame")


if __name__ == "__main__":  # python -m tests.monitoring_db /tmp/x.duckdb [n_colleges] [scale]
    import sys

    target = Path(sys.argv[1])
    target.unlink(missing_ok=True)
    ncol = int(sys.argv[2]) if len(sys.argv) > 2 else 24
    scale = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
    build(
        target,
        n_colleges=ncol,
        sizes=tuple(max(int(s * scale), 3) for s in DEFAULT_SIZES),
        cohorts=(2024, 2025),
    )
    print(target)
