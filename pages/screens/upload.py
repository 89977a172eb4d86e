"""Загрузка данных: xlsx/csv files checked completely (docs/data_contract.md §2), previewed — what
will change — and stored all or nothing after a confirmation (issue 13); the history of loads and,
for the base centre, the undo of the latest load of a college and kind."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from ui import templates_view as tv
from ui import upload_flow as flow
from ui import upload_sections, widgets


def render() -> None:
    scope = widgets.current_scope()
    widgets.require_role(scope, {"base_centre", "college"}, "Загрузка данных")
    st.title("Загрузка данных")
    kinds = upload_sections.allowed_kinds(scope)
    if scope.role == "college" and scope.code:
        st.caption("Еженедельное обновление: скачайте шаблон, измените статусы и загрузите файл обратно.")
        tv.weekly_buttons(scope, scope.code, "upload_tpl")
    else:
        st.caption(
            "Базовый центр загружает справочники, списки выпуска, статусы, выгрузки УФНС, ЦЗН и ФИС ФРДО."
        )
    st.caption(
        "Файл проверяется целиком; перед сохранением вы увидите, что изменится, и подтвердите загрузку. "
        "Если в файле есть ошибка, не сохраняется ничего, и вы получаете полный список ошибок. "
        "Порядок загрузки и пустые шаблоны — на странице «Шаблоны файлов»."
    )
    upload_sections.templates(kinds)

    gen = st.session_state.setdefault(flow.GEN, 0)
    flow.russian_uploader()
    with st.container(key="ru_uploader"):
        files = st.file_uploader(
            "Файлы для загрузки",
            # No `type=`: Streamlit would refuse other files in English (in the browser) or with an
            # exception before the page runs (a client that skips the browser's check); every file
            # goes to the importer, which refuses it in Russian (kinds allowed per role: validate.py).
            accept_multiple_files=True,
            key=f"upload_files_{gen}",
            help=flow.uploader_help(),
        )
    files = flow.admit(list(files or []))
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
    if st.button("Проверить файлы", type="primary", disabled=not files, key="upload_go"):
        with st.spinner("Проверяем…"):
            flow.check(scope, list(files or []), kind, snapshot if isinstance(snapshot, dt.date) else None)
    flow.confirm_step(scope)
    flow.show_results()
    hist = upload_sections.history(scope)
    flow.undo_panel(scope, hist)


widgets.safe_page(render)
