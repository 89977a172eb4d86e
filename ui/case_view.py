"""Pure table shaping for the risk cases (no Streamlit calls, unit-testable)."""

from __future__ import annotations

import polars as pl

from metrics.cases import OUTCOMES, STATES
from metrics.formatting import date_expr, shown_number_expr
from metrics.risk import REASON_SHORT
from ui.risk_view import STATUS_LABELS


def _reasons_text(col: str) -> pl.Expr:
    return (
        pl.col(col)
        .list.eval(pl.element().replace_strict(REASON_SHORT, default=pl.element(), return_dtype=pl.Utf8))
        .list.join("; ")
    )


def case_label_expr() -> pl.Expr:
    """«Открыт», «Закрыт: работа», … with «просрочена мера» / «нет мер» marks on open cases."""
    base = pl.col("state").replace_strict(STATES, default=pl.col("state"), return_dtype=pl.Utf8)
    marks = pl.concat_list(
        pl.when(pl.col("overdue") > 0).then(pl.lit("просрочена мера")).otherwise(None),
        pl.when(pl.col("stale")).then(pl.lit("нет новых мер")).otherwise(None),
        pl.when(pl.col("escalated") & (pl.col("state") == "open"))
        .then(pl.lit("передан в ЦЗН"))
        .otherwise(None),
    ).list.drop_nulls()
    return pl.when(marks.list.len() > 0).then(base + pl.lit(" · ") + marks.list.join(", ")).otherwise(base)


def case_view(frame: pl.DataFrame, persons: pl.DataFrame, college_names: dict[str, str]) -> pl.DataFrame:
    """Cases with the graduate's name, masked СНИЛС and programme, labels ready for display; open
    cases first, the longest open first, then by name. Only loaded data decides the order (a total
    order): recording a measure must not move the selected row to another case after the rerun
    (overdue and stale cases are found with the filter «Требуют внимания»)."""
    return case_labels(case_order(frame, persons), college_names)


def case_order(frame: pl.DataFrame, persons: pl.DataFrame) -> pl.DataFrame:
    """`case_view` without the display labels: the cases with the graduate's columns, in its order
    (hundreds of thousands of cases at federal scale: label only the rows shown, `case_labels`)."""
    people = persons.select(
        "college_code", "person_key", "fio", "snils_masked", "program_code", "program_name"
    )
    return frame.join(people, on=["college_code", "person_key"], how="left").sort(
        [pl.col("state") == "open", "entry_date", "fio", "college_code", "person_key", "stay_no"],
        descending=[True, False, False, False, False, False],
        nulls_last=True,
    )


def case_labels(ordered: pl.DataFrame, college_names: dict[str, str]) -> pl.DataFrame:
    """Rows of `case_order` with the display labels of `case_view` (row-wise: any subset in any order)."""
    return ordered.with_columns(
        college_name=pl.col("college_code").replace_strict(
            college_names, default=pl.col("college_code"), return_dtype=pl.Utf8
        ),
        entry_reasons_text=_reasons_text("entry_reasons"),
        exit_status_label=pl.col("exit_status").replace_strict(
            STATUS_LABELS, default=pl.col("exit_status"), return_dtype=pl.Utf8
        ),
        case_label=case_label_expr(),
    )


def case_display(view: pl.DataFrame, show_college: bool) -> pl.DataFrame:
    return view.select(
        pl.col("fio").alias("ФИО"),
        pl.col("snils_masked").alias("СНИЛС"),
        *([pl.col("college_name").alias("ПОО")] if show_college else []),
        pl.col("program_name").alias("Специальность / профессия"),
        pl.col("case_label").alias("Случай"),
        pl.col("entry_date").alias("Открыт"),
        pl.col("entry_reasons_text").alias("Причины при открытии"),
        pl.col("exit_date").alias("Закрыт"),
        pl.col("exit_status_label").alias("Статус при закрытии"),
        pl.col("measures").alias("Мер"),
        pl.col("overdue").alias("Просрочено"),
        pl.col("last_measure_date").alias("Последняя мера"),
    )


COUNT_LABELS: dict[str, str] = {
    "name": "ПОО",
    "cases": "Случаев",
    "open": "Открыто",
    "open_with_overdue": "С просроченной мерой",
    "overdue_measures": "Просрочено мер",
    "stale": "Без мер дольше N недель",
    "escalated": "Передано в ЦЗН",
    "closed_work": "Закрыто: работа",
    "closed_study": "Закрыто: учёба",
    "closed_other": "Закрыто: другое",
    "resolved_share": "Критерий «выведены из группы риска»",
    "left_for_work_study": "Вышли в работу или учёбу",
    "ever_in_group": "Были в группе риска",
}
# Share columns of the displays below (fractions shown by the browser as «20,0 %»).
SHARE_LABELS = (COUNT_LABELS["resolved_share"], "Доля")


def counts_display(
    counts: pl.DataFrame, criterion: pl.DataFrame, college_names: dict[str, str]
) -> pl.DataFrame:
    """Per college case counts beside the status-based criterion (share of those ever in the group
    who left it for work or study, metrics.risk.resolved_share_by_college)."""
    crit = criterion.select(
        "college_code",
        shown_number_expr(pl.col("resolved_share"), "share").alias("resolved_share"),
        pl.col("left_for_work_study").cast(pl.Int64),
        pl.col("ever_in_group").cast(pl.Int64),
    )
    return (
        counts.join(crit, on="college_code", how="left")
        .with_columns(
            name=pl.col("college_code").replace_strict(
                college_names, default=pl.col("college_code"), return_dtype=pl.Utf8
            )
        )
        .select(list(COUNT_LABELS))
        .rename(COUNT_LABELS)
    )


def effectiveness_display(eff: pl.DataFrame, college_names: dict[str, str] | None = None) -> pl.DataFrame:
    """«Which measures work»: the share as a number (the browser shows «62,5 %»), small groups marked
    in their own column."""
    cols: list[pl.Expr] = []
    if college_names is not None:
        cols.append(
            pl.col("college_code")
            .replace_strict(college_names, default=pl.col("college_code"), return_dtype=pl.Utf8)
            .alias("ПОО")
        )
    return eff.select(
        *cols,
        pl.col("measure_name").alias("Мера"),
        pl.col("cases").alias("Случаев с мерой"),
        pl.col("closed_work_study").alias("Закрыты в работу или учёбу"),
        shown_number_expr(pl.col("share"), "share").alias("Доля"),
        pl.when(pl.col("small")).then(pl.lit("мало случаев")).alias("Примечание"),
    )


def measures_display(measures: pl.DataFrame, catalogue: pl.DataFrame) -> pl.DataFrame:
    names = dict(zip(catalogue["code"], catalogue["name"], strict=True))
    return measures.select(
        pl.col("measure_id").alias("№"),
        pl.col("measure_type")
        .replace_strict(names, default=pl.col("measure_type"), return_dtype=pl.Utf8)
        .alias("Мера"),
        pl.col("description").alias("Описание"),
        pl.col("responsible").alias("Ответственный"),
        date_expr(pl.col("measure_date")).alias("Дата"),
        date_expr(pl.col("due_date")).alias("Срок"),
        pl.col("outcome")
        .replace_strict(OUTCOMES, default=pl.col("outcome"), return_dtype=pl.Utf8)
        .fill_null("в работе")
        .alias("Результат"),
        date_expr(pl.col("outcome_date")).alias("Дата результата"),
        pl.col("outcome_note").alias("Комментарий"),
    )
