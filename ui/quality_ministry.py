"""Data quality per territory and college, and employment by college × specialty over three cohorts
for admission quotas (КЦП): cached computations, Russian tables with numeric columns, the xlsx."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import polars as pl
import streamlit as st

from data_layer.scope import SCOPE_HASH, Scope
from metrics import engine, quality, quotas
from metrics.formatting import shown_number_expr
from ui import cached
from ui.connection import cursor

# Percent values (62.5) with one decimal in the browser's Russian format («62,5»; the header says «%»).
PCT = st.column_config.NumberColumn(format="localized", step=0.1)
INT = st.column_config.NumberColumn(format="localized", step=1)
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@cached.by_pairs()
@st.cache_data(max_entries=16, show_spinner=False, hash_funcs=SCOPE_HASH)
def colleges(v: int, scope: Scope, cohort: int, as_of: dt.date) -> pl.DataFrame:
    now = cached.version()
    verified = cached.verification_part(cohort, as_of, cached.view_colleges(now, scope))
    reconciled = cached.reconciliation_table(now, scope, cohort)
    with cursor() as cur:
        return quality.college_quality(cur, scope, cohort, as_of, verified, reconciled)


@cached.by_pairs(all_cohorts=True)
@st.cache_data(max_entries=16, show_spinner=False, hash_funcs=SCOPE_HASH)
def quota(
    v: int, scope: Scope, cohort: int, as_of: dt.date, indicator_id: str
) -> tuple[pl.DataFrame, list[int]]:
    now = cached.version()
    ind = cached.indicator_registry(now)[indicator_id]
    colleges = cached.view_colleges(now, scope)
    with cursor() as cur:
        return quotas.quota_table(
            cur,
            scope,
            cohort,
            as_of,
            ind,
            lambda c, point: cached.college_groups(c, point, ind, "college_program", colleges),
        )


def _pct(col: str) -> pl.Expr:
    return shown_number_expr(pl.col(col) * 100, "tenths")


def territory_display(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.col("tu_code"),
        pl.col("tu_name").alias("ТУ"),
        pl.col("colleges").alias("ПОО"),
        pl.col("total").alias("Выпускников"),
        _pct("no_status_share").alias("Без статуса, %"),
        pl.col("ufns_conflicts").alias("Расхождения с УФНС"),
        pl.col("czn_conflicts").alias("Расхождения с ЦЗН"),
        _pct("frdo_completeness").alias("Полнота ФИС ФРДО, %"),
        pl.col("reconciled").alias("Сверка подтверждена ТУ, ПОО"),
        pl.col("oldest_snapshot").dt.strftime("%d.%m.%Y").alias("Самые старые статусы"),
    )


def college_display(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.col("college_code"),
        (pl.coalesce("full_name", "short_name") + pl.lit(" (") + pl.col("short_name") + pl.lit(")")).alias(
            "ПОО"
        ),
        pl.col("tu_name").alias("ТУ"),
        pl.col("total").alias("Выпускников"),
        (pl.col("last_upload") + pl.duration(hours=0))
        .dt.strftime("%d.%m.%Y %H:%M")
        .alias("Последняя загрузка"),
        pl.col("last_snapshot").dt.strftime("%d.%m.%Y").alias("Статусы на дату"),
        _pct("no_status_share").alias("Без статуса, %"),
        pl.col("ufns_conflicts").alias("Расхождения с УФНС"),
        pl.col("czn_conflicts").alias("Расхождения с ЦЗН"),
        _pct("frdo_completeness").alias("Полнота ФИС ФРДО, %"),
        pl.col("reconciliation").alias("Сверка выпуска"),
    )


NUMERIC = {
    "ПОО": None,
    "Выпускников": INT,
    "Без статуса, %": PCT,
    "Расхождения с УФНС": INT,
    "Расхождения с ЦЗН": INT,
    "Полнота ФИС ФРДО, %": PCT,
    "Сверка подтверждена ТУ, ПОО": INT,
}


def column_config(frame: pl.DataFrame, hidden: tuple[str, ...]) -> dict[str, Any]:
    conf: dict[str, Any] = {h: None for h in hidden}
    conf.update({c: v for c, v in NUMERIC.items() if c in frame.columns and v is not None})
    return conf


def quota_display(frame: pl.DataFrame, cohorts: list[int], hide_below: int) -> pl.DataFrame:
    """Rates in % per cohort (hidden «<5» groups for aggregate-only roles), small groups marked."""
    cols: list[pl.Expr] = [
        (
            pl.coalesce("full_name", "college_name") + pl.lit(" (") + pl.col("college_name") + pl.lit(")")
        ).alias("ПОО"),
        (pl.col("program_code") + pl.lit(" ") + pl.col("program_name")).alias("Специальность"),
    ]
    for c in cohorts:
        hide = pl.col(f"total_{c}") < hide_below
        cols.append(pl.col(f"total_{c}").alias(f"Выпуск {c}: выпускников"))
        cols.append(pl.when(hide).then(None).otherwise(_pct(f"rate_{c}")).alias(f"Выпуск {c}: %"))
    small = pl.any_horizontal([pl.col(f"small_{c}") for c in cohorts])
    cols += [
        shown_number_expr(pl.col("trend_pp"), "tenths").alias("Тренд, п. п."),
        pl.when(small)
        .then(pl.lit(f"мало данных (< {quotas.SMALL_GROUP})"))
        .otherwise(pl.lit(""))
        .alias("Примечание"),
    ]
    return frame.select(cols)


def quota_xlsx(display: pl.DataFrame, title: str) -> bytes:
    """The table as a workbook: a title row, numbers as numbers (percent with one decimal)."""
    import xlsxwriter

    buf = io.BytesIO()
    with xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False}) as wb:
        ws = wb.add_worksheet("КЦП")
        ws.write_string(0, 0, title, wb.add_format({"bold": True}))
        display.write_excel(wb, ws, position="A3", autofit=True, float_precision=1, freeze_panes=(3, 2))
    return buf.getvalue()


def hide_below(scope: Scope) -> int:
    return 0 if scope.sees_personal_data else engine.SMALL_GROUP
