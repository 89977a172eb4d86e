"""Calibration of the demo region: the published figures it is tuned to, and the generator's knobs.

This is the ONE place for both. `TARGETS` are facts (published figures, as issue 17 cites them);
the generator does not read them: `demo.realism` measures the generated region against them, prints
the comparison (`vypusk sample`) and tests/unit/test_sample.py fails when a change drifts out of a
band. The knobs below them (`Outcomes`, `Timing`, ...) are what the generator reads; they were tuned
by hand until the measured figures fell in the target bands (seed 42, 82 000 graduates).

Sources of the targets (as cited in issue 17, «A demo region that a Samara official would believe»):
  [S1] national operational picture of a cohort in September of the graduation year (a 2023
       regional snapshot): employed incl. self-employment ~44 %, continue studies ~21 %, conscript
       service ~15 %, to be conscripted ~4 %, child-care leave ~1,5 %.
  [S2] employed excluding those continuing studies: 76,4 % (2021 cohort), 62,3 % (2022 cohort)
       nationally; best regions ~85 %; the seed's target 62,5 % (functional model, 2022).
  [S3] employed in the year of graduation 53 %, in the second year 68,5 % (share of all graduates).
  [S4] ~40–44 % of employed SPO graduates work outside their trained specialty.
  [S5] registered unemployment among SPO graduates 3,5–9 %; at risk ~12 % before graduation.
  [S6] the issue's own requirements: «семейные обстоятельства» (гр.20) at most 3 %; ages 18–25 for
       most with a tail of adult (заочная) learners; colleges spread from well under the 62,5 %
       target to 80 % and more, some specialties at 90 %+.

How the figures map onto the app's quantities (our reading, README «Толкования спецификации»):
  * [S2] is compared with `employment_federal` (its denominator drops those continuing studies,
    conscripts, parental leave and the excluded, as the federal form does): the seed attaches its
    62,5 % target to that indicator, so only this reading makes the national figure comparable with
    the target. `employment_excl_study` (denominator: all but those studying) is printed as well.
  * [S1] shares are of all graduates of the cohort who have graduated by 30 September.
  * [S5] registered unemployment = status «Зарегистрирован в ЦЗН как безработный» (гр.14) at 31
    December; at-risk = the risk group of docs/domain.md §6 (all five reasons) at 31 December.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Target:
    """A published figure as a band of shares (0..1) and where it comes from."""

    label: str  # Russian, printed by `vypusk sample`
    lo: float
    hi: float
    source: str
    hard: bool = False  # a hard bound of the realism test (issue 17, «Build» 3), else a calibration aim

    def holds(self, value: float | None) -> bool:
        return value is not None and self.lo <= value <= self.hi


# measured at 30 September of the graduation year ([S1]): share of graduates
SEPTEMBER: dict[str, Target] = {
    "work": Target("работают (по найму, ИП, самозанятые)", 0.40, 0.48, "S1: ~44 %"),
    "study": Target("продолжают обучение", 0.18, 0.24, "S1: ~21 %"),
    "conscript": Target("служат по призыву", 0.12, 0.18, "S1: ~15 %"),
    "forecast_conscript": Target("будут призваны (прогноз)", 0.025, 0.06, "S1: ~4 %"),
    "leave": Target("в отпуске по уходу за ребёнком", 0.008, 0.025, "S1: ~1,5 %"),
}
# measured at 31 December of the graduation year
YEAR_END: dict[str, Target] = {
    "employment_federal": Target(
        "доля трудоустроенных (employment_federal)", 0.62, 0.76, "S2: 62,3–76,4 %, цель 62,5 %"
    ),
    "employment_federal_hard": Target("доля трудоустроенных, допустимо", 0.50, 0.90, "issue 17", hard=True),
    # S3 counts everyone who worked at some time in the year (students and future conscripts too),
    # so the share working on one date is lower
    "work_share": Target("работают, доля всех выпускников", 0.40, 0.56, "S3: 53 % за год"),
    "off_specialty": Target("работают не по специальности (доля работающих)", 0.38, 0.46, "S4: 40–44 %"),
    "czn_unemployed": Target("безработные на учёте в ЦЗН (гр.14)", 0.035, 0.09, "S5: 3,5–9 %"),
    "risk_group": Target("группа риска (§6)", 0.08, 0.15, "S5: ~12 %; тест: не более 15 %", hard=True),
    "family": Target("семейные обстоятельства (гр.20)", 0.0, 0.03, "S6: не более 3 %", hard=True),
    "conscript": Target("служат по призыву", 0.05, 0.25, "issue 17: 5–25 %", hard=True),
}
# 31 December of the year after graduation (the end of the monitoring window)
WINDOW_END: dict[str, Target] = {
    "work_share": Target("работают, доля всех выпускников", 0.52, 0.72, "S3: 68,5 % за второй год"),
}
# spread of colleges at 31 December of the graduation year (employment_federal); the rating scale of
# criterion 1 (docs/domain.md §8) has steps at 60, 70 and 80 %
COLLEGE_SPREAD = {"below_target": 0.625, "top": 0.80, "min_below": 2, "min_top": 3}


# ---------------------------------------------------------------- knobs the generator reads


@dataclass(frozen=True)
class Outcomes:
    """Which story a graduate follows (demo.trajectories.make_spells); probabilities."""

    # conscript service: men under 25 without disability; full-time ППКРС, ППССЗ; part-time
    conscript_full_kr: float = 0.46
    conscript_full: float = 0.40
    conscript_part: float = 0.04
    # further education (of those not conscripted): full-time ППКРС, ППССЗ; part-time
    study_full_kr: float = 0.19
    study_full: float = 0.36
    study_part: float = 0.04
    contract_male_full: float = 0.03
    contract_male_part: float = 0.01
    contract_other: float = 0.002
    leave_female_full: float = 0.07
    leave_female_part: float = 0.10
    family: float = 0.02
    # shift of the chance to work by sector (demand for the specialty) and for target-trained ones
    sector_demand: dict[str, float] = field(
        default_factory=lambda: {
            "medical": 0.2,
            "pharmacy": 0.1,
            "education": 0.03,
            "food": -0.02,
            "trade": -0.03,
        }
    )
    target_training: float = 0.15
    # the rest is work or the risk track; this share of the remainder is the risk track (full-time,
    # part-time) before the college's quality shift
    risk_full: float = 0.165
    risk_part: float = 0.09
    # work statuses: share by specialty per college ~ U(lo, hi); later jobs are off-specialty more
    by_specialty: tuple[float, float] = (0.44, 0.74)
    job_loss: float = 0.07
    rehired: float = 0.6  # of those who lost a job without an offer, find another later
    # back from conscript service: announce work/study/contract; idle for weeks (the army_return
    # reason); the rest go straight to work
    returnees_announced: float = 0.7
    returnees_idle: float = 0.15
    # risk reasons (гр.13–16): informal, czn_unemployed, no_motivation, other_risk
    risk_mix: tuple[float, float, float, float] = (0.25, 0.43, 0.12, 0.20)
    risk_to_family: float = 0.04  # of the risk track, later «семейные обстоятельства»


@dataclass(frozen=True)
class Timing:
    """When things happen, in days after graduation unless stated."""

    # conscription of June/July graduates: the spring call-up right after graduation (until
    # 15 July), the autumn call-up (October–December), the next spring call-up
    summer_callup: float = 0.74
    autumn_callup: float = 0.22  # the rest: next spring
    summer_callup_days: tuple[int, int] = (4, 24)
    service_days: int = 365  # back a year after call-up
    # work: a job lined up (target students, part-time learners already working), or a search
    quick_job: float = 0.6
    search_median_days: float = 26.0
    search_sigma: float = 0.9
    # parental leave: a share starts within three months of graduation
    early_leave: float = 0.45
    # «не определился» ends within this many days
    undetermined_max: int = 112


@dataclass(frozen=True)
class Graduation:
    """Who graduates and when (demo.people.make_people)."""

    # graduation in December: full-time, part-time (part-time also in February)
    december_full: float = 0.012
    december_part: float = 0.12
    february_part: float = 0.33
    # ages at graduation: full-time base by level + a gamma tail, a few older full-time students;
    # part-time: a young half (19–25) and adult learners (25–50)
    age_full_kr: float = 18.3
    age_full: float = 19.1
    older_full: float = 0.03
    adult_part: float = 0.5
    max_age: float = 50.0


@dataclass(frozen=True)
class Activity:
    """Career events and external extracts."""

    # career events run October–May (docs/domain.md §2): months 10..12 and 1..5
    event_months: tuple[int, ...] = (10, 11, 12, 1, 2, 3, 4, 5)
    # УФНС/ЦЗН extracts: monthly, on the 1st, from this month of the first cohort's window on
    first_extract: tuple[int, int] = (2021, 3)


OUTCOMES = Outcomes()
TIMING = Timing()
GRADUATION = Graduation()
ACTIVITY = Activity()
