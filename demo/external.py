"""External and activity data derived from the trajectories (docs/data_contract.md §6–7):
ФИС ФРДО, УФНС and ЦЗН extracts, career events, career tracks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from demo import calibration as cal
from demo import catalog as cat
from demo.frames import dates, diploma_numbers, lookup, snils_plain
from demo.people import EXTRA_INDEX_BASE, People
from demo.plan import Plan, day
from demo.trajectories import INF, NO_DATE, Spells


def extract_dates(today: dt.date) -> tuple[dt.date, ...]:
    """Monthly extracts from the labour ministry (УФНС and ЦЗН data), on the 1st of every month
    from calibration.ACTIVITY.first_extract (the first cohort's window) to today."""
    y, m = cal.ACTIVITY.first_extract
    out = []
    while dt.date(y, m, 1) <= today:
        out.append(dt.date(y, m, 1))
        y, m = y + (m == 12), m % 12 + 1
    return tuple(out)


UFNS_KINDS = ("трудовой договор", "ИП", "НПД")
CZN_CATEGORIES = ("безработный", "ищущий работу")
S = cat.S


@dataclass
class Records:
    """Dated records of one kind for graduates: extract files are filtered views of these."""

    rows: np.ndarray  # graduate row in the chunk
    kind: np.ndarray  # index into UFNS_KINDS / CZN_CATEGORIES
    start: np.ndarray  # days
    end: np.ndarray  # days, NO_DATE = open
    inn: np.ndarray  # employer index, -1 none (УФНС only)


def _next_start(sp: Spells) -> np.ndarray:
    """For every slot, the start of the spell that follows it (INF if none)."""
    pos = np.argsort(sp.order, axis=1)
    padded = np.concatenate([sp.sorted_start, np.full((len(sp.start), 1), INF)], axis=1)
    return np.take_along_axis(padded, pos + 1, axis=1)


def _take(
    mask: np.ndarray, kind: np.ndarray | int, start: np.ndarray, end: np.ndarray, inn: np.ndarray | int = -1
) -> tuple[np.ndarray, ...]:
    """The records where `mask` holds, as (rows, kind, start, end, inn)."""
    shape = mask.shape
    return (
        np.flatnonzero(mask),
        np.broadcast_to(kind, shape)[mask].astype(np.int64),
        start[mask],
        end[mask],
        np.broadcast_to(inn, shape)[mask].astype(np.int64),
    )


def _concat(parts: list[tuple[np.ndarray, ...]]) -> Records:
    if not parts:
        e = np.zeros(0, dtype=np.int64)
        return Records(e, e, e, e, e)
    cols = [np.concatenate([p[i] for p in parts]) for i in range(5)]
    order = np.lexsort((cols[2], cols[0]))
    return Records(*(c[order] for c in cols))


def ufns_records(plan: Plan, p: People, sp: Spells, rng: np.random.Generator) -> Records:
    """Declared work confirmed by tax data for most graduates (per-college share), plus work the
    college does not know about ("found by external data")."""
    n, nxt = len(p), _next_start(sp)
    visible = (sp.start < INF) & (nxt > sp.start) & ~p.foreign[:, None]
    idle_codes = [S["undetermined"], S["no_motivation"], S["other_risk"], S["informal"]]
    parts: list[tuple[np.ndarray, ...]] = []
    for k in range(sp.start.shape[1]):
        st, s0, nk = sp.status[:, k], sp.start[:, k], nxt[:, k]
        end = np.where(nk < INF, p.grad + nk - 1, NO_DATE)
        work = visible[:, k] & np.isin(st, [S[c] for c in cat.VERIFIABLE])
        conf = work & (rng.random(n) < plan.colleges.confirm[p.college])
        kind = np.where(st == S["employed"], 0, np.where(st == S["entrepreneur"], 1, 2))
        start = p.grad + s0 + rng.integers(-10, 15, n)  # registration is a little off the declared date
        start = np.where(end != NO_DATE, np.minimum(start, end - 1), start)
        inn = np.where(st == S["employed"], sp.employer[:, k], -1)
        parts.append(_take(conf, kind, start, end, inn))

        dur = np.minimum(nk, s0 + 400) - s0
        idle = visible[:, k] & np.isin(st, idle_codes) & (dur >= 45)
        found = idle & (rng.random(n) < np.where(st == S["informal"], 0.15, 0.1))
        f_start = p.grad + s0 + 14 + (rng.random(n) * (np.minimum(dur, 135) - 15)).astype(np.int64)
        f_kind = np.where(rng.random(n) < 0.75, 0, 2)
        trade = np.full(n, cat.SECTORS.index("trade"))
        emp = plan.employers.pick(rng, trade, plan.colleges.mun[p.college], rng.random(n) < 0.8)
        f_inn = np.where(f_kind == 0, emp, -1)
        parts.append(_take(found, f_kind, f_start, end, f_inn))
    return _concat(parts)


def czn_records(plan: Plan, p: People, sp: Spells, rng: np.random.Generator) -> Records:
    """Registrations at job centres: most graduates the college reports as registered, some
    undetermined job seekers, and a few conflicts (registered while the college declares work)."""
    n, nxt = len(p), _next_start(sp)
    visible = (sp.start < INF) & (nxt > sp.start) & ~p.foreign[:, None]
    parts: list[tuple[np.ndarray, ...]] = []
    for k in range(sp.start.shape[1]):
        st, s0, nk = sp.status[:, k], sp.start[:, k], nxt[:, k]
        unemp = visible[:, k] & (st == S["czn_unemployed"]) & (rng.random(n) < 0.85)
        reg = p.grad + s0 - rng.integers(0, 10, n)
        # registration ends with the next status, or after some months if the risk status lasts
        dereg = np.where(
            nk < INF,
            np.maximum(reg + 1, p.grad + nk - rng.integers(0, 5, n)),
            reg + rng.integers(180, 540, n),
        )
        parts.append(_take(unemp, 0, reg, dereg))

        dur = np.minimum(nk, s0 + 400) - s0
        seeker = visible[:, k] & (st == S["undetermined"]) & (dur >= 60) & (rng.random(n) < 0.08)
        reg = p.grad + s0 + rng.integers(14, 45, n)
        leave = reg + rng.integers(30, 150, n)
        dereg = np.where(nk < INF, np.minimum(p.grad + nk, leave), leave)
        parts.append(_take(seeker, 1, reg, dereg))

        conflict = visible[:, k] & (st == S["employed"]) & (rng.random(n) < 0.004)
        reg = p.grad + s0 - rng.integers(5, 30, n)
        dereg = p.grad + s0 + rng.integers(20, 90, n)
        kind = rng.integers(0, 2, n)
        parts.append(_take(conflict, kind, reg, dereg))
    return _concat(parts)


def extract_frame(
    plan: Plan, p: People, rec: Records, extract: dt.date, previous: dt.date | None, kind: str, full: bool
) -> pl.DataFrame:
    """The extract of `extract`: the records that began, or whose end became known, after the
    `previous` extract (the ministry sends changes), for the cohorts whose monitoring window was
    open (or had just closed); `full` (the newest extract): every record known by then, every
    cohort. End dates only if already known. The app keeps each record's newest state, so the
    extracts together give every record as it was known at each extract date."""
    e = day(extract)
    keep = rec.start <= e
    if not full:
        window_over = np.array([dt.date(y + 2, 1, 1) for y in plan.cohorts]) < extract
        keep &= ~window_over[p.cohort[rec.rows] - plan.cohorts[0]]
        if previous is not None:
            after = day(previous)
            ended = (rec.end != NO_DATE) & (rec.end > after) & (rec.end <= e)
            keep &= (rec.start > after) | ended
    r, end = rec.rows[keep], rec.end[keep]
    known = (end != NO_DATE) & (end <= e)
    snils = snils_plain(p.gid[r], plan.seed)
    if kind == "ufns":
        df = pl.DataFrame(
            {
                "СНИЛС": snils,
                "Вид занятости": lookup(UFNS_KINDS, rec.kind[keep]),
                "Дата начала": dates(rec.start[keep]),
                "Дата окончания": dates(end, known),
                "ИНН работодателя": lookup(plan.employers.inn, rec.inn[keep]),
            }
        )
    else:
        df = pl.DataFrame(
            {
                "СНИЛС": snils,
                "Дата постановки на учёт": dates(rec.start[keep]),
                "Категория": lookup(CZN_CATEGORIES, rec.kind[keep]),
                "Дата снятия с учёта": dates(end, known),
            }
        )
    return df.with_columns(pl.lit(extract).alias("Дата выгрузки"))


def frdo_frame(plan: Plan, p: People, rng: np.random.Generator) -> pl.DataFrame:
    """ФИС ФРДО: most diplomas of the graduation lists (per-college completeness), plus a few
    diplomas of people missing from the college's list."""
    n = len(p)
    keep = ~p.foreign & (rng.random(n) < plan.colleges.frdo[p.college])
    n_extra = int(rng.binomial(n, 0.003)) if n else 0
    extra = np.sort(rng.choice(n, size=min(n_extra, n), replace=False)) if n_extra else np.zeros(0, np.int64)
    regno = diploma_numbers(plan, p)
    main = pl.DataFrame(
        {
            "СНИЛС": snils_plain(p.gid[keep], plan.seed),
            "Код ПОО": lookup(plan.colleges.code, p.college[keep]),
            "Код специальности": lookup(plan.ref.program_codes, p.program[keep]),
            "Дата выдачи": dates(p.grad[keep]),
            "Рег. номер": regno.filter(pl.Series(keep)),
            "_cohort": p.cohort[keep],
        }
    )
    extras = pl.DataFrame(
        {
            "СНИЛС": snils_plain(EXTRA_INDEX_BASE + p.gid[extra], plan.seed),
            "Код ПОО": lookup(plan.colleges.code, p.college[extra]),
            "Код специальности": lookup(plan.ref.program_codes, p.program[extra]),
            "Дата выдачи": dates(p.grad[extra]),
            "Рег. номер": regno.gather(extra).str.replace(r"-(\d{5})$", "-9$1"),
            "_cohort": p.cohort[extra],
        }
    )
    return pl.concat([main, extras]).sort(["_cohort", "Код ПОО", "Рег. номер"], maintain_order=True)


def career_tracks_frame(plan: Plan, p: People, sp: Spells, rng: np.random.Generator) -> pl.DataFrame:
    """Career tracks of graduating students, recorded for a varying share of each college."""
    n = len(p)
    share = plan.colleges.tracks[p.college]
    year_shift = ((p.cohort - 2023) * 0.03).clip(-0.06, 0.06)  # the practice spreads over the years
    keep = ~p.foreign & (rng.random(n) < np.clip(share + year_shift, 0.4, 0.95))
    formed = np.array([day(dt.date(int(y) - 1, 10, 1)) for y in p.cohort[keep]], dtype=np.int64)
    formed = formed + rng.integers(0, 180, int(keep.sum()))
    years = [f"{y - 1}/{y}" for y in range(2015, 2035)]
    return pl.DataFrame(
        {
            "СНИЛС": snils_plain(p.gid[keep], plan.seed),
            "Код ПОО": lookup(plan.colleges.code, p.college[keep]),
            "Учебный год": lookup(years, p.cohort[keep] - 2015),
            "Трек": lookup(cat.CAREER_TRACKS, sp.career_track[keep].astype(np.int64)),
            "Дата формирования": dates(formed),
        }
    )


def _event_days(year: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A day in one of the event months (October–May, calibration.ACTIVITY) of the academic year
    that starts in September of `year`."""
    months = np.array(cal.ACTIVITY.event_months)
    mo = months[rng.integers(0, len(months), len(year))]
    yy = year + (mo < 9)
    first = (yy - 1970) * 12 + mo - 1  # months since 1970-01
    start = np.array(first, dtype="datetime64[M]").astype("datetime64[D]").astype(np.int64)
    length = (np.array(first + 1, dtype="datetime64[M]").astype("datetime64[D]").astype(np.int64)) - start
    return start + (rng.random(len(year)) * length).astype(np.int64)


def events_frame(plan: Plan, c0: int, c1: int, rng: np.random.Generator) -> pl.DataFrame:
    """Career events of colleges [c0, c1): several per college and academic year, up to today."""
    cols = plan.colleges
    first_year, last_year = plan.cohorts[0] - 1, plan.today.year - (plan.today.month < 9)
    years = np.arange(first_year, last_year + 1)
    grid_c, grid_y = np.meshgrid(np.arange(c0, c1), years, indexing="ij")
    cc, yy = grid_c.ravel(), grid_y.ravel()
    per = rng.poisson(cols.activity[cc]) + 1
    college, year = np.repeat(cc, per), np.repeat(yy, per)
    m = len(college)
    when = _event_days(year, rng)
    kind = rng.choice(
        len(cat.EVENT_TYPES), size=m, p=np.array(cat.EVENT_TYPE_WEIGHTS) / sum(cat.EVENT_TYPE_WEIGHTS)
    )
    ok = when <= day(plan.today)
    college, year, when, kind = college[ok], year[ok], when[ok], kind[ok]
    m = len(college)
    yearly = plan.counts.sum(axis=2).mean(axis=1)[college]
    lo = np.array([0.3, 0.15, 0.05, 0.03, 0.05, 0.05])[kind]
    hi = np.array([0.7, 0.5, 0.25, 0.12, 0.3, 0.3])[kind]
    people = np.maximum(3, (yearly * rng.uniform(lo, hi))).astype(np.int64)
    emp_lo, emp_hi = np.array([5, 2, 1, 1, 0, 0])[kind], np.array([31, 11, 2, 2, 3, 4])[kind]
    employers = rng.integers(emp_lo, emp_hi)
    # an employer for presentations, career days and excursions: of the college's main sector
    main_prog = plan.counts[college].sum(axis=1).argmax(axis=1)
    emp = plan.employers.pick(
        rng, plan.ref.program_sector[main_prog], cols.mun[college], np.ones(m, dtype=bool)
    )
    pick = rng.integers(0, 1000, m)
    titles = []
    for k, e, j in zip(kind, emp, pick, strict=True):
        name = plan.employers.name[e]
        titles.append(
            (
                cat.FAIR_NAMES[j % len(cat.FAIR_NAMES)],
                f"День карьеры: {name}",
                f"Презентация работодателя {name}",
                f"Экскурсия на предприятие {name}",
                cat.TRAININGS[j % len(cat.TRAININGS)],
                cat.OTHER_EVENTS[j % len(cat.OTHER_EVENTS)],
            )[k]
        )
    df = pl.DataFrame(
        {
            "Код ПОО": lookup(cols.code, college),
            "Дата": dates(when),
            "Тип": lookup(cat.EVENT_TYPES, kind),
            "Название": titles,
            "Участников-выпускников": people,
            "Работодателей": employers,
        }
    )
    return df.unique(subset=["Код ПОО", "Дата", "Тип", "Название"], keep="first", maintain_order=True).sort(
        ["Код ПОО", "Дата"], maintain_order=True
    )
