"""Streamlit sections of the «Загрузка данных» page: the load of the chosen files (through
ops.load, all or nothing per file), each file's result with its full problem list, the templates,
the history of loads."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import streamlit as st

import reports
from data_layer import config, loads
from data_layer.importer import KINDS
from data_layer.importer.kinds import COLLEGE_KINDS
from data_layer.scope import Scope
from metrics.formatting import fmt_int, plural
from ops.load import LoadResult, load_file
from ui import cached, downloads, widgets
from ui import upload_view as uv
from ui.connection import cursor, get_con

EXAMPLES_DIR = config.SAMPLE_DATA_DIR / "examples"


PROBLEM_CONFIG = {
    "Строка": st.column_config.NumberColumn("Строка", width="small", format="%d"),
    "Столбец": st.column_config.TextColumn("Столбец", width="small"),
    "Значение": st.column_config.TextColumn("Значение", width="small"),
    "Проблема": st.column_config.TextColumn("Проблема", width="large"),
}  # bumped after a load: a fresh uploader, so the same files are not sent twice


def allowed_kinds(scope: Scope) -> tuple[str, ...]:
    return tuple(COLLEGE_KINDS) if scope.role == "college" else tuple(KINDS)


def run_loads(
    scope: Scope, files: list[object], kind: str | None, snapshot: dt.date | None
) -> list[LoadResult]:
    results = []
    for f in files:
        name = getattr(f, "name", "файл")
        try:
            results.append(
                load_file(get_con(), f.getvalue(), name, kind=kind, scope=scope, snapshot_date=snapshot)  # type: ignore[attr-defined]
            )
        except Exception as exc:
            widgets.action_error(exc, f"upload {name}")
    return results


def show_result(i: int, res: LoadResult) -> None:
    if res.ok and res.unchanged:
        st.info(res.message, icon=":material/check:")
    elif res.ok:
        st.success(res.message, icon=":material/check_circle:")
    else:
        st.error(res.message, icon=":material/error:")
        errors = uv.problems_frame(res.errors)
        n = len(res.errors)
        st.markdown(f"**{fmt_int(n)} {plural(n, 'ошибка', 'ошибки', 'ошибок')} в файле «{res.file_name}»:**")
        st.dataframe(
            errors,
            hide_index=True,
            placeholder="—",
            width="stretch",
            key=f"upload_errors_{i}",
            column_config=PROBLEM_CONFIG,
        )
        downloads.error_report_button(
            res, uv.error_report_name(res.file_name), key=f"upload_error_report_{i}"
        )
    if res.warnings:
        n = len(res.warnings)
        with st.expander(f"Предупреждения: {fmt_int(n)} (не мешают загрузке)", expanded=False):
            st.dataframe(
                uv.problems_frame(res.warnings),
                hide_index=True,
                placeholder="—",
                width="stretch",
                key=f"upload_warn_{i}",
            )


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


def history(scope: Scope) -> None:
    st.subheader("История загрузок")
    with cursor() as cur:
        hist = loads.load_history(cur, scope, limit=200)
    if hist.is_empty():
        st.caption(
            "Загрузок пока не было." if scope.role == "base_centre" else "Файлы вашей ПОО ещё не загружались."
        )
        return
    st.dataframe(
        uv.history_display(hist), hide_index=True, placeholder="—", width="stretch", key="upload_history"
    )
    st.caption(
        "Показаны последние 200 принятых загрузок"
        + (" с данными вашей ПОО." if scope.role == "college" else ".")
        + " Отклонённые файлы записываются в журнал действий."
    )
