"""Graduates of one chunk of colleges: identity, programme, dates and flags, as numpy arrays."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from demo import calibration as cal
from demo import catalog as cat
from demo.plan import COHORTS, Colleges, Plan, day

# СНИЛС numbers: an affine permutation of [0, SNILS_SPAN) onto 9-digit numbers above 001-001-998
# (below it the checksum is not defined), so every global graduate index gets a distinct number.
SNILS_OFFSET = 1_500_000
SNILS_SPAN = 998_000_000  # = 2^7 * 5^6 * 499
SNILS_MULT = 387_420_489  # 3^18, coprime with SNILS_SPAN
EXTRA_INDEX_BASE = 900_000_000  # indices of people who are not graduates (ФИС ФРДО extras)

FEMALE_SHARE: dict[str, float] = {
    "construction": 0.22,
    "it": 0.25,
    "energy": 0.1,
    "machinery": 0.1,
    "chem_oil": 0.35,
    "transport": 0.15,
    "medical": 0.9,
    "pharmacy": 0.9,
    "agri": 0.15,
    "trade": 0.72,
    "finance": 0.82,
    "social": 0.75,
    "food": 0.55,
    "beauty": 0.95,
    "education": 0.85,
    "design": 0.72,
}


def snils_numbers(index: np.ndarray, seed: int) -> np.ndarray:
    """9-digit СНИЛС bodies (int64) for global person indices; distinct for distinct indices."""
    shift = (seed * 2_654_435_761) % SNILS_SPAN
    return SNILS_OFFSET + (SNILS_MULT * index.astype(np.int64) + shift) % SNILS_SPAN


def snils_checksum(body: np.ndarray) -> np.ndarray:
    """The standard СНИЛС control number of 9-digit bodies (vectorised)."""
    total = np.zeros(len(body), dtype=np.int64)
    rest = body.astype(np.int64)
    for weight in range(1, 10):  # the last digit has weight 1, the first weight 9
        total += (rest % 10) * weight
        rest //= 10
    cs = np.where(total < 100, total, np.where(total <= 101, 0, total % 101))
    return np.where(cs == 100, 0, cs)


@dataclass
class People:
    gid: np.ndarray  # global index (СНИЛС source)
    college: np.ndarray  # college index
    cohort: np.ndarray  # cohort year
    program: np.ndarray  # programme index
    female: np.ndarray
    form: np.ndarray  # 0 очная, 1 очно-заочная, 2 заочная
    grad: np.ndarray  # graduation date (days)
    birth: np.ndarray
    target: np.ndarray
    ovz: np.ndarray
    disabled: np.ndarray
    professionalitet: np.ndarray
    foreign: np.ndarray
    surname: np.ndarray
    name: np.ndarray
    patronymic: np.ndarray  # -1 = none
    seq: np.ndarray  # number within (college, cohort): diploma registration number

    def __len__(self) -> int:
        return len(self.gid)

    @property
    def age(self) -> np.ndarray:
        return (self.grad - self.birth) / 365.25


def _zipf_choice(rng: np.random.Generator, n_items: int, size: int, s: float = 0.7) -> np.ndarray:
    w = 1.0 / np.arange(1, n_items + 1) ** s
    return rng.choice(n_items, size=size, p=w / w.sum())


def make_people(plan: Plan, c0: int, c1: int, gid0: int, rng: np.random.Generator) -> People:
    """All graduates (all cohorts) of colleges [c0, c1); global indices start at gid0."""
    ref, cols = plan.ref, plan.colleges
    sub = plan.counts[c0:c1]  # [college, cohort, programme]
    cc, yy, pp = np.meshgrid(
        np.arange(c0, c1), np.arange(len(COHORTS)), np.arange(sub.shape[2]), indexing="ij"
    )
    reps = sub.ravel()
    college = np.repeat(cc.ravel(), reps).astype(np.int32)
    cohort = np.array(COHORTS)[np.repeat(yy.ravel(), reps)].astype(np.int32)
    program = np.repeat(pp.ravel(), reps).astype(np.int16)
    n = len(college)

    sector_name = np.array(cat.SECTORS)[ref.program_sector[program]]
    p_female = np.vectorize(FEMALE_SHARE.__getitem__, otypes=[float])(sector_name) if n else np.zeros(0)
    female = rng.random(n) < p_female
    kr = ref.program_is_kr[program]
    medical = np.isin(sector_name, ["medical", "pharmacy"])
    form = _study_form(rng, kr, medical, sector_name)
    grad = _graduation_day(rng, cols, college, cohort, program, form)
    birth = grad - (_age(rng, kr, form) * 365.25).astype(np.int64)

    foreign = rng.random(n) < cols.foreign[college]
    target_p = np.where(
        medical, 0.2, np.where(sector_name == "education", 0.12, np.where(sector_name == "agri", 0.1, 0.05))
    )
    ovz = rng.random(n) < 0.025
    disabled = np.where(ovz, rng.random(n) < 0.35, rng.random(n) < 0.004)
    prof_prog = (cols.june_day[college, program] % 2 == 0) & ~kr  # half of the programmes of a cluster
    professionalitet = cols.professionalitet[college] & prof_prog & (cohort >= 2023)
    surname, name, patronymic = _names(rng, female, foreign)
    return People(
        gid=gid0 + np.arange(n, dtype=np.int64),
        college=college,
        cohort=cohort,
        program=program,
        female=female,
        form=form,
        grad=grad,
        birth=birth,
        target=rng.random(n) < target_p,
        ovz=ovz,
        disabled=disabled,
        professionalitet=professionalitet,
        foreign=foreign,
        surname=surname,
        name=name,
        patronymic=patronymic,
        seq=_seq_in_college_cohort(college, cohort),
    )


def _study_form(
    rng: np.random.Generator, kr: np.ndarray, medical: np.ndarray, sector_name: np.ndarray
) -> np.ndarray:
    """0 full-time (очная), 1 очно-заочная, 2 extramural (заочная); by the kind of programme."""
    part_time_share = np.where(
        kr,
        0.03,
        np.where(
            medical, 0.05, np.where(np.isin(sector_name, ["finance", "social", "education"]), 0.35, 0.16)
        ),
    )
    u = rng.random(len(kr))
    return np.where(u < part_time_share * 0.3, 1, np.where(u < part_time_share, 2, 0)).astype(np.int8)


def _graduation_day(
    rng: np.random.Generator,
    cols: Colleges,
    college: np.ndarray,
    cohort: np.ndarray,
    program: np.ndarray,
    form: np.ndarray,
) -> np.ndarray:
    """Graduation: late June - early July; December for some; February for part of the part-time forms."""
    june = np.array([day(dt.date(y, 6, 19)) for y in COHORTS])
    yi = cohort - COHORTS[0]
    g_june = june[yi] + cols.june_day[college, program]
    g_feb = np.array([day(dt.date(y, 2, 1)) for y in COHORTS])[yi] + cols.feb_day[college] - 1
    g_dec = np.array([day(dt.date(y, 12, 1)) for y in COHORTS])[yi] + cols.dec_day[college] - 1
    u = rng.random(len(college))
    g = cal.GRADUATION
    return np.where(
        form == 0,
        np.where(u < 1 - g.december_full, g_june, g_dec),
        np.where(
            u < 1 - g.december_part - g.february_part, g_june, np.where(u < 1 - g.december_part, g_feb, g_dec)
        ),
    ).astype(np.int64)


def _age(rng: np.random.Generator, kr: np.ndarray, form: np.ndarray) -> np.ndarray:
    """Age at graduation: full-time students leave at 18–21 (a few older, after a gap year or the
    army); part-time ones are partly as young, partly adults who study while working (up to max_age)."""
    n, g = len(form), cal.GRADUATION
    young_tail = rng.gamma(1.5, 0.45, n) + np.where(rng.random(n) < g.older_full, rng.uniform(2, 6, n), 0.0)
    adult = rng.random(n) < g.adult_part
    age = np.where(
        form == 0,
        np.where(kr, g.age_full_kr, g.age_full) + young_tail,
        np.where(adult, 25.0 + rng.gamma(1.6, 5.0, n), 19.5 + rng.gamma(2.0, 1.2, n)),
    )
    return np.minimum(age, g.max_age - rng.uniform(0, 3, n))


def _names(
    rng: np.random.Generator, female: np.ndarray, foreign: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Surname, name and patronymic indexes (foreigners from their own lists, half without a patronymic)."""
    n = len(female)
    surname = _zipf_choice(rng, len(cat.SURNAMES), n, 0.5)
    name = np.where(
        female, _zipf_choice(rng, len(cat.FEMALE_NAMES), n), _zipf_choice(rng, len(cat.MALE_NAMES), n)
    )
    patronymic = _zipf_choice(rng, len(cat.PATRONYMICS), n, 0.4)
    patronymic = np.where(foreign & (rng.random(n) < 0.5), -1, patronymic)
    if foreign.any():
        k = int(foreign.sum())
        surname[foreign] = rng.integers(0, len(cat.FOREIGN_SURNAMES), k)
        fem = female[foreign]
        name[foreign] = np.where(
            fem, rng.integers(0, len(cat.FOREIGN_FEMALE), k), rng.integers(0, len(cat.FOREIGN_MALE), k)
        )
    return surname, name, patronymic


def _seq_in_college_cohort(college: np.ndarray, cohort: np.ndarray) -> np.ndarray:
    """Number within (college, cohort), in generation order: used for diploma registration numbers."""
    n = len(college)
    key = college.astype(np.int64) * 10 + (cohort - COHORTS[0])
    first = np.r_[True, key[1:] != key[:-1]]
    start_pos = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    return np.arange(n) - start_pos + 1
