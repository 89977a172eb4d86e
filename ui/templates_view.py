"""Download buttons of the import templates (reports.templates): the college's weekly status
template, its graduation list, and a blank template of every kind in load order."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import streamlit as st

from data_layer import config, roster
from data_layer.importer.kinds import COLLEGE_KINDS, KINDS
from data_layer.scope import Scope
from metrics import deadlines, timeliness
from reports import templates
from ui import cached
from ui.connection import get_con

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXAMPLES_DIR = config.SAMPLE_DATA_DIR / "examples"


def college_label(row: dict[str, object]) -> str:
    """«Полное наименование (КРАТКОЕ), код» — full names with the abbreviation everywhere."""
    full = row.get("full_name") or row.get("short_name")
    return f"{full} ({row.get('short_name')}), {row.get('college_code')}"


def pick_college(scope: Scope, key: str) -> str | None:
    """The college itself, or a selector of colleges for the base centre."""
    if scope.role == "college":
        return scope.code
    colleges = cached.college_list(cached.version(), scope)
    if colleges.is_empty():
        return None
    labels = {r["college_code"]: college_label(r) for r in colleges.iter_rows(named=True)}
    return st.selectbox("ПОО", list(labels), format_func=labels.__getitem__, key=key)


def _builder(fn: Callable[..., bytes], *args: object) -> Callable[[], bytes]:
    con = get_con()

    def build() -> bytes:  # runs on the download thread: its own cursor, no session state
        with con.cursor() as cur:
            return fn(cur, *args)

    return build


def weekly_buttons(scope: Scope, college: str, key: str) -> None:
    """«Скачать шаблон на неделю» and «Скачать список выпуска» of one college."""
    with get_con().cursor() as cur:
        years = roster.college_cohorts(cur, scope, college)
        schedule = timeliness.get_schedule(cur, years[0]) if years else timeliness.DEFAULT
    due = deadlines.next_due(None, schedule)
    snap = deadlines.snapshot_date_for_upload(None, schedule)
    c1, c2 = st.columns(2)
    c1.download_button(
        "Скачать шаблон на неделю",
        data=_builder(templates.weekly_status_template, scope, college, snap),
        file_name=f"Статусы_{college}_{snap:%d.%m.%Y}.xlsx",
        mime=XLSX_MIME,
        on_click="ignore",
        key=f"{key}_weekly",
        icon=":material/edit_calendar:",
        type="primary",
        help=(
            f"Ваши выпускники на мониторинге с текущими статусами; дата актуализации — {snap:%d.%m.%Y}. "
            f"Срок сдачи — {due:%d.%m.%Y} ({schedule.describe()}). Измените статусы и загрузите файл обратно."
        ),
    )
    if years:
        year = c2.selectbox("Выпуск", years, key=f"{key}_cohort", label_visibility="collapsed")
        c2.download_button(
            f"Скачать список выпуска {year}",
            data=_builder(templates.graduation_list_template, scope, college, int(year)),
            file_name=f"Выпуск_{college}_{year}.xlsx",
            mime=XLSX_MIME,
            on_click="ignore",
            key=f"{key}_grads",
            icon=":material/group:",
        )


def allowed_kinds(scope: Scope) -> tuple[str, ...]:
    """The kinds the user may upload, in load order."""
    return tuple(COLLEGE_KINDS) if scope.role == "college" else tuple(KINDS)


def order_table(kinds: tuple[str, ...]) -> pl.DataFrame:
    rows = [n for n in templates.load_order_notes() if n[1] in kinds]
    return pl.DataFrame(
        {
            "Шаг": [r[0] for r in rows],
            "Вид данных": [r[2] for r in rows],
            "Сначала загрузить": [r[3] for r in rows],
        }
    )


def blank_buttons(kinds: tuple[str, ...]) -> None:
    """A blank template (and the example file, if any) of every kind, in load order."""
    examples = {p.name.split("_", 1)[1].rsplit(".", 1)[0]: p for p in sorted(EXAMPLES_DIR.glob("[0-9]*_*.*"))}
    for step, kind, label, _ in templates.load_order_notes():
        if kind not in kinds:
            continue
        c1, c2, c3 = st.columns([3, 2, 2], vertical_alignment="center")
        c1.markdown(f"**{step}. {label}**")
        c2.download_button(
            "Пустой шаблон",
            data=templates.blank_template(kind),
            file_name=f"Шаблон_{kind}.xlsx",
            mime=XLSX_MIME,
            on_click="ignore",
            key=f"tpl_blank_{kind}",
            icon=":material/table:",
        )
        ex = examples.get(kind)
        if ex is not None:
            c3.download_button(
                f"Образец ({ex.suffix[1:]})",
                data=ex.read_bytes,
                file_name=ex.name,
                mime=XLSX_MIME if ex.suffix == ".xlsx" else "text/csv",
                on_click="ignore",
                key=f"tpl_example_{kind}",
                icon=":material/description:",
            )
