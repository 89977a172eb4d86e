"""Risk group list of one college (personal data: the college itself and the base centre only),
docs/domain.md §6, §9–10. СНИЛС is masked; the ФИО identifies the graduate for the college's work."""

from __future__ import annotations

import polars as pl

from data_layer import graduates, risk_measures
from metrics import cases, risk
from metrics.formatting import date_expr, fmt_date
from metrics.statuses import BY_CODE
from reports.base import ReportContext
from reports.scorecard import subject_scope, title_subject
from reports.xlsx import Col, Sheet, Table, TitleBlock

TITLE = "Список группы риска нетрудоустройства (персональные данные)"
PD_NOTE = (
    "Содержит персональные данные (152-ФЗ): только для работы ПОО и базового центра с группой риска. "
    "Не передавать третьим лицам; выгрузка записана в журнал."
)
MAX_MEASURES = 3


def _employers(ctx: ReportContext, code: str) -> pl.DataFrame:
    """Declared employer in the latest status row dated on or before the as-of date."""
    return ctx.cur.sql(
        """SELECT person_key, employer_name FROM status_rows
           WHERE college_code = ? AND cohort = ? AND snapshot_date <= ?
           QUALIFY row_number() OVER (PARTITION BY person_key ORDER BY snapshot_date DESC) = 1""",
        params=[code, ctx.cohort, ctx.as_of],
    ).pl()


def _measures(ctx: ReportContext, code: str) -> pl.DataFrame:
    """Per graduate: the newest recorded measures (up to three) and the text from the status files."""
    recorded = cases.measure_list(ctx.cur, ctx.scope, ctx.cohort, code).filter(
        pl.col("measure_date") <= ctx.as_of
    )
    catalogue = cases.catalogue(ctx.cur)
    names = dict(zip(catalogue["code"], catalogue["name"], strict=True))
    per = (
        recorded.sort(["person_key", "measure_date", "measure_id"], descending=[False, True, True])
        .with_columns(
            line=pl.concat_str(
                [
                    date_expr(pl.col("measure_date")) + ": ",
                    pl.col("measure_type").replace_strict(
                        names, default=pl.col("measure_type"), return_dtype=pl.Utf8
                    ),
                    pl.when(pl.col("description").is_not_null()).then(pl.lit(" — ") + pl.col("description")),
                ],
                ignore_nulls=True,
            )
        )
        .group_by("person_key")
        .agg(pl.col("line").head(MAX_MEASURES).str.join("\n").alias("recorded"), pl.len().alias("n_measures"))
    )
    imported = risk_measures.imported_measures(ctx.cur, ctx.scope, ctx.cohort, ctx.as_of).filter(
        pl.col("college_code") == code
    )
    both = per.join(
        imported.select("person_key", "support_measures"), on="person_key", how="full", coalesce=True
    )
    return both.with_columns(
        measures=pl.concat_str(
            [
                pl.col("recorded"),
                pl.when(pl.col("support_measures").is_not_null()).then(
                    pl.lit("Из файла статусов: ") + pl.col("support_measures")
                ),
            ],
            separator="\n",
            ignore_nulls=True,
        )
    ).select("person_key", "measures")


def _frame(ctx: ReportContext, code: str) -> pl.DataFrame:
    reg = risk.risk_register(ctx.cur, ctx.scope, ctx.cohort, ctx.as_of, ctx.thresholds, {"college": code})
    people = graduates.graduate_list(ctx.cur, ctx.scope, ctx.cohort, code).select(
        "person_key", "fio", "snils_masked", "program_code", "program_name", "graduation_date"
    )
    labels = {c: s.label for c, s in BY_CODE.items()}
    return (
        reg.join(people, on="person_key", how="left")
        .join(_employers(ctx, code), on="person_key", how="left")
        .join(_measures(ctx, code), on="person_key", how="left")
        .with_columns(
            reasons_text=pl.col("reasons")
            .list.eval(pl.element().replace_strict(risk.REASONS, default=pl.element()))
            .list.join("; "),
            status_label=pl.col("status_now").replace_strict(labels, default=pl.col("status_now")),
            program=pl.concat_str(
                [pl.col("program_code"), pl.col("program_name")], separator=" ", ignore_nulls=True
            ),
            left_label=pl.when(pl.col("left_for_work_study")).then(pl.lit("да")).otherwise(pl.lit("нет")),
        )
        .sort(["fio", "person_key"])
    )


def sheets(ctx: ReportContext, code: str) -> list[Sheet]:
    ctx.scope.require_personal_data()
    frame = _frame(ctx, code)
    now = frame.filter(pl.col("in_group")).with_row_index("n", offset=1)
    left = frame.filter(~pl.col("in_group")).with_row_index("n", offset=1)
    person = (
        Col("n", "№", "int", width=5),
        Col("fio", "ФИО", width=30),
        Col("snils_masked", "СНИЛС", width=15),
        Col("program", "Специальность, профессия", width=30),
        Col("graduation_date", "Дата выпуска", "date"),
    )
    in_group = Table(
        (
            *person,
            Col("reasons_text", "Причины", width=36),
            Col("entry_date", "В группе с", "date"),
            Col("weeks_in_group", "Недель в группе", "int"),
            Col("status_label", f"Статус на {fmt_date(ctx.as_of)}", width=26),
            Col("employer_name", "Работодатель (заявлен ПОО)", width=24),
            Col("measures", "Меры поддержки", width=40),
        ),
        now,
        caption=f"В группе риска на {fmt_date(ctx.as_of)}: {now.height} чел.",
        note=PD_NOTE,
        empty_text="В группе риска никого нет.",
    )
    left_table = Table(
        (
            *person,
            Col("reasons_text", "Причины (перед выходом)", width=36),
            Col("entry_date", "В группе с", "date"),
            Col("exit_date", "Вышел из группы", "date"),
            Col("weeks_in_group", "Недель в группе", "int"),
            Col("status_label", f"Статус на {fmt_date(ctx.as_of)}", width=26),
            Col("left_label", "Вышел в работу или учёбу"),
            Col("measures", "Меры поддержки", width=40),
        ),
        left,
        caption=f"Вышли из группы риска к {fmt_date(ctx.as_of)}: {left.height} чел.",
        note=PD_NOTE,
        empty_text="Никто из группы риска пока не вышел.",
    )
    return [
        Sheet("В группе риска", (in_group,), freeze_cols=2, signature=True),
        Sheet("Вышли из группы", (left_table,), freeze_cols=2),
    ]


def build(ctx: ReportContext, code: str | None) -> tuple[TitleBlock, list[Sheet]]:
    assert code is not None
    built = sheets(ctx, code)
    title = ctx.title(
        TITLE,
        title_subject(ctx, code),
        indicator_ids=[],
        with_risk=True,
        subject_scope=subject_scope(ctx, code),
        extra=[PD_NOTE],
    )
    return title, built
