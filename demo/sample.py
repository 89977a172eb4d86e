"""Synthetic demo region: import files in the docs/data_contract.md formats (the command is cli/sample.py).

The default region has 55 fictional colleges in the 13 territorial units and 82,000 graduates of
the 2021–2025 cohorts, as of DEMO_TODAY (26.11.2026), calibrated to published figures
(demo/calibration.py; `vypusk sample` prints how close it is, demo/realism.py). Files, in load
order (CSV: UTF-8, ';', ДД.ММ.ГГГГ):
  00–02 reference copies, 03_colleges; 10_graduates_<cohort>; 20_statuses_<year of the snapshot>
  (every (college, date) snapshot lies in one file; weekly for the two latest cohorts, month-end
  for older ones; split per chunk of colleges at large sizes); 30_frdo_<cohort>;
  40_ufns_<year>, 50_czn_<year> (the monthly extracts of that year, each with its «Дата выгрузки»:
  the changes since the previous one), 40_ufns_<date>, 50_czn_<date> (the newest extract, full,
  every cohort); 60_events.xlsx (a title row above the table); 70_career_tracks.
`--graduates N` scales it up to the federal 2.5 million for benchmarks: about 3,500 colleges,
events as CSV, and above 200,000 graduates month-end snapshots only, thinned to every k-th month
to stay near 16 million status rows (about six snapshots per cohort at 2.5 million; see
demo.plan.make_calendar). Same seed, same bytes. Generation runs per chunk of colleges
(demo.plan.CHUNK_GRADUATES), so memory stays flat at any size.

Other features add their demo content as a module beside these (people, trajectories, external,
frames): a function of (plan, people, spells, rng) returning a frame, and a sink in `generate`;
draw from an own stream (np.random.default_rng([seed, <new number>, chunk])) so that the existing
files keep their bytes.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from data_layer import config
from data_layer.errors import UserFacingError
from data_layer.text import fmt_int
from demo import external, frames, realism
from demo.people import make_people
from demo.plan import COHORTS, DEFAULT_GRADUATES, Plan, make_plan
from demo.trajectories import make_spells

DEMO_TODAY = dt.date(2026, 11, 26)
MIN_GRADUATES = 100
MAX_GRADUATES = 5_000_000
XLSX_EVENTS_LIMIT = 200_000  # events go to .xlsx (the Excel path of the importer) up to this size
REFERENCE_FILES = ("territories.csv", "municipalities.csv", "programs.csv")
# every file name this module writes: stale ones from an earlier run with other sizes are removed
_OWN_NAME = re.compile(
    r"^\d\d_(territories|municipalities|programs|colleges|graduates_\d{4}|statuses_\d{4}(_\d{3})?|frdo_\d{4}"
    r"|ufns_\d{4}(-\d\d-\d\d)?|czn_\d{4}(-\d\d-\d\d)?|events|career_tracks)\.(csv|xlsx)$"
)


@dataclass
class SampleResult:
    files: list[Path]
    graduates: int = 0
    colleges: int = 0
    status_rows: int = 0
    calendar: str = ""
    rows: dict[str, int] = field(default_factory=dict)
    realism: realism.Summary | None = None


def write_sample(out_dir: Path, graduates: int | None = None, seed: int = 42) -> list[Path]:
    """Write synthetic import files (docs/data_contract.md formats, Russian headers) into out_dir and
    return them in load order: reference (territories, municipalities, programs copied from
    sample_data/reference/, colleges generated), graduates, statuses, frdo, ufns, czn, events,
    career_tracks."""
    return generate(Path(out_dir), graduates, seed).files


def generate(
    out_dir: Path, graduates: int | None = None, seed: int = 42, today: dt.date = DEMO_TODAY
) -> SampleResult:
    """write_sample with statistics (for the command line and benchmarks)."""
    n = DEFAULT_GRADUATES if graduates is None else int(graduates)
    if not MIN_GRADUATES <= n <= MAX_GRADUATES:
        raise UserFacingError(
            f"Число выпускников должно быть от {fmt_int(MIN_GRADUATES)} до {fmt_int(MAX_GRADUATES)}, указано {fmt_int(n)}."
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.iterdir():
        if old.is_file() and _OWN_NAME.match(old.name):
            old.unlink()
    plan = make_plan(n, seed, today)
    extracts = external.extract_dates(today)

    files: list[Path] = []
    for i, name in enumerate(REFERENCE_FILES):
        target = out_dir / f"0{i}_{name}"
        shutil.copyfile(config.REFERENCE_DIR / name, target)
        files.append(target)
    colleges = frames.CsvSink(out_dir / "03_colleges.csv")
    colleges.write(frames.colleges_frame(plan))

    sinks = _sinks(out_dir, plan, extracts)
    events_parts: list[pl.DataFrame] = []
    to_xlsx = n <= XLSX_EVENTS_LIMIT
    gid0 = 0
    tally = realism.Tally(plan)
    for ci, (c0, c1) in enumerate(plan.chunks):
        _write_chunk(plan, sinks, events_parts if to_xlsx else None, tally, extracts, ci, c0, c1, gid0)
        gid0 += int(plan.counts[c0:c1].sum())

    files += [colleges.path, *_written_files(out_dir, sinks, events_parts if to_xlsx else None, today)]
    return SampleResult(
        files=files,
        graduates=n,
        colleges=len(plan.colleges),
        status_rows=sum(s.rows for k, s in sinks.items() if k[0] == "statuses"),
        calendar=plan.calendar.mode,
        rows={s.path.name: s.rows for s in sinks.values() if s.rows},
        realism=tally.summary(),
    )


def _sinks(
    out_dir: Path, plan: Plan, extracts: tuple[dt.date, ...]
) -> dict[tuple[object, ...], frames.CsvSink]:
    """One CSV file per kind and year (statuses also per chunk of colleges when there are several)."""
    years = sorted(
        {
            int(y)
            for y in plan.calendar.dates.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
            + 1970
        }
    )
    return {
        **{("graduates", y): frames.CsvSink(out_dir / f"10_graduates_{y}.csv") for y in COHORTS},
        **{
            ("statuses", y, ci): frames.CsvSink(out_dir / f"20_statuses_{y}{_part(ci, len(plan.chunks))}.csv")
            for y in years
            for ci in range(len(plan.chunks))
        },
        **{("frdo", y): frames.CsvSink(out_dir / f"30_frdo_{y}.csv") for y in COHORTS},
        # the monthly extracts of each year in one file per kind (each row keeps its «Дата
        # выгрузки»: the app stores them as separate extracts), the newest full one on its own
        **{
            (kind, _extract_file_key(d, extracts)): frames.CsvSink(
                out_dir / f"{prefix}_{kind}_{_extract_file_key(d, extracts)}.csv"
            )
            for kind, prefix in (("ufns", "40"), ("czn", "50"))
            for d in extracts
        },
        ("events", 0): frames.CsvSink(out_dir / "60_events.csv"),
        ("career_tracks", 0): frames.CsvSink(out_dir / "70_career_tracks.csv"),
    }


def _written_files(
    out_dir: Path,
    sinks: dict[tuple[object, ...], frames.CsvSink],
    events_parts: list[pl.DataFrame] | None,
    today: dt.date,
) -> list[Path]:
    """The files with rows, in load order; the events as one xlsx when they were collected for it."""
    ordered = [s.path for key, s in sinks.items() if key[0] not in ("events", "career_tracks") and s.rows]
    if events_parts is not None:
        ev = pl.concat(events_parts) if events_parts else pl.DataFrame()
        if ev.height:
            xlsx = out_dir / "60_events.xlsx"
            title = "Мероприятия центров содействия трудоустройству выпускников (демо)"
            frames.write_xlsx(ev, xlsx, title, dt.datetime.combine(today, dt.time(9, 0)))
            ordered.append(xlsx)
    elif sinks[("events", 0)].rows:
        ordered.append(sinks[("events", 0)].path)
    if sinks[("career_tracks", 0)].rows:
        ordered.append(sinks[("career_tracks", 0)].path)
    return ordered


def _extract_file_key(d: dt.date, extracts: tuple[dt.date, ...]) -> str:
    """The file an extract goes to: its year, or its own date for the newest (full) one."""
    return d.isoformat() if d == extracts[-1] else str(d.year)


def _part(ci: int, n_chunks: int) -> str:
    """Status files are split per chunk of colleges at large sizes (bounded file size)."""
    return f"_{ci + 1:03d}" if n_chunks > 1 else ""


def _write_chunk(
    plan: Plan,
    sinks: dict[tuple[object, ...], frames.CsvSink],
    events_parts: list[pl.DataFrame] | None,
    tally: realism.Tally,
    extracts: tuple[dt.date, ...],
    ci: int,
    c0: int,
    c1: int,
    gid0: int,
) -> None:
    rng = np.random.default_rng([plan.seed, 2, ci])
    people = make_people(plan, c0, c1, gid0, rng)
    spells = make_spells(plan, people, rng)
    snils = frames.snils_text(plan, people)
    docs = frames.doc_numbers(people)

    grads = frames.graduates_frame(plan, people, snils, docs)
    for (cohort,), part in grads.partition_by("_cohort", as_dict=True, maintain_order=True).items():
        sinks[("graduates", cohort)].write(part.drop("_cohort"))
    del grads
    for year, rows, di in frames.status_rows(plan, people):
        sinks[("statuses", year, ci)].write(
            frames.statuses_frame(plan, people, spells, rows, di, snils, docs)
        )

    frdo = external.frdo_frame(plan, people, rng)
    for (cohort,), part in frdo.partition_by("_cohort", as_dict=True, maintain_order=True).items():
        sinks[("frdo", cohort)].write(part.drop("_cohort"))
    ufns = external.ufns_records(plan, people, spells, rng)
    czn = external.czn_records(plan, people, spells, rng)
    tally.add(people, spells, ufns, czn, extracts[-1])
    for i, d in enumerate(extracts):
        prev, full = (extracts[i - 1] if i else None), d == extracts[-1]
        key = _extract_file_key(d, extracts)
        sinks[("ufns", key)].write(external.extract_frame(plan, people, ufns, d, prev, "ufns", full))
        sinks[("czn", key)].write(external.extract_frame(plan, people, czn, d, prev, "czn", full))
    events = external.events_frame(plan, c0, c1, rng)
    if events_parts is None:
        sinks[("events", 0)].write(events)
    else:
        events_parts.append(events)
    sinks[("career_tracks", 0)].write(external.career_tracks_frame(plan, people, spells, rng))
