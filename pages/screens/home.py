"""Главная: what data is loaded (cohorts, colleges, freshness of every source) and where each role
starts. Renders without any data too, then it says what to load and where."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import streamlit as st

from metrics.formatting import date_expr, fmt_date, fmt_int
from ui import context as ui_context
from ui import monitoring_data, widgets
from ui.roles import ROLE_LABELS, Scope


@dataclass(frozen=True)
class Step:
    page: str
    label: str
    why: str


START: dict[str, tuple[Step, ...]] = {
    "ministry": (
        Step(
            "pages/screens/overview.py",
            "Обзор региона",
            "идёт ли регион к цели, прогноз на конец года и кто отстаёт",
        ),
        Step("pages/screens/territories.py", "Территории", "сравнение территориальных управлений и их ПОО"),
        Step(
            "pages/screens/ranking.py",
            "Рейтинг ПОО",
            "все ПОО по показателю, с фильтрами и сравнением с похожими",
        ),
        Step("pages/screens/criteria.py", "Эффективность ЦСТВ", "рейтинг по критериям эффективности"),
        Step("pages/screens/reports.py", "Отчёты", "региональный отчёт в Excel"),
    ),
    "territory": (
        Step("pages/screens/overview.py", "Обзор территории", "идут ли ПОО вашей территории к цели"),
        Step("pages/screens/territories.py", "Территории", "ваши ПОО и изменения за месяц"),
        Step(
            "pages/screens/ranking.py",
            "Рейтинг ПОО",
            "ваши ПОО по показателю и сравнение с похожими по размеру",
        ),
        Step(
            "pages/screens/reconciliation.py",
            "Сверка и качество данных",
            "подтверждение фактического выпуска",
        ),
        Step("pages/screens/reports.py", "Отчёты", "отчёт по территории в Excel"),
    ),
    "base_centre": (
        Step(
            "pages/screens/upload.py",
            "Загрузка данных",
            "справочники, выпуск, статусы, данные УФНС, ЦЗН и ФИС ФРДО",
        ),
        Step("pages/screens/overview.py", "Обзор региона", "показатели региона против цели"),
        Step("pages/screens/reconciliation.py", "Сверка и качество данных", "расхождения и подтверждения"),
        Step("pages/screens/risk.py", "Группа риска", "выпускники, которым нужна помощь"),
        Step("pages/screens/settings.py", "Настройки показателей", "цели, показатели, пороги группы риска"),
    ),
    "college": (
        Step("pages/screens/college.py", "Карточка ПОО", "ваши показатели против территории и региона"),
        Step("pages/screens/upload.py", "Загрузка данных", "еженедельное обновление статусов выпускников"),
        Step("pages/screens/risk.py", "Группа риска", "выпускники, с которыми нужно работать"),
        Step(
            "pages/screens/reconciliation.py", "Сверка и качество данных", "сверка с ФИС ФРДО и данными УФНС"
        ),
        Step("pages/screens/reports.py", "Отчёты", "карточка ПОО в Excel"),
    ),
}


def render() -> None:
    scope = widgets.current_scope()
    st.title("Выпускник")
    st.caption(
        "Мониторинг трудоустройства выпускников профессиональных образовательных организаций Самарской области"
    )
    st.markdown(f"Вы вошли как **{ROLE_LABELS[scope.role]}**{where(scope)}.")
    ctx = ui_context.get_context()
    if ctx is None:
        widgets.no_data(scope)
    else:
        loaded(scope)
    start_here(scope)


def where(scope: Scope) -> str:
    if scope.code is None:
        return ""
    colleges = monitoring_data.colleges(scope)
    if scope.role == "college":
        names = colleges.filter(pl.col("college_code") == scope.code)["short_name"].to_list()
    else:
        names = colleges.filter(pl.col("tu_code") == scope.code)["tu_name"].unique().to_list()
    return f" — {names[0]}" if names else f" ({scope.code})"


def loaded(scope: Scope) -> None:
    st.subheader("Какие данные загружены")
    summary = monitoring_data.cohort_summary(scope)
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.dataframe(
            summary.select(
                (pl.col("cohort").cast(pl.Utf8) + pl.lit(" г.")).alias("Выпуск"),
                pl.col("graduates").alias("Выпускников"),
                pl.col("colleges").alias("ПОО с выпуском"),
                date_expr(pl.col("as_of")).alias("Последние статусы"),
            ),
            hide_index=True,
            key="home_cohorts",
            column_config={"Выпускников": widgets.count_column(), "ПОО с выпуском": widgets.count_column()},
        )
        n = monitoring_data.colleges(scope).height
        st.caption(f"ПОО в справочнике (в вашей зоне доступа): {fmt_int(n)}.")
    with right:
        dates = monitoring_data.data_dates(scope)
        st.dataframe(
            pl.DataFrame(
                {"Источник": list(dates), "Данные на": [fmt_date(d) for d in dates.values()]},
                schema={"Источник": pl.Utf8, "Данные на": pl.Utf8},
            ),
            hide_index=True,
            key="home_dates",
        )
        st.caption("«—» — данные этого источника ещё не загружались.")


def start_here(scope: Scope) -> None:
    st.subheader("С чего начать")
    shown = 0
    for step in START[scope.role]:
        if not widgets.page_has(scope, step.page):
            continue
        shown += 1
        cols = st.columns([2, 5])
        with cols[0]:
            st.page_link(str(widgets.APP_DIR / step.page), label=step.label, icon=":material/arrow_forward:")
        cols[1].markdown(step.why)
    if not shown:
        st.caption("Разделы для вашей роли появятся в меню слева.")


widgets.safe_page(render)
