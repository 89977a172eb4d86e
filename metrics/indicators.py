"""The indicator registry (docs/domain.md §4): every indicator defined once, with its formula.

An indicator is numerator / denominator over the status counts of a group at an as-of date:
    numerator   = sum of N(s) for s in `numerator`
    denominator = (total, or the sum over `base` when given) - sum of N(s) for s in `exclusions`
With "с учётом прогноза" each forecast status counts as its target status (docs/domain.md §4).
A denominator of 0 gives no value (None, shown as "—").
Built-in indicators live in code; the base centre's own indicators are rows of
`custom_indicators` (versioned) and are served by the same registry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import polars as pl

from metrics.statuses import BY_CODE, CODES, FORECAST_MAP

# Pseudo-count: graduates with status `employed` and "по специальности = да".
EMPLOYED_BY_SPECIALTY = "employed_by_specialty"
COUNT_COLUMNS: tuple[str, ...] = (*CODES, EMPLOYED_BY_SPECIALTY)


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    description: str
    numerator: frozenset[str]
    exclusions: frozenset[str] = frozenset()
    base: frozenset[str] | None = None  # None: all graduates (total)
    lower_is_better: bool = False
    builtin: bool = True
    version: int = 1

    def formula(self) -> str:
        """Human formula in Russian, built from the same sets the computation uses."""
        num = " + ".join(_label(s) for s in sorted(self.numerator, key=_order))
        base = "Всего выпускников" if self.base is None else " + ".join(_label(s) for s in sorted(self.base))
        den = base + "".join(" − " + _label(s) for s in sorted(self.exclusions, key=_order))
        return f"({num}) / ({den})"


def _order(code: str) -> int:
    return CODES.index(code) if code in CODES else len(CODES)


def _label(code: str) -> str:
    if code == EMPLOYED_BY_SPECIALTY:
        return "Трудоустроены по специальности"
    st = BY_CODE[code]
    return f"{st.label} (гр.{st.federal_col})" if st.federal_col else st.label


_WORK = frozenset({"employed", "entrepreneur", "self_employed", "military_contract"})

BUILTIN: tuple[Indicator, ...] = (
    Indicator(
        "employment_federal",
        "Доля трудоустроенных выпускников",
        "Федеральный показатель: работающие (по договору, ИП, самозанятые, контрактная служба) среди "
        "выпускников, кроме продолжающих обучение, призванных в армию, находящихся в отпуске по уходу "
        "за ребёнком и выбывших по уважительным причинам.",
        _WORK,
        frozenset(
            {
                "continuing_education",
                "military_conscript",
                "parental_leave",
                "death_illness",
                "under_investigation",
                "moved_abroad",
                "foreign_no_snils",
            }
        ),
    ),
    Indicator(
        "employment_excl_study",
        "Доля трудоустроенных (без продолживших обучение)",
        "Работающие среди всех выпускников, кроме продолжающих обучение.",
        _WORK,
        frozenset({"continuing_education"}),
    ),
    Indicator(
        "occupancy_regional",
        "Доля занятых выпускников (региональный показатель)",
        "Занятые любым общественно полезным делом: работа, служба (по призыву и по контракту), "
        "обучение, отпуск по уходу за ребёнком — среди всех выпускников.",
        _WORK | {"military_conscript", "continuing_education", "parental_leave"},
    ),
    Indicator(
        "risk_share",
        "Доля выпускников под риском нетрудоустройства",
        "Неформальная занятость, регистрация в ЦЗН, отсутствие мотивации и иные причины риска "
        "(гр.13–16) среди всех выпускников. Чем меньше, тем лучше.",
        frozenset({"informal", "czn_unemployed", "no_motivation", "other_risk"}),
        lower_is_better=True,
    ),
    Indicator(
        "by_specialty_share",
        "Доля трудоустроенных по специальности",
        "Трудоустроенные по трудовому договору или договору ГПХ с отметкой «по специальности» среди всех "
        "трудоустроенных по трудовому договору или договору ГПХ.",
        frozenset({EMPLOYED_BY_SPECIALTY}),
        base=frozenset({"employed"}),
    ),
)
BUILTIN_BY_ID: dict[str, Indicator] = {i.id: i for i in BUILTIN}
DEFAULT_HEADLINE = "employment_federal"
# The seed's target: 62.5 % for employment_federal, cohort 2022 (docs/domain.md §2).
SEED_TARGETS: tuple[tuple[str, int, float], ...] = (("employment_federal", 2022, 0.625),)


# ---------------------------------------------------------------- computation (pure)


def apply_forecast(counts: Mapping[str, int], forecast: bool) -> dict[str, int]:
    """With forecast on, each forecast status counts as its target status."""
    out = {c: int(counts.get(c, 0) or 0) for c in COUNT_COLUMNS}
    if forecast:
        for fc, target in FORECAST_MAP.items():
            out[target] += out[fc]
            out[fc] = 0
    return out


def compute(
    counts: Mapping[str, int], indicator: Indicator, forecast: bool = False
) -> tuple[int, int, float | None]:
    """(numerator, denominator, rate) for one group's status counts. `total` = sum of status counts."""
    c = apply_forecast(counts, forecast)
    total = sum(c[s] for s in CODES)
    base = total if indicator.base is None else sum(c[s] for s in indicator.base)
    den = base - sum(c[s] for s in indicator.exclusions)
    num = sum(c[s] for s in indicator.numerator)
    return num, den, (num / den if den > 0 else None)


def with_indicator(counts: pl.DataFrame, indicator: Indicator, forecast: bool = False) -> pl.DataFrame:
    """Add `numerator`, `denominator`, `rate` columns to a frame of status counts (one column per code).

    Vectorised twin of `compute`; tests check the two agree.
    """

    def col(code: str) -> pl.Expr:
        expr = pl.col(code)
        if forecast:
            for fc, target in FORECAST_MAP.items():
                if target == code:
                    expr = expr + pl.col(fc)
            if code in FORECAST_MAP:
                expr = pl.lit(0, dtype=pl.Int64)
        return expr

    def total_of(codes: frozenset[str] | tuple[str, ...]) -> pl.Expr:
        return pl.sum_horizontal([col(s) for s in codes]) if codes else pl.lit(0, dtype=pl.Int64)

    base = total_of(CODES) if indicator.base is None else total_of(indicator.base)
    den = base - total_of(indicator.exclusions)
    num = total_of(indicator.numerator)
    return counts.with_columns(numerator=num.cast(pl.Int64), denominator=den.cast(pl.Int64)).with_columns(
        rate=pl.when(pl.col("denominator") > 0)
        .then(pl.col("numerator") / pl.col("denominator"))
        .otherwise(None)
    )


def places_needed(numerator: int, denominator: int, target: float) -> int:
    """How many more graduates must be placed for numerator/denominator to reach the target."""
    if denominator <= 0:
        return 0
    import math

    need = math.ceil(target * denominator - 1e-9) - numerator
    return max(need, 0)


# ---------------------------------------------------------------- registry with stored indicators


def registry(cur: duckdb.DuckDBPyConnection) -> dict[str, Indicator]:
    """Built-in indicators plus the current version of every active custom indicator."""
    out = dict(BUILTIN_BY_ID)
    rows = cur.execute(
        """SELECT indicator_id, version, name, description, numerator, exclusions, active
           FROM custom_indicators QUALIFY row_number() OVER (PARTITION BY indicator_id ORDER BY version DESC) = 1
           ORDER BY indicator_id"""
    ).fetchall()
    for ind_id, version, name, desc, num, exc, active in rows:
        if not active:
            continue
        out[ind_id] = Indicator(
            ind_id,
            name,
            desc or "",
            frozenset(x for x in num.split(",") if x),
            frozenset(x for x in exc.split(",") if x),
            builtin=False,
            version=version,
        )
    return out


def get_indicator(cur: duckdb.DuckDBPyConnection, indicator_id: str) -> Indicator:
    from data_layer.errors import UserFacingError

    reg = registry(cur)
    if indicator_id not in reg:
        raise UserFacingError(f"Неизвестный показатель: {indicator_id}. Доступны: {', '.join(reg)}.")
    return reg[indicator_id]


def save_custom_indicator(
    cur: duckdb.DuckDBPyConnection,
    indicator_id: str,
    name: str,
    description: str,
    numerator: set[str] | frozenset[str],
    exclusions: set[str] | frozenset[str],
    username: str,
    active: bool = True,
) -> int:
    """Store a new version of a custom indicator; returns its version number."""
    from data_layer.errors import UserFacingError

    if indicator_id in BUILTIN_BY_ID:
        raise UserFacingError("Встроенные показатели изменить нельзя; создайте новый показатель.")
    if not indicator_id.replace("_", "").isalnum() or not indicator_id.isascii():
        raise UserFacingError("Код показателя: латинские буквы, цифры и «_».")
    allowed = set(COUNT_COLUMNS) - {"unknown"}
    bad = (set(numerator) | set(exclusions)) - allowed - {"unknown"}
    if bad:
        raise UserFacingError(f"Неизвестные статусы: {', '.join(sorted(bad))}.")
    if not numerator:
        raise UserFacingError("В числителе должен быть хотя бы один статус.")
    if set(numerator) & set(exclusions):
        raise UserFacingError("Статус не может быть одновременно в числителе и в исключениях.")
    if not name.strip():
        raise UserFacingError("Укажите название показателя.")
    row = cur.execute(
        "SELECT coalesce(max(version), 0) FROM custom_indicators WHERE indicator_id = ?", [indicator_id]
    ).fetchall()
    version = int(row[0][0]) + 1
    cur.execute(
        "INSERT INTO custom_indicators VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            indicator_id,
            version,
            name.strip(),
            description.strip(),
            ",".join(sorted(numerator, key=_order)),
            ",".join(sorted(exclusions, key=_order)),
            active,
            dt.datetime.now(),
            username,
        ],
    )
    return version


# ---------------------------------------------------------------- targets


def get_target(cur: duckdb.DuckDBPyConnection, indicator_id: str, cohort: int) -> tuple[float, int] | None:
    """(target, cohort it was set for): the cohort's own target, else the nearest earlier cohort's
    (a target stays in force until the base centre sets a new one), else the seed default."""
    row = cur.execute(
        """SELECT target, cohort FROM targets WHERE indicator_id = ? AND cohort <= ?
           ORDER BY cohort DESC LIMIT 1""",
        [indicator_id, cohort],
    ).fetchall()
    if row:
        return float(row[0][0]), int(row[0][1])
    stored_any = cur.execute("SELECT count(*) FROM targets WHERE indicator_id = ?", [indicator_id]).fetchall()
    if stored_any[0][0] == 0:
        for ind, year, value in SEED_TARGETS:
            if ind == indicator_id and year <= cohort:
                return value, year
    return None


def set_target(
    cur: duckdb.DuckDBPyConnection, indicator_id: str, cohort: int, target: float, username: str
) -> None:
    from data_layer.errors import UserFacingError

    if not 0 < target <= 1:
        raise UserFacingError("Целевое значение — доля от 0 до 100 %.")
    cur.execute("DELETE FROM targets WHERE indicator_id = ? AND cohort = ?", [indicator_id, cohort])
    cur.execute(
        "INSERT INTO targets VALUES (?, ?, ?, ?, ?)",
        [indicator_id, cohort, target, dt.datetime.now(), username],
    )


def list_targets(cur: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return cur.sql(
        "SELECT indicator_id, cohort, target, updated_at, updated_by FROM targets ORDER BY indicator_id, cohort"
    ).pl()


def custom_indicator_versions(cur: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every stored version of every custom indicator, newest version first per indicator."""
    return cur.sql(
        """SELECT indicator_id, version, name, description, numerator, exclusions, active, created_at, created_by
           FROM custom_indicators ORDER BY indicator_id, version DESC"""
    ).pl()
