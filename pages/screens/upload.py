"""Загрузка данных: xlsx/csv files checked completely and stored all or nothing (data_contract §2);
every problem of a refused file in one table and as an Excel report; the history of loads."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import streamlit as st

from data_layer import config, loads
from data_layer.importer import KINDS, LoadResult, load_file
from data_layer.importer.kinds import COLLEGE_KINDS
from data_layer.scope import Scope
from metrics.formatting import fmt_int, plural
from ui import cached, downloads, widgets
from ui import upload_view as uv
from ui.data import cursor, get_con

EXAMPLES_DIR = config.SAMPLE_DATA_DIR / "examples"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_RESULTS = "_upload_results"
_GEN = "_upload_gen"
PROBLEM_CONFIG = {
    "Строка": st.column_config.NumberColumn("Строка", width="small", format="%d"),
    "Столбец": st.column_config.TextColumn("Столбец", width="small"),
    "Значение": st.column_config.TextColumn("Значение", width="small"),
    "Проблема": st.column_config.TextColumn("Проблема", width="large"),
}  # bumped after a load: a fresh uploader, so the same files are not sent twice


def allowed_kinds(scope: Scope) -> tuple[str, ...]:
    return tuple(COLLEGE_KINDS) if scope.role == "college" else tuple(KINDS)


def _run_loads(
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


def _show_result(i: int, res: LoadResult) -> None:
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


def _templates(kinds: tuple[str, ...]) -> None:
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
                    mime=XLSX_MIME if path.suffix == ".xlsx" else "text/csv",
                    on_click="ignore",
                    key=f"upload_example_{path.name}",
                    icon=":material/description:",
                )


def _history(scope: Scope) -> None:
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


def body() -> None:
    scope = widgets.current_scope()
    widgets.require_role(scope, {"base_centre", "college"}, "Загрузка данных")
    st.title("Загрузка данных")
    kinds = allowed_kinds(scope)
    if scope.role == "college":
        st.caption(
            f"ПОО {scope.code} загружает свои данные: " + ", ".join(f"«{KINDS[k]}»" for k in kinds) + "."
        )
    else:
        st.caption(
            "Базовый центр загружает справочники, списки выпуска, статусы, выгрузки УФНС, ЦЗН и ФИС ФРДО."
        )
    st.caption(
        "Файл проверяется целиком. Если в нём есть ошибка, не сохраняется ничего, и вы получаете полный список "
        "ошибок. Повторная загрузка того же файла ничего не меняет."
    )
    _templates(kinds)

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
        format_func=lambda k: "Определить по заголовкам" if k is None else KINDS[k],
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
            results = _run_loads(
                scope, list(files or []), kind, snapshot if isinstance(snapshot, dt.date) else None
            )
        st.session_state[_RESULTS] = results
        if any(r.ok and not r.unchanged for r in results):
            # The importer bumped the dataset version; rerun so the sidebar and every cached figure
            # are rebuilt from the new data, with a fresh uploader.
            st.session_state[_GEN] = gen + 1
            st.rerun()

    for i, res in enumerate(st.session_state.get(_RESULTS) or []):
        _show_result(i, res)
    _history(scope)


widgets.safe_page(body)
