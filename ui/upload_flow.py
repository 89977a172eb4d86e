"""The upload page's two steps and the undo panel (issue 13).

1. «Проверить файлы»: every chosen file is checked and compared with what it would replace
   (data_layer.importer.preview); nothing is stored yet. A refused file shows its full error list.
2. The preview: new / changed / unchanged / removed rows, who disappears from a graduation list,
   whose status changes. A load that removes records says so in red and needs an explicit tick.
   «Загрузить» stores the checked files (each all or nothing, as before); «Отменить» drops them.

Undo (base centre): the latest load of a college and kind, from the load register (ops.loads).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
import streamlit as st
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.uploaded_file_manager import UploadedFile

from data_layer.importer.errors import UnreadableFileError
from data_layer.importer.limits import ReadLimits, check_batch
from data_layer.importer.mapping import ImportMapping
from data_layer.importer.preview import Preview, preview_file
from data_layer.importer.undo import undoable_ids
from data_layer.scope import Scope
from metrics.formatting import fmt_int, plural
from ops.load import LoadResult, load_file
from ops.loads import undo_load
from ui import downloads, upload_mapping, upload_sections, widgets
from ui import upload_view as uv
from ui.connection import cursor, get_con
from ui.text import md

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PENDING = "_upload_pending"
RESULTS = "_upload_results"
GEN = "_upload_gen"  # bumped after a load or a cancel: a fresh, empty uploader
REFUSED = "_upload_refused"  # a selection refused by the per-check limits (shown once)
SHOWN_PROBLEMS = 200


@dataclass
class Pending:
    name: str
    data: bytes
    kind: str | None
    snapshot: dt.date | None
    outcome: Preview | LoadResult
    mapping: ImportMapping | None = None  # a saved mapping the file is read with (upload_mapping)
    foreign: upload_mapping.Foreign | None = None  # a refused file with headers not the contract's
    allowed: tuple[str, ...] = ()  # the kinds the user may upload (the mapping editor offers them)


# Streamlit's uploader has no text parameters: its English button and size line are replaced by
# Russian ones with CSS scoped to the uploader's container (key «ru_uploader»).
UPLOADER_CSS = """<style>
.st-key-ru_uploader [data-testid="stFileUploaderDropzone"] button { font-size: 0 !important; }
.st-key-ru_uploader [data-testid="stFileUploaderDropzone"] button * { display: none !important; }
.st-key-ru_uploader [data-testid="stFileUploaderDropzone"] button::after {
  content: "Выбрать файлы"; font-size: 0.875rem; }
.st-key-ru_uploader [data-testid="stFileUploaderDropzoneInstructions"] * { display: none !important; }
.st-key-ru_uploader [data-testid="stFileUploaderDropzoneInstructions"]::after {
  content: "Перетащите файлы сюда · до 200 МБ на файл · XLSX, CSV"; font-size: 0.8rem; opacity: 0.7; }
</style>"""


def russian_uploader() -> None:
    st.html(UPLOADER_CSS)


def uploader_help() -> str:
    lim = ReadLimits.from_env()
    return (
        "Можно выбрать несколько файлов: каждый проверяется и загружается отдельно. За одну проверку "
        f"файлов — не больше {fmt_int(lim.files_per_upload)}, вместе — до {fmt_int(lim.upload_total_mb)} МБ."
    )


def admit(files: list[UploadedFile]) -> list[UploadedFile]:
    """The number and total size of the chosen files (VYPUSK_MAX_FILES_PER_UPLOAD,
    VYPUSK_MAX_UPLOAD_TOTAL_MB), from the sizes the uploader reports: before any file is read,
    copied or parsed. A refused selection is dropped from Streamlit's memory and the page starts
    again with an empty uploader and the refusal."""
    refused = st.session_state.pop(REFUSED, None)
    if refused:
        st.error(refused, icon=":material/block:")
    if not files:
        return []
    try:
        check_batch([int(f.size) for f in files], ReadLimits.from_env())
    except UnreadableFileError as exc:
        _release(files)
        st.session_state[REFUSED] = str(exc)
        _finish([])
    return files


def _release(files: list[UploadedFile]) -> None:
    """Drop the files from Streamlit's upload storage at once (it keeps them until the session ends)."""
    ctx = get_script_run_ctx()
    if ctx is not None and isinstance(ctx.uploaded_file_mgr, MemoryUploadedFileManager):
        for f in files:
            ctx.uploaded_file_mgr.remove_file(session_id=ctx.session_id, file_id=f.file_id)


def check(scope: Scope, files: list[object], kind: str | None, snapshot: dt.date | None) -> None:
    """Step 1: preview every file; keep the bytes for the confirmation."""
    pending = []
    for f in files:
        name = str(getattr(f, "name", "файл"))
        data = f.getvalue()  # type: ignore[attr-defined]
        try:
            outcome = preview_file(get_con(), data, name, kind=kind, scope=scope, snapshot_date=snapshot)
        except Exception as exc:
            widgets.action_error(exc, f"preview {name}")
            continue
        allowed = upload_sections.allowed_kinds(scope)
        odd = None
        if isinstance(outcome, LoadResult) and upload_mapping.worth_mapping(outcome.errors):
            odd = upload_mapping.foreign(data, name, kind, allowed)
        pending.append(Pending(name, data, kind, snapshot, outcome, foreign=odd, allowed=allowed))
    st.session_state[PENDING] = pending
    st.session_state[RESULTS] = []


def _n(n: int, one: str, few: str, many: str) -> str:
    return f"{fmt_int(n)} {plural(n, one, few, many)}"


def _preview_block(i: int, p: Preview) -> bool:
    """One file's preview; returns whether it may be loaded (removals acknowledged)."""
    st.markdown(
        f"**«{p.file_name}»** — {p.label}: {_n(p.rows, 'строка', 'строки', 'строк')}; сравнение {p.basis}."
    )
    c = st.columns(4)
    c[0].metric("Новых", fmt_int(p.new))
    c[1].metric("Изменится", fmt_int(p.changed))
    c[2].metric("Без изменений", fmt_int(p.unchanged))
    c[3].metric("Удалится", fmt_int(p.removed))
    if p.identical:
        st.info("Файл совпадает с уже загруженными данными: ничего не изменится.", icon=":material/check:")
    if p.changed_people.height:
        with st.expander(f"У кого меняется статус ({fmt_int(p.changed)})"):
            st.dataframe(p.changed_people, hide_index=True, width="stretch", key=f"upload_chg_{i}")
    if p.warnings:
        with st.expander(f"Предупреждения: {fmt_int(len(p.warnings))} (не мешают загрузке)"):
            problem_table(uv.problems_frame(p.warnings), f"upload_pwarn_{i}")
    if not p.removed:
        return True
    who = (
        "выпускников выбудут из списка выпуска" if p.kind == "graduates" else "прежних записей будут удалены"
    )
    st.error(
        f"Внимание: {fmt_int(p.removed)} {who}. Их можно вернуть только отменой этой загрузки.",
        icon=":material/delete_forever:",
    )
    if p.removed_people.height:
        st.dataframe(p.removed_people, hide_index=True, width="stretch", key=f"upload_rm_{i}")
    return bool(st.checkbox(f"Понимаю: будет удалено записей — {fmt_int(p.removed)}", key=f"upload_ack_{i}"))


def problem_table(frame: pl.DataFrame, key: str) -> None:
    """Problems with the message in full: a wrapping table for the first rows, all of them in Excel."""
    shown = frame.head(SHOWN_PROBLEMS).with_columns(pl.col("Строка").cast(pl.Utf8).fill_null("—"))
    st.table(shown, border="horizontal")
    if frame.height > SHOWN_PROBLEMS:
        st.caption(
            f"Показаны первые {fmt_int(SHOWN_PROBLEMS)} из {fmt_int(frame.height)}; все — в отчёте Excel."
        )


def refusal(i: int, res: LoadResult) -> None:
    st.error(md(res.message), icon=":material/error:")
    n = len(res.errors)
    st.markdown(f"**{_n(n, 'ошибка', 'ошибки', 'ошибок')} в файле «{md(res.file_name)}»:**")
    problem_table(uv.problems_frame(res.errors), f"upload_errors_{i}")
    downloads.error_report_button(res, uv.error_report_name(res.file_name), key=f"upload_error_report_{i}")


def confirm_step(scope: Scope) -> None:
    """Step 2: the previews and the «Загрузить» / «Отменить» buttons."""
    pending: list[Pending] = st.session_state.get(PENDING) or []
    if not pending:
        return
    st.subheader("Что изменится")
    ready = []
    for i, item in enumerate(pending):
        with st.container(border=True):
            if isinstance(item.outcome, Preview):
                upload_mapping.applied_note(item)
                if _preview_block(i, item.outcome):
                    ready.append(item)
            else:
                refusal(i, item.outcome)
                if item.foreign is not None:
                    upload_mapping.panel(i, item, scope)
    valid = [p for p in pending if isinstance(p.outcome, Preview)]
    blocked = len(valid) - len(ready)
    if blocked:
        st.caption("Отметьте согласие на удаление записей, чтобы загрузить файл.")
    go, cancel = st.columns(2)
    label = "Загрузить" if len(valid) <= 1 else f"Загрузить файлы ({len(ready)})"
    if go.button(
        label, type="primary", disabled=not ready or blocked > 0, key="upload_confirm", width="stretch"
    ):
        with st.spinner("Загружаем…"):
            results = []
            for item in ready:
                try:
                    results.append(
                        load_file(
                            get_con(),
                            item.data,
                            item.name,
                            kind=item.kind,
                            scope=scope,
                            snapshot_date=item.snapshot,
                            mapping=item.mapping,
                        )
                    )
                except Exception as exc:
                    widgets.action_error(exc, f"upload {item.name}")
        _finish(results)
    if cancel.button("Отменить", key="upload_cancel", width="stretch"):
        _finish([])


def _finish(results: list[LoadResult]) -> None:
    st.session_state[PENDING] = []
    st.session_state[RESULTS] = results
    st.session_state[GEN] = st.session_state.get(GEN, 0) + 1
    st.rerun()


def show_results() -> None:
    for i, res in enumerate(st.session_state.get(RESULTS) or []):
        if res.ok and res.unchanged:
            st.info(md(res.message), icon=":material/check:")
        elif res.ok:
            st.success(md(res.message), icon=":material/check_circle:")
        else:  # changed between the preview and the load (another user): the full refusal again
            refusal(100 + i, res)


def undo_panel(scope: Scope, history: pl.DataFrame) -> None:
    """Base centre: undo the latest load of a college and kind."""
    if scope.role != "base_centre" or history.is_empty():
        return
    msg = st.session_state.pop("_undo_message", None)
    if msg:
        st.success(msg, icon=":material/undo:")
    active = history.filter(pl.col("undone_at").is_null())
    with cursor() as cur:
        ok = undoable_ids(cur, [int(x) for x in active.get_column("load_id").to_list()])
    cand = active.filter(pl.col("load_id").is_in(sorted(ok)))
    with st.expander("Отменить загрузку", icon=":material/undo:"):
        if cand.is_empty():
            st.caption("Нет загрузок, которые можно отменить.")
            return
        st.caption(
            "Отменить можно последнюю загрузку каждой ПОО и вида данных: её строки удаляются, а записи, "
            "которые она заменила, возвращаются. Отмена записывается в журнал."
        )
        labels = {
            int(r["load_id"]): f"№ {r['load_id']} — {r['file_name']} ({uv.kind_label(r['kind'])}; "
            f"ПОО: {r['college_code'] or 'вся область'}; {r['loaded_at']:%d.%m.%Y %H:%M}, {r['username']})"
            for r in cand.iter_rows(named=True)
        }
        # Keys follow the newest candidate: after another load the newest one is offered again.
        newest = next(iter(labels))
        load_id = st.selectbox(
            "Загрузка", list(labels), format_func=labels.__getitem__, key=f"undo_pick_{newest}"
        )
        sure = st.checkbox("Да, отменить эту загрузку", key=f"undo_sure_{newest}")
        if st.button("Отменить загрузку", disabled=not sure, key="undo_go", icon=":material/undo:"):
            try:
                with cursor() as cur:
                    out = undo_load(cur, scope, int(load_id))
            except Exception as exc:
                widgets.action_error(exc, f"undo {load_id}")
                return
            st.session_state[RESULTS] = []
            st.session_state["_undo_message"] = out.message
            st.rerun()
