"""Pure table shaping for the page «Сверка и качество данных» (no Streamlit calls, unit-testable)."""

from __future__ import annotations

import polars as pl

from data_layer.graduates import formatted_snils_expr, masked_snils_expr
from metrics.formatting import college_name_expr, datetime_expr, shown_number_expr
from metrics.reconciliation import DECISION_LABELS
from metrics.statuses import BY_CODE
from metrics.verification import VERIFICATION_LABELS

# Colleges update statuses weekly (docs/domain.md §2): a snapshot older than this is late.
LATE_AFTER_DAYS = 7
SIDE_LABELS = {"only_in_list": "Только в списке ПОО", "only_in_frdo": "Только в ФИС ФРДО"}


# Columns holding a share (a fraction shown by the browser as «62,5 %»): widgets.share_column.
SHARE_COLUMNS = frozenset(
    {
        "Полнота ФИС ФРДО",
        "Подтверждено из проверяемых",
        "Доля недель в срок",
        "Доля работающих (по ПОО)",
        "Доля работающих (подтверждённая)",
    }
)


def _pct(col: str) -> pl.Expr:
    """A share as a number rounded to 0,1 % (sorted as a number)."""
    return shown_number_expr(pl.col(col), "share")


def _decision(prefix: str) -> pl.Expr:
    """'Подтверждено — ivanov, 26.11.2026 10:00' or 'ожидается'."""
    return (
        pl.when(pl.col(f"{prefix}_decision").is_null())
        .then(pl.lit("ожидается"))
        .otherwise(
            pl.concat_str(
                [
                    pl.col(f"{prefix}_decision").replace_strict(
                        DECISION_LABELS, default=pl.col(f"{prefix}_decision")
                    ),
                    pl.lit(" — "),
                    pl.col(f"{prefix}_user"),
                    pl.lit(", "),
                    datetime_expr(pl.col(f"{prefix}_decided_at")),
                ]
            )
        )
    )


def reconciliation_display(table: pl.DataFrame, tu_names: dict[str, str]) -> pl.DataFrame:
    """reconciliation_table as a Russian table, one row per college."""
    return table.select(
        (
            college_name_expr(pl.col("full_name"), pl.col("short_name"))
            if "full_name" in table.columns
            else pl.col("short_name")
        ).alias("ПОО"),
        pl.col("tu_code")
        .replace_strict(tu_names, default=pl.col("tu_code"), return_dtype=pl.Utf8)
        .alias("ТУ"),
        pl.col("list_count").alias("По списку ПОО"),
        pl.col("frdo_count").alias("В ФИС ФРДО"),
        pl.col("matched").alias("Совпадают"),
        pl.col("only_in_list").alias("Только в списке"),
        pl.col("only_in_frdo").alias("Только в ФИС ФРДО"),
        (pl.col("list_count") - pl.col("frdo_count")).alias("Разница"),
        _pct("completeness").alias("Полнота ФИС ФРДО"),
        _decision("college").alias("Решение ПОО"),
        pl.col("college_comment").alias("Комментарий ПОО"),
        _decision("territory").alias("Решение ТУ"),
        pl.col("territory_comment").alias("Комментарий ТУ"),
    )


def differences_display(diff: pl.DataFrame, full_snils: bool) -> pl.DataFrame:
    """reconciliation.differences as a Russian table; the СНИЛС masked unless `full_snils`."""
    return diff.select(
        pl.col("side").replace_strict(SIDE_LABELS, default=pl.col("side")).alias("Где есть"),
        (formatted_snils_expr("snils") if full_snils else masked_snils_expr("snils")).alias("СНИЛС"),
        pl.concat_str(
            [pl.col("last_name"), pl.col("first_name"), pl.col("middle_name")],
            separator=" ",
            ignore_nulls=True,
        ).alias("ФИО (по списку ПОО)"),
        pl.col("program_code").alias("Специальность"),
        pl.col("reg_no").alias("Рег. номер диплома"),
        pl.col("issue_date").alias("Дата выдачи"),
    )


def verification_display(summary: pl.DataFrame, names: dict[str, str]) -> pl.DataFrame:
    """verification_summary per college: declared and confirmed rates, conflicts."""
    return summary.select(
        pl.col("college_code")
        .replace_strict(names, default=pl.col("college_code"), return_dtype=pl.Utf8)
        .alias("ПОО"),
        pl.col("total").alias("Выпускников"),
        pl.col("declared_work").alias("Заявлена работа"),
        _pct_of("declared_work", "total").alias("Доля работающих (по ПОО)"),
        pl.col("confirmed").alias("Подтверждено УФНС"),
        _pct_of("confirmed", "total").alias("Доля работающих (подтверждённая)"),
        pl.col("unconfirmed").alias("Не подтверждено"),
        pl.col("not_checkable").alias("Проверить нельзя"),
        _pct("confirmed_share").alias("Подтверждено из проверяемых"),
        pl.col("found_external").alias("Найдены по данным УФНС"),
        pl.col("czn_conflicts").alias("Конфликты с ЦЗН"),
    )


def _pct_of(num: str, den: str) -> pl.Expr:
    return shown_number_expr(
        pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den)).otherwise(None), "share"
    )


def conflicts_display(joined: pl.DataFrame, names: dict[str, str], show_college: bool) -> pl.DataFrame:
    """The conflicts a college has to resolve (verification.conflicts joined with the graduate's
    fio and snils_masked) as a Russian table."""
    status_labels = {c: s.label for c, s in BY_CODE.items()}
    what = (
        pl.when(pl.col("verification") == "unconfirmed")
        .then(pl.lit("ПОО заявила работу, УФНС её не подтверждает"))
        .when(pl.col("verification") == "found_external")
        .then(pl.lit("По данным УФНС работает, ПОО указала иной статус"))
        .otherwise(pl.lit(""))
    )
    czn = (
        pl.when(pl.col("czn_conflict"))
        .then(pl.lit("ПОО заявила работу, выпускник на учёте в ЦЗН"))
        .otherwise(None)
    )
    return joined.select(
        pl.col("fio").alias("ФИО"),
        pl.col("snils_masked").alias("СНИЛС"),
        *(
            [
                pl.col("college_code")
                .replace_strict(names, default=pl.col("college_code"), return_dtype=pl.Utf8)
                .alias("ПОО")
            ]
            if show_college
            else []
        ),
        pl.col("status")
        .replace_strict(status_labels, default=pl.col("status"), return_dtype=pl.Utf8)
        .alias("Статус по ПОО"),
        pl.col("since").alias("С даты"),
        pl.col("verification")
        .replace_strict(VERIFICATION_LABELS, default=pl.col("verification"))
        .alias("Проверка УФНС"),
        pl.concat_str([what, czn], separator="; ", ignore_nulls=True)
        .str.strip_chars("; ")
        .alias("Что проверить"),
    )


def timeliness_display(table: pl.DataFrame, tu_names: dict[str, str]) -> pl.DataFrame:
    """timeliness_table with a state column; late colleges first."""
    late = late_expr()
    return (
        table.with_columns(_late=late)
        .sort(["_late", "days_since_update", "short_name"], descending=[True, True, False], nulls_last=False)
        .select(
            pl.col("short_name").alias("ПОО"),
            pl.col("tu_code")
            .replace_strict(tu_names, default=pl.col("tu_code"), return_dtype=pl.Utf8)
            .alias("ТУ"),
            pl.when(pl.col("last_update").is_null())
            .then(pl.lit("⚠ нет обновлений"))
            .when(pl.col("_late"))
            .then(pl.lit("⚠ опаздывает"))
            .otherwise(pl.lit("в срок"))
            .alias("Состояние"),
            pl.col("last_update").alias("Последнее обновление"),
            pl.col("days_since_update").alias("Дней без обновления"),
            pl.col("expected_weeks").alias("Сроков с выпуска"),
            pl.col("updated_weeks").alias("Срез поступил в срок"),
            pl.col("late_weeks").alias("Поступил с опозданием"),
            pl.col("missed_weeks").alias("Не в срок (всего)"),
            _pct("timeliness").alias("Доля недель в срок"),
        )
    )


def late_expr() -> pl.Expr:
    """A college is late when its newest snapshot is older than a week (or it has none)."""
    return pl.col("last_update").is_null() | (pl.col("days_since_update") > LATE_AFTER_DAYS)


def _reason_expr() -> pl.Expr:
    both = pl.col("listed_elsewhere") & pl.col("frdo_elsewhere")
    return (
        pl.when(both)
        .then(pl.lit("в списке другой ПОО; ФИС ФРДО — другая ПОО"))
        .when(pl.col("listed_elsewhere"))
        .then(pl.lit("в списке выпуска другой ПОО"))
        .otherwise(pl.lit("ФИС ФРДО относит к другой ПОО"))
    )


def contested_display(table: pl.DataFrame) -> pl.DataFrame:
    """The base centre's list of contested СНИЛС (full СНИЛС: it needs it to decide)."""
    return table.select(
        formatted_snils_expr("snils").alias("СНИЛС"),
        pl.concat_str(["last_name", "first_name", "middle_name"], separator=" ", ignore_nulls=True).alias(
            "ФИО"
        ),
        pl.col("college_code").alias("Код ПОО"),
        pl.col("college_name").alias("ПОО"),
        pl.col("cohorts").alias("Выпуск"),
        _reason_expr().alias("Почему спорный"),
        pl.col("decision").replace_strict(IDENTITY_LABELS, default="Не решено").alias("Решение"),
    )


IDENTITY_LABELS = {"allowed": "Выпускник этой ПОО", "denied": "Не выпускник этой ПОО"}


def contested_label(row: dict[str, object]) -> str:
    s = str(row["snils"])
    return f"{s[:3]}-{s[3:6]}-{s[6:9]} {s[9:]} — {row['college_code']} {row['college_name'] or ''}".strip()


def grown_display(grown: pl.DataFrame) -> pl.DataFrame:
    return grown.select(
        pl.col("college_code").alias("Код ПОО"),
        pl.col("college_name").alias("ПОО"),
        pl.col("cohort").alias("Выпуск"),
        pl.col("list_count").alias("При сверке"),
        pl.col("current_count").alias("Сейчас"),
        datetime_expr(pl.col("decided_at")).alias("Сверка подтверждена"),
        pl.col("username").alias("Кем"),
    )
