"""The plan of a demo region: reference data, colleges, graduates per (college, cohort, programme),
employers, the snapshot calendar and reporting gaps.

Everything here is small (per college, per date); per-graduate data is generated later, per chunk
of colleges, so that memory stays flat at federal volumes.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from data_layer import config
from demo import calibration as cal
from demo import catalog as cat

EPOCH = dt.date(1970, 1, 1)
COHORTS: tuple[int, ...] = (2021, 2022, 2023, 2024, 2025)
COHORT_TREND: tuple[float, ...] = (0.94, 0.97, 1.0, 1.02, 1.05)  # graduation grows a little every year
DEFAULT_GRADUATES = 82_000
DEFAULT_COLLEGES = len(cat.COLLEGES)
FEDERAL_GRADUATES = 2_500_000
FEDERAL_COLLEGES = 3_500
WEEKLY_LIMIT = 200_000  # above this many graduates only month-end snapshots are written
STATUS_ROW_BUDGET = 16_000_000  # above WEEKLY_LIMIT month-ends are thinned to stay near this
CHUNK_GRADUATES = 100_000  # graduates (all cohorts) generated and written at once


def day(d: dt.date) -> int:
    """Days since 1970-01-01 (the integer form of dates in all arrays)."""
    return (d - EPOCH).days


def to_date(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(n))


@dataclass
class Reference:
    """The shipped reference files, as arrays."""

    program_codes: list[str]
    program_is_kr: np.ndarray  # ППКРС (worker programmes) vs ППССЗ
    program_sector: np.ndarray  # index into cat.SECTORS
    mun_oktmo: list[str]
    mun_name: list[str]
    settlements: dict[str, tuple[int, float, float]]  # name -> (municipality index, lat, lon)

    def program_index(self, code: str) -> int:
        return self.program_codes.index(code)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def load_reference() -> Reference:
    progs = _read_csv(config.REFERENCE_DIR / "programs.csv")
    muns = _read_csv(config.REFERENCE_DIR / "municipalities.csv")
    codes = [r["Код"] for r in progs]
    sector = [cat.SECTORS.index(cat.PROGRAM_SECTOR_OVERRIDE.get(c) or cat.UGPS_SECTOR[c[:2]]) for c in codes]
    mun_name = [r["Наименование"] for r in muns]
    settlements: dict[str, tuple[int, float, float]] = {}
    for r in _read_csv(config.GEO_DIR / "samara_settlements.csv"):
        if r["municipality"] in mun_name:
            settlements[r["settlement"]] = (
                mun_name.index(r["municipality"]),
                float(r["lat"]),
                float(r["lon"]),
            )
    return Reference(
        program_codes=codes,
        program_is_kr=np.array([r["Уровень"] == "ППКРС" for r in progs]),
        program_sector=np.array(sector, dtype=np.int16),
        mun_oktmo=[r["ОКТМО"] for r in muns],
        mun_name=mun_name,
        settlements=settlements,
    )


def college_count(n_graduates: int) -> int:
    """~55 colleges at the default size, fewer for small tests, ~3,500 at the federal size."""
    if n_graduates <= DEFAULT_GRADUATES:
        return max(
            3, min(DEFAULT_COLLEGES, round(DEFAULT_COLLEGES * math.sqrt(n_graduates / DEFAULT_GRADUATES)))
        )
    slope = (FEDERAL_COLLEGES - DEFAULT_COLLEGES) / (FEDERAL_GRADUATES - DEFAULT_GRADUATES)
    return round(DEFAULT_COLLEGES + (n_graduates - DEFAULT_GRADUATES) * slope)


@dataclass
class Colleges:
    code: list[str]
    short: list[str]
    full: list[str]
    founder: list[str]
    ctype: list[str]
    settlement: list[str]
    profile: list[str]
    mun: np.ndarray  # municipality index
    lat: np.ndarray
    lon: np.ndarray
    # behaviour of the college (one value per college)
    quality: np.ndarray  # shift of the probability to find work
    spec: np.ndarray  # base share of work by specialty
    confirm: np.ndarray  # share of declared work visible in УФНС data
    frdo: np.ndarray  # ФИС ФРДО completeness
    tracks: np.ndarray  # share of graduating students with a career track
    activity: np.ndarray  # events per academic year (mean)
    foreign: np.ndarray  # share of foreign graduates without СНИЛС
    codes_style: np.ndarray  # statuses written as codes instead of labels
    digits_snils: np.ndarray  # СНИЛС written as 11 digits instead of XXX-XXX-XXX YY
    mun_by_name: np.ndarray  # work municipality written as a name instead of ОКТМО
    fills_regno: np.ndarray
    professionalitet: np.ndarray
    june_day: np.ndarray  # [college, programme] day offset from 19 June
    feb_day: np.ndarray
    dec_day: np.ndarray
    # share of graduates a careless college leaves «не определился» until the final December
    # clean-up (0 for most; see _careless)
    careless: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __len__(self) -> int:
        return len(self.code)


@dataclass
class Employers:
    name: list[str]
    inn: list[str]
    sector: np.ndarray
    mun: np.ndarray  # municipality index; len(mun_oktmo) = outside the region
    sector_start: np.ndarray  # [sector] first index (the pool is sorted by sector, municipality)
    sector_count: np.ndarray
    local_start: np.ndarray  # [sector, municipality]
    local_count: np.ndarray

    def pick(
        self, rng: np.random.Generator, sector: np.ndarray, mun: np.ndarray, local: np.ndarray
    ) -> np.ndarray:
        """An employer of the sector, in the given municipality where `local` and one exists."""
        u = rng.random(len(sector))
        lc = self.local_count[sector, mun]
        use_local = local & (lc > 0)
        anywhere = self.sector_start[sector] + (u * self.sector_count[sector]).astype(np.int64)
        here = self.local_start[sector, mun] + (u * lc).astype(np.int64)
        return np.where(use_local, here, anywhere).astype(np.int32)


@dataclass
class Calendar:
    """Snapshot dates (days) of every cohort and the union of all of them."""

    dates: np.ndarray  # sorted union
    cohort_dates: dict[int, np.ndarray]  # indices into `dates`
    weekly: frozenset[int]
    mode: str  # 'weekly' (two latest cohorts weekly), 'monthly', or 'every N months'


@dataclass
class Plan:
    seed: int
    n_graduates: int
    today: dt.date
    ref: Reference
    colleges: Colleges
    counts: np.ndarray  # [college, cohort, programme] graduates
    employers: Employers
    calendar: Calendar
    missing: np.ndarray  # [college, date] the college skipped that snapshot
    chunks: list[tuple[int, int]] = field(default_factory=list)  # college index ranges

    @property
    def cohorts(self) -> tuple[int, ...]:
        return COHORTS


# ---------------------------------------------------------------- colleges


def _unique_short(shorts: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for s in shorts:
        k = seen.get(s, 0)
        seen[s] = k + 1
        out.append(s if k == 0 else f"{s}-{k + 1}")
    return out


def _make_colleges(ref: Reference, n: int, rng: np.random.Generator) -> tuple[Colleges, np.ndarray]:
    """College descriptions plus a base yearly size per college."""
    rows, idx = _college_rows(ref, n, rng)
    width = max(3, len(str(max(idx) + 1)))
    code = [f"P{i + 1:0{width}d}" for i in idx]
    m = len(rows)
    full, founder = _full_names_and_founders(rows)
    towns_ = [r[2] for r in rows]
    mun, lat, lon, size = _placement_and_size(ref, rows, rng)
    quality = np.clip(rng.normal(0.0, 0.075, m), -0.2, 0.14)
    if m >= 8:  # a few clearly weak colleges, well below the 62,5 % target
        weak = rng.choice(m, size=max(1, round(m * 2 / DEFAULT_COLLEGES)), replace=False)
        quality[weak] = rng.uniform(-0.3, -0.2, len(weak))
    frdo = np.where(
        rng.random(m) < 0.85, np.minimum(1.0, rng.uniform(0.965, 1.02, m)), rng.uniform(0.85, 0.95, m)
    )
    foreign = np.where(rng.random(m) < 0.2, rng.uniform(0.005, 0.025, m), rng.uniform(0.0, 0.003, m))
    prof_ok = np.array(
        [r[3] in ("poly", "machine", "aviation", "it", "energy", "medical", "oilgas", "auto") for r in rows]
    )
    cols = Colleges(
        code=code,
        short=_unique_short([r[1] for r in rows]),
        full=full,
        founder=founder,
        ctype=[cat.COLLEGE_TYPE[r[4]] for r in rows],
        settlement=towns_,
        profile=[r[3] for r in rows],
        mun=mun,
        lat=lat.round(5),
        lon=lon.round(5),
        quality=quality,
        spec=rng.uniform(*cal.OUTCOMES.by_specialty, m),
        confirm=rng.uniform(0.94, 0.995, m),
        frdo=frdo,
        tracks=rng.uniform(0.4, 0.95, m),
        activity=np.exp(rng.normal(np.log(5.5), 0.4, m)),
        foreign=foreign,
        codes_style=rng.random(m) < 0.08,
        digits_snils=rng.random(m) < 0.2,
        mun_by_name=rng.random(m) < 0.15,
        fills_regno=rng.random(m) < 0.9,
        professionalitet=prof_ok & (rng.random(m) < 0.55),
        june_day=rng.integers(0, 16, size=(m, len(ref.program_codes))),
        feb_day=rng.integers(10, 28, size=m),
        dec_day=rng.integers(20, 30, size=m),
    )
    return cols, size


_CollegeRow = tuple[str, str, str, str, str, str]  # name, short name, town, profile, type (r/f/p), size tier


def _college_rows(ref: Reference, n: int, rng: np.random.Generator) -> tuple[list[_CollegeRow], list[int]]:
    """The n colleges: an even pick of the catalogue's when n is at most its size, else the whole
    catalogue plus invented ones; with their catalogue indexes (which number the codes)."""
    if n <= DEFAULT_COLLEGES:
        idx = [int(i) for i in np.unique(np.linspace(0, DEFAULT_COLLEGES - 1, n).round())]
        return [cat.COLLEGES[i] for i in idx], idx
    rows: list[_CollegeRow] = list(cat.COLLEGES)
    rows += _invented_colleges(ref, n - DEFAULT_COLLEGES, rng)
    return rows, list(range(DEFAULT_COLLEGES)) + list(range(DEFAULT_COLLEGES, n))


def _invented_colleges(ref: Reference, extra: int, rng: np.random.Generator) -> list[_CollegeRow]:
    """`extra` colleges beyond the catalogue, named by profile and number in their town."""
    names = [s for s in cat.SETTLEMENT_ADJ if s in ref.settlements]
    weights = np.array([cat.SETTLEMENT_WEIGHT.get(s, cat.RURAL_WEIGHT) for s in names])
    profiles = list(cat.PROFILES)
    pw = np.array([3 if p in ("poly", "multi", "trade_service", "medical") else 1.5 for p in profiles])
    numbers: dict[tuple[str, str], int] = {}
    towns = rng.choice(len(names), size=extra, p=weights / weights.sum())
    profs = rng.choice(len(profiles), size=extra, p=pw / pw.sum())
    types = rng.choice(3, size=extra, p=[0.86, 0.06, 0.08])
    tiers = rng.choice(4, size=extra, p=[0.1, 0.3, 0.35, 0.25])
    rows: list[_CollegeRow] = []
    for t, p, ty, ti in zip(towns, profs, types, tiers, strict=True):
        town, prof = names[t], profiles[p]
        k = numbers.get((town, prof), 1) + 1
        numbers[(town, prof)] = k
        noun, abbr = cat.PROFILE_NOUNS[prof]
        adj = cat.SETTLEMENT_ADJ[town]
        rows.append(
            (
                f"{adj} {noun} № {k}",
                f"{adj[0]}{abbr}-{k}",
                town,
                prof,
                "rfp"[ty],
                ("L", "M", "S", "XS")[ti],
            )
        )
    return rows


def _full_names_and_founders(rows: list[_CollegeRow]) -> tuple[list[str], list[str]]:
    """Full official names and founders by type: federal, private, regional."""
    full, founder = [], []
    for name, short, _town, prof, ty, _tier in rows:
        if ty == "f":
            parent = cat.FEDERAL_PARENTS.get(prof, "ФГБОУ ВО «Средневолжский политехнический университет»")
            full.append(name if "университет" in name else f"{name} (структурное подразделение {parent})")
            founder.append(cat.FEDERAL_FOUNDERS.get(prof, "Министерство науки и высшего образования РФ"))
        elif ty == "p":
            full.append(f"АНО ПО «{name}»")
            founder.append(f"АНО «Образовательный центр «{short}»")
        else:
            full.append(f"ГБПОУ «{name}»")
            founder.append(cat.REGIONAL_FOUNDERS.get(prof, cat.DEFAULT_FOUNDER))
    return full, founder


def _placement_and_size(
    ref: Reference, rows: list[_CollegeRow], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Municipality, coordinates (scattered around the town's centre) and base yearly size by tier."""
    m = len(rows)
    towns_ = [r[2] for r in rows]
    mun = np.array([ref.settlements[t][0] for t in towns_], dtype=np.int16)
    big = np.array([t in ("Самара", "Тольятти") for t in towns_])
    lat = np.array([ref.settlements[t][1] for t in towns_]) + rng.normal(0, 1, m) * np.where(
        big, 0.025, 0.006
    )
    lon = np.array([ref.settlements[t][2] for t in towns_]) + rng.normal(0, 1, m) * np.where(big, 0.04, 0.01)
    lo = np.array([cat.TIER_RANGE[r[5]][0] for r in rows])
    hi = np.array([cat.TIER_RANGE[r[5]][1] for r in rows])
    size = np.exp(rng.uniform(np.log(lo), np.log(hi)))
    return mun, lat, lon, size


def _largest_remainder(expected: np.ndarray, total: int) -> np.ndarray:
    """Integers with the given total, as close as possible to `expected` (1-D)."""
    base = np.floor(expected).astype(np.int64)
    short = total - int(base.sum())
    if short > 0:
        order = np.argsort(-(expected - base), kind="stable")[:short]
        base[order] += 1
    return base


def _graduate_counts(
    ref: Reference, cols: Colleges, size: np.ndarray, n_graduates: int, rng: np.random.Generator
) -> np.ndarray:
    m, n_coh, n_prog = len(cols), len(COHORTS), len(ref.program_codes)
    trend = np.array(COHORT_TREND)
    per_cohort = _largest_remainder(n_graduates * trend / trend.sum(), n_graduates)
    counts = np.zeros((m, n_coh, n_prog), dtype=np.int64)
    # programme mix: the profile's first programmes are the core, the rest optional
    weights = np.zeros((m, n_prog))
    for c, prof in enumerate(cols.profile):
        progs = [ref.program_index(p) for p in cat.PROFILES[prof]]
        k = min(len(progs), int(rng.integers(3, 9)))
        chosen = (
            progs[:2] + list(rng.choice(progs[2:], size=max(0, k - 2), replace=False)) if k > 2 else progs[:k]
        )
        w = rng.dirichlet(np.full(len(chosen), 0.9))
        weights[c, chosen] = w
    for y in range(n_coh):
        expected = size * rng.normal(1.0, 0.08, m).clip(0.75, 1.25)
        col_total = _largest_remainder(expected / expected.sum() * per_cohort[y], int(per_cohort[y]))
        jitter = weights * rng.uniform(0.7, 1.3, weights.shape)
        jitter /= jitter.sum(axis=1, keepdims=True)
        counts[:, y, :] = rng.multinomial(col_total, jitter)
    return counts


# ---------------------------------------------------------------- employers


def _inn10(rng: np.random.Generator, prefixes: list[str]) -> list[str]:
    """Valid 10-digit ИНН of organisations (standard checksum), unique within the call."""
    n = len(prefixes)
    serial = rng.permutation(10**5 * max(1, math.ceil(n / 10**5)))[:n]
    out = []
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    for p, s in zip(prefixes, serial, strict=True):
        nine = f"{p}{s % 10**5:05d}"
        check = sum(int(ch) * w for ch, w in zip(nine, weights, strict=True)) % 11 % 10
        out.append(f"{nine}{check}")
    return out


def _feminine(mun_name: str) -> str:
    """«Безенчукский район» -> «Безенчукская», «городской округ Самара» -> «Самарская»."""
    if mun_name.startswith("городской округ "):
        return cat.TOWN_GENITIVE.get(mun_name.removeprefix("городской округ "), "Городская")
    word = mun_name.split()[0]
    return word[:-2] + "ая" if word.endswith("ий") else word


def _make_employers(
    ref: Reference, cols: Colleges, counts: np.ndarray, rng: np.random.Generator
) -> Employers:
    n_mun, n_sec = len(ref.mun_oktmo), len(cat.SECTORS)
    n = max(400, 12 * len(cols))
    by_sector = np.zeros(n_sec)
    np.add.at(by_sector, ref.program_sector, counts.sum(axis=(0, 1)))
    for s, w in cat.OFF_SPECIALTY_SECTORS.items():
        by_sector[cat.SECTORS.index(s)] += w / sum(cat.OFF_SPECIALTY_SECTORS.values()) * by_sector.sum() * 0.3
    by_sector = by_sector / by_sector.sum() * 0.8 + 0.2 / n_sec  # every sector gets a few
    sector = rng.choice(n_sec, size=n, p=by_sector)
    mun_w = np.bincount(cols.mun, minlength=n_mun).astype(float) + 0.3
    mun_w = np.append(mun_w / mun_w.sum() * 0.95, 0.05)  # last = outside the region
    mun = rng.choice(n_mun + 1, size=n, p=mun_w)
    order = np.lexsort((mun, sector))
    sector, mun = sector[order], mun[order]
    stems, names, prefixes = cat.EMPLOYER_STEMS, [], []
    for s, mu in zip(sector, mun, strict=True):
        templates = cat.EMPLOYER_TEMPLATES[cat.SECTORS[s]]
        if mu == n_mun:
            templates = tuple(t for t in templates if "{t}" not in t) or templates
        t = templates[int(rng.integers(len(templates)))]
        town = "Городская" if mu == n_mun else _feminine(ref.mun_name[mu])
        names.append(t.format(s=stems[int(rng.integers(len(stems)))], n=int(rng.integers(1, 60)), t=town))
        if mu == n_mun:
            prefixes.append(
                cat.OUTSIDE_INN_PREFIXES[int(rng.integers(len(cat.OUTSIDE_INN_PREFIXES)))]
                + "0"
                + str(rng.integers(1, 10))
            )
        else:
            prefixes.append("63" + cat.SAMARA_TAX_OFFICES[int(rng.integers(len(cat.SAMARA_TAX_OFFICES)))])
    key = sector.astype(np.int64) * (n_mun + 1) + mun
    local_start = np.searchsorted(key, np.arange(n_sec * (n_mun + 1))).reshape(n_sec, n_mun + 1)
    local_count = np.bincount(key, minlength=n_sec * (n_mun + 1)).reshape(n_sec, n_mun + 1)
    sector_start = np.searchsorted(sector, np.arange(n_sec))
    sector_count = np.bincount(sector, minlength=n_sec)
    assert (sector_count > 0).all()
    return Employers(
        name=names,
        inn=_inn10(rng, prefixes),
        sector=sector.astype(np.int16),
        mun=mun.astype(np.int16),
        sector_start=sector_start,
        sector_count=sector_count,
        local_start=local_start,
        local_count=local_count,
    )


# ---------------------------------------------------------------- snapshot calendar


def _fridays(first: dt.date, last: dt.date) -> list[dt.date]:
    d = first + dt.timedelta(days=(4 - first.weekday()) % 7)
    out = []
    while d <= last:
        out.append(d)
        d += dt.timedelta(days=7)
    return out


def _month_end_fridays(first: dt.date, last: dt.date) -> list[dt.date]:
    out = []
    y, mo = first.year, first.month
    while (y, mo) <= (last.year, last.month):
        nxt = dt.date(y + (mo == 12), mo % 12 + 1, 1)
        d = nxt - dt.timedelta(days=(nxt.weekday() - 4) % 7 or 7)
        if first <= d <= last:
            out.append(d)
        y, mo = nxt.year, nxt.month
    return out


def make_calendar(n_graduates: int, today: dt.date) -> Calendar:
    """Weekly snapshots for the two latest cohorts and month-end ones for older cohorts; above
    WEEKLY_LIMIT graduates month-ends only, thinned to every k-th month to keep the status volume
    near STATUS_ROW_BUDGET (about six snapshots per cohort at 2.5 million graduates)."""
    weekly = frozenset(COHORTS[-2:]) if n_graduates <= WEEKLY_LIMIT else frozenset()
    step = 1 if weekly else max(1, math.ceil(n_graduates * 18 / STATUS_ROW_BUDGET))
    per: dict[int, list[dt.date]] = {}
    for y in COHORTS:
        first, last = dt.date(y, 2, 1), min(dt.date(y + 1, 12, 31), today)
        ds = _fridays(first, last) if y in weekly else _month_end_fridays(first, last)
        per[y] = ds if step == 1 else ds[::-1][::step][::-1]
    union = np.array(sorted({day(d) for ds in per.values() for d in ds}), dtype=np.int64)
    cohort_dates = {y: np.searchsorted(union, [day(d) for d in ds]) for y, ds in per.items()}
    mode = "weekly" if weekly else ("monthly" if step == 1 else f"every {step} months")
    return Calendar(dates=union, cohort_dates=cohort_dates, weekly=weekly, mode=mode)


def _missing(cols: Colleges, cal: Calendar, today: dt.date, rng: np.random.Generator) -> np.ndarray:
    """Snapshots each college skipped: a per-college habit, plus one college that stopped for a
    month in spring 2026 and one that has not updated for the last month; never the closing
    snapshot of a finished window."""
    m, nd = len(cols), len(cal.dates)
    u = rng.random(m)
    p = np.where(
        u < 0.65,
        rng.uniform(0.0, 0.02, m),
        np.where(u < 0.9, rng.uniform(0.04, 0.12, m), rng.uniform(0.15, 0.3, m)),
    )
    weekly_days = np.zeros(nd, dtype=bool)
    for y in cal.weekly:
        weekly_days[cal.cohort_dates[y]] = True
    scale = np.where(weekly_days, 1.0, 0.25)  # month-end consolidated updates are rarely skipped
    miss = rng.random((m, nd)) < p[:, None] * scale[None, :]
    if m >= 8:
        pause, late = rng.choice(m, size=2, replace=False)
        start = day(dt.date(2026, 2, 6)) + 7 * int(rng.integers(0, 9))
        miss[pause] |= (cal.dates >= start) & (cal.dates < start + 35)
        miss[late] |= cal.dates > day(today) - 35
    # the closing December snapshot of a finished window is the annual report: nobody skips it
    for y, idx in cal.cohort_dates.items():
        if len(idx) and dt.date(y + 1, 12, 31) < today:
            miss[:, idx[-1]] = False
    return miss


def _careless(m: int, rng: np.random.Generator) -> np.ndarray:
    """2–4 colleges per 55 (at least one) keep 1–3 % of their graduates «не определился» beyond the
    first weeks: the regional report of the current cohort is refused for a few named rows."""
    share = np.zeros(m)
    k = max(1, round(m * int(rng.integers(2, 5)) / DEFAULT_COLLEGES))
    share[rng.choice(m, size=min(k, m), replace=False)] = rng.uniform(0.01, 0.03, min(k, m))
    return share


def _chunks(counts: np.ndarray) -> list[tuple[int, int]]:
    per_college = counts.sum(axis=(1, 2))
    out, start, acc = [], 0, 0
    for c, k in enumerate(per_college):
        if acc and acc + k > CHUNK_GRADUATES:
            out.append((start, c))
            start, acc = c, 0
        acc += int(k)
    out.append((start, len(per_college)))
    return out


def make_plan(n_graduates: int, seed: int, today: dt.date) -> Plan:
    rng = np.random.default_rng([seed, 1])
    ref = load_reference()
    cols, size = _make_colleges(ref, college_count(n_graduates), rng)
    counts = _graduate_counts(ref, cols, size, n_graduates, rng)
    employers = _make_employers(ref, cols, counts, rng)
    cal = make_calendar(n_graduates, today)
    miss = _missing(cols, cal, today, rng)
    cols.careless = _careless(len(cols), np.random.default_rng([seed, 3]))  # own stream: the rest stays put
    return Plan(
        seed=seed,
        n_graduates=n_graduates,
        today=today,
        ref=ref,
        colleges=cols,
        counts=counts,
        employers=employers,
        calendar=cal,
        missing=miss,
        chunks=_chunks(counts),
    )
