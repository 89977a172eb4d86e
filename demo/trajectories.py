"""Status trajectories: for every graduate a few dated status spells, drawn at once for a chunk.

Each graduate gets up to K spells ("slots"), each with a start (days after graduation), a status
and work attributes. The status in a snapshot taken t days after graduation is the spell with the
latest start <= t. Slots by role:
  0 the first status (forecast / undetermined / foreign)   1-2 the way to the main outcome
  3 the main outcome (work, study, army, risk, ...)         4 job loss, drop-out, return from the army
  5 the next job / study after that                         6 an exclusion (moved abroad, death or
                                                              illness, investigation) overriding the rest
«Не определился» is the status of the first weeks only: it ends within U_MAX days, and later
changes (job loss, drop-out, return from the army) get a federal status at once (гр.13–16, 20 or a
forecast), so the federal form «гр.05 = сумма гр.06–27» holds, except in the few careless colleges
(plan.Colleges.careless) that leave a handful undetermined until the final December clean-up.
Forecasts (гр.22–27) are recorded 2–10 weeks before what they predict, or revised after 6–12 weeks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from demo import calibration as cal
from demo import catalog as cat
from demo.people import People
from demo.plan import COHORTS, Plan, day

K = 7
INF = 10**7
NO_DATE = -(10**9)
S = cat.S
U = S["undetermined"]
U_MAX = cal.TIMING.undetermined_max  # days: every graduate has a federal status within 16 weeks
FC_LEAD = (14, 70)  # days: a forecast is recorded 2–10 weeks before the outcome it predicts
FC_LIFE = (42, 84)  # days: a forecast that does not come true is revised after 6–12 weeks
RISK_CODES = np.array([S[c] for c in cat.RISK], dtype=np.int8)
RISK_P = np.array(cal.OUTCOMES.risk_mix)  # informal, czn_unemployed, no_motivation, other_risk
TRACK_NAMES = ("conscript", "work", "education", "contract", "leave", "family", "risk")
T = {name: i for i, name in enumerate(TRACK_NAMES)}
# career track (catalog.CAREER_TRACKS index) that fits each work kind
KIND_TRACK = {S["employed"]: 0, S["entrepreneur"]: 1, S["self_employed"]: 2}
# forecast of each outcome (гр.22–27)
FORECAST_OF = {S[c]: S[f"forecast_{c}"] for c in ("employed", "entrepreneur", "self_employed")} | {
    S["military_conscript"]: S["forecast_conscript"],
    S["military_contract"]: S["forecast_contract"],
    S["continuing_education"]: S["forecast_education"],
}
Mix = tuple[tuple[str, float], ...]  # (status code, weight) of a drawn status
# Federal statuses instead of a long «не определился»: mostly the risk columns гр.13–16.
WAITING: Mix = (("informal", 0.34), ("other_risk", 0.3), ("no_motivation", 0.18), ("czn_unemployed", 0.18))
WAITING_WORKING: Mix = (("employed", 0.45), ("informal", 0.3), ("other_risk", 0.15), ("no_motivation", 0.1))
JOB_LOST: Mix = (
    ("czn_unemployed", 0.3),
    ("informal", 0.25),
    ("other_risk", 0.15),
    ("no_motivation", 0.05),
    ("forecast_employed", 0.25),
)
DROPPED_OUT: Mix = (
    ("employed", 0.4),
    ("informal", 0.2),
    ("other_risk", 0.15),
    ("no_motivation", 0.1),
    ("forecast_employed", 0.15),
)
BACK_IDLE: Mix = (("informal", 0.4), ("other_risk", 0.35), ("czn_unemployed", 0.15), ("no_motivation", 0.1))
BEFORE_LEAVE: Mix = (("family_circumstances", 0.15), ("other_risk", 0.5), ("no_motivation", 0.35))


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

    def days(self, lo: float, hi: float) -> np.ndarray:
        return self.u(lo, hi).astype(np.int64)

    def draw(self, mix: Mix) -> np.ndarray:
        """A status per graduate drawn from `mix`."""
        codes = np.array([S[c] for c, _ in mix], dtype=np.int8)
        w = np.array([x for _, x in mix])
        return codes[np.minimum(np.searchsorted(np.cumsum(w / w.sum()), self.u()), len(codes) - 1)]

    def undetermined_end(self) -> np.ndarray:
        """When «не определился» ends: within U_MAX days, the share falling steadily week by week."""
        return (7 + (U_MAX - 7) * self.u() ** 1.3).astype(np.int64)

    def put(self, k: int, mask: np.ndarray, t: np.ndarray | int, status: np.ndarray | int) -> None:
        self.start[:, k] = np.where(mask, t, self.start[:, k])
        self.status[:, k] = np.where(mask, status, self.status[:, k])

    def assign(
        self, k: int, mask: np.ndarray, t: np.ndarray | int, status: np.ndarray | int, spec_scale: float = 1.0
    ) -> None:
        """`put` plus what the status brings: work attributes, support measures for risk statuses."""
        status = np.broadcast_to(np.asarray(status, dtype=np.int8), (self.n,))
        self.put(k, mask, t, status)
        self.work(k, mask & np.isin(status, _WORK), status, spec_scale)
        risky = mask & np.isin(status, RISK_CODES)
        measure = np.where(self.u() < 0.6, self.rng.integers(0, len(cat.SUPPORT_MEASURES), self.n), -1)
        self.measure[:, k] = np.where(risky, measure, self.measure[:, k])

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
        self.assign(k, mask, t, RISK_CODES[self.rng.choice(len(RISK_CODES), self.n, p=RISK_P)])

    def lead_in(
        self,
        mask: np.ndarray,
        t_main: np.ndarray,
        outcome: np.ndarray | int,
        p_forecast: float,
        waiting: Mix,
        p_again: float = 0.5,
        fc_hold: int = FC_LIFE[1],
    ) -> None:
        """Slots 0–2: the weeks before an outcome that starts t_main days after graduation.

        Day 0: its forecast (share p_forecast; none for outcomes without one) or «не определился».
        Undetermined ends within U_MAX days, a forecast after FC_LIFE at the latest. If the outcome
        is still ahead: its forecast when at most 10 weeks away, else a `waiting` status (risk
        columns, a stop-gap job ...), followed for a share p_again by the forecast 2–10 weeks ahead.
        """
        outcome = np.broadcast_to(np.asarray(outcome, dtype=np.int8), (self.n,))
        fc = _FORECAST[outcome]
        has_fc = fc >= 0
        pre = mask & (t_main > 0)
        fc_first = has_fc & (self.u() < p_forecast)
        # a forecast of an outcome at most fc_hold days away (12 weeks; a call-up summons longer)
        # holds until it comes
        fc_end = np.where(t_main <= fc_hold, t_main, self.days(*FC_LIFE))
        end0 = np.minimum(t_main, np.where(fc_first, fc_end, self.undetermined_end()))
        self.put(0, pre, 0, np.where(fc_first, fc, U))
        gap = t_main - end0
        ahead = pre & (gap > 0)
        to_fc = ahead & has_fc & ~fc_first & (gap <= FC_LEAD[1]) & (self.u() < 0.75)
        self.put(1, to_fc, end0, fc)
        wait = ahead & ~to_fc
        self.assign(1, wait, end0, self.draw(waiting))
        t_fc = t_main - self.days(*FC_LEAD)
        self.put(2, wait & has_fc & (t_fc > end0 + 14) & (self.u() < p_again), t_fc, fc)


_WORK = np.array([S[c] for c in cat.WORK], dtype=np.int8)
_FORECAST = np.full(len(cat.CODES), -1, dtype=np.int8)  # status -> its forecast status, -1 none
_FORECAST[list(FORECAST_OF)] = list(FORECAST_OF.values())


@dataclass(frozen=True)
class _Cohort:
    """What the stories of make_spells read about the graduates (arrays of length n)."""

    p: People
    n: int
    y: np.ndarray  # cohort year
    gm: np.ndarray  # month of graduation
    window: np.ndarray  # days from graduation to the end of the monitoring window
    sector: np.ndarray
    kr: np.ndarray  # a worker programme (ППКРС), not ППССЗ
    male: np.ndarray
    full: np.ndarray  # full-time study
    q: np.ndarray  # the college's quality + the demand for the specialty + a target-training contract


def _cohort(plan: Plan, p: People) -> _Cohort:
    ref, o = plan.ref, cal.OUTCOMES
    y = p.cohort.astype(np.int64)
    demand = np.array([o.sector_demand.get(s, 0.0) for s in cat.SECTORS])[ref.program_sector[p.program]]
    return _Cohort(
        p=p,
        n=len(p),
        y=y,
        gm=month_of(p.grad),
        window=_days(y + 1, 12, 31) - p.grad,
        sector=np.array(cat.SECTORS)[ref.program_sector[p.program]],
        kr=ref.program_is_kr[p.program],
        male=~p.female,
        full=p.form == 0,
        q=plan.colleges.quality[p.college] + demand + np.where(p.target, o.target_training, 0.0),
    )


def make_spells(plan: Plan, p: People, rng: np.random.Generator) -> Spells:
    """The stories one after another; each draws from `rng` in a fixed order (same seed, same files)."""
    b = _Builder(plan, p, rng)
    c = _cohort(plan, p)
    track = _tracks(c, rng)
    b.put(0, p.foreign, 0, S["foreign_no_snils"])
    is_w, kind = track == T["work"], _work(b, c, track == T["work"])
    is_e = track == T["education"]
    _education(b, c, is_e)
    is_k = track == T["contract"]
    _contract(b, is_k)
    _leave(b, track == T["leave"])
    _family(b, track == T["family"])
    _risk_group(b, c, track == T["risk"])
    is_c = track == T["conscript"]
    _conscription(b, c, is_c)
    _exclusions(b, c, track)
    _careless(b, c, plan.colleges.careless, track)
    return _finish(b, c, rng, kind, is_w, is_e, is_c | is_k)


def _tracks(c: _Cohort, rng: np.random.Generator) -> np.ndarray:
    """Which story each graduate follows (index into TRACK_NAMES; -1 a foreigner without SNILS)."""
    o, p, n, full = cal.OUTCOMES, c.p, c.n, c.full
    p_consc = np.where(
        c.male & (p.age < 25) & ~p.disabled,
        np.where(full, np.where(c.kr, o.conscript_full_kr, o.conscript_full), o.conscript_part),
        0.0,
    )
    p_edu = np.where(full, np.where(c.kr, o.study_full_kr, o.study_full), o.study_part)
    p_contract = np.where(
        c.male, np.where(full, o.contract_male_full, o.contract_male_part), o.contract_other
    )
    p_leave = np.where(p.female, np.where(full, o.leave_female_full, o.leave_female_part), 0.0)
    p_family = np.full(n, o.family)
    fixed = p_edu + p_contract + p_leave + p_family
    p_work = np.clip(1 - fixed - np.where(full, o.risk_full, o.risk_part) + c.q, 0.25, 0.97)
    rest = np.clip(1 - fixed - p_work, 0.01, None)
    probs = np.stack(
        [p_consc, *((1 - p_consc) * v for v in (p_work, p_edu, p_contract, p_leave, p_family, rest))], axis=1
    )
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    track = (rng.random(n)[:, None] > cum).sum(axis=1)
    return np.where(p.foreign, -1, track)


def _work(b: _Builder, c: _Cohort, is_w: np.ndarray) -> np.ndarray:
    """Work: the kind (employee, self-employed, entrepreneur), the search, a job loss; returns the kind."""
    o, tm, p, sector, n, lognormal = cal.OUTCOMES, cal.TIMING, c.p, c.sector, c.n, b.rng.lognormal
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
    ).astype(np.int8)
    u = b.u()
    search = lognormal(np.log(tm.search_median_days), tm.search_sigma, n)
    tw = np.where(
        c.full,
        np.where(p.target, b.u(0, 10), np.where(u < tm.quick_job, b.u(0, 14), search)),
        np.where(u < 0.75, 0, search),
    ).astype(np.int64)
    b.lead_in(is_w, tw, kind, 0.55, WAITING)
    b.assign(3, is_w, tw, kind)
    lost = is_w & (kind == S["employed"]) & (b.u() < o.job_loss)
    t_lost = tw + b.days(60, 360)
    after_loss = b.draw(JOB_LOST)
    b.assign(4, lost, t_lost, after_loss)
    offer = after_loss == S["forecast_employed"]
    again = lost & (offer | (b.u() < o.rehired))
    lag = np.where(offer, b.days(*FC_LEAD), lognormal(np.log(45), 0.6, n).astype(np.int64) + 7)
    b.assign(5, again, t_lost + lag, S["employed"])
    return kind


def _education(b: _Builder, c: _Cohort, is_e: np.ndarray) -> None:
    """Further education (enrolment on 1 September; December graduates also in February)."""
    y, lognormal = c.y, b.rng.lognormal
    te = (
        np.where(c.gm == 12, np.where(b.u() < 0.5, _days(y + 1, 2, 1), _days(y + 1, 9, 1)), _days(y, 9, 1))
        - c.p.grad
    )
    b.lead_in(is_e, te, S["continuing_education"], 0.7, WAITING_WORKING, p_again=0.7)
    b.assign(3, is_e, te, S["continuing_education"])
    drop = is_e & (b.u() < 0.07)
    t_drop = te + b.days(90, 240)
    after_drop = b.draw(DROPPED_OUT)
    b.assign(4, drop, t_drop, after_drop, 0.6)
    offer = after_drop == S["forecast_employed"]
    drop_job = drop & (offer | (np.isin(after_drop, RISK_CODES) & (b.u() < 0.4)))
    lag = np.where(offer, b.days(*FC_LEAD), lognormal(np.log(40), 0.6, c.n).astype(np.int64) + 7)
    b.assign(5, drop_job, t_drop + lag, S["employed"], 0.6)


def _contract(b: _Builder, is_k: np.ndarray) -> None:
    """Contract service (selection takes weeks to months)."""
    tk = b.days(20, 240)
    b.lead_in(is_k, tk, S["military_contract"], 0.65, WAITING_WORKING, p_again=0.7)
    b.assign(3, is_k, tk, S["military_contract"])


def _leave(b: _Builder, is_l: np.ndarray) -> None:
    """Parental leave (some work first)."""
    tl = np.where(b.u() < cal.TIMING.early_leave, b.days(10, 90), b.days(90, 500))
    worked = is_l & (b.u() < 0.5)
    tlw = (b.u() * tl * 0.6).astype(np.int64)
    b.lead_in(worked, tlw, S["employed"], 0.5, WAITING)
    b.assign(3, worked, tlw, S["employed"])
    b.lead_in(is_l & ~worked, tl, S["parental_leave"], 0.0, BEFORE_LEAVE)
    b.put(4, is_l, tl, S["parental_leave"])


def _family(b: _Builder, is_f: np.ndarray) -> None:
    """Family circumstances (caring for relatives); some go to work later."""
    tf = b.undetermined_end()
    b.put(0, is_f, 0, U)
    b.put(3, is_f, tf, S["family_circumstances"])
    fam_job = is_f & (b.u() < 0.2)
    b.assign(5, fam_job, tf + b.days(120, 420), S["employed"], 0.6)


def _risk_group(b: _Builder, c: _Cohort, is_r: np.ndarray) -> None:
    """Risk group: undetermined or a forecast that does not come true, then a risk status; some
    change the reason later, targeted work pays off for others (the group shrinks slowly)."""
    fc = is_r & (b.u() < 0.35)
    tr = np.where(fc, b.days(*FC_LIFE), b.undetermined_end())
    b.put(0, is_r, 0, np.where(fc, S["forecast_employed"], U))
    b.risk(3, is_r, tr)
    u = b.u()
    b.risk(4, is_r & (u < 0.15), tr + b.days(60, 200))
    r_res = 0.15 + np.clip(0.3 + 0.6 * c.q, 0.05, 0.45)  # good colleges' targeted work pays off more
    resolved = is_r & (u >= 0.15) & (u < r_res)
    t_res = tr + b.days(90, 420)
    b.put(4, resolved & (b.u() < 0.4), t_res - b.days(*FC_LEAD), S["forecast_employed"])
    b.assign(5, resolved, t_res, S["employed"], 0.6)
    to_family = is_r & (u >= r_res) & (u < r_res + cal.OUTCOMES.risk_to_family)
    b.put(5, to_family, tr + b.days(60, 300), S["family_circumstances"])


def _call_up(b: _Builder, c: _Cohort) -> np.ndarray:
    """Days from graduation to the call-up: summer graduates mostly in the spring call-up right after
    graduation (it runs to 15 July), others in the autumn call-up (October–December) or the next
    spring one; February graduates in the spring call-up, December ones the next year."""
    tm, y, grad, gm = cal.TIMING, c.y, c.p.grad, c.gm
    u = b.u()
    summer = np.maximum(np.minimum(grad + b.days(*tm.summer_callup_days), _days(y, 7, 15)), grad + 2)
    autumn, spring = _days(y, 10, 1) + b.u(0, 85), _days(y + 1, 4, 1) + b.u(0, 90)
    this_spring = np.maximum(_days(y, 4, 1) + b.u(0, 100), grad + 14)
    next_autumn = _days(y + 1, 10, 1) + b.u(0, 85)
    s_share, a_share = tm.summer_callup, tm.summer_callup + tm.autumn_callup
    return (
        np.select(
            [gm <= 3, gm <= 9],
            [
                np.where(u < s_share, this_spring, autumn),
                np.where(u < s_share, summer, np.where(u < a_share, autumn, spring)),
            ],
            np.where(u < 0.7, spring, next_autumn),
        ).astype(np.int64)
        - grad
    )


def _conscription(b: _Builder, c: _Cohort, is_c: np.ndarray) -> None:
    """Conscription (see _call_up), back a year later."""
    o = cal.OUTCOMES
    tc = _call_up(b, c)
    # a call-up summons is a forecast held for months, others work or wait meanwhile
    b.lead_in(is_c, tc, S["military_conscript"], 0.75, WAITING_WORKING, p_again=0.9, fc_hold=200)
    b.put(3, is_c, tc, S["military_conscript"])
    td = tc + cal.TIMING.service_days + b.days(-3, 5)
    # back home: most announce a job, study or contract (a forecast for some weeks, then the
    # outcome); a share stays without work or study for weeks (the army_return risk reason) under a
    # federal status, half of them find a job later
    u = b.u()
    after = np.where(
        u < 0.72, S["employed"], np.where(u < 0.85, S["continuing_education"], S["military_contract"])
    ).astype(np.int8)
    u = b.u()
    announced = is_c & (u < o.returnees_announced)
    idle = is_c & (u >= o.returnees_announced) & (u < o.returnees_announced + o.returnees_idle)
    direct = is_c & (u >= 0.85)
    lag = np.where(b.u() < 0.7, b.days(3, 28), b.days(28, 70))
    b.put(4, announced, td, _FORECAST[after])
    b.assign(5, announced, td + lag, after, 0.7)
    b.assign(4, idle, td, b.draw(BACK_IDLE))
    b.assign(5, idle & (b.u() < 0.5), td + b.days(45, 240), S["employed"], 0.7)
    b.assign(4, direct, td + b.days(3, 14), after, 0.7)
    for k in (4, 5):
        b.discharge[:, k] = np.where(is_c, c.p.grad + td, NO_DATE)


def _exclusions(b: _Builder, c: _Cohort, track: np.ndarray) -> None:
    """Exclusions (moved abroad, death or illness, investigation) override whatever would have come later."""
    excl = (track >= 0) & (b.u() < 0.007)
    tx = (30 + b.u() * np.maximum(c.window - 31, 1)).astype(np.int64)
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


def _careless(b: _Builder, c: _Cohort, careless_share: np.ndarray, track: np.ndarray) -> None:
    """Careless colleges leave a few graduates undetermined until the December clean-up before the
    annual report (then a risk status): the current cohort's report is refused."""
    careless = (track >= 0) & (b.u() < careless_share[c.p.college])
    t_clean = _days(c.y + 1, 12, 1) + b.days(0, 18) - c.p.grad
    b.start[careless], b.employer[careless], b.wmun[careless] = INF, -1, -1
    b.spec[careless], b.discharge[careless], b.measure[careless] = False, NO_DATE, -1
    b.put(0, careless, 0, U)
    b.risk(3, careless, t_clean)


def _finish(
    b: _Builder,
    c: _Cohort,
    rng: np.random.Generator,
    kind: np.ndarray,
    is_w: np.ndarray,
    is_e: np.ndarray,
    is_army: np.ndarray,
) -> Spells:
    """Nothing happens after the monitoring window; the slots in order of start; career tracks."""
    n = c.n
    b.start = np.where(b.start >= c.window[:, None], INF, b.start)
    b.put(0, b.start.min(axis=1) > 0, 0, U)  # defensive: everyone has a status from day 0
    order = np.argsort(b.start, axis=1, kind="stable").astype(np.int8)
    ct = np.select(
        [is_w, is_e, is_army],
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
