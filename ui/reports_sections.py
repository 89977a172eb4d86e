"""Streamlit sections of the «Отчёты» page: one block per report kind, the regional report with its
control-rule violations, approval by the base centre and the register of issued reports."""

from __future__ import annotations

import polars as pl
import streamlit as st

import reports
from metrics.formatting import date_expr, fmt_int
from ui import cached, downloads, widgets
from ui import context as ui_context
from ui import filter_context as mctx
from ui.filter_context import Context
from ui.roles import Scope

DESCRIPTIONS: dict[str, str] = {
    "regional": (
        "Для министерства и федеральной платформы: по каждой ПОО и специальности строки федеральной "
        "формы 01–05 (всего; лица с ОВЗ; из них инвалиды; инвалиды без ОВЗ; целевое обучение) и графы "
        "гр.05–27, свод по региону, отдельный лист «Профессионалитет», показатели и целевые значения. "
        "Итоговый отчёт выгружается, когда выполнены все контрольные соотношения (гр.05 = сумма "
        "гр.06–27; стр.03 ≤ стр.02; стр.02, 04, 05 ≤ стр.01); черновик — всегда."
    ),
    "territory": (
        "Для территориального управления: ПОО территории, показатели и их изменение за месяц, "
        "группа риска, состояние сверки фактического выпуска с ФИС ФРДО."
    ),
    "scorecard": (
        "Карточка ПОО: показатели в сравнении с территорией и регионом, динамика по неделям, "
        "специальности, группа риска, баллы по критериям эффективности, место и категория."
    ),
    "rating": (
        "ПОО вашей зоны доступа: баллы по каждому критерию, сумма, место среди всех ПОО региона, "
        "категория и версия набора критериев."
    ),
    "risk_list": (
        "Выпускники в группе риска и вышедшие из неё: причины, сроки, статус, меры поддержки. "
        "Содержит персональные данные (СНИЛС скрыт); каждая выгрузка записывается в журнал."
    ),
}


def pick_code(scope: Scope, spec: reports.ReportKind, ctx: Context) -> str | None:
    """The territory or college the report is about: the user's own, or a choice in the scope."""
    own = reports.default_code(scope, spec.kind)
    if spec.needs_scope is None or own:
        return own
    colleges = cached.college_list(cached.version(), scope)
    if spec.needs_scope == "territory":
        options = colleges.select("tu_code", "tu_name").drop_nulls("tu_code").unique().sort("tu_name")
        names = dict(zip(options["tu_code"].to_list(), options["tu_name"].to_list(), strict=True))
        preferred = ctx.drill.territory
        label = "Территориальное управление"
    else:
        options = colleges.select("college_code", "short_name").sort("short_name")
        names = dict(zip(options["college_code"].to_list(), options["short_name"].to_list(), strict=True))
        preferred = ctx.drill.college
        label = "ПОО"
    if not names:
        return None
    codes = list(names)
    index = codes.index(preferred) if preferred in names else 0
    return st.selectbox(
        label,
        codes,
        index=index,
        format_func=lambda c: f"{names[c]} ({c})",
        key=f"reports_code_{spec.kind}",
    )


def report_block(scope: Scope, spec: reports.ReportKind, ctx: Context) -> None:
    with st.container(border=True):
        st.subheader(spec.title)
        st.caption(DESCRIPTIONS.get(spec.kind, ""))
        code = pick_code(scope, spec, ctx)
        if spec.needs_scope and code is None:
            st.info("В вашей зоне доступа нет подходящих территорий или ПОО.")
            return
        if spec.kind == "regional":
            regional(scope, ctx)
            return
        left, right = st.columns(2)
        with left:
            downloads.report_button(spec.kind, code, "Скачать Excel", key=f"reports_xlsx_{spec.kind}")
        with right:
            downloads.report_button(
                spec.kind, code, "Основная таблица (CSV)", fmt="csv", key=f"reports_csv_{spec.kind}"
            )


VIOLATION_LABELS = {
    "college_name": "ПОО",
    "college_code": "Код ПОО",
    "program_code": "Специальность",
    "program_name": "Наименование специальности",
    "row": "Строка",
    "rule_text": "Соотношение",
    "left": "Левая часть",
    "right": "Правая часть",
    "excess": "Расхождение",
}


def regional(scope: Scope, ctx: Context) -> None:
    """Control rules as a sortable table leading to the colleges, draft and final downloads, and the
    base centre's approval (registered, frozen)."""
    bad = downloads.regional_violations(cached.version(), scope, ctx.cohort, ctx.as_of)
    if bad.is_empty():
        st.success("Все контрольные соотношения формы выполнены.", icon=":material/check:")
        left, mid, right = st.columns(3)
        with left:
            downloads.report_button("regional", None, "Итоговый отчёт (Excel)", key="reports_xlsx_regional")
        with mid:
            downloads.report_button(
                "regional", None, "Основная таблица (CSV)", fmt="csv", key="reports_csv_regional"
            )
        with right:
            downloads.report_button(
                "regional", None, "Черновик (Excel)", key="reports_draft_regional", draft=True
            )
        if scope.role == "base_centre":
            approve(scope, ctx)
        return
    colleges = bad["college_code"].n_unique()
    st.warning(
        f"Не выполнены контрольные соотношения формы: нарушений — {fmt_int(bad.height)}, "
        f"ПОО — {fmt_int(colleges)}. Итоговый отчёт выгружается и утверждается, когда выполнены все "
        "соотношения; пока можно скачать черновик («ЧЕРНОВИК» на каждом листе, лист «Нарушения»"
        + (" с выпускниками, из-за которых они возникли)." if scope.role == "base_centre" else ").")
        + " Таблицу можно сортировать по любому столбцу; выберите строку, чтобы открыть карточку ПОО.",
        icon=":material/rule:",
    )
    view = bad.sort(["excess", "college_name"], descending=[True, False])
    event = st.dataframe(
        view.select(list(VIOLATION_LABELS)).rename(VIOLATION_LABELS),
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="reports_violations",
    )
    i = mctx.table_selection_row(widgets.as_dict(event))
    if i is not None and 0 <= i < view.height:
        row = view.row(i, named=True)
        st.caption(row["message"])
        if widgets.page_has(scope, "pages/screens/college.py") and st.button(
            f"Открыть карточку ПОО «{row['college_name']}»", key="reports_violation_open"
        ):
            ui_context.go(
                "pages/screens/college.py",
                mctx.Drill(territory=territory_of(scope, row["college_code"]), college=row["college_code"]),
            )
    downloads.report_button(
        "regional", None, "Черновик с листом нарушений (Excel)", key="reports_draft_regional", draft=True
    )


def territory_of(scope: Scope, college: str) -> str | None:
    colleges = cached.college_list(cached.version(), scope)
    hit = colleges.filter(pl.col("college_code") == college)["tu_code"].to_list()
    return hit[0] if hit else None


def approve(scope: Scope, ctx: Context) -> None:
    st.caption(
        "Утверждение: итоговый отчёт на эту дату сохраняется в реестре выданных отчётов с контрольной "
        "суммой и версией данных; позже он скачивается побайтно таким же, какие бы данные ни пришли."
    )
    if st.button(
        "Утвердить и зарегистрировать итоговый отчёт", key="reports_issue", icon=":material/verified:"
    ):
        try:
            record = downloads.issue_regional(scope, ctx.cohort, ctx.as_of)
        except Exception as exc:
            widgets.action_error(exc, "report_issue")
        else:
            st.success(
                f"Отчёт утверждён и зарегистрирован: № {record.report_id}, версия данных "
                f"{record.dataset_version}, SHA-256 {record.checksum[:16]}…",
                icon=":material/verified:",
            )


def register(scope: Scope) -> None:
    """The register of issued reports: full workbooks for the ministry and the base centre, each
    territory's and college's own rows for them."""
    reg = downloads.issued_register(scope)
    with st.container(border=True):
        st.subheader("Реестр выданных отчётов")
        if reg.is_empty():
            st.caption("Утверждённых отчётов пока нет.")
            return
        shown = reg.select(
            pl.col("report_id").alias("№"),
            pl.concat_str(pl.col("cohort").cast(pl.Utf8), pl.lit(" г.")).alias("Выпуск"),
            date_expr(pl.col("as_of")).alias("На дату"),
            pl.col("approved_by").alias("Утвердил"),
            pl.col("approved_at").dt.strftime("%d.%m.%Y %H:%M").alias("Когда"),
            pl.col("dataset_version").alias("Версия данных"),
            pl.col("checksum").str.slice(0, 16).alias("SHA-256 (начало)"),
        )
        st.dataframe(shown, hide_index=True, width="stretch", key="reports_register")
        ids = reg["report_id"].to_list()
        names = dict(zip(ids, reg["file_name"].to_list(), strict=True))
        chosen = st.selectbox(
            "Отчёт", ids, format_func=lambda i: f"№ {i}: {names[i]}", key="reports_register_pick"
        )
        if chosen is None:
            return
        if scope.is_full:
            downloads.issued_button(scope, int(chosen), names[chosen], key=f"reports_issued_{chosen}")
            return
        part = downloads.issued_part(scope, int(chosen))
        st.caption("Ваша часть утверждённого отчёта (строки формы ваших ПОО, как они были утверждены):")
        if not part:
            st.caption("В этом отчёте нет строк ваших ПОО.")
            return
        frame = pl.DataFrame(
            [
                {"ПОО": r["college"], "Специальность": r["program"], "Строка": r["row"]}
                | {f"гр.{k}": v for k, v in r["columns"].items()}
                for r in part
            ]
        )
        st.dataframe(frame, hide_index=True, width="stretch", key="reports_register_part")
