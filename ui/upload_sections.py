"""Streamlit sections of the «Загрузка данных» page: the load of the chosen files (through
ops.load, all or nothing per file), each file's result with its full problem list, the templates,
the history of loads."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import polars as pl
import streamlit as st

import reports
from data_layer import config, loads
from data_layer.importer import KINDS
from data_layer.importer.kinds import COLLEGE_KINDS
from data_layer.scope import Scope
from ui import cached
from ui import upload_view as uv
from ui.connection import cursor

EXAMPLES_DIR = config.SAMPLE_DATA_DIR / "examples"


def allowed_kinds(scope: Scope) -> tuple[str, ...]:
    return tuple(COLLEGE_KINDS) if scope.role == "college" else tuple(KINDS)


def templates(kinds: tuple[str, ...]) -> None:
    examples = uv.example_files(EXAMPLES_DIR, kinds)
    with st.expander("Образцы файлов и обязательные столбцы", expanded=False):
        st.caption(
            "Файлы xlsx или csv (UTF-8 или Windows-1251, разделитель «;» или «,»). Над строкой заголовков "
            "может быть до 10 строк с названием формы. Вид файла определяется по заголовкам столбцов."
        )
        for kind in kinds:
            st.markdown(f"**{KINDS[kind]}** — {uv.columns_text(kind)}")
        if examples:
            notice = cached.demo_notice(cached.version())
            st.markdown("**Образцы для скачивания**")
            cols = st.columns(3)
            for n, ex in enumerate(examples):
                path: Path = ex.path
                cols[n % 3].download_button(
                    f"{ex.label} ({path.suffix[1:]})",
                    data=partial(uv.example_bytes, path, notice),
                    file_name=path.name,
                    mime=reports.XLSX_MIME if path.suffix == ".xlsx" else "text/csv",
                    on_click="ignore",
                    key=f"upload_example_{path.name}",
                    icon=":material/description:",
                )


def history(scope: Scope) -> pl.DataFrame:
    """The load register as the user may see it; returns it (the undo panel offers from it)."""
    st.subheader("История загрузок")
    with cursor() as cur:
        hist = loads.load_history(cur, scope, limit=200)
    if hist.is_empty():
        st.caption(
            "Загрузок пока не было." if scope.role == "base_centre" else "Файлы вашей ПОО ещё не загружались."
        )
        return hist
    st.dataframe(
        uv.history_display(hist), hide_index=True, placeholder="—", width="stretch", key="upload_history"
    )
    st.caption(
        "Показаны последние 200 принятых загрузок"
        + (" вашей ПОО." if scope.role == "college" else ".")
        + " Отклонённые файлы записываются в журнал действий."
    )
    return hist
