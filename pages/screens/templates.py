"""Шаблоны файлов: the college's weekly status template and graduation list, a blank template of
every import kind in the order to load them, and files of other systems (saved mappings)."""

from __future__ import annotations

import streamlit as st

from ui import templates_view as tv
from ui import upload_mapping, widgets


def render() -> None:
    scope = widgets.current_scope()
    widgets.require_role(scope, {"base_centre", "college"}, "Шаблоны файлов")
    st.title("Шаблоны файлов")
    st.subheader("Еженедельное обновление")
    st.caption(
        "Шаблон на неделю — выпускники ПОО на мониторинге с их текущими статусами. Измените статусы "
        "(раскрывающийся список), сохраните и загрузите файл на странице «Загрузка данных»."
    )
    college = tv.pick_college(scope, "tpl_college")
    if college:
        tv.weekly_buttons(scope, college, "tpl")
    kinds = tv.allowed_kinds(scope)
    st.subheader("Порядок загрузки и пустые шаблоны")
    st.caption(
        "Каждый файл ссылается на загруженные раньше: статусы принимаются только для выпускников из "
        "списка выпуска, список выпуска — только для ПОО и специальностей из справочников."
    )
    st.dataframe(tv.order_table(kinds), hide_index=True, width="stretch", key="tpl_order")
    tv.blank_buttons(kinds)
    upload_mapping.foreign_files_section(scope)


widgets.safe_page(render)
