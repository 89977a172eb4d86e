"""Effectiveness criteria of the colleges' career centres (ЦСТВ), domain.md §8.

A criteria set (per cohort year) is a list of criteria, each a metric over the data, a weight and a
scale (step thresholds, or linear between two bounds), plus category thresholds on the total score.
Sets are stored as JSON in `criteria_sets` and versioned: at most one editable draft per year; a
published version is never changed, so every past rating is reproducible from (year, version).
Score of a college = sum of weight x points; rank = standard competition rank by score (1, 2, 2, 4);
category from the thresholds.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import asdict, dataclass, field

import duckdb
import polars as pl

from data_layer import audit
from data_layer.errors import ScopeError, UserFacingError
from data_layer.scope import OPERATOR, Scope
from metrics import engine, indicators, reconciliation, risk, settings, verification

WEEKLY_HISTORY_MAX = 100_000  # graduates of a cohort up to which criterion 4 uses weekly checkpoints
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
    "timeliness": ("Своевременность данных", "Доля недель с обновлением статусов в срок (еженедельно)"),
    "verification": ("Подтверждение УФНС", "Доля заявленной работы, подтверждённой данными УФНС"),
    "frdo_completeness": ("Полнота ФИС ФРДО", "Выпускники, найденные в ФИС ФРДО / фактический выпуск"),
    "career_tracks": ("Карьерные треки", "Доля выпускников с оформленным карьерным треком"),
    "events_per_graduate": (
        "Мероприятия",
        "Участий выпускников в карьерных мероприятиях на одного выпускника",
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


def starting_set(year: int) -> CriteriaSet:
    """The starting set of domain §8 (assumed; weights 1 as proposed)."""
    return CriteriaSet(
        year,
        (
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
        ),
        high_from=40.0,
        medium_from=25.0,
        comment="Исходный набор (domain.md §8)",
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


# ---------------------------------------------------------------- storage


def ensure_seeded(cur: duckdb.DuckDBPyConnection, year: int) -> None:
    """Publish the starting set as version 1 for a year that has no set yet."""
    n = cur.execute("SELECT count(*) FROM criteria_sets WHERE year = ?", [year]).fetchall()[0][0]
    if n == 0:
        s = starting_set(year)
        now = dt.datetime.now()
        cur.execute(
            "INSERT INTO criteria_sets VALUES (?, 1, 'published', ?, ?, ?, 'system', ?, 'system')",
            [year, s.to_json(), s.comment, now, now],
        )


def versions(cur: duckdb.DuckDBPyConnection, year: int) -> list[CriteriaSet]:
    rows = cur.execute(
        """SELECT version, status, definition, comment, created_at, created_by, published_at, published_by
           FROM criteria_sets WHERE year = ? ORDER BY version""",
        [year],
    ).fetchall()
    return [
        from_json(
            year,
            d,
            version=v,
            status=st,
            comment=c or "",
            created_at=ca,
            created_by=cb,
            published_at=pa,
            published_by=pb,
        )
        for v, st, d, c, ca, cb, pa, pb in rows
    ]


def published(cur: duckdb.DuckDBPyConnection, year: int, version: int | None = None) -> CriteriaSet:
    """The newest published version (or the given one).

    A year with no stored set is rated by the starting set as version 1; it is written to the
    database only when the base centre saves a draft (reads never write: read-only replicas work).
    """
    pubs = [v for v in versions(cur, year) if v.status == "published"]
    if not pubs:
        s = starting_set(year)
        pubs = [
            CriteriaSet(
                year,
                s.criteria,
                s.high_from,
                s.medium_from,
                version=1,
                status="published",
                comment=s.comment,
                created_by="system",
                published_by="system",
            )
        ]
    if version is not None:
        for v in pubs:
            if v.version == version:
                return v
        raise UserFacingError(f"Опубликованной версии {version} критериев {year} г. нет.")
    return pubs[-1]


def draft(cur: duckdb.DuckDBPyConnection, year: int) -> CriteriaSet | None:
    ds = [v for v in versions(cur, year) if v.status == "draft"]
    return ds[-1] if ds else None


def save_draft(cur: duckdb.DuckDBPyConnection, scope: Scope, cs: CriteriaSet, known_metrics: set[str]) -> int:
    """Create or replace the year's draft (drafts are editable; published versions are not)."""
    scope.require_role("base_centre")
    problems = validate_set(cs, known_metrics)
    if problems:
        raise UserFacingError(" ".join(problems))
    ensure_seeded(cur, cs.year)
    existing = draft(cur, cs.year)
    now = dt.datetime.now()
    cur.execute("BEGIN TRANSACTION")
    try:
        if existing is not None:
            version = existing.version
            cur.execute(
                """UPDATE criteria_sets SET definition = ?, comment = ?, created_at = ?, created_by = ?
                   WHERE year = ? AND version = ? AND status = 'draft'""",
                [cs.to_json(), cs.comment, now, scope.username, cs.year, version],
            )
        else:
            version = (
                int(
                    cur.execute(
                        "SELECT max(version) FROM criteria_sets WHERE year = ?", [cs.year]
                    ).fetchall()[0][0]
                )
                + 1
            )
            cur.execute(
                "INSERT INTO criteria_sets VALUES (?, ?, 'draft', ?, ?, ?, ?, NULL, NULL)",
                [cs.year, version, cs.to_json(), cs.comment, now, scope.username],
            )
        audit.record(cur, scope.username, scope.role, "criteria_draft", f"{cs.year} v{version}")
        cur.execute("COMMIT")
    except Exception:
        cur.execute("ROLLBACK")
        raise
    return version


def publish_draft(cur: duckdb.DuckDBPyConnection, scope: Scope, year: int) -> int:
    """Publish the year's draft; from now on that version is immutable."""
    scope.require_role("base_centre")
    d = draft(cur, year)
    if d is None:
        raise UserFacingError("Нет черновика для публикации.")
    cur.execute("BEGIN TRANSACTION")
    try:
        cur.execute(
            """UPDATE criteria_sets SET status = 'published', published_at = ?, published_by = ?
               WHERE year = ? AND version = ? AND status = 'draft'""",
            [dt.datetime.now(), scope.username, year, d.version],
        )
        audit.record(cur, scope.username, scope.role, "criteria_publish", f"{year} v{d.version}", d.comment)
        cur.execute("COMMIT")
    except Exception:
        cur.execute("ROLLBACK")
        raise
    return d.version


def discard_draft(cur: duckdb.DuckDBPyConnection, scope: Scope, year: int) -> None:
    scope.require_role("base_centre")
    cur.execute("DELETE FROM criteria_sets WHERE year = ? AND status = 'draft'", [year])


# ---------------------------------------------------------------- metric values per college


def _timeliness(cur: duckdb.DuckDBPyConnection, cohort: int, as_of: dt.date) -> pl.DataFrame:
    """Per college: Fridays since graduation (expected weekly updates) and weeks with an update."""
    return (
        cur.sql(
            """
        WITH g AS (SELECT college_code, min(graduation_date) AS start FROM graduates WHERE cohort = ? GROUP BY 1),
        w AS (
            SELECT g.college_code, g.start,
                   -- first Friday after graduation (isodow: Monday=1 ... Friday=5)
                   g.start + ((12 - isodow(g.start)) % 7 + 1)::INTEGER AS first_friday
            FROM g
        ),
        upd AS (
            SELECT college_code, count(DISTINCT date_trunc('week', snapshot_date)) AS updated_weeks,
                   max(snapshot_date) AS last_update
            FROM status_rows r
            WHERE cohort = ? AND snapshot_date <= ?
              AND snapshot_date > (SELECT start FROM g WHERE g.college_code = r.college_code)
            GROUP BY 1
        )
        SELECT w.college_code,
               greatest(CASE WHEN least(?::DATE, ?::DATE) >= w.first_friday
                             THEN (least(?::DATE, ?::DATE) - w.first_friday) // 7 + 1 ELSE 0 END, 0)
                   AS expected_weeks,
               coalesce(upd.updated_weeks, 0) AS updated_weeks, upd.last_update
        FROM w LEFT JOIN upd USING (college_code)
        """,
            params=[
                cohort,
                cohort,
                as_of,
                as_of,
                engine.window_end(cohort),
                as_of,
                engine.window_end(cohort),
            ],
        )
        .pl()
        .with_columns(
            timeliness=pl.when(pl.col("expected_weeks") > 0)
            .then(pl.min_horizontal(pl.col("updated_weeks") / pl.col("expected_weeks"), pl.lit(1.0)))
            .otherwise(None),
            missed_weeks=(pl.col("expected_weeks") - pl.col("updated_weeks")).clip(lower_bound=0),
        )
    )


def timeliness_table(
    cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, as_of: dt.date
) -> pl.DataFrame:
    """Timeliness of weekly updates per college in scope: last update, expected and missed weeks."""
    allowed = scope.allowed_colleges(cur)
    t = _timeliness(cur, cohort, as_of)
    names = engine.college_list(cur, scope).select("college_code", "short_name", "tu_code")
    out = names.join(t, on="college_code", how="inner")
    if allowed is not None:
        out = out.filter(pl.col("college_code").is_in(allowed))
    return out.with_columns(days_since_update=(pl.lit(as_of) - pl.col("last_update")).dt.total_days()).sort(
        "short_name"
    )


def college_metric_values(
    cur: duckdb.DuckDBPyConnection, cohort: int, as_of: dt.date, step_days: int | None = None
) -> pl.DataFrame:
    """Every criteria metric for every college (region-wide: ranks compare all colleges).

    Columns: college_code, short_name, tu_code, tu_name, total, then one Float64 column per metric
    of METRICS plus `indicator:<id>` for custom indicators.
    """
    reg = indicators.registry(cur)
    counts = engine.status_counts(cur, OPERATOR, cohort, as_of, "college")
    base = counts.select(
        pl.col("code").alias("college_code"),
        pl.col("name").alias("short_name"),
        "tu_code",
        "tu_name",
        "total",
    )
    for ind_id, ind in reg.items():
        f = indicators.with_indicator(counts, ind).select(pl.col("code").alias("college_code"), "rate")
        alias = ind_id if ind_id in METRICS else f"indicator:{ind_id}"
        base = base.join(f.rename({"rate": alias}), on="college_code", how="left")
    czn = counts.select(
        pl.col("code").alias("college_code"),
        pl.when(pl.col("total") > 0)
        .then(pl.col("czn_unemployed") / pl.col("total"))
        .alias("czn_unemployed_share"),
    )
    base = base.join(czn, on="college_code", how="left")
    thr = settings.risk_thresholds(cur)
    if step_days is None:
        # "Ever in the risk group" is checked weekly; at federal scale every fourth week keeps the
        # region-wide history query within a page render (README, "Скорость").
        step_days = 7 if int(counts["total"].sum()) <= WEEKLY_HISTORY_MAX else 28
    res = risk.resolved_share_by_college(cur, OPERATOR, cohort, as_of, thr, step_days).select(
        "college_code", pl.col("resolved_share").alias("risk_resolved")
    )
    tml = _timeliness(cur, cohort, as_of).select("college_code", "timeliness")
    ver = verification.verification_summary(
        verification.verification_frame(cur, OPERATOR, cohort, as_of)
    ).select("college_code", pl.col("confirmed_share").alias("verification"))
    rec = reconciliation.reconciliation_table(cur, OPERATOR, cohort).select(
        "college_code", pl.col("completeness").alias("frdo_completeness")
    )
    academic_year = f"{cohort - 1}/{cohort}"
    tracks = cur.sql(
        """SELECT g.college_code, count(*) FILTER (WHERE t.person_key IS NOT NULL) / count(*) AS career_tracks
           FROM graduates g LEFT JOIN (SELECT DISTINCT person_key, college_code FROM career_tracks
                                       WHERE academic_year = ?) t USING (person_key, college_code)
           WHERE g.cohort = ? GROUP BY 1""",
        params=[academic_year, cohort],
    ).pl()
    events = cur.sql(
        """SELECT g.college_code, coalesce(e.participants, 0) / g.n AS events_per_graduate
           FROM (SELECT college_code, count(*) AS n FROM graduates WHERE cohort = ? GROUP BY 1) g
           LEFT JOIN (SELECT college_code, sum(graduate_participants) AS participants FROM events
                      WHERE event_date >= ? AND event_date <= ? GROUP BY 1) e USING (college_code)""",
        params=[cohort, dt.date(cohort - 1, 9, 1), as_of],
    ).pl()
    for extra in (res, tml, ver, rec, tracks, events):
        base = base.join(extra, on="college_code", how="left")
    # risk_resolved: colleges with nobody ever in the risk group have nothing to resolve -> full marks.
    base = base.with_columns(pl.col("risk_resolved").fill_null(1.0).alias("risk_resolved"))
    return base.sort("college_code")


def score(values: pl.DataFrame, cs: CriteriaSet) -> pl.DataFrame:
    """Points per criterion (columns `pts:<criterion id>`), total score, rank and category."""
    out = values
    for c in cs.criteria:
        series = values[c.metric] if c.metric in values.columns else pl.Series([None] * values.height)
        pts = [c.weight * c.scale.points(v) for v in series.to_list()]
        out = out.with_columns(pl.Series(f"pts:{c.id}", pts, dtype=pl.Float64))
    pts_cols = [f"pts:{c.id}" for c in cs.criteria]
    out = out.with_columns(score=pl.sum_horizontal(pts_cols).round(6) if pts_cols else pl.lit(0.0))
    out = out.with_columns(rank=pl.col("score").rank(method="min", descending=True).cast(pl.Int64))
    out = out.with_columns(
        category=pl.when(pl.col("score") >= cs.high_from - 1e-9)
        .then(pl.lit("high"))
        .when(pl.col("score") >= cs.medium_from - 1e-9)
        .then(pl.lit("medium"))
        .otherwise(pl.lit("low")),
    )
    return out.sort(["rank", "short_name"])


def rating(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    cs: CriteriaSet | None = None,
    values: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The rating of all colleges under a criteria set (default: the newest published one),
    filtered to the colleges in scope (ranks stay region-wide)."""
    cs = cs or published(cur, cohort)
    vals = values if values is not None else college_metric_values(cur, cohort, as_of)
    rated = score(vals, cs).with_columns(
        criteria_version=pl.lit(cs.version, dtype=pl.Int64), criteria_year=pl.lit(cs.year, dtype=pl.Int64)
    )
    allowed = scope.allowed_colleges(cur)
    if allowed is not None:
        rated = rated.filter(pl.col("college_code").is_in(allowed))
    return rated


def what_if(base: pl.DataFrame, candidate: pl.DataFrame) -> pl.DataFrame:
    """Rank changes per college between two ratings (e.g. published vs draft).

    rank_change > 0 means the college moves up under the candidate set.
    """
    a = base.select(
        "college_code",
        "short_name",
        pl.col("score").alias("score_base"),
        pl.col("rank").alias("rank_base"),
        pl.col("category").alias("category_base"),
    )
    b = candidate.select(
        "college_code",
        pl.col("score").alias("score_new"),
        pl.col("rank").alias("rank_new"),
        pl.col("category").alias("category_new"),
    )
    return (
        a.join(b, on="college_code", how="full", coalesce=True)
        .with_columns(
            rank_change=(pl.col("rank_base") - pl.col("rank_new")).cast(pl.Int64),
            score_change=pl.col("score_new") - pl.col("score_base"),
            category_changed=pl.col("category_base") != pl.col("category_new"),
        )
        .sort("rank_new")
    )


def known_metrics(cur: duckdb.DuckDBPyConnection) -> set[str]:
    reg = indicators.registry(cur)
    return set(METRICS) | {f"indicator:{i}" for i in reg if i not in METRICS}


def require_editor(scope: Scope) -> None:
    if scope.role != "base_centre":
        raise ScopeError("Критерии эффективности настраивает базовый центр.")
