"""Status trajectories: for every graduate a few dated status spells, drawn at once for a chunk.

Each graduate gets up to K spells ("slots"), each with a start (days after graduation), a status
and work attributes. The status in a snapshot taken t days after graduation is the spell with the
latest start <= t. Slots by role:
  0 the first status (forecast / undetermined / foreign)   1 a forecast that expired -> undetermined
  2 a risk episode or conscription                        3 the main outcome (work, study, ...)
  4 job loss, drop-out, return from the army, leave        5 the next job / study after that
  6 an exclusion (moved abroad, death or illness, investigation) overriding everything later
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from data_layer.sample_gen import catalog as cat
from data_layer.sample_gen.people import People
from data_layer.sample_gen.plan import COHORTS, Plan, day

K = 7
INF = 10**7
NO_DATE = -(10**9)
S = cat.S
RISK_CODES = np.array([S[c] for c in cat.RISK], dtype=np.int8)
RISK_P = np.array([0.36, 0.16, 0.24, 0.24])  # informal, czn_unemployed, no_motivation, other_risk
FORECASTS = np.array(
    [S[c] for c in cat.CODES if c.startswith("forecast_")], dtype=np.int8
)  # employed, entrepreneur, self_employed, conscript, contract, education
TRACK_NAMES = ("conscript", "work", "education", "contract", "leave", "family", "risk", "undetermined")
T = {name: i for i, name in enumerate(TRACK_NAMES)}
# career track (catalog.CAREER_TRACKS index) that fits each work kind
KIND_TRACK = {S["employed"]: 0, S["entrepreneur"]: 1, S["self_employed"]: 2}


@dataclass
class Spells:
    start: np.ndarray  # [n, K] days after graduation; INF = unused
    status: np.ndarray  # [n, K] index into catalog.CODES
    spec: np.ndarray  # [n, K] work by specialty
    employer: np.ndarray  # [n, K] employer index, -1 none
    wmun: np.ndarray  # [n, K] municipality index (len(mun_oktmo) = outside the region), -1 none
    discharge: np.ndarray  # [n, K] discharge date (days), NO_DATE none
    measure: np.ndarray  # [n, K] support measure index, -1 none
    career_track: np.ndarray  # [n] index into catalog.CAREER_TRACKS
    order: np.ndarray  # [n, K] slots sorted by start
    sorted_start: np.ndarray  # [n, K]

    def slot_at(self, rows: np.ndarray, offset: np.ndarray) -> np.ndarray:
        """The slot in force `offset` days after graduation for graduates `rows` (vectorised)."""
        n_started = (self.sorted_start[rows] <= offset[:, None]).sum(axis=1)
        return self.order[rows, np.maximum(n_started - 1, 0)]


def month_of(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12 + 1


def _days(years: np.ndarray, month: int, dom: int) -> np.ndarray:
    table = {y: day(dt.date(y, month, dom)) for y in range(COHORTS[0], COHORTS[-1] + 3)}
    return np.vectorize(table.__getitem__, otypes=[np.int64])(years) if len(years) else np.zeros(0, np.int64)


class _Builder:
    """Fills the slot arrays; every `put` writes one slot where `mask` holds."""

    def __init__(self, plan: Plan, people: People, rng: np.random.Generator) -> None:
        n = len(people)
        self.plan, self.p, self.rng, self.n = plan, people, rng, n
        self.start = np.full((n, K), INF, dtype=np.int64)
        self.status = np.zeros((n, K), dtype=np.int8)
        self.spec = np.zeros((n, K), dtype=bool)
        self.employer = np.full((n, K), -1, dtype=np.int32)
        self.wmun = np.full((n, K), -1, dtype=np.int16)
        self.discharge = np.full((n, K), NO_DATE, dtype=np.int64)
        self.measure = np.full((n, K), -1, dtype=np.int8)

    def u(self, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
        return self.rng.uniform(lo, hi, self.n)

    def put(self, k: int, mask: np.ndarray, t: np.ndarray | int, status: np.ndarray | int) -> None:
        self.start[:, k] = np.where(mask, t, self.start[:, k])
        self.status[:, k] = np.where(mask, status, self.status[:, k])

    def work(self, k: int, mask: np.ndarray, status: np.ndarray | int, spec_scale: float = 1.0) -> None:
        """Work attributes of slot k: by specialty, employer, municipality of work."""
        plan, p = self.plan, self.p
        cols, emp, ref = plan.colleges, plan.employers, plan.ref
        status = np.broadcast_to(np.asarray(status, dtype=np.int8), (self.n,))
        n_mun = len(ref.mun_oktmo)
        spec = self.u() < cols.spec[p.college] * spec_scale
        off = np.array([cat.SECTORS.index(s) for s in cat.OFF_SPECIALTY_SECTORS])
        ow = np.array(list(cat.OFF_SPECIALTY_SECTORS.values()))
        sector = np.where(
            spec, ref.program_sector[p.program], off[self.rng.choice(len(off), self.n, p=ow / ow.sum())]
        )
        outside = self.u() < 0.04
        mun = np.where(outside, n_mun, cols.mun[p.college])
        chosen = emp.pick(self.rng, sector, mun, outside | (self.u() < 0.75))
        employed = mask & (status == S["employed"])
        own = mask & np.isin(status, [S["entrepreneur"], S["self_employed"]])
        self.spec[:, k] = np.where(mask, spec & (status != S["military_contract"]), self.spec[:, k])
        self.employer[:, k] = np.where(employed, chosen, self.employer[:, k])
        self.wmun[:, k] = np.where(employed, emp.mun[chosen], np.where(own, mun, self.wmun[:, k]))

    def risk(self, k: int, mask: np.ndarray, t: np.ndarray) -> None:
        kind = RISK_CODES[self.rng.choice(len(RISK_CODES), self.n, p=RISK_P)]
        self.put(k, mask, t, kind)
        measure = np.where(self.u() < 0.6, self.rng.integers(0, len(cat.SUPPORT_MEASURES), self.n), -1)
        self.measure[:, k] = np.where(mask, measure, self.measure[:, k])


def make_spells(plan: Plan, p: People, rng: np.random.Generator) -> Spells:
    b = _Builder(plan, p, rng)
    n, ref, cols = len(p), plan.ref, plan.colleges
    y = p.cohort.astype(np.int64)
    window = _days(y + 1, 12, 31) - p.grad  # days from graduation to the end of the window
    sector = np.array(cat.SECTORS)[ref.program_sector[p.program]]
    kr = ref.program_is_kr[p.program]
    male, full = ~p.female, p.form == 0
    gm = month_of(p.grad)
    lognormal = rng.lognormal

    # ---- which story each graduate follows
    q = cols.quality[p.college] + np.where(np.isin(sector, ["medical", "pharmacy"]), 0.04, 0.0)
    q = q + np.where(np.isin(sector, ["food", "trade"]), -0.02, 0.0)
    p_consc = np.where(male & (p.age < 25) & ~p.disabled, np.where(full, np.where(kr, 0.34, 0.28), 0.05), 0.0)
    p_edu = np.where(full, np.where(kr, 0.06, 0.12), 0.03)
    p_contract = np.where(male, np.where(full, 0.045, 0.01), 0.003)
    p_leave = np.where(p.female, np.where(full, 0.075, 0.12), 0.0)
    p_family = np.full(n, 0.012)
    fixed = p_edu + p_contract + p_leave + p_family
    p_work = np.clip(1 - fixed - np.where(full, 0.25, 0.12) + q, 0.25, 0.97)
    rest = np.clip(1 - fixed - p_work, 0.01, None)
    probs = np.stack(
        [
            p_consc,
            *(
                (1 - p_consc) * v
                for v in (p_work, p_edu, p_contract, p_leave, p_family, rest * 0.5, rest * 0.5)
            ),
        ],
        axis=1,
    )
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    track = (rng.random(n)[:, None] > cum).sum(axis=1)
    track = np.where(p.foreign, -1, track)
    b.put(0, p.foreign, 0, S["foreign_no_snils"])

    # ---- work
    is_w = track == T["work"]
    self_p = np.select(
        [sector == "beauty", sector == "design", sector == "it", sector == "food"],
        [0.35, 0.3, 0.14, 0.1],
        0.07,
    )
    ent_p = np.select(
        [np.isin(sector, ["beauty", "design"]), np.isin(sector, ["agri", "trade"])], [0.07, 0.04], 0.02
    )
    u = b.u()
    kind = np.where(
        u < self_p, S["self_employed"], np.where(u < self_p + ent_p, S["entrepreneur"], S["employed"])
    )
    u = b.u()
    tw = np.where(
        full,
        np.where(p.target, b.u(0, 10), np.where(u < 0.2, b.u(0, 14), lognormal(np.log(60), 0.85, n))),
        np.where(u < 0.75, 0, lognormal(np.log(40), 0.9, n)),
    ).astype(np.int64)
    fc_kind = np.select(
        [kind == S["self_employed"], kind == S["entrepreneur"]],
        [S["forecast_self_employed"], S["forecast_entrepreneur"]],
        S["forecast_employed"],
    )
    pre = is_w & (tw > 0)
    first = np.where(b.u() < 0.55, fc_kind, S["undetermined"])
    b.put(0, pre, 0, first)
    expired = pre & (first != S["undetermined"]) & (tw > 63)
    b.put(1, expired, np.minimum(b.u(42, 84), tw - 7).astype(np.int64), S["undetermined"])
    episode = is_w & (tw > 120) & (b.u() < 0.45)
    b.risk(2, episode, (70 + b.u() * (tw - 84)).astype(np.int64))
    b.put(3, is_w, tw, kind)
    b.work(3, is_w, kind)
    lost = is_w & (kind == S["employed"]) & (b.u() < 0.07)
    t_lost = tw + b.u(60, 360).astype(np.int64)
    u = b.u()
    b.put(
        4,
        lost,
        t_lost,
        np.where(u < 0.55, S["undetermined"], np.where(u < 0.8, S["czn_unemployed"], S["informal"])),
    )
    again = lost & (b.u() < 0.65)
    b.put(5, again, t_lost + lognormal(np.log(45), 0.6, n).astype(np.int64) + 7, S["employed"])
    b.work(5, again, S["employed"])

    # ---- further education (enrolment on 1 September; December graduates also in February)
    is_e = track == T["education"]
    te = (
        np.where(gm == 12, np.where(b.u() < 0.5, _days(y + 1, 2, 1), _days(y + 1, 9, 1)), _days(y, 9, 1))
        - p.grad
    )
    b.put(0, is_e, 0, np.where(b.u() < 0.7, S["forecast_education"], S["undetermined"]))
    b.put(3, is_e, te, S["continuing_education"])
    drop = is_e & (b.u() < 0.07)
    t_drop = te + b.u(90, 240).astype(np.int64)
    b.put(4, drop, t_drop, S["undetermined"])
    drop_job = drop & (b.u() < 0.55)
    b.put(5, drop_job, t_drop + lognormal(np.log(40), 0.6, n).astype(np.int64) + 7, S["employed"])
    b.work(5, drop_job, S["employed"], 0.6)

    # ---- contract service
    is_k = track == T["contract"]
    b.put(0, is_k, 0, np.where(b.u() < 0.65, S["forecast_contract"], S["undetermined"]))
    b.put(3, is_k, b.u(20, 240).astype(np.int64), S["military_contract"])
    b.work(3, is_k, S["military_contract"])

    # ---- parental leave (some work first)
    is_l = track == T["leave"]
    tl = b.u(20, 450).astype(np.int64)
    b.put(0, is_l, 0, np.where(b.u() < 0.5, S["undetermined"], S["forecast_employed"]))
    worked = is_l & (b.u() < 0.5)
    b.put(3, worked, (b.u() * tl * 0.6).astype(np.int64), S["employed"])
    b.work(3, worked, S["employed"])
    b.put(4, is_l, tl, S["parental_leave"])

    # ---- family circumstances
    is_f = track == T["family"]
    b.put(0, is_f, 0, S["undetermined"])
    b.put(3, is_f, b.u(20, 200).astype(np.int64), S["family_circumstances"])

    # ---- risk group: undetermined first, then a risk status; some change the reason later
    is_r = track == T["risk"]
    fc = is_r & (b.u() < 0.4)
    b.put(0, is_r, 0, np.where(fc, S["forecast_employed"], S["undetermined"]))
    t1 = b.u(42, 70).astype(np.int64)
    b.put(1, fc, t1, S["undetermined"])
    tr = np.maximum(b.u(40, 160).astype(np.int64), np.where(fc, t1 + 7, 0))
    b.risk(3, is_r, tr)
    u = b.u()
    b.risk(4, is_r & (u < 0.2), tr + b.u(60, 200).astype(np.int64))
    # targeted work pays off for some: the risk group shrinks slowly over the window
    resolved = is_r & (u >= 0.2) & (u < 0.5)
    b.put(5, resolved, tr + b.u(90, 420).astype(np.int64), S["employed"])
    b.work(5, resolved, S["employed"], 0.6)

    # ---- undetermined throughout (forecasts that never came true)
    is_u = track == T["undetermined"]
    fc = is_u & (b.u() < 0.35)
    b.put(0, is_u, 0, np.where(fc, FORECASTS[rng.integers(0, len(FORECASTS), n)], S["undetermined"]))
    b.put(1, fc, b.u(42, 84).astype(np.int64), S["undetermined"])

    # ---- conscription: autumn (October-December) mostly, spring for some; back a year later
    is_c = track == T["conscript"]
    autumn = b.u() < 0.7
    tc = (
        np.where(
            gm <= 9,
            np.where(autumn, _days(y, 10, 1) + b.u(0, 85), _days(y + 1, 4, 1) + b.u(0, 90)),
            np.where(autumn, _days(y + 1, 4, 1) + b.u(0, 90), _days(y + 1, 10, 1) + b.u(0, 85)),
        ).astype(np.int64)
        - p.grad
    )
    u = b.u()
    pre_job = is_c & (u >= 0.8)
    b.put(
        0,
        is_c,
        0,
        np.where(u < 0.6, S["forecast_conscript"], np.where(u < 0.8, S["undetermined"], S["employed"])),
    )
    b.work(0, pre_job, S["employed"])
    b.put(2, is_c, tc, S["military_conscript"])
    td = tc + 365 + b.u(-3, 5).astype(np.int64)
    b.put(4, is_c, td, S["undetermined"])
    u, lag = b.u(), np.where(b.u() < 0.3, b.u(3, 14), lognormal(np.log(40), 0.6, n)).astype(np.int64)
    after = np.where(
        u < 0.6, S["employed"], np.where(u < 0.67, S["continuing_education"], S["military_contract"])
    )
    back = is_c & (u < 0.75)
    b.put(5, back, td + lag, after)
    b.work(5, back, after, 0.7)
    for k in (4, 5):
        b.discharge[:, k] = np.where(is_c, p.grad + td, NO_DATE)

    # ---- exclusions override whatever would have come later
    excl = (track >= 0) & (b.u() < 0.007)
    tx = (30 + b.u() * np.maximum(window - 31, 1)).astype(np.int64)
    u = b.u()
    b.start = np.where(excl[:, None] & (b.start >= tx[:, None]), INF, b.start)
    b.put(
        6,
        excl,
        tx,
        np.where(
            u < 0.45, S["moved_abroad"], np.where(u < 0.75, S["death_illness"], S["under_investigation"])
        ),
    )

    # nothing happens after the monitoring window
    b.start = np.where(b.start >= window[:, None], INF, b.start)
    b.put(0, b.start.min(axis=1) > 0, 0, S["undetermined"])  # defensive: everyone has a status from day 0
    order = np.argsort(b.start, axis=1, kind="stable").astype(np.int8)

    ct = np.select(
        [is_w, is_e, is_c | is_k],
        [np.vectorize(KIND_TRACK.__getitem__, otypes=[np.int8])(kind) if n else kind, 3, 4],
        0,
    )
    ct = np.where(rng.random(n) < 0.2, rng.integers(0, len(cat.CAREER_TRACKS), n), ct)
    return Spells(
        start=b.start,
        status=b.status,
        spec=b.spec,
        employer=b.employer,
        wmun=b.wmun,
        discharge=b.discharge,
        measure=b.measure,
        career_track=ct.astype(np.int8),
        order=order,
        sorted_start=np.take_along_axis(b.start, order.astype(np.int64), axis=1),
    )
