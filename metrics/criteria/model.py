"""Criteria sets as data: criteria, scales, category thresholds; JSON (de)serialisation; the starting set.

Pure Python, no database: a set is a list of criteria, each a metric, a weight and a scale (step
thresholds, or linear between two bounds), plus category thresholds on the total score (docs/domain.md §8).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import asdict, dataclass, field

CATEGORY_LABELS = {"high": "Высокая", "medium": "Средняя", "low": "Низкая"}

# Metrics a criterion may use: id -> (Russian label, description). Indicators of the registry may
# be used as well, as "indicator:<id>".
METRICS: dict[str, tuple[str, str]] = {
    "employment_federal": ("Доля трудоустроенных", "Показатель employment_federal на дату оценки"),
    "by_specialty_share": ("Трудоустроены по специальности", "Показатель by_specialty_share"),
    "risk_share": ("Доля под риском (гр.13–16)", "Показатель risk_share; чем меньше, тем лучше"),
    "risk_resolved": (
        "Выведены из группы риска",
        "Вышедшие из группы риска в работу или учёбу / все, кто был в группе риска с выпуска",
    ),
    "timeliness": (
        "Своевременность данных",
        "Доля недель, когда срез статусов поступил на сервер к сроку графика базового центра",
    ),
    "verification": ("Подтверждение УФНС", "Доля заявленной работы, подтверждённой данными УФНС"),
    "frdo_completeness": ("Полнота ФИС ФРДО", "Выпускники, найденные в ФИС ФРДО / фактический выпуск"),
    "career_tracks": ("Карьерные треки", "Доля выпускников с оформленным карьерным треком"),
    "events_per_graduate": (
        "Мероприятия",
        "Участий выпускников в карьерных мероприятиях в год подготовки выпуска (октябрь–май) на одного выпускника",
    ),
    "czn_unemployed_share": ("Безработные в ЦЗН", "Доля статуса «Зарегистрирован в ЦЗН как безработный»"),
}


@dataclass(frozen=True)
class StepRule:
    op: str  # '>=', '>', '<=', '<', '==' or 'else'
    value: float | None
    points: float


@dataclass(frozen=True)
class Scale:
    kind: str  # 'step' | 'linear'
    rules: tuple[StepRule, ...] = ()
    x0: float = 0.0
    x1: float = 1.0
    p0: float = 0.0
    p1: float = 0.0

    def points(self, x: float | None) -> float:
        """Points for a metric value; no value (zero denominator) gives 0 points."""
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return 0.0
        if self.kind == "linear":
            if self.x1 == self.x0:
                return self.p1 if x >= self.x1 else self.p0
            t = min(max((x - self.x0) / (self.x1 - self.x0), 0.0), 1.0)
            return self.p0 + t * (self.p1 - self.p0)
        for r in self.rules:
            if r.op == "else" or _holds(x, r.op, r.value):
                return r.points
        return 0.0

    def max_points(self) -> float:
        if self.kind == "linear":
            return max(self.p0, self.p1)
        return max((r.points for r in self.rules), default=0.0)

    def describe(self) -> str:
        """Russian text of the scale, e.g. '≥ 80 % → 10; ≥ 70 % → 7; иначе → 0'."""
        if self.kind == "linear":
            return f"линейно: {_fmt_x(self.x0)} → {_fmt_p(self.p0)}, {_fmt_x(self.x1)} → {_fmt_p(self.p1)}"
        parts = []
        for r in self.rules:
            if r.op == "else":
                parts.append(f"иначе → {_fmt_p(r.points)}")
            else:
                parts.append(f"{_OPS_RU[r.op]} {_fmt_x(r.value)} → {_fmt_p(r.points)}")
        return "; ".join(parts)


_OPS_RU = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}


def _holds(x: float, op: str, v: float | None) -> bool:
    if v is None:
        return False
    eps = 1e-12  # rates like 0.7 are computed as 7/10: compare with a tolerance
    return {
        ">=": x >= v - eps,
        ">": x > v + eps,
        "<=": x <= v + eps,
        "<": x < v - eps,
        "==": abs(x - v) <= eps,
    }[op]


def _fmt_x(v: float | None) -> str:
    if v is None:
        return "—"
    return f"{v * 100:g} %".replace(".", ",") if abs(v) <= 1.0 else f"{v:g}".replace(".", ",")


def _fmt_p(p: float) -> str:
    return f"{p:g}".replace(".", ",")


@dataclass(frozen=True)
class Criterion:
    id: str
    name: str
    metric: str
    weight: float
    scale: Scale
    lower_is_better: bool = False


@dataclass(frozen=True)
class CriteriaSet:
    year: int
    criteria: tuple[Criterion, ...]
    high_from: float = 40.0
    medium_from: float = 25.0
    version: int = 0
    status: str = "draft"  # 'draft' | 'published'
    comment: str = ""
    created_by: str = ""
    created_at: dt.datetime | None = None
    published_at: dt.datetime | None = None
    published_by: str | None = None
    meta: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        body = {
            "criteria": [asdict(c) for c in self.criteria],
            "high_from": self.high_from,
            "medium_from": self.medium_from,
        }
        return json.dumps(body, ensure_ascii=False, sort_keys=True)

    def max_score(self) -> float:
        return sum(c.weight * c.scale.max_points() for c in self.criteria)

    def category(self, score: float) -> str:
        if score >= self.high_from - 1e-9:
            return "high"
        if score >= self.medium_from - 1e-9:
            return "medium"
        return "low"


def same_definition(a: CriteriaSet | None, b: CriteriaSet | None) -> bool:
    """Equal criteria and category thresholds (the stored definition), ignoring version metadata."""
    if a is None or b is None:
        return a is b
    return _canonical(json.loads(a.to_json())) == _canonical(json.loads(b.to_json()))


def _canonical(value: object) -> object:
    """Numbers compared as numbers: a threshold typed as 10,0 equals a stored 10 (an int in JSON)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def _criterion_from_dict(d: dict) -> Criterion:  # type: ignore[type-arg]
    s = d["scale"]
    scale = Scale(
        s["kind"],
        tuple(StepRule(r["op"], r.get("value"), float(r["points"])) for r in s.get("rules", ())),
        float(s.get("x0", 0.0)),
        float(s.get("x1", 1.0)),
        float(s.get("p0", 0.0)),
        float(s.get("p1", 0.0)),
    )
    return Criterion(
        d["id"], d["name"], d["metric"], float(d["weight"]), scale, bool(d.get("lower_is_better"))
    )


def from_json(year: int, text: str, **kw: object) -> CriteriaSet:
    body = json.loads(text)
    crit = tuple(_criterion_from_dict(c) for c in body["criteria"])
    return CriteriaSet(year, crit, float(body["high_from"]), float(body["medium_from"]), **kw)  # type: ignore[arg-type]


def _steps(*rules: tuple[str, float | None, float]) -> Scale:
    return Scale("step", tuple(StepRule(op, v, p) for op, v, p in rules))


# The starting set of docs/domain.md §8 (assumed; weights 1 as proposed).
STARTING_CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "employment",
        "Трудоустройство",
        "employment_federal",
        1.0,
        _steps((">=", 0.8, 10), (">=", 0.7, 7), (">=", 0.6, 4), ("else", None, 0)),
    ),
    Criterion(
        "by_specialty",
        "Трудоустройство по специальности",
        "by_specialty_share",
        1.0,
        _steps((">", 0.7, 5), (">=", 0.5, 3), ("else", None, 0)),
    ),
    Criterion(
        "risk_share",
        "Доля группы риска",
        "risk_share",
        1.0,
        _steps(("<=", 0.03, 5), ("<=", 0.07, 3), ("else", None, 0)),
        lower_is_better=True,
    ),
    Criterion(
        "risk_resolved",
        "Выведены из группы риска",
        "risk_resolved",
        1.0,
        Scale("linear", x0=0.0, x1=1.0, p0=0.0, p1=10.0),
    ),
    Criterion(
        "timeliness",
        "Своевременность данных",
        "timeliness",
        1.0,
        Scale("linear", x0=0.5, x1=1.0, p0=0.0, p1=5.0),
    ),
    Criterion(
        "verification",
        "Подтверждение данными УФНС",
        "verification",
        1.0,
        Scale("linear", x0=0.0, x1=1.0, p0=0.0, p1=5.0),
    ),
    Criterion(
        "frdo",
        "Полнота ФИС ФРДО",
        "frdo_completeness",
        1.0,
        _steps((">=", 1.0, 5), (">=", 0.95, 3), ("else", None, 0)),
    ),
    Criterion(
        "career_tracks",
        "Карьерные треки",
        "career_tracks",
        1.0,
        Scale("linear", x0=0.0, x1=1.0, p0=0.0, p1=5.0),
    ),
    Criterion(
        "events",
        "Карьерные мероприятия",
        "events_per_graduate",
        1.0,
        Scale("linear", x0=0.0, x1=2.0, p0=0.0, p1=5.0),
    ),
    Criterion(
        "czn",
        "Зарегистрированные безработные",
        "czn_unemployed_share",
        1.0,
        _steps(("<=", 0.0, 3), ("<=", 0.02, 1), ("else", None, 0)),
        lower_is_better=True,
    ),
)


def starting_set(year: int) -> CriteriaSet:
    """The starting set of docs/domain.md §8 for a year."""
    return CriteriaSet(
        year, STARTING_CRITERIA, high_from=40.0, medium_from=25.0, comment="Исходный набор (domain.md §8)"
    )


def validate_set(cs: CriteriaSet, known_metrics: set[str]) -> list[str]:
    """Russian problems that prevent saving a set (empty list: fine)."""
    problems: list[str] = []
    ids = [c.id for c in cs.criteria]
    if not cs.criteria:
        problems.append("В наборе нет ни одного критерия.")
    if len(set(ids)) != len(ids):
        problems.append("Коды критериев повторяются.")
    for c in cs.criteria:
        if c.metric not in known_metrics:
            problems.append(f"Критерий «{c.name}»: неизвестная метрика {c.metric}.")
        if c.weight < 0:
            problems.append(f"Критерий «{c.name}»: вес не может быть отрицательным.")
        if c.scale.kind == "linear" and c.scale.x0 == c.scale.x1:
            problems.append(f"Критерий «{c.name}»: границы линейной шкалы совпадают.")
        if c.scale.kind == "step" and not c.scale.rules:
            problems.append(f"Критерий «{c.name}»: у ступенчатой шкалы нет порогов.")
    if cs.medium_from > cs.high_from:
        problems.append("Порог категории «средняя» выше порога «высокая».")
    return problems
