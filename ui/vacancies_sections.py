"""Streamlit sections of the «Вакансии и меры поддержки» page: the vacancy bank, the specialty map
editor and the support registry editor (writes through ops.vacancies and ops.support)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import streamlit as st

from metrics import support
from metrics import vacancies as vm
from metrics.formatting import date_expr, fmt_int
from ops import support as ops_support
from ops import vacancies as ops_vac
from ui import widgets
from ui.connection import cursor
from ui.roles import Scope

SAVED = "_vacancies_saved"


MAX_ROWS = 2_000


def bank(vac: pl.DataFrame, tu_names: dict[str, str]) -> None:
    st.subheader("Банк вакансий")
    if vac.is_empty():
        st.info(
            "Вакансий пока нет. Базовый центр загружает выгрузку «Работа России» (JSON) или свой файл "
            "(CSV/Excel) на странице «Загрузка данных», вид «Вакансии»."
        )
        return
    c_tu, c_text = st.columns([2, 3])
    tu = c_tu.selectbox(
        "Территория",
        [None, *sorted(tu_names)],
        format_func=lambda c: "Все территории" if c is None else tu_names[c],
        key="vac_tu",
    )
    text = c_text.text_input("Поиск по названию или работодателю", key="vac_search", max_chars=100)
    shown = vac
    if tu:
        shown = shown.filter(pl.col("tu_code") == tu)
    if text and text.strip():
        needle = text.strip().lower()
        shown = shown.filter(
            pl.col("title").str.to_lowercase().str.contains(needle, literal=True)
            | pl.col("employer").str.to_lowercase().str.contains(needle, literal=True)
        )
    st.caption(
        f"Показано {fmt_int(min(shown.height, MAX_ROWS))} из {fmt_int(shown.height)} (всего {fmt_int(vac.height)})."
    )
    st.dataframe(
        shown.head(MAX_ROWS).select(
            pl.col("title").alias("Вакансия"),
            pl.col("employer").alias("Работодатель"),
            pl.coalesce("municipality_name", "municipality").alias("Место работы"),
            pl.col("salary_min").alias("Зарплата от"),
            pl.col("salary_max").alias("Зарплата до"),
            pl.col("education").alias("Образование"),
            date_expr(pl.col("vacancy_date")).alias("Дата"),
            pl.col("source").alias("Источник"),
        ),
        hide_index=True,
        width="stretch",
        placeholder="—",
        key="vac_table",
    )


def map_editor(scope: Scope) -> None:
    st.subheader("Специальности и профессии для подбора")
    st.caption(
        "По этим словам вакансии сопоставляются со специальностью выпускника (нечёткое сравнение с названием "
        "вакансии и профессией: «сварщик» находит «Электрогазосварщик 4 разряда»)."
    )
    with cursor() as cur:
        m = vm.specialty_map(cur)
    st.dataframe(
        m.select(
            pl.col("program_code").alias("Код"),
            pl.col("program_name").alias("Специальность / профессия"),
            pl.col("keywords").list.join("; ").alias("Профессии и ключевые слова"),
        ),
        hide_index=True,
        width="stretch",
        key="vac_map_table",
    )
    if scope.role != "base_centre":
        return
    names = dict(zip(m["program_code"], m["program_name"], strict=True))
    words = dict(zip(m["program_code"], m["keywords"].list.join("\n"), strict=True))
    code = st.selectbox(
        "Специальность", list(names), format_func=lambda c: f"{c} {names[c]}", key="vac_map_code"
    )
    with st.form("vac_map_form"):
        text = st.text_area(
            "Профессии и ключевые слова (по одному в строке)",
            value=words.get(code, ""),
            key=f"vac_map_text_{code}",
        )
        if st.form_submit_button("Сохранить"):
            try:
                with cursor() as cur:
                    ops_vac.save_specialty_keywords(cur, scope, str(code), text)
            except Exception as exc:
                widgets.action_error(exc, "vacancy_map")
            else:
                st.session_state[SAVED] = "Соответствие сохранено."
                st.rerun()


def registry(scope: Scope, tu_names: dict[str, str]) -> None:
    st.subheader("Реестр региональных мер поддержки молодых специалистов")
    with cursor() as cur:
        reg = support.registry(cur)
    registry_table(reg)
    st.caption(
        "Колледж видит подходящие меры рядом со случаем выпускника (по специальности, территории, группе)."
    )
    if scope.role != "base_centre":
        return
    registry_form(scope, reg, tu_names)


def registry_table(reg: pl.DataFrame) -> None:
    if reg.is_empty():
        st.info("Реестр пуст: меры добавляет базовый центр.")
    else:
        st.dataframe(
            reg.select(
                pl.col("measure_id").alias("№"),
                pl.col("title").alias("Мера"),
                pl.col("who_qualifies").alias("Кто может получить"),
                pl.col("operator").alias("Оператор"),
                date_expr(pl.col("valid_until")).alias("Действует до"),
                pl.col("program_codes").list.join(", ").alias("Специальности"),
                pl.col("tu_codes").list.join(", ").alias("Территории"),
                pl.col("groups")
                .list.eval(
                    pl.element().replace_strict(support.GROUPS, default=pl.element(), return_dtype=pl.Utf8)
                )
                .list.join(", ")
                .alias("Группы"),
                pl.when(pl.col("active")).then(pl.lit("да")).otherwise(pl.lit("снята")).alias("Действует"),
                pl.col("link").alias("Ссылка"),
            ),
            hide_index=True,
            width="stretch",
            placeholder="—",
            key="vac_support_table",
            column_config={"Ссылка": st.column_config.LinkColumn("Ссылка")},
        )


def _pick_measure(reg: pl.DataFrame) -> tuple[int | None, dict[str, Any]]:
    """A new measure (None) or a stored one, with its stored values."""
    ids = [None, *reg["measure_id"].to_list()]
    chosen = st.selectbox(
        "Мера",
        ids,
        format_func=lambda i: (
            "Новая мера" if i is None else f"№ {i} {reg.filter(pl.col('measure_id') == i)['title'][0]}"
        ),
        key="vac_support_pick",
    )
    return chosen, (
        reg.filter(pl.col("measure_id") == chosen).row(0, named=True) if chosen is not None else {}
    )


def registry_form(scope: Scope, reg: pl.DataFrame, tu_names: dict[str, str]) -> None:
    """Add a support measure or change the chosen one (ops.support, audited)."""
    with cursor() as cur:
        programs = vm.specialty_map(cur)
    prog_names = dict(zip(programs["program_code"], programs["program_name"], strict=True))
    chosen, cur_row = _pick_measure(reg)
    with st.form(f"vac_support_form_{chosen}"):
        title = st.text_input("Название", value=cur_row.get("title", ""), key=f"vac_sup_title_{chosen}")
        who = st.text_area(
            "Кто может получить", value=cur_row.get("who_qualifies", ""), key=f"vac_sup_who_{chosen}"
        )
        c1, c2, c3 = st.columns([3, 3, 2])
        operator = c1.text_input("Оператор", value=cur_row.get("operator", ""), key=f"vac_sup_op_{chosen}")
        link = c2.text_input("Ссылка", value=cur_row.get("link") or "", key=f"vac_sup_link_{chosen}")
        until = c3.date_input(
            "Действует до",
            value=cur_row.get("valid_until"),
            format="DD.MM.YYYY",
            key=f"vac_sup_until_{chosen}",
        )
        progs = st.multiselect(
            "Специальности (пусто — все)",
            list(prog_names),
            default=cur_row.get("program_codes", []),
            format_func=lambda c: f"{c} {prog_names[c]}",
            key=f"vac_sup_progs_{chosen}",
        )
        c4, c5, c6 = st.columns([3, 3, 1])
        tus = c4.multiselect(
            "Территории (пусто — все)",
            sorted(tu_names),
            default=cur_row.get("tu_codes", []),
            format_func=lambda c: tu_names.get(c, c),
            key=f"vac_sup_tus_{chosen}",
        )
        groups = c5.multiselect(
            "Приоритетные группы (пусто — все)",
            list(support.GROUPS),
            default=cur_row.get("groups", []),
            format_func=lambda g: support.GROUPS[g],
            key=f"vac_sup_groups_{chosen}",
        )
        active = c6.checkbox("Действует", value=cur_row.get("active", True), key=f"vac_sup_active_{chosen}")
        if st.form_submit_button("Сохранить меру", type="primary"):
            try:
                with cursor() as cur:
                    valid_until = until if isinstance(until, dt.date) else None
                    fields = (title, who, operator, link, valid_until, progs, tus, groups)
                    ops_support.save_support_measure(cur, scope, *fields, active=active, measure_id=chosen)
            except Exception as exc:
                widgets.action_error(exc, "support_measure")
            else:
                st.session_state[SAVED] = "Мера поддержки сохранена."
                st.rerun()
