"""College scorecard (карточка ПОО), docs/domain.md §9: the college's indicators against its territory and
the region, the weekly trend, specialties, the risk group, criteria points, rank and category."""

from __future__ import annotations

from typing import Any

import polars as pl

from data_layer.errors import UserFacingError
from data_layer.scope import Scope
from metrics import criteria, engine, indicators, risk
from metrics.formatting import fmt_date
from metrics.statuses import NO_STATUS, RISK_STATUSES
from reports.base import ReportContext, first_row
from reports.xlsx import Col, Sheet, Table, TitleBlock

TITLE = "Карточка ПОО: трудоустройство выпускников и эффективность ЦСТВ"
# Criteria metrics that are not shares (shown as a plain number, not as percent).
PLAIN_METRICS = frozenset({"events_per_graduate"})


def subject_scope(ctx: ReportContext, code: str) -> Scope:
    """A college scope for the data dates of this college (narrower than the user's, never wider)."""
    return Scope("college", code, ctx.scope.username)


def title_subject(ctx: ReportContext, code: str) -> str:
    info = ctx.college_info(code)
    full = f" — {info['full_name']}" if info.get("full_name") else ""
    tu = f"; {info['tu_name']}" if info.get("tu_name") else ""
    return f"{info['short_name']}{full} (код {code}){tu}"


def _indicators(ctx: ReportContext, code: str, tu_code: str | None) -> Table:
    college = first_row(ctx.college_rows("college_counts", code))
    territory = first_row(ctx.territory_counts(tu_code)) if tu_code else None
    region = first_row(ctx.region_counts)
    rows = ctx.indicator_rows(college, {"tu": territory, "region": region})
    return Table(
        (
            Col("name", "Показатель", width=40),
            Col("numerator", "Числитель", "int", group="ПОО"),
            Col("denominator", "Знаменатель", "int", group="ПОО"),
            Col("rate", "Значение", "pct", group="ПОО"),
            Col("rate_tu", "Территория (ТУ)", "pct", group="Для сравнения"),
            Col("rate_region", "Регион", "pct", group="Для сравнения"),
            Col("target", "Целевое значение", "pct"),
            Col("deviation", "Отклонение ПОО от цели, п. п.", "pp"),
            Col("needed", "Трудоустроить ещё до цели, чел.", "int"),
        ),
        pl.DataFrame(rows),
        caption=f"Показатели на {fmt_date(ctx.as_of)}",
    )


def _risk(ctx: ReportContext, code: str) -> Table:
    if ctx.bulk:
        # the college's risk-group members, cut from one region-wide membership query
        members = ctx.risk_members(code)
        row: dict[str, int] = {"risk_count": members.height} | {
            r: int(members[r].sum()) for r in risk.REASONS
        }
    else:
        rc = risk.risk_counts(
            ctx.cur, ctx.scope, ctx.cohort, ctx.as_of, ctx.thresholds, "college", {"college": code}
        )
        row = first_row(rc) or {}
    rows = [{"what": "В группе риска — всего", "n": int(row.get("risk_count") or 0), "bold": True}]
    rows += [
        {"what": f"по причине: {label}", "n": int(row.get(r) or 0), "bold": False}
        for r, label in risk.REASONS.items()
    ]
    return Table(
        (Col("what", "Группа риска", width=40), Col("n", "Выпускников", "int")),
        pl.DataFrame(rows),
        caption=f"Группа риска на {fmt_date(ctx.as_of)}",
        emphasis="bold",
        note="У выпускника может быть несколько причин одновременно.",
    )


def _criteria(ctx: ReportContext, code: str) -> tuple[Table, Table]:
    """The college's points by criterion and its summary (score, rank, category)."""
    cs = ctx.criteria_set
    rated = first_row(ctx.college_rows("rating", code))
    if rated is None:
        raise UserFacingError(
            f"ПОО {code} нет в рейтинге выпуска {ctx.cohort} г.: нет выпускников этого года."
        )
    return _criteria_table(cs, rated), _criteria_summary(ctx, cs, code, rated)


def _criteria_table(cs: criteria.CriteriaSet, rated: dict[str, Any]) -> Table:
    rows = []
    for c in cs.criteria:
        label = criteria.METRICS.get(c.metric, (c.metric, ""))[0]
        value = rated.get(c.metric)
        rows.append(
            {
                "name": c.name,
                "metric": label,
                "value": value,
                "kind": "num" if c.metric in PLAIN_METRICS else "pct",
                "scale": c.scale.describe(),
                "weight": c.weight,
                "points": rated.get(f"pts:{c.id}"),
                "max": c.weight * c.scale.max_points(),
            }
        )
    return Table(
        (
            Col("name", "Критерий", width=30),
            Col("metric", "Показатель", width=26),
            Col("value", "Значение", "pct", kind_key="kind"),
            Col("scale", "Шкала", width=34),
            Col("weight", "Вес", "num"),
            Col("points", "Баллы", "num"),
            Col("max", "Максимум баллов", "num"),
        ),
        pl.DataFrame(rows),
        caption=f"Критерии эффективности ЦСТВ (набор {cs.year} г., версия {cs.version})",
    )


def _criteria_summary(
    ctx: ReportContext, cs: criteria.CriteriaSet, code: str, rated: dict[str, Any]
) -> Table:
    """Score, rank and category of the rating shown (published or current), with the current
    calculation beside a published one."""
    current = first_row(ctx.college_rows("current_rating", code)) if ctx.publication else None
    extra_cols = (
        (
            Col("score_now", "Баллов", "num", group="Текущий расчёт"),
            Col("rank_now", "Место", "int", group="Текущий расчёт"),
        )
        if current is not None
        else ()
    )
    return Table(
        (
            Col("score", "Итого баллов", "num"),
            Col("max", "Максимум", "num"),
            Col("rank", "Место в рейтинге", "int"),
            Col("of", "Всего ПОО в рейтинге", "int"),
            Col("category", "Категория эффективности"),
            *extra_cols,
        ),
        pl.DataFrame(
            [
                {
                    "score": rated["score"],
                    "max": cs.max_score(),
                    "rank": rated["rank"],
                    "of": ctx.rating_colleges,
                    "category": criteria.CATEGORY_LABELS.get(rated["category"], rated["category"]),
                }
                | (
                    {"score_now": current["score"], "rank_now": current["rank"]}
                    if current is not None
                    else {}
                )
            ]
        ),
        caption="Итог"
        + (
            f": опубликованный {ctx.publication.label()}"
            if ctx.publication is not None
            else ": текущий расчёт"
        ),
    )


def _trend_frame(ctx: ReportContext, code: str, tu_code: str | None) -> pl.DataFrame:
    """The college's weekly points with the territory's and the region's rate at the same dates."""
    if ctx.bulk:
        return ctx.cut_by_college("_trend_all", lambda: _trend_all(ctx), "code", code)
    frame = ctx.college_series(code).select("date", "total", "numerator", "denominator", "rate")
    frame = frame.join(
        ctx.region_series.select("date", pl.col("rate").alias("rate_region")), on="date", how="left"
    )
    if tu_code:
        frame = frame.join(
            ctx.territory_series(tu_code).select("date", pl.col("rate").alias("rate_tu")),
            on="date",
            how="left",
        )
    else:
        frame = frame.with_columns(rate_tu=pl.lit(None, dtype=pl.Float64))
    return frame.sort("date")


def _trend_all(ctx: ReportContext) -> pl.DataFrame:
    """`_trend_frame` of every college at once (the scorecard zip), column `code` added."""
    colleges = ctx.colleges.select(pl.col("college_code").alias("code"), "tu_code")
    tus = [tu for tu in colleges["tu_code"].unique().sort().to_list() if tu]
    by_tu = pl.concat(
        [
            pl.DataFrame({"tu_code": [tu]}, schema={"tu_code": colleges.schema["tu_code"]}).join(
                ctx.territory_series(tu).select("date", pl.col("rate").alias("rate_tu")), how="cross"
            )
            for tu in tus
        ]
        or [
            pl.DataFrame(
                schema={"tu_code": colleges.schema["tu_code"], "date": pl.Date, "rate_tu": pl.Float64}
            )
        ]
    )
    region = ctx.region_series.select("date", pl.col("rate").alias("rate_region"))
    return (
        ctx.own_series_all.select("code", "date", "total", "numerator", "denominator", "rate")
        .join(region, on="date", how="left")
        .join(colleges, on="code", how="left")
        .join(by_tu, on=["tu_code", "date"], how="left")
        .drop("tu_code")
        .sort(["code", "date"])
    )


def _trend(ctx: ReportContext, code: str, tu_code: str | None) -> Table:
    frame = _trend_frame(ctx, code, tu_code)
    head = ctx.headline.name
    return Table(
        (
            Col("date", "Дата (пятница недели)", "date"),
            Col("total", "Всего выпускников", "int"),
            Col("numerator", "Числитель", "int", group=f"ПОО: {head}"),
            Col("denominator", "Знаменатель", "int", group=f"ПОО: {head}"),
            Col("rate", "Значение", "pct", group=f"ПОО: {head}"),
            Col("rate_tu", "Территория (ТУ)", "pct", group="Для сравнения"),
            Col("rate_region", "Регион", "pct", group="Для сравнения"),
        ),
        frame,
        caption=f"Динамика по неделям: {head}",
        empty_text="Статусов по неделям пока нет.",
    )


def _specialty_frame(table: pl.DataFrame, rc: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Program rows with the headline indicator (`table`) plus the share employed by specialty,
    the risk group (`rc`: risk_count by `keys`) and the status sums of the form's groups."""
    spec = indicators.with_indicator(
        table.drop("numerator", "denominator", "rate"), indicators.BUILTIN_BY_ID["by_specialty_share"]
    )
    return (
        table.with_columns(by_specialty=spec["rate"])
        .join(rc.select(*keys, "risk_count"), on=keys, how="left")
        .with_columns(
            risk_count=pl.col("risk_count").fill_null(0),
            risk_status=pl.sum_horizontal([pl.col(c) for c in sorted(RISK_STATUSES)]),
            no_status=pl.sum_horizontal([pl.col(c) for c in sorted(NO_STATUS)]),
        )
    )


def _specialties_all(ctx: ReportContext) -> pl.DataFrame:
    """`_specialties` frames of every college at once (the scorecard zip), column college_code added."""
    table = indicators.with_indicator(ctx.program_counts_all, ctx.headline).with_columns(
        small_group=pl.col("total") < engine.SMALL_GROUP
    )
    rc = (
        ctx.risk_members_all.group_by("college_code", "group_code")
        .agg(pl.len().cast(pl.Int64).alias("risk_count"))
        .rename({"group_code": "code"})
    )
    return _specialty_frame(table, rc, ["college_code", "code"]).sort(["college_code", "code"])


def _specialties(ctx: ReportContext, code: str) -> Table:
    head = ctx.headline
    if ctx.bulk:
        frame = ctx.cut_by_college("_specialties_all", lambda: _specialties_all(ctx), "college_code", code)
    else:
        filters: engine.Filters = {"college": code}
        table = engine.indicator_table(ctx.cur, ctx.scope, ctx.cohort, ctx.as_of, head, "program", filters)
        rc = risk.risk_counts(ctx.cur, ctx.scope, ctx.cohort, ctx.as_of, ctx.thresholds, "program", filters)
        frame = _specialty_frame(table, rc, ["code"]).sort("code")
    return Table(
        (
            Col("code", "Код"),
            Col("name", "Специальность, профессия", width=36),
            Col("level", "Уровень"),
            Col("total", "Всего выпускников", "int"),
            Col("numerator", "Числитель", "int", group=head.name),
            Col("denominator", "Знаменатель", "int", group=head.name),
            Col("rate", "Значение", "pct", group=head.name),
            Col("by_specialty", "Доля трудоустроенных по специальности", "pct"),
            Col("risk_status", "Статусы риска (гр.13–16)", "int"),
            Col("no_status", "Без статуса", "int"),
            Col("risk_count", "В группе риска", "int"),
        ),
        frame,
        caption="Специальности и профессии",
    )


def sheets(ctx: ReportContext, code: str) -> list[Sheet]:
    if ctx.college_rows("college_counts", code).is_empty():
        raise UserFacingError(f"У ПОО {code} нет выпускников {ctx.cohort} г.: карточку сформировать нельзя.")
    tu_code = ctx.college_info(code).get("tu_code")
    crit, summary = _criteria(ctx, code)
    return [
        Sheet("Карточка", (_indicators(ctx, code, tu_code), _risk(ctx, code), crit, summary), signature=True),
        Sheet("Динамика", (_trend(ctx, code, tu_code),)),
        Sheet("Специальности", (_specialties(ctx, code),), freeze_cols=2),
    ]


def build(ctx: ReportContext, code: str | None) -> tuple[TitleBlock, list[Sheet]]:
    assert code is not None
    built = sheets(ctx, code)
    title = ctx.title(TITLE, title_subject(ctx, code), with_risk=True, subject_scope=subject_scope(ctx, code))
    return title, built
