"""Pure helpers of the criteria editor: a CriteriaSet as editable tables and back (no Streamlit).

Shares are edited in percent (80 means 80 %), counts per graduate (events) as they are; the stored
set keeps fractions, as the metrics compute them.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import polars as pl

from data_layer.errors import UserFacingError
from metrics import criteria
from metrics.formatting import college_name_expr, fmt_num, num_expr, parse_decimal, shown_number_expr

KIND_LABELS = {"step": "ступенчатая", "linear": "линейная"}
KIND_BY_LABEL = {v: k for k, v in KIND_LABELS.items()}
OP_LABELS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "=", "else": "иначе"}
OP_BY_LABEL = {v: k for k, v in OP_LABELS.items()}
# Metrics that are not shares (edited as plain numbers).
PLAIN_METRICS = frozenset({"events_per_graduate"})

# Column names of the main table (Russian, shown in the editor).
C_ID, C_NAME, C_METRIC, C_WEIGHT, C_KIND, C_LOWER = (
    "Код",
    "Критерий",
    "Метрика",
    "Вес",
    "Шкала",
    "Меньше — лучше",
)
C_X0, C_X1, C_P0, C_P1 = "От", "До", "Баллы при «от»", "Баллы при «до»"
R_OP, R_VALUE, R_POINTS = "Условие", "Порог", "Баллы"


def is_share(metric: str) -> bool:
    return metric not in PLAIN_METRICS


def _to_ui(metric: str, x: float | None) -> float | None:
    if x is None:
        return None
    return round(x * 100, 6) if is_share(metric) else x


def _from_ui(metric: str, x: float | None) -> float | None:
    if x is None:
        return None
    # Rounded so that 70 % edited back gives 0.7, not 0.7000000000000001.
    return round(x / 100, 12) if is_share(metric) else x


def decimal_text(x: float | None) -> str | None:
    """A number as typed in a Russian table cell: 12.5 -> «12,5», 80.0 -> «80», None -> None.
    The editor's number cells are text: a browser number cell refuses the decimal comma."""
    if x is None or math.isnan(x):
        return None
    text = f"{x:.6f}".rstrip("0").rstrip(".")
    return ("0" if text in ("-0", "") else text).replace(".", ",")


def metric_label(metric: str, labels: dict[str, str]) -> str:
    return labels.get(metric, metric)


def criteria_frame(cs: criteria.CriteriaSet) -> pl.DataFrame:
    """One row per criterion: code, name, metric, weight, scale kind, direction, linear bounds."""
    rows = []
    for c in cs.criteria:
        lin = c.scale.kind == "linear"
        rows.append(
            {
                C_ID: c.id,
                C_NAME: c.name,
                C_METRIC: c.metric,
                C_WEIGHT: decimal_text(c.weight),
                C_KIND: KIND_LABELS[c.scale.kind],
                C_LOWER: c.lower_is_better,
                C_X0: decimal_text(_to_ui(c.metric, c.scale.x0)) if lin else None,
                C_X1: decimal_text(_to_ui(c.metric, c.scale.x1)) if lin else None,
                C_P0: decimal_text(c.scale.p0) if lin else None,
                C_P1: decimal_text(c.scale.p1) if lin else None,
            }
        )
    schema = {
        C_ID: pl.Utf8,
        C_NAME: pl.Utf8,
        C_METRIC: pl.Utf8,
        C_WEIGHT: pl.Utf8,
        C_KIND: pl.Utf8,
        C_LOWER: pl.Boolean,
        C_X0: pl.Utf8,
        C_X1: pl.Utf8,
        C_P0: pl.Utf8,
        C_P1: pl.Utf8,
    }
    return pl.DataFrame(rows, schema=schema)


def rules_frame(cs: criteria.CriteriaSet, criterion_id: str, metric: str) -> pl.DataFrame:
    """Step thresholds of one criterion (a default «иначе → 0» row for a new step scale)."""
    rules: tuple[criteria.StepRule, ...] = ()
    for c in cs.criteria:
        if c.id == criterion_id and c.scale.kind == "step":
            rules = c.scale.rules
    if not rules:
        rules = (criteria.StepRule("else", None, 0.0),)
    return pl.DataFrame(
        {
            R_OP: [OP_LABELS[r.op] for r in rules],
            R_VALUE: [decimal_text(_to_ui(metric, r.value)) for r in rules],
            R_POINTS: [decimal_text(r.points) for r in rules],
        },
        schema={R_OP: pl.Utf8, R_VALUE: pl.Utf8, R_POINTS: pl.Utf8},
    )


def _num(value: Any, where: str, problems: list[str]) -> float | None:
    """A cell's number: a float as it is, text typed the Russian way («12,5», «1 234,5»); None for an
    empty cell. Text that is not a number appends a Russian problem naming the cell `where`."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return None if math.isnan(value) else float(value)
    text = cell_text(value)
    if text == "":
        return None
    number = parse_decimal(text)
    if number is None or math.isinf(number):
        problems.append(
            f"{where}: «{text}» — не число; введите число, например 12,5 (дробная часть через запятую)."
        )
    return number


def cell_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _step_rules(
    rows: list[dict[str, Any]], metric: str, label: str, problems: list[str]
) -> tuple[criteria.StepRule, ...]:
    """The thresholds of one step scale; problems are appended to `problems`."""
    out = []
    for m, r in enumerate(rows, start=1):
        if all(cell_text(v) == "" for v in r.values()):
            continue
        op = OP_BY_LABEL.get(cell_text(r.get(R_OP)))
        where = f"{label}, порог {m}"
        before = len(problems)
        value = _from_ui(metric, _num(r.get(R_VALUE), f"{where}, «{R_VALUE}»", problems))
        points = _num(r.get(R_POINTS), f"{where}, «{R_POINTS}»", problems)
        if len(problems) > before:
            continue
        if op is None or points is None or (op != "else" and value is None):
            problems.append(f"{label}, порог {m}: заполните условие, порог и баллы.")
            continue
        out.append(criteria.StepRule(op, None if op == "else" else value, points))
    return tuple(out)


def build_set(
    base: criteria.CriteriaSet,
    rows: list[dict[str, Any]],
    rules: dict[str, list[dict[str, Any]]],
    *,
    high_from: float,
    medium_from: float,
    comment: str,
) -> criteria.CriteriaSet:
    """The candidate set from the edited tables. Raises UserFacingError listing every problem of the
    tables themselves (the metric-level checks are criteria.validate_set)."""
    problems: list[str] = []
    out: list[criteria.Criterion] = []
    for n, row in enumerate(rows, start=1):
        if all(cell_text(v) == "" for v in row.values()):
            continue  # a row added and left empty
        cid, name, metric = cell_text(row.get(C_ID)), cell_text(row.get(C_NAME)), cell_text(row.get(C_METRIC))
        label = f"строка {n}" + (f" («{name}»)" if name else "")
        if not cid:
            problems.append(f"{label}: укажите код критерия.")
            continue
        if not name:
            problems.append(f"{label}: укажите название критерия.")
        if not metric:
            problems.append(f"{label}: выберите метрику.")
            continue
        before = len(problems)
        weight = _num(row.get(C_WEIGHT), f"{label}, «{C_WEIGHT}»", problems)
        if weight is None and len(problems) == before:
            problems.append(f"{label}: укажите вес.")
        weight = weight or 0.0
        kind = KIND_BY_LABEL.get(cell_text(row.get(C_KIND)), "")
        if kind == "linear":
            x0, x1, p0, p1 = (_num(row.get(c), f"{label}, «{c}»", problems) for c in (C_X0, C_X1, C_P0, C_P1))
            x0, x1 = _from_ui(metric, x0), _from_ui(metric, x1)
            if len(problems) > before:
                continue
            if None in (x0, x1, p0, p1):
                problems.append(f"{label}: для линейной шкалы заполните «От», «До» и баллы.")
                continue
            scale = criteria.Scale("linear", x0=x0, x1=x1, p0=p0, p1=p1)  # type: ignore[arg-type]
        elif kind == "step":
            scale = criteria.Scale("step", _step_rules(rules.get(cid, []), metric, label, problems))
        else:
            problems.append(f"{label}: выберите шкалу (ступенчатая или линейная).")
            continue
        out.append(criteria.Criterion(cid, name, metric, weight, scale, bool(row.get(C_LOWER))))
    if problems:
        raise UserFacingError(" ".join(problems))
    return replace(
        base,
        criteria=tuple(out),
        high_from=float(high_from),
        medium_from=float(medium_from),
        comment=comment.strip(),
        status="draft",
    )


def description_frame(cs: criteria.CriteriaSet, metric_labels: dict[str, str]) -> pl.DataFrame:
    """The set as a read-only table: criterion, metric description, scale, weight, max points."""
    return pl.DataFrame(
        {
            "Критерий": [c.name for c in cs.criteria],
            "Метрика": [metric_label(c.metric, metric_labels) for c in cs.criteria],
            "Шкала": [c.scale.describe() for c in cs.criteria],
            "Вес": [fmt_num(c.weight, 2).rstrip("0").rstrip(",") for c in cs.criteria],
            "Максимум баллов": [fmt_num(c.weight * c.scale.max_points(), 1) for c in cs.criteria],
        }
    )


def fmt_points(x: float | None) -> str:
    """10.25 -> '10,25', 4.0 -> '4', None -> '—' (points are shown as text: Russian decimal comma
    whatever the browser's locale)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return ("0" if text in ("-0", "") else text).replace(".", ",")


def points_expr(col: str) -> pl.Expr:
    """Vectorised fmt_points: two decimals, trailing zeros (and a bare comma) dropped."""
    return num_expr(pl.col(col), 2).str.replace(r",?0+$", "")


def points_number(col: str) -> pl.Expr:
    """Points as a table shows them: a number to 0,01 (sorted as a number; the browser writes «10,25»)."""
    return shown_number_expr(pl.col(col), "points")


def college_column(frame: pl.DataFrame, full_names: dict[str, str] | None) -> pl.Expr:
    """«ПОО»: the full name with the abbreviation when `full_names` (code -> full name) is given."""
    if not full_names or "college_code" not in frame.columns:
        return pl.col("short_name").alias("ПОО")
    full = pl.col("college_code").replace_strict(full_names, default=None, return_dtype=pl.Utf8)
    return college_name_expr(full, pl.col("short_name")).alias("ПОО")


def what_if_display(diff: pl.DataFrame, full_names: dict[str, str] | None = None) -> pl.DataFrame:
    """criteria.what_if output as a Russian table, colleges that move first (by their full name with
    the abbreviation when `full_names` is given)."""
    labels = criteria.CATEGORY_LABELS
    return (
        diff.with_columns(moved=pl.col("rank_change").fill_null(0).abs())
        .sort(["moved", "rank_new"], descending=[True, False])
        .select(
            college_column(diff, full_names),
            pl.col("rank_base").alias("Место сейчас"),
            pl.col("rank_new").alias("Место по черновику"),
            pl.col("rank_change").alias("Изменение места (+ выше)"),
            points_number("score_base").alias("Баллы сейчас"),
            points_number("score_new").alias("Баллы по черновику"),
            pl.col("category_base").replace_strict(labels, default=None).alias("Категория сейчас"),
            pl.col("category_new").replace_strict(labels, default=None).alias("Категория по черновику"),
        )
    )


def rating_display(
    rated: pl.DataFrame,
    cs: criteria.CriteriaSet,
    show_territory: bool = True,
    full_names: dict[str, str] | None = None,
) -> pl.DataFrame:
    """A rating (criteria.rating) as a Russian table: place, college (with its full name when
    `full_names` is given), points per criterion and total as numbers, category."""
    pts = [points_number(f"pts:{c.id}").alias(c.name) for c in cs.criteria if f"pts:{c.id}" in rated.columns]
    return rated.select(
        pl.col("rank").alias("Место"),
        college_column(rated, full_names),
        *([pl.col("tu_name").alias("ТУ")] if show_territory else []),
        *pts,
        points_number("score").alias("Итого баллов"),
        pl.col("category").replace_strict(criteria.CATEGORY_LABELS, default=None).alias("Категория"),
    )
