"""How believable the generated region is: its figures against the published ones (demo.calibration).

Measured from the generated trajectories and extracts while the files are written (chunk by chunk,
so it costs no extra pass), for every cohort at three dates: 30 September and 31 December of the
graduation year, and the end of the monitoring window (31 December of the next year, or today).
The quantities follow the app's definitions (docs/domain.md §4, §6) on the generator's own arrays:
  employment_federal  work (гр.06–08, 11) / (all − study − conscripts − parental leave − excluded);
  risk group          a risk status (гр.13–16); «не определился» more than N1 = 8 weeks after
                      graduation; back from the army more than N2 = 4 weeks without work or study
                      started since; registered at a ЦЗН; declared work (гр.06–08) held more than
                      N3 = 12 weeks with no УФНС record (default thresholds).
The app computes the same figures from the loaded snapshots (a status holds from its weekly
snapshot on, so they can differ by a few tenths); tests/unit/test_sample.py compares both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from data_layer import statuses as dictionary
from demo import calibration as cal
from demo import catalog as cat
from demo.external import Records
from demo.people import People
from demo.plan import COHORTS, Plan, day
from demo.trajectories import NO_DATE, Spells

N1_DAYS, N2_DAYS, N3_DAYS = 8 * 7, 4 * 7, 12 * 7  # the default risk thresholds (metrics.settings)
MIN_COMPARABLE = 10_000  # graduates: smaller regions have too few colleges for the bands
CHECKPOINTS = ("september", "year_end", "window_end")
MEASURES = (
    "total",  # graduated by the date
    "work",  # employed, entrepreneur, self-employed
    "contract",
    "study",
    "conscript",
    "forecast_conscript",
    "leave",
    "excluded",
    "family",
    "czn_unemployed",
    "risk_group",
    "employed",
    "employed_spec",
    "undetermined",
)
M = {name: i for i, name in enumerate(MEASURES)}


def _codes(codes: frozenset[str] | tuple[str, ...]) -> np.ndarray:
    return np.array([cat.S[c] for c in codes if c in cat.S], dtype=np.int8)


_GROUP = {g: _codes(tuple(s.code for s in dictionary.STATUSES if s.group == g)) for g in ("excluded",)}
_VERIFIABLE = _codes(dictionary.VERIFIABLE_WORK)
_WORK = _codes(dictionary.WORK_STATUSES)
_RISK = _codes(dictionary.RISK_STATUSES)
_WORK_OR_STUDY = _codes(dictionary.WORK_STATUSES | dictionary.STUDY_STATUSES)


def checkpoint_dates(cohort: int, today: dt.date) -> tuple[dt.date, dt.date, dt.date]:
    return dt.date(cohort, 9, 30), dt.date(cohort, 12, 31), min(dt.date(cohort + 1, 12, 31), today)


@dataclass
class Tally:
    """Counts per checkpoint, cohort, college and measure, plus the federal indicator per
    programme at 31 December of the graduation year; filled chunk by chunk."""

    plan: Plan
    counts: np.ndarray = field(init=False)  # [checkpoint, cohort, college, measure]
    programs: np.ndarray = field(init=False)  # [cohort, college, programme, (numerator, denominator)]

    def __post_init__(self) -> None:
        m, n_prog = len(self.plan.colleges), len(self.plan.ref.program_codes)
        self.counts = np.zeros((len(CHECKPOINTS), len(COHORTS), m, len(MEASURES)), dtype=np.int64)
        self.programs = np.zeros((len(COHORTS), m, n_prog, 2), dtype=np.int64)

    def add(self, p: People, sp: Spells, ufns: Records, czn: Records, coverage: dt.date) -> None:
        """Count one chunk of graduates (their trajectories and УФНС/ЦЗН records)."""
        n = len(p)
        if n == 0:
            return
        rows = np.arange(n)
        yi = p.cohort - COHORTS[0]
        discharge = np.where(sp.start < 10**7, sp.discharge, NO_DATE).max(axis=1)
        cov = day(coverage)
        for ci, _name in enumerate(CHECKPOINTS):
            when = np.array([day(checkpoint_dates(y, self.plan.today)[ci]) for y in COHORTS])[yi]
            slot = sp.slot_at(rows, when - p.grad)
            st = sp.status[rows, slot]
            since = p.grad + sp.start[rows, slot]
            in_ = p.grad <= when
            values = {
                "total": in_,
                "work": np.isin(st, _codes(("employed", "entrepreneur", "self_employed"))),
                "contract": st == cat.S["military_contract"],
                "study": st == cat.S["continuing_education"],
                "conscript": st == cat.S["military_conscript"],
                "forecast_conscript": st == cat.S["forecast_conscript"],
                "leave": st == cat.S["parental_leave"],
                "excluded": np.isin(st, _GROUP["excluded"]),
                "family": st == cat.S["family_circumstances"],
                "czn_unemployed": st == cat.S["czn_unemployed"],
                "employed": st == cat.S["employed"],
                "employed_spec": (st == cat.S["employed"]) & sp.spec[rows, slot],
                "undetermined": st == cat.S["undetermined"],
            }
            # the risk group (docs/domain.md §6) with the default thresholds
            army = (discharge != NO_DATE) & (when - discharge > N2_DAYS)
            army &= ~(np.isin(st, _WORK_OR_STUDY) & (since > discharge))
            at = np.minimum(when, cov)
            declared = np.isin(st, _VERIFIABLE) & (when - since > N3_DAYS) & ~p.foreign & (since <= cov)
            risk = (
                np.isin(st, _RISK)
                | ((st == cat.S["undetermined"]) & (when - p.grad > N1_DAYS))
                | army
                | _active(czn, n, when, strict_end=True)
                | (declared & ~_active(ufns, n, at, strict_end=False))
            )
            values["risk_group"] = risk
            block = np.stack([values[k] & in_ for k in MEASURES], axis=1).astype(np.int64)
            key = yi.astype(np.int64) * len(self.plan.colleges) + p.college
            flat = np.zeros((len(COHORTS) * len(self.plan.colleges), len(MEASURES)), dtype=np.int64)
            np.add.at(flat, key, block)
            self.counts[ci] += flat.reshape(len(COHORTS), len(self.plan.colleges), len(MEASURES))
            if CHECKPOINTS[ci] == "year_end":
                num, den = _federal(block)
                np.add.at(self.programs[..., 0], (yi, p.college, p.program), num)
                np.add.at(self.programs[..., 1], (yi, p.college, p.program), den)

    def summary(self) -> Summary:
        return Summary(self.plan, self.counts.copy(), self.programs.copy())


def _federal(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Numerator and denominator of employment_federal from measure counts (last axis)."""
    num = c[..., M["work"]] + c[..., M["contract"]]
    den = c[..., M["total"]] - sum(c[..., M[k]] for k in ("study", "conscript", "leave", "excluded"))
    return num, den


def _active(rec: Records, n: int, when: np.ndarray, *, strict_end: bool) -> np.ndarray:
    """Per graduate: a record active at the graduate's date `when` (ЦЗН: deregistration after the
    date; УФНС: the last working day on or after it)."""
    d = when[rec.rows]
    open_ = rec.end == NO_DATE
    alive = (rec.end > d) if strict_end else (rec.end >= d)
    hit = (rec.start <= d) & (open_ | alive)
    out = np.zeros(n, dtype=bool)
    out[rec.rows[hit]] = True
    return out


def _share(a: np.ndarray | int, b: np.ndarray | int) -> float | None:
    return float(a) / float(b) if b else None


def _nan_min(a: np.ndarray) -> float | None:
    a = a[~np.isnan(a)]
    return float(a.min()) if len(a) else None


def _nan_max(a: np.ndarray) -> float | None:
    a = a[~np.isnan(a)]
    return float(a.max()) if len(a) else None


def pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}".replace(".", ",") + " %"


@dataclass
class Summary:
    plan: Plan
    counts: np.ndarray
    programs: np.ndarray

    def region(self, checkpoint: str, cohort: int) -> dict[str, float | None]:
        """Region-wide shares at a checkpoint: measures over graduates, federal indicators."""
        c = self.counts[CHECKPOINTS.index(checkpoint), cohort - COHORTS[0]].sum(axis=0)
        total = c[M["total"]]
        out: dict[str, float | None] = {k: _share(c[M[k]], total) for k in MEASURES if k != "total"}
        num, den = _federal(c)
        out["employment_federal"] = _share(num, den)
        out["employment_excl_study"] = _share(num, total - c[M["study"]])
        out["work_share"] = out["work"]
        out["off_specialty"] = (
            None if not c[M["employed"]] else 1 - float(c[M["employed_spec"]]) / float(c[M["employed"]])
        )
        out["risk_group"] = _share(c[M["risk_group"]], total)
        return out

    def colleges(self, cohort: int) -> np.ndarray:
        """employment_federal of each college at 31 December of the graduation year (nan: none)."""
        num, den = _federal(self.counts[CHECKPOINTS.index("year_end"), cohort - COHORTS[0]])
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / np.maximum(den, 1), np.nan)

    def programs_rate(self, cohort: int, min_size: int, per_college: bool) -> np.ndarray:
        """employment_federal per programme (region-wide, or per college and programme) at 31
        December of the graduation year; nan where the denominator is under min_size."""
        c = self.programs[cohort - COHORTS[0]]
        if not per_college:
            c = c.sum(axis=0)
        num, den = c[..., 0], c[..., 1]
        return np.where(den >= min_size, num / np.maximum(den, 1), np.nan)

    def cohorts(self) -> list[int]:
        """Cohorts whose 31 December of the graduation year has passed."""
        return [y for y in COHORTS if dt.date(y, 12, 31) <= self.plan.today]

    def problems(self) -> list[str]:
        """Hard realism bounds (issue 17) that do not hold, in Russian; empty when all hold."""
        out = []
        spread = cal.COLLEGE_SPREAD
        for y in self.cohorts():
            r = self.region("year_end", y)
            for key, t in cal.YEAR_END.items():
                value = r["employment_federal"] if key == "employment_federal_hard" else r[key]
                if t.hard and not t.holds(value):
                    out.append(f"выпуск {y}: {t.label} {pct(value)} вне {pct(t.lo)}–{pct(t.hi)}")
            rates = self.colleges(y)
            low = int((rates < spread["below_target"]).sum())
            top = int((rates >= spread["top"]).sum())
            if low < spread["min_below"] or top < spread["min_top"]:
                out.append(
                    f"выпуск {y}: ПОО ниже {pct(spread['below_target'])}: {low}, "
                    f"с {pct(spread['top'])} и выше: {top} (нужно не меньше "
                    f"{spread['min_below']} и {spread['min_top']})"
                )
        return out

    def text(self) -> str:
        """The realism summary `vypusk sample` prints (Russian)."""
        lines = ["Правдоподобие демо-региона (сравнение с опубликованными данными, demo/calibration.py):"]
        ys = self.cohorts()
        header = "  показатель".ljust(58) + "".join(f"{y:>9}" for y in ys) + "   ориентир"

        def block(title: str, checkpoint: str, targets: dict[str, cal.Target]) -> None:
            lines.append(f" {title}")
            lines.append(header)
            for key, t in targets.items():
                if key == "employment_federal_hard":
                    continue
                values = [self.region(checkpoint, y)[key] for y in ys]
                marks = "".join(f"{pct(v):>8}{' ' if t.holds(v) else '!'}" for v in values)
                band = "" if (t.lo, t.hi) == (0.0, 1.0) else f"   {pct(t.lo)}–{pct(t.hi)} ({t.source})"
                lines.append(f"  {t.label}".ljust(58) + marks + band)

        block("30 сентября года выпуска, доля выпускников:", "september", cal.SEPTEMBER)
        block("31 декабря года выпуска:", "year_end", cal.YEAR_END)
        extra = {
            "employment_excl_study": cal.Target(
                "доля трудоустроенных без продолживших обучение", 0.0, 1.0, "для сравнения"
            )
        }
        block(
            "31 декабря года выпуска, для сравнения (знаменатель — все, кроме продолживших обучение):",
            "year_end",
            extra,
        )
        block("конец окна мониторинга:", "window_end", cal.WINDOW_END)
        for y in ys[-1:]:
            rates = self.colleges(y)
            ok = rates[~np.isnan(rates)]
            steps = [(ok < 0.6).sum(), ((ok >= 0.6) & (ok < 0.7)).sum(), ((ok >= 0.7) & (ok < 0.8)).sum()]
            prog = self.programs_rate(y, 30, per_college=False)
            pairs = self.programs_rate(y, 10, per_college=True)
            lines.append(
                f" ПОО, выпуск {y}, 31.12.{y}: от {pct(_nan_min(ok))} до {pct(_nan_max(ok))}; "
                f"ниже цели 62,5 %: {(ok < 0.625).sum()}; по шкале критерия 1 (<60 / 60–70 / 70–80 / ≥80 %): "
                f"{steps[0]} / {steps[1]} / {steps[2]} / {(ok >= 0.8).sum()}"
            )
            lines.append(
                f" специальности (не меньше 30 выпускников), выпуск {y}: от {pct(_nan_min(prog))} "
                f"до {pct(_nan_max(prog))}; специальности ПОО (не меньше 10): "
                f"90 % и выше — {int((pairs >= 0.9).sum())} из {int((~np.isnan(pairs)).sum())}"
            )
        problems = self.problems()
        if not problems:
            lines.append(" Все обязательные границы соблюдены.")
        else:
            if self.plan.n_graduates < MIN_COMPARABLE:
                size = f"{MIN_COMPARABLE:,}".replace(",", " ")
                lines.append(
                    f" Регион мал для сравнения (ориентиры — для региона от {size} выпускников), отклонения ожидаемы."
                )
            lines.append(" Нарушены обязательные границы:")
            lines += [f"  - {p}" for p in problems]
        return "\n".join(lines)
