"""Качество данных и КЦП (ministry, territory, base centre): data quality per territory and college
(sortable, a territory row drills to its colleges, a college row opens its card), and employment by
college × specialty over the last three cohorts for admission quotas, downloadable."""

from __future__ import annotations

import polars as pl
import streamlit as st

from ui import cached, widgets
from ui import context as ui_context
from ui import quality_ministry as qm


def _quality(scope, ctx) -> None:  # type: ignore[no-untyped-def]
    v = cached.version()
    per = qm.colleges(v, scope, ctx.cohort, ctx.as_of)
    if per.is_empty():
        st.info("Нет ПОО с выпускниками этого выпуска в вашей зоне доступа.")
        return
    tus = qm.territory_display(qm.quality.territory_quality(per))
    st.caption("Нажмите строку ТУ, чтобы увидеть её ПОО; строку ПОО — чтобы открыть карточку ПОО.")
    event = st.dataframe(
        tus,
        hide_index=True,
        width="stretch",
        key="quality_tu",
        on_select="rerun",
        selection_mode="single-row",
        column_config=qm.column_config(tus, ("tu_code",)),
    )
    row = widgets.table_selection_index(event, tus.height)
    shown = per
    if row is not None:
        shown = per.filter(pl.col("tu_code") == tus["tu_code"][row])
        st.markdown(f"**ПОО территории «{tus['ТУ'][row]}»**")
    table = qm.college_display(shown)
    picked = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        key="quality_colleges",
        on_select="rerun",
        selection_mode="single-row",
        column_config=qm.column_config(table, ("college_code",)),
    )
    pick = widgets.table_selection_index(picked, table.height)
    if pick is not None:
        ui_context.go("pages/screens/college.py", ui_context.mctx.Drill(college=table["college_code"][pick]))


def _quotas(scope, ctx) -> None:  # type: ignore[no-untyped-def]
    v = cached.version()
    frame, cohorts = qm.quota(v, scope, ctx.cohort, ctx.as_of, ctx.indicator)
    if not cohorts:
        st.info("Нет данных для сравнения выпусков.")
        return
    name = cached.indicator_registry(v)[ctx.indicator].name
    st.caption(
        f"«{name}» по ПОО и специальностям за выпуски {', '.join(map(str, cohorts))}: каждый выпуск — на ту же "
        f"точку цикла ({ctx.as_of:%d.%m}), тренд — разница последнего и первого выпуска. Группы меньше "
        f"{qm.quotas.SMALL_GROUP} выпускников помечены «мало данных», тренд для них не считается."
    )
    display = qm.quota_display(frame, cohorts, qm.hide_below(scope))
    conf = {
        c: (qm.INT if c.endswith("выпускников") else qm.PCT)
        for c in display.columns
        if c.startswith("Выпуск ")
    }
    conf["Тренд, п. п."] = qm.PCT
    st.dataframe(display, hide_index=True, width="stretch", key="quality_quota", column_config=conf)
    st.download_button(
        "Скачать таблицу для КЦП (Excel)",
        # built on click: the workbook of 3 500 colleges × programmes took seconds on every view
        data=lambda: qm.quota_xlsx(
            display, f"{name}: ПОО × специальность, выпуски {cohorts[0]}–{cohorts[-1]}"
        ),
        file_name=f"КЦП_трудоустройство_{cohorts[-1]}.xlsx",
        mime=qm.XLSX_MIME,
        on_click="ignore",
        key="quality_quota_xlsx",
        icon=":material/download:",
    )


def render() -> None:
    scope = widgets.current_scope()
    widgets.require_role(scope, {"ministry", "territory", "base_centre"}, "Качество данных и КЦП")
    ctx = ui_context.get_context()
    st.title("Качество данных и КЦП")
    if ctx is None:
        widgets.no_data(scope)
        return
    st.caption(f"Выпуск {ctx.cohort} г., данные на {ctx.as_of:%d.%m.%Y}.")
    quality_tab, quota_tab = st.tabs(["Качество данных", "Для КЦП"])
    with quality_tab:
        _quality(scope, ctx)
    with quota_tab:
        _quotas(scope, ctx)


widgets.safe_page(render)
