"""The forms of the «Настройки показателей» page (base centre): targets, risk thresholds and the
headline indicator, custom indicators, the update schedule. Each save goes through ops (one
transaction with its audit entry and the dataset-version bump)."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from metrics import indicators, settings, timeliness
from metrics.formatting import datetime_expr, fmt_pct, pct_expr
from metrics.statuses import BY_CODE
from ops import settings as ops_settings
from ops import timeliness as ops_timeliness
from ui import widgets
from ui.connection import cursor
from ui.roles import Scope
from ui.text import md

FLASH = "_settings_flash"


GEN = "_settings_gen"  # bumped after a save so the forms restart from the stored values


NEW = "__new__"


def status_label(code: str) -> str:
    if code == indicators.EMPLOYED_BY_SPECIALTY:
        return "Трудоустроены по специальности (из трудоустроенных по договору)"
    st_ = BY_CODE[code]
    return f"{st_.label} (гр.{st_.federal_col})" if st_.federal_col else st_.label


def labels(column: str) -> pl.Expr:
    """A stored comma-separated status list as Russian labels."""
    labels = {c: status_label(c) for c in indicators.COUNT_COLUMNS}
    return (
        pl.col(column)
        .str.split(",")
        .list.eval(pl.element().filter(pl.element() != "").replace_strict(labels, default=pl.element()))
        .list.join("; ")
    )


def saved(message: str) -> None:
    st.session_state[FLASH] = message
    st.session_state[GEN] = st.session_state.get(GEN, 0) + 1
    st.rerun()


def targets(scope: Scope, registry: dict[str, indicators.Indicator], cohorts: list[int], gen: int) -> None:
    st.subheader("Целевые значения")
    st.caption(
        "Цель задаётся для пары «показатель — выпуск» и действует для следующих выпусков, пока не задана новая."
    )
    with cursor() as cur:
        stored = indicators.list_targets(cur)
    if stored.is_empty():
        st.caption(
            "Целей пока не задано (действует цель по умолчанию: 62,5 % для доли трудоустроенных с 2022 г.)."
        )
    else:
        st.dataframe(
            stored.select(
                pl.col("indicator_id")
                .replace_strict({k: v.name for k, v in registry.items()}, default=pl.col("indicator_id"))
                .alias("Показатель"),
                pl.col("cohort").alias("Выпуск"),
                pct_expr(pl.col("target")).alias("Цель"),
                datetime_expr(pl.col("updated_at")).alias("Изменено"),
                pl.col("updated_by").alias("Кем"),
            ),
            hide_index=True,
            placeholder="—",
            width="stretch",
            key="settings_targets_table",
        )
    with st.form(f"settings_target_form_{gen}"):
        c1, c2, c3 = st.columns([3, 1, 1])
        ind_id = c1.selectbox(
            "Показатель",
            list(registry),
            format_func=lambda i: registry[i].name,
            key=f"settings_target_ind_{gen}",
        )
        cohort = c2.number_input(
            "Выпуск",
            min_value=2000,
            max_value=2100,
            value=max(cohorts) if cohorts else 2024,
            step=1,
            key=f"settings_target_cohort_{gen}",
        )
        value = c3.number_input(
            "Цель, %",
            min_value=0.1,
            max_value=100.0,
            value=62.5,
            step=0.5,
            format="%.1f",
            key=f"settings_target_value_{gen}",
        )
        if st.form_submit_button("Сохранить цель", type="primary"):
            try:
                with cursor() as cur:
                    ops_settings.set_target(cur, scope, ind_id, int(cohort), value / 100)
            except Exception as exc:
                widgets.action_error(exc, "set_target")
            else:
                saved(f"Цель «{registry[ind_id].name}» для выпуска {int(cohort)} г.: {fmt_pct(value / 100)}.")


def thresholds(scope: Scope, registry: dict[str, indicators.Indicator], gen: int) -> None:
    st.subheader("Группа риска и основной показатель")
    with cursor() as cur:
        current = {s.key: settings.get_setting(cur, s.key) for s in settings.SETTINGS}
    with st.form(f"settings_main_form_{gen}"):
        new: dict[str, str] = {}
        cols = st.columns(3)
        for col, s in zip(cols, [s for s in settings.SETTINGS if s.kind == "int"], strict=True):
            new[s.key] = str(
                col.number_input(
                    s.label,
                    min_value=s.min_value,
                    max_value=s.max_value,
                    value=int(current[s.key]),
                    step=1,
                    key=f"settings_{s.key}_{gen}",
                )
            )
        ids = list(registry)
        head = current["headline_indicator"] if current["headline_indicator"] in ids else ids[0]
        new["headline_indicator"] = st.selectbox(
            settings.BY_KEY["headline_indicator"].label,
            ids,
            index=ids.index(head),
            format_func=lambda i: registry[i].name,
            key=f"settings_headline_{gen}",
            help="Показатель, который открывается по умолчанию на всех страницах.",
        )
        if st.form_submit_button("Сохранить", type="primary"):
            try:
                with cursor() as cur:
                    changed = ops_settings.change_settings(cur, scope, new)
            except Exception as exc:
                widgets.action_error(exc, "set_setting")
                return
            if not changed:
                st.info("Значения не изменились.")
                return
            saved("Настройки сохранены; показатели пересчитаны.")


def custom(scope: Scope, gen: int) -> None:
    st.subheader("Свои показатели")
    st.caption(
        "Показатель = сумма выбранных статусов / (все выпускники − исключаемые статусы). Изменение "
        "сохраняется новой версией; отчёты указывают версию определения."
    )
    with cursor() as cur:
        all_versions = indicators.custom_indicator_versions(cur)
    current = all_versions.unique("indicator_id", keep="first").sort("indicator_id")
    names = dict(zip(current["indicator_id"], current["name"], strict=True))
    chosen = st.selectbox(
        "Показатель",
        [NEW, *names],
        format_func=lambda i: "Новый показатель" if i == NEW else f"{names[i]} ({i})",
        key="settings_custom_pick",
    )
    row = None if chosen == NEW else current.filter(pl.col("indicator_id") == chosen).row(0, named=True)
    custom_form(scope, gen, chosen, row)
    if all_versions.height:
        with st.expander("Все версии своих показателей", expanded=False):
            custom_versions(all_versions)


def custom_form(scope: Scope, gen: int, chosen: str, row: dict[str, Any] | None) -> None:
    """One custom indicator: a new one, or a new version of the chosen one."""
    codes = [c for c in indicators.COUNT_COLUMNS if c != "unknown"]
    exclusion_codes = [c for c in indicators.COUNT_COLUMNS if c != indicators.EMPLOYED_BY_SPECIALTY]
    with st.form(f"settings_custom_form_{gen}_{chosen}"):
        c1, c2 = st.columns([1, 3])
        ind_id = c1.text_input(
            "Код (латиница)",
            value="" if row is None else row["indicator_id"],
            disabled=row is not None,
            max_chars=40,
            key=f"settings_custom_id_{gen}_{chosen}",
        )
        name = c2.text_input(
            "Название",
            value="" if row is None else row["name"],
            max_chars=200,
            key=f"settings_custom_name_{gen}_{chosen}",
        )
        desc = st.text_area(
            "Описание",
            value="" if row is None else (row["description"] or ""),
            max_chars=1000,
            key=f"settings_custom_desc_{gen}_{chosen}",
        )
        numerator = st.multiselect(
            "Числитель: статусы",
            codes,
            default=[] if row is None else [c for c in row["numerator"].split(",") if c in codes],
            format_func=status_label,
            placeholder="Выберите статусы",
            key=f"settings_custom_num_{gen}_{chosen}",
        )
        exclusions = st.multiselect(
            "Исключить из знаменателя",
            exclusion_codes,
            default=[] if row is None else [c for c in row["exclusions"].split(",") if c in exclusion_codes],
            format_func=status_label,
            placeholder="Нет исключений",
            key=f"settings_custom_exc_{gen}_{chosen}",
        )
        active = st.checkbox(
            "Показывать в списке показателей",
            value=True if row is None else bool(row["active"]),
            key=f"settings_custom_active_{gen}_{chosen}",
        )
        if st.form_submit_button("Сохранить новую версию", type="primary"):
            code = (ind_id or "").strip()
            try:
                with cursor() as cur:
                    version = ops_settings.save_custom_indicator(
                        cur, scope, code, name, desc, numerator, exclusions, active
                    )
            except Exception as exc:
                widgets.action_error(exc, "save_custom_indicator")
            else:
                saved(f"Показатель «{name.strip()}» сохранён, версия {version}.")


def custom_versions(all_versions: pl.DataFrame) -> None:
    st.dataframe(
        all_versions.select(
            pl.col("indicator_id").alias("Код"),
            pl.col("version").alias("Версия"),
            pl.col("name").alias("Название"),
            labels("numerator").alias("Числитель"),
            labels("exclusions").alias("Исключения"),
            pl.when(pl.col("active")).then(pl.lit("да")).otherwise(pl.lit("нет")).alias("Показывается"),
            datetime_expr(pl.col("created_at")).alias("Создана"),
            pl.col("created_by").alias("Кем"),
        ),
        hide_index=True,
        placeholder="—",
        width="stretch",
        key="settings_custom_versions",
    )


def schedule(scope: Scope, cohorts: list[int], gen: int) -> None:
    st.subheader("График обновления статусов")
    st.caption(
        "Срок, к которому срез статусов ПОО должен поступить на сервер (самарское время). Текущий выпуск "
        "обновляется по своему графику, с 1 января следующего года — еженедельно в тот же день и час. "
        "Пока график не задан — каждую пятницу до 18:00. По нему считается критерий «Своевременность данных»: "
        "для каждой недели засчитывается первое поступление среза с «Датой актуализации» этой недели."
    )
    if not cohorts:
        st.caption("Выпусков пока нет.")
        return
    cohort = st.selectbox("Выпуск", sorted(cohorts, reverse=True), key=f"settings_sched_cohort_{gen}")
    with cursor() as cur:
        current = timeliness.get_schedule(cur, int(cohort))
        history = timeliness.schedule_history(cur, int(cohort))
    st.markdown(f"Сейчас: **{md(current.describe())}**" + ("" if current.set_at else " (по умолчанию)"))
    with st.form(f"settings_sched_form_{gen}_{cohort}"):
        c1, c2, c3 = st.columns(3)
        weekday = c1.selectbox(
            "День недели",
            list(range(1, 8)),
            index=current.weekday - 1,
            format_func=lambda d: timeliness.WEEKDAYS_RU[d - 1],
            key=f"settings_sched_day_{gen}_{cohort}",
        )
        hour = c2.number_input(
            "Срок, час (самарское время)", 0, 23, current.hour, 1, key=f"settings_sched_hour_{gen}_{cohort}"
        )
        every = c3.number_input(
            "Раз в сколько недель (текущий выпуск)",
            1,
            4,
            current.every_weeks,
            1,
            key=f"settings_sched_every_{gen}_{cohort}",
        )
        if st.form_submit_button("Сохранить график", type="primary"):
            new = timeliness.Schedule(int(weekday), int(hour), int(every))
            try:
                with cursor() as cur:
                    changed = ops_timeliness.set_schedule(cur, scope, int(cohort), new)
            except Exception as exc:
                widgets.action_error(exc, "set_schedule")
                return
            if not changed:
                st.info("График не изменился.")
                return
            saved(f"График выпуска {int(cohort)} г.: {new.describe()}.")
    if not history.is_empty():
        schedule_history(history)


def schedule_history(history: pl.DataFrame) -> None:
    st.dataframe(
        history.select(
            pl.col("weekday")
            .replace_strict({i + 1: d for i, d in enumerate(timeliness.WEEKDAYS_RU)}, return_dtype=pl.Utf8)
            .alias("День"),
            pl.col("hour").alias("Час"),
            pl.col("every_weeks").alias("Раз в недель"),
            datetime_expr(pl.col("set_at")).alias("Задан (UTC)"),
            pl.col("set_by").alias("Кем"),
        ),
        hide_index=True,
        width="stretch",
        key="settings_sched_history",
    )
