"""Download buttons for the official reports (reports) and for CSV copies of page tables.

Any page can drop in `report_button(kind, code=None, label=None)`: the button appears only when the
user's role may build that report for the current context (sidebar cohort and date). The file is
built when the user clicks: `data=` is a callable that Streamlit runs on another thread
(docs/architecture.md §5.3), so it closes over plain values only and opens its own cursor. Refusals and
the regional control rule are decided while drawing the button, because a deferred download
cannot show a message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import polars as pl
import streamlit as st

import reports
from data_layer import issued_reports
from data_layer.errors import UserFacingError
from data_layer.importer import LoadResult, problems_to_xlsx
from data_layer.scope import SCOPE_HASH, Scope
from ops import downloads as ops_downloads
from reports.csv import to_csv_bytes
from ui import cached
from ui import context as ui_context
from ui.connection import cursor

ICON = ":material/download:"


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=SCOPE_HASH)
def control_problem(v: int, scope: Scope, cohort: int, as_of: dt.date) -> str | None:
    """The regional control rule's message for this context (None: the report can be exported)."""
    with cursor() as cur:
        return reports.control_problem(cur, scope, cohort, as_of)


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=SCOPE_HASH)
def regional_violations(v: int, scope: Scope, cohort: int, as_of: dt.date) -> pl.DataFrame:
    """The failing control rules of the regional form for this context (reports.regional.violations)."""
    with cursor() as cur:
        return reports.regional_violations(cur, scope, cohort, as_of)


def issue_regional(scope: Scope, cohort: int, as_of: dt.date) -> issued_reports.Issued:
    """Approve and register the final regional report (ops.reports: one transaction with audit)."""
    from ops.reports import issue_regional as issue

    with cursor() as cur:
        return issue(cur, scope, cohort, as_of)


def issued_register(scope: Scope) -> pl.DataFrame:
    """The register of issued reports as the role sees it (not cached: it changes on approval)."""
    with cursor() as cur:
        return issued_reports.register(cur, scope)


def issued_part(scope: Scope, report_id: int) -> list[dict[str, Any]]:
    """The form rows of one issued report that belong to the role's colleges."""
    with cursor() as cur:
        return issued_reports.part(cur, scope, report_id)


def issued_button(scope: Scope, report_id: int, file_name: str, *, key: str) -> None:
    """Download of a stored (approved) report, byte-identical to what was approved."""

    def build() -> bytes:
        with cursor() as cur:
            return ops_downloads.issued_report(cur, scope, report_id)

    st.download_button(
        "Скачать утверждённый отчёт",
        data=build,
        file_name=file_name,
        mime=reports.XLSX_MIME,
        on_click="ignore",
        icon=ICON,
        key=key,
    )


# Reports that rank colleges need every college's criteria metrics: reuse the app's cached copy.
NEEDS_METRIC_VALUES = frozenset({"scorecard", "rating"})


def _builder(
    scope: Scope,
    kind: str,
    cohort: int,
    as_of: dt.date,
    code: str | None,
    fmt: str,
    v: int,
    draft: bool = False,
) -> Callable[[], bytes]:
    def build() -> bytes:
        values = cached.college_metric_values(v, cohort, as_of) if kind in NEEDS_METRIC_VALUES else None
        with cursor() as cur:
            content, _ = reports.build_report(
                cur, scope, kind, cohort, as_of, code, fmt=fmt, metric_values=values, draft=draft
            )
        return content

    return build


def _current() -> tuple[Scope, int, dt.date] | None:
    scope = st.session_state.get("scope")
    ctx = ui_context.get_context()
    if not isinstance(scope, Scope) or ctx is None:
        return None
    return scope, ctx.cohort, ctx.as_of


def report_button(
    kind: str,
    code: str | None = None,
    label: str | None = None,
    *,
    fmt: str = "xlsx",
    key: str | None = None,
    draft: bool = False,
) -> bool:
    """A download button for one report in the current context; True when it was drawn.

    `code` names the territory (kind 'territory') or the college ('scorecard', 'risk_list'); a
    territory or college user's own code is the default. Nothing is drawn when the role may not
    build the report or no code is known.
    """
    current = _current()
    if current is None or kind not in reports.REPORT_KINDS:
        return False
    scope, cohort, as_of = current
    spec = reports.REPORT_KINDS[kind]
    code = code or reports.default_code(scope, kind)
    if scope.role not in spec.roles or (spec.needs_scope and not code):
        return False
    try:
        with cursor() as cur:
            code = reports.check_access(cur, scope, kind, code)
    except UserFacingError:
        return False
    problem = (
        control_problem(cached.version(), scope, cohort, as_of) if kind == "regional" and not draft else None
    )
    is_csv = fmt == "csv"
    st.download_button(
        label or f"{spec.title} ({'CSV' if is_csv else 'Excel'})",
        data=_builder(scope, kind, cohort, as_of, code, fmt, cached.version(), draft),
        file_name=reports.report_file_name(kind, cohort, as_of, code, fmt, draft=draft),
        mime=reports.CSV_MIME if is_csv else reports.XLSX_MIME,
        on_click="ignore",
        icon=ICON,
        key=key or f"report_{kind}_{code or 'all'}_{fmt}",
        disabled=problem is not None,
        help="Не выполнены контрольные соотношения формы: нарушения и черновик — на странице «Отчёты»."
        if problem
        else (
            "Файл содержит персональные данные; выгрузка записывается в журнал."
            if spec.personal_data
            else None
        ),
    )
    return True


def scorecards_zip_button(
    label: str = "Карточки всех ПОО (архив ZIP)", *, key: str = "report_scorecards_zip"
) -> bool:
    """The base centre's zip of every college's scorecard for the current context."""
    current = _current()
    if current is None or current[0].role != "base_centre":
        return False
    scope, cohort, as_of = current
    v = cached.version()

    def build() -> bytes:
        values = cached.college_metric_values(v, cohort, as_of)
        with cursor() as cur:
            return reports.build_scorecards_zip(cur, scope, cohort, as_of, metric_values=values)

    st.download_button(
        label,
        data=build,
        file_name=reports.scorecards_zip_name(cohort, as_of),
        mime=reports.ZIP_MIME,
        on_click="ignore",
        icon=ICON,
        key=key,
    )
    return True


def table_csv_button(
    frame: pl.DataFrame,
    column_labels: Mapping[str, str],
    file_stem: str,
    *,
    label: str = "Скачать таблицу (CSV)",
    key: str,
    personal_data: bool = False,
) -> None:
    """CSV (UTF-8 with BOM, ';') of a table shown on a page, with Russian column labels.

    Pass `personal_data=True` for tables with graduates' names or СНИЛС: the download is then
    written to the audit log as 'download_pd'.
    """
    current = _current()
    scope = current[0] if current else st.session_state.get("scope")
    labels = dict(column_labels)
    user = scope.username if isinstance(scope, Scope) else None
    role = scope.role if isinstance(scope, Scope) else None
    name = f"{file_stem}.csv"
    notice = cached.demo_notice(cached.version())

    st.download_button(
        label,
        data=csv_builder(frame, labels, file_stem, user, role, personal_data=personal_data, notice=notice),
        file_name=name,
        mime=reports.CSV_MIME,
        on_click="ignore",
        icon=ICON,
        key=key,
    )


def csv_builder(
    frame: pl.DataFrame,
    labels: Mapping[str, str],
    file_stem: str,
    user: str | None,
    role: str | None,
    *,
    personal_data: bool,
    notice: str = "",
) -> Callable[[], bytes]:
    """The deferred builder of a table's CSV: formula-safe (reports.csv) and written to the audit
    log when built (ops.downloads: 'download_pd' for personal data, else 'download')."""
    name = f"{file_stem}.csv"

    def build() -> bytes:
        content = to_csv_bytes(frame, labels, notice=notice)
        with cursor() as cur:
            ops_downloads.record_download(
                cur, user, role, file_stem, f"таблица страницы, файл {name}", personal_data=personal_data
            )
        return content

    return build


def error_report_button(result: LoadResult, file_name: str, *, key: str) -> None:
    """The Excel list of a refused file's problems (values as the user wrote them, СНИЛС masked),
    written to the audit log when built."""
    _audited_xlsx_button(
        "Скачать список ошибок (Excel)",
        lambda: problems_to_xlsx(result),
        file_name,
        key=key,
        personal_data=False,
        target=file_name,
        detail="отчёт об ошибках загрузки",
    )


def personal_file_button(
    build_bytes: Callable[[], bytes], file_name: str, label: str, *, key: str, what: str
) -> None:
    """A download of a file with personal data built on click; the download is written to the audit
    log as 'download_pd' (`what` names it, never the person)."""
    _audited_xlsx_button(
        label, build_bytes, file_name, key=key, personal_data=True, target=what, detail=f"файл {file_name}"
    )


def _audited_xlsx_button(
    label: str,
    build_bytes: Callable[[], bytes],
    file_name: str,
    *,
    key: str,
    personal_data: bool,
    target: str,
    detail: str,
) -> None:
    """An Excel download built on click and written to the audit log (as the signed-in user) when built."""
    scope = st.session_state.get("scope")
    user = scope.username if isinstance(scope, Scope) else None
    role = scope.role if isinstance(scope, Scope) else None

    def build() -> bytes:
        content = build_bytes()
        with cursor() as cur:
            ops_downloads.record_download(cur, user, role, target, detail, personal_data=personal_data)
        return content

    st.download_button(
        label, data=build, file_name=file_name, mime=reports.XLSX_MIME, on_click="ignore", icon=ICON, key=key
    )
