"""Загрузка данных: xlsx/csv files checked completely and stored all or nothing (docs/data_contract.md §2);
every problem of a refused file in one table and as an Excel report; the history of loads."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from ui import upload_sections, widgets

_RESULTS = "_upload_results"
_GEN = "_upload_gen"


def render() -> None:
    scope = widgets.current_scope()
    widgets.require_role(scope, {"base_centre", "college"}, "Загрузка данных")
    st.title("Загрузка данных")
    kinds = upload_sections.allowed_kinds(scope)
    if scope.role == "college":
        st.caption(
            f"ПОО {scope.code} загружает свои данные: "
            + ", ".join(f"«{upload_sections.KINDS[k]}»" for k in kinds)
            + "."
        )
    else:
        st.caption(
            "Базовый центр загружает справочники, списки выпуска, статусы, выгрузки УФНС, ЦЗН и ФИС ФРДО."
        )
    st.caption(
        "Файл проверяется целиком. Если в нём есть ошибка, не сохраняется ничего, и вы получаете полный список "
        "ошибок. Повторная загрузка того же файла ничего не меняет."
    )
    upload_sections.templates(kinds)

    gen = st.session_state.setdefault(_GEN, 0)
    files = st.file_uploader(
        "Файлы для загрузки",
        # json: vacancy extracts of «Работа России» (kind vacancies, base centre)
        type=["xlsx", "csv"] if scope.role == "college" else ["xlsx", "csv", "json"],
        accept_multiple_files=True,
        key=f"upload_files_{gen}",
        help="Можно выбрать несколько файлов: каждый проверяется и загружается отдельно.",
    )
    c_kind, c_date = st.columns(2)
    kind = c_kind.selectbox(
        "Вид данных",
        [None, *kinds],
        format_func=lambda k: "Определить по заголовкам" if k is None else upload_sections.KINDS[k],
        key="upload_kind",
    )
    snapshot = c_date.date_input(
        "Дата актуализации (для файла статусов без этого столбца)",
        value=None,
        format="DD.MM.YYYY",
        key="upload_snapshot",
    )
    if st.button("Проверить и загрузить", type="primary", disabled=not files, key="upload_go"):
        with st.spinner("Проверяем и загружаем…"):
            results = upload_sections.run_loads(
                scope, list(files or []), kind, snapshot if isinstance(snapshot, dt.date) else None
            )
        st.session_state[_RESULTS] = results
        if any(r.ok and not r.unchanged for r in results):
            # The importer bumped the dataset version; rerun so the sidebar and every cached figure
            # are rebuilt from the new data, with a fresh uploader.
            st.session_state[_GEN] = gen + 1
            st.rerun()

    for i, res in enumerate(st.session_state.get(_RESULTS) or []):
        upload_sections.show_result(i, res)
    upload_sections.history(scope)


widgets.safe_page(render)
