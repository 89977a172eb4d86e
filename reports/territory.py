"""Territory report for a territorial unit (ТУ), docs/domain.md §9: its colleges, the indicators and
their change since the previous month, risk group counts and the state of the reconciliation."""

from __future__ import annotations

import datetime as dt

import polars as pl

from data_layer.scope import Scope
from metrics import engine, indicators, reconciliation, risk
from metrics.formatting import fmt_date, fmt_datetime
from metrics.statuses import RISK_STATUSES
from metrics.views import month_before
from reports.base import ReportContext, first_row
from reports.xlsx import Col, Sheet, Table, TitleBlock

TITLE = "Отчёт территориального управления о трудоустройстве выпускников ПОО"


def _decision(decision: str | None, user: str | None, at: object, comment: str | None) -> str:
    if decision is None:
        return "нет решения"
    text = reconciliation.DECISION_LABELS.get(decision, decision)
    when = fmt_datetime(at) if isinstance(at, dt.datetime) else ""
    text += f" ({user}, {when})" if user else ""
    return text + (f": {comment}" if comment else "")


def _indicator_table(ctx: ReportContext, code: str, name: str, prev: dt.date) -> Table:
    filters: engine.Filters = {"territory": code}
    now = first_row(engine.status_counts(ctx.cur, ctx.scope, ctx.cohort, ctx.as_of, "territory", filters))
    before = first_row(engine.status_counts(ctx.cur, ctx.scope, ctx.cohort, prev, "territory", filters))
    region = first_row(ctx.region_counts)
    rows = [
        r
        | {
            "change": (r["rate"] - r["rate_prev"]) * 100
            if r["rate"] is not None and r["rate_prev"] is not None
            else None
        }
        for r in ctx.indicator_rows(now, {"prev": before, "region": region})
    ]
    return Table(
        (
            Col("name", "Показатель", width=40),
            Col("numerator", "Числитель", "int"),
            Col("denominator", "Знаменатель", "int"),
            Col("rate", f"Значение на {fmt_date(ctx.as_of)}", "pct"),
            Col("rate_prev", f"Значение на {fmt_date(prev)}", "pct"),
            Col("change", "Изменение за месяц, п. п.", "pp"),
            Col("rate_region", "Регион", "pct"),
            Col("target", "Целевое значение", "pct"),
        ),
        pl.DataFrame(rows),
        caption=f"Показатели: {name}",
    )


def _risk_counts(ctx: ReportContext, code: str, dates: list[dt.date]) -> dict[dt.date, pl.DataFrame]:
    """risk.risk_counts of the territory's colleges at each date, from one membership query (the
    checkpoints of the risk SQL are independent of each other; its fixed cost is paid once)."""
    dates = sorted(set(dates))
    members = risk.membership(
        ctx.cur, ctx.scope, ctx.cohort, dates, ctx.thresholds, {"territory": code}, "college"
    )
    return {d: risk.count_members(members.filter(pl.col("d") == d)) for d in dates}


def _college_table(ctx: ReportContext, code: str, prev: dt.date, risks: dict[dt.date, pl.DataFrame]) -> Table:
    filters: engine.Filters = {"territory": code}
    head = ctx.headline
    now = engine.indicator_table(ctx.cur, ctx.scope, ctx.cohort, ctx.as_of, head, "college", filters)
    before = engine.indicator_table(ctx.cur, ctx.scope, ctx.cohort, prev, head, "college", filters).select(
        "code", pl.col("rate").alias("rate_prev")
    )
    risks_now, risks_prev = risks[ctx.as_of], risks[prev]
    frame = (
        now.join(before, on="code", how="left")
        .join(risks_now.select("code", "risk_count"), on="code", how="left")
        .join(risks_prev.select("code", pl.col("risk_count").alias("risk_prev")), on="code", how="left")
        .with_columns(
            change=(pl.col("rate") - pl.col("rate_prev")) * 100,
            risk_count=pl.col("risk_count").fill_null(0),
            risk_prev=pl.col("risk_prev").fill_null(0),
            risk_status=pl.sum_horizontal([pl.col(c) for c in sorted(RISK_STATUSES)]),
            no_status=pl.col("undetermined") + pl.col("unknown"),
        )
    )
    others = [ind for ind in ctx.registry.values() if ind.id != head.id]
    cols = [
        Col("code", "Код ПОО"),
        Col("name", "ПОО", width=26),
        Col("total", "Всего выпускников", "int"),
        Col("numerator", "Числитель", "int", group=head.name),
        Col("denominator", "Знаменатель", "int", group=head.name),
        Col("rate", f"На {fmt_date(ctx.as_of)}", "pct", group=head.name),
        Col("rate_prev", f"На {fmt_date(prev)}", "pct", group=head.name),
        Col("change", "Изменение, п. п.", "pp", group=head.name),
    ]
    counts = now.drop("numerator", "denominator", "rate")  # the same status counts for every indicator
    for ind in others:
        rate = indicators.with_indicator(counts, ind)
        frame = frame.join(rate.select("code", pl.col("rate").alias(f"rate:{ind.id}")), on="code", how="left")
        cols.append(Col(f"rate:{ind.id}", ind.name, "pct", group="Другие показатели"))
    cols += [
        Col("risk_status", "Статусы риска (гр.13–16)", "int", group="Выпускники"),
        Col("no_status", "Без статуса (не определился, нет данных)", "int", group="Выпускники"),
        Col("risk_count", f"Группа риска на {fmt_date(ctx.as_of)}", "int", group="Выпускники"),
        Col("risk_prev", f"Группа риска на {fmt_date(prev)}", "int", group="Выпускники"),
    ]
    return Table(tuple(cols), frame.sort("name"), caption="Показатели по ПОО")


def _risk_table(ctx: ReportContext, risks: pl.DataFrame) -> Table:
    cols = [Col("code", "Код ПОО"), Col("name", "ПОО", width=26), Col("risk_count", "В группе риска", "int")]
    cols += [
        Col(r, label, "int", group="Из них по причинам (у выпускника может быть несколько)")
        for r, label in risk.REASONS.items()
    ]
    return Table(
        tuple(cols),
        risks.sort("name"),
        caption=f"Группа риска на {fmt_date(ctx.as_of)}",
        empty_text="В группе риска никого нет.",
    )


def _reconciliation_table(ctx: ReportContext, code: str) -> Table:
    rec = reconciliation.reconciliation_table(ctx.cur, ctx.scope, ctx.cohort).filter(
        pl.col("tu_code") == code
    )

    # Python-level formatting over plain lists: no callbacks inside polars (metrics/formatting.py).
    def decisions(party: str) -> pl.Series:
        cols = [rec[f"{party}_{k}"].to_list() for k in ("decision", "user", "decided_at", "comment")]
        return pl.Series(party, [_decision(*vals) for vals in zip(*cols, strict=True)], dtype=pl.Utf8)

    rows = rec.with_columns(decisions("college"), decisions("territory"))
    return Table(
        (
            Col("college_code", "Код ПОО"),
            Col("short_name", "ПОО", width=26),
            Col("list_count", "Фактический выпуск (список ПОО)", "int"),
            Col("frdo_count", "Дипломов в ФИС ФРДО", "int"),
            Col("matched", "Совпали по СНИЛС", "int"),
            Col("only_in_list", "Только в списке ПОО", "int"),
            Col("only_in_frdo", "Только в ФИС ФРДО", "int"),
            Col("completeness", "Полнота ФИС ФРДО", "pct"),
            Col("college", "Решение ПОО", width=30),
            Col("territory", "Решение ТУ", width=30),
        ),
        rows,
        caption=f"Сверка фактического выпуска {ctx.cohort} г. с ФИС ФРДО",
        empty_text="Данных для сверки нет.",
    )


def sheets(ctx: ReportContext, code: str) -> list[Sheet]:
    prev = month_before(ctx.as_of)
    name = ctx.territory_name(code)
    risks = _risk_counts(ctx, code, [prev, ctx.as_of])
    return [
        Sheet("Показатели ТУ", (_indicator_table(ctx, code, name, prev),), signature=True),
        Sheet("ПОО", (_college_table(ctx, code, prev, risks),), freeze_cols=2),
        Sheet("Группа риска", (_risk_table(ctx, risks[ctx.as_of]),), freeze_cols=2),
        Sheet("Сверка", (_reconciliation_table(ctx, code),), freeze_cols=2),
    ]


def title_subject(ctx: ReportContext, code: str) -> str:
    return f"{ctx.territory_name(code)} ({code})"


def build(ctx: ReportContext, code: str | None) -> tuple[TitleBlock, list[Sheet]]:
    assert code is not None
    built = sheets(ctx, code)
    subject = Scope("territory", code, ctx.scope.username)
    return ctx.title(TITLE, title_subject(ctx, code), with_risk=True, subject_scope=subject), built
