"""Effectiveness rating of the colleges' career centres (docs/domain.md §8–9): points per criterion,
total, rank, category and the criteria version. Ranks are region-wide; a territory sees its own
colleges' rows and a college its own row."""

from __future__ import annotations

import polars as pl

from metrics import criteria
from metrics.criteria import publication
from reports.base import ReportContext, fmt_g
from reports.scorecard import PLAIN_METRICS
from reports.xlsx import Col, Sheet, Table, TitleBlock

TITLE = "Рейтинг эффективности центров содействия трудоустройству выпускников (ЦСТВ) ПОО"


def indicator_ids(ctx: ReportContext) -> list[str]:
    """Registry indicators the criteria use (directly by id or as 'indicator:<id>')."""
    used = []
    for c in ctx.criteria_set.criteria:
        ind_id = c.metric.removeprefix("indicator:")
        if ind_id in ctx.registry and ind_id not in used:
            used.append(ind_id)
    return used


def _metric_label(metric: str) -> str:
    return criteria.METRICS.get(metric, (metric, ""))[0]


def sheets(ctx: ReportContext) -> list[Sheet]:
    cs = ctx.criteria_set
    rated = ctx.rating.with_columns(
        category_label=pl.col("category").replace_strict(criteria.CATEGORY_LABELS, default=pl.col("category"))
    )
    points = [Col(f"pts:{c.id}", c.name, "num", group="Баллы по критериям") for c in cs.criteria]
    rating_table = Table(
        (
            Col("rank", "Место", "int", width=7),
            Col("college_code", "Код ПОО"),
            Col("short_name", "ПОО", width=26),
            Col("tu_name", "Территориальное управление", width=24),
            Col("total", "Выпускников", "int"),
            *points,
            Col("score", "Итого баллов", "num"),
            Col("category_label", "Категория"),
        ),
        rated.sort(["rank", "short_name"]),
        caption=_caption(ctx),
    )
    values = [
        Col(c.metric, f"{c.name}: {_metric_label(c.metric)}", "num" if c.metric in PLAIN_METRICS else "pct")
        for c in cs.criteria
    ]
    values_table = Table(
        (Col("college_code", "Код ПОО"), Col("short_name", "ПОО", width=26), *values),
        rated.sort("short_name"),
        caption="Значения показателей, по которым начислены баллы",
    )
    criteria_table = _criteria_table(cs)
    out = [
        Sheet("Рейтинг", (rating_table,), freeze_cols=3, signature=True),
        Sheet("Значения показателей", (values_table,), freeze_cols=2),
        Sheet("Критерии", (criteria_table,)),
    ]
    if ctx.publication is not None:
        out.insert(1, Sheet("Текущий расчёт", (current_table(ctx),), freeze_cols=2))
    return out


def _criteria_table(cs: criteria.CriteriaSet) -> Table:
    """The criteria set itself: each criterion's metric, weight, scale and maximum."""
    definition = pl.DataFrame(
        [
            {
                "n": i,
                "name": c.name,
                "metric": _metric_label(c.metric),
                "about": criteria.METRICS.get(c.metric, ("", c.metric))[1],
                "weight": c.weight,
                "scale": c.scale.describe(),
                "max": c.weight * c.scale.max_points(),
            }
            for i, c in enumerate(cs.criteria, start=1)
        ]
    )
    criteria_table = Table(
        (
            Col("n", "№", "int", width=5),
            Col("name", "Критерий", width=28),
            Col("metric", "Показатель", width=26),
            Col("about", "Как считается", width=40),
            Col("weight", "Вес", "num"),
            Col("scale", "Шкала", width=36),
            Col("max", "Максимум баллов", "num"),
        ),
        definition,
        caption=f"Набор критериев {cs.year} г., версия {cs.version}",
        note=f"Категория: высокая — от {fmt_g(cs.high_from)} баллов, средняя — от {fmt_g(cs.medium_from)}, "
        f"иначе низкая. Максимальная сумма — {fmt_g(cs.max_score())} баллов.",
    )
    return criteria_table


def _caption(ctx: ReportContext) -> str:
    cs = ctx.criteria_set
    text = f"Рейтинг по набору критериев {cs.year} г., версия {cs.version}; место — среди всех {ctx.rating_colleges} ПОО региона"
    if ctx.publication is not None:
        text = f"Опубликованный {ctx.publication.label()}. " + text
    return text


def current_table(ctx: ReportContext) -> Table:
    """The published rating beside the current calculation, with the differences."""
    assert ctx.publication is not None
    diff = publication.differences(ctx.rating, ctx.current_rating).with_columns(
        pl.col(c).replace_strict(criteria.CATEGORY_LABELS, default=pl.col(c)).alias(c)
        for c in ("category_published", "category_current")
    )
    return Table(
        (
            Col("college_code", "Код ПОО"),
            Col("short_name", "ПОО", width=26),
            Col("score_published", "Баллы", "num", group="Опубликовано"),
            Col("rank_published", "Место", "int", group="Опубликовано"),
            Col("category_published", "Категория", group="Опубликовано"),
            Col("score_current", "Баллы", "num", group="Текущий расчёт"),
            Col("rank_current", "Место", "int", group="Текущий расчёт"),
            Col("category_current", "Категория", group="Текущий расчёт"),
            Col("score_change", "Баллы", "num", group="Разница"),
            Col("rank_change", "Места (+ выше)", "int", group="Разница"),
        ),
        diff,
        caption=f"Текущий расчёт на {ctx.as_of:%d.%m.%Y} по тем же критериям и данным на сегодня рядом с "
        f"опубликованным рейтингом ({ctx.publication.label()}); опубликованный рейтинг не меняется",
    )


def title_subject(ctx: ReportContext) -> str:
    if ctx.scope.role == "territory":
        return f"ПОО территориального управления {ctx.territory_name(ctx.scope.code or '')}"
    if ctx.scope.role == "college":
        return f"ПОО {ctx.college_info(ctx.scope.code or '')['short_name']}"
    return "Все ПОО Самарской области"


def build(ctx: ReportContext, code: str | None = None) -> tuple[TitleBlock, list[Sheet]]:
    built = sheets(ctx)
    return ctx.title(TITLE, title_subject(ctx), indicator_ids=indicator_ids(ctx)), built
