"""Official Excel reports (docs/domain.md §9), one implementation for the CLI (`vypusk report`) and the
«Отчёты» page: the regional report, the territory report, the college scorecard, the
effectiveness rating and the risk group list, plus the zip of every college's scorecard.

Every report honours the user's scope (ScopeError otherwise) and is written to the audit log:
'download_pd' for personal data (the risk list), 'download' for the rest.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from data_layer import audit
from data_layer.errors import ScopeError, UserFacingError
from data_layer.scope import ROLE_LABELS, Scope
from metrics import engine
from metrics.formatting import fmt_date
from reports import rating, regional, risk_list, scorecard, territory
from reports.base import ReportContext
from reports.csv import to_csv_bytes
from reports.xlsx import Sheet, TitleBlock, render_workbook

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"
ZIP_MIME = "application/zip"


@dataclass(frozen=True)
class ReportKind:
    kind: str
    title: str  # Russian title shown on buttons and in the workbook
    roles: frozenset[str]  # roles that may build it
    needs_scope: str | None  # what the code (--scope) names: 'territory', 'college' or nothing
    file_stem: str
    personal_data: bool = False


REPORT_KINDS: dict[str, ReportKind] = {
    k.kind: k
    for k in (
        ReportKind(
            "regional",
            "Региональный отчёт (форма гр.05–27, показатели)",
            frozenset({"ministry", "base_centre"}),
            None,
            "Региональный_отчёт",
        ),
        ReportKind(
            "territory",
            "Отчёт территориального управления",
            frozenset({"ministry", "territory", "base_centre"}),
            "territory",
            "Отчёт_ТУ",
        ),
        ReportKind(
            "scorecard",
            "Карточка ПОО",
            frozenset({"territory", "base_centre", "college"}),
            "college",
            "Карточка_ПОО",
        ),
        ReportKind(
            "rating",
            "Рейтинг эффективности ЦСТВ",
            frozenset({"ministry", "territory", "base_centre", "college"}),
            None,
            "Рейтинг_ЦСТВ",
        ),
        ReportKind(
            "risk_list",
            "Список группы риска (персональные данные)",
            frozenset({"base_centre", "college"}),
            "college",
            "Группа_риска",
            personal_data=True,
        ),
    )
}


def allowed_kinds(scope: Scope) -> list[ReportKind]:
    """The reports the role may build, in menu order."""
    return [k for k in REPORT_KINDS.values() if scope.role in k.roles]


def default_code(scope: Scope, kind: str) -> str | None:
    """The code a report names when the user gives none: a territory or a college user's own."""
    spec = REPORT_KINDS[kind]
    if spec.needs_scope is not None and spec.needs_scope == scope.role:
        return scope.code
    return None


def _safe_part(text: str) -> str:
    """A file-name fragment: letters (Cyrillic too), digits, '.', '-'; anything else becomes '_'."""
    cleaned = re.sub(r"[^\w.\-]+", "_", text, flags=re.UNICODE).strip("._")
    return cleaned[:40] or "без_кода"


def report_file_name(
    kind: str, cohort: int, as_of: dt.date, code: str | None = None, ext: str = "xlsx", *, draft: bool = False
) -> str:
    """E.g. «Карточка_ПОО_P001_2025_26.11.2026.xlsx», «ЧЕРНОВИК_Региональный_отчёт_2025_26.11.2026.xlsx»."""
    parts = (["ЧЕРНОВИК"] if draft else []) + [REPORT_KINDS[kind].file_stem]
    if code:
        parts.append(_safe_part(code))
    parts += [str(cohort), fmt_date(as_of)]
    return "_".join(parts) + "." + ext


def scorecards_zip_name(cohort: int, as_of: dt.date) -> str:
    return f"Карточки_ПОО_{cohort}_{fmt_date(as_of)}.zip"


def _spec(kind: str) -> ReportKind:
    if kind not in REPORT_KINDS:
        raise UserFacingError(f"Неизвестный вид отчёта «{kind}». Доступны: {', '.join(REPORT_KINDS)}.")
    return REPORT_KINDS[kind]


def check_access(cur: duckdb.DuckDBPyConnection, scope: Scope, kind: str, code: str | None) -> str | None:
    """Refuse what the role may not build; returns the territory or college code the report is about."""
    spec = _spec(kind)
    if scope.role not in spec.roles:
        raise ScopeError(f"Отчёт «{spec.title}» недоступен для роли «{ROLE_LABELS[scope.role]}».")
    code = (code or "").strip() or None
    if spec.needs_scope is None:
        if code is not None:
            raise UserFacingError(f"Для отчёта «{spec.title}» код территории или ПОО не указывается.")
        return None
    if spec.needs_scope == scope.role:
        if code is not None and code != scope.code:
            what = "другой территории" if scope.role == "territory" else "другой ПОО"
            raise ScopeError(f"Отчёт «{spec.title}» по {what} недоступен: вы видите только {scope.code}.")
        return scope.code
    if code is None:
        example = "TU01" if spec.needs_scope == "territory" else "P001"
        noun = "территориального управления" if spec.needs_scope == "territory" else "ПОО"
        raise UserFacingError(f"Для отчёта «{spec.title}» укажите код {noun} (--scope), например {example}.")
    if spec.needs_scope == "territory":
        found = cur.execute("SELECT count(*) FROM territories WHERE tu_code = ?", [code]).fetchall()[0][0]
        if not found:
            raise UserFacingError(f"Территориальное управление с кодом «{code}» не найдено.")
    else:
        found = cur.execute("SELECT count(*) FROM colleges WHERE college_code = ?", [code]).fetchall()[0][0]
        if not found:
            raise UserFacingError(f"ПОО с кодом «{code}» не найдена.")
        scope.check_college(cur, code)
    return code


def _check_cohort(cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int) -> None:
    if cohort not in engine.cohorts(cur, scope):
        raise UserFacingError(f"Нет данных о выпуске {cohort} г. в вашей зоне доступа.")


Builder = Callable[[ReportContext, str | None], tuple[TitleBlock, list[Sheet]]]
_BUILDERS: dict[str, Builder] = {
    "regional": regional.build,
    "territory": territory.build,
    "scorecard": scorecard.build,
    "rating": rating.build,
    "risk_list": risk_list.build,
}


DRAFT_KINDS = frozenset({"regional"})


def _render(ctx: ReportContext, kind: str, code: str | None, fmt: str) -> bytes:
    title, sheets = _BUILDERS[kind](ctx, code)
    if fmt == "csv":
        main = sheets[0].tables[0]
        keys = [c.key for c in main.columns]
        labels = {
            c.key: (f"{c.number} {c.label}" if c.number and c.number.startswith("гр.") else c.label)
            for c in main.columns
        }
        return to_csv_bytes(main.rows.select(keys), labels, notice=ctx.notice)
    return render_workbook(title, sheets, ctx.properties(title.report, title.subject))


def build_report(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    kind: str,
    cohort: int,
    as_of: dt.date,
    code: str | None = None,
    *,
    fmt: str = "xlsx",
    generated_at: dt.datetime | None = None,
    metric_values: pl.DataFrame | None = None,
    draft: bool = False,
) -> tuple[bytes, str]:
    """Build one report: (file bytes, file name). `fmt` 'csv' gives the main table as CSV;
    `metric_values` may pass criteria.college_metric_values(cur, cohort, as_of) already computed;
    `draft` (regional report only) gives the draft marked «ЧЕРНОВИК» with its violations sheet,
    whatever the control rules say.

    Raises ScopeError outside the role's scope and UserFacingError (Russian) for anything the user
    must fix, e.g. a failing control rule of the regional form (final report only).
    """
    data, name = render_report(
        cur,
        scope,
        kind,
        cohort,
        as_of,
        code,
        fmt=fmt,
        generated_at=generated_at,
        metric_values=metric_values,
        draft=draft,
    )
    spec = _spec(kind)
    # the base centre's regional draft lists the graduates behind the violations: personal data
    personal = spec.personal_data or (draft and scope.role == "base_centre")
    audit.record(
        cur,
        scope.username,
        scope.role,
        "download_pd" if personal else "download",
        f"{kind}:{code}" if code else kind,
        f"выпуск {cohort}, на {fmt_date(as_of)}, {'черновик, ' if draft else ''}файл {name}",
    )
    return data, name


def render_report(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    kind: str,
    cohort: int,
    as_of: dt.date,
    code: str | None = None,
    *,
    fmt: str = "xlsx",
    generated_at: dt.datetime | None = None,
    metric_values: pl.DataFrame | None = None,
    draft: bool = False,
) -> tuple[bytes, str]:
    """build_report without the audit entry: for callers that record their own (ops.reports, which
    registers an approved report in the same transaction as its audit entry)."""
    if fmt not in ("xlsx", "csv"):
        raise UserFacingError("Формат выгрузки: xlsx или csv.")
    _spec(kind)
    if draft and kind not in DRAFT_KINDS:
        raise UserFacingError("Черновик формируется только для регионального отчёта.")
    code = check_access(cur, scope, kind, code)
    _check_cohort(cur, scope, cohort)
    ctx = ReportContext(cur, scope, cohort, as_of, generated_at, metric_values=metric_values, draft=draft)
    data = _render(ctx, kind, code, fmt)
    return data, report_file_name(kind, cohort, as_of, code, fmt, draft=draft)


def regional_json(
    cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, as_of: dt.date
) -> dict[str, Any]:
    """`vypusk report regional --format json`: {"final", "violations", "rows"} (reports.regional.form_json)."""
    check_access(cur, scope, "regional", None)
    _check_cohort(cur, scope, cohort)
    return regional.form_json(ReportContext(cur, scope, cohort, as_of))


def regional_violations(
    cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, as_of: dt.date
) -> pl.DataFrame:
    """The failing control rules of the regional form (reports.regional.violations), for the page."""
    check_access(cur, scope, "regional", None)
    return regional.violations(regional.form_counts(ReportContext(cur, scope, cohort, as_of)))


def build_scorecards_zip(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    *,
    generated_at: dt.datetime | None = None,
    metric_values: pl.DataFrame | None = None,
) -> bytes:
    """Every college's scorecard (colleges with graduates of the cohort) in one zip, base centre only."""
    if scope.role != "base_centre":
        raise ScopeError("Архив карточек всех ПОО формирует только базовый центр.")
    _check_cohort(cur, scope, cohort)
    ctx = ReportContext(cur, scope, cohort, as_of, generated_at, bulk=True, metric_values=metric_values)
    codes = ctx.college_counts.sort(["name", "code"])["code"].to_list()
    buf = io.BytesIO()
    # the workbooks are zip archives already: stored as they are (deflating them again gains nothing)
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for code in codes:
            data = _render(ctx, "scorecard", code, "xlsx")
            info = zipfile.ZipInfo(
                report_file_name("scorecard", cohort, as_of, code), ctx.generated_at.timetuple()[:6]
            )
            info.compress_type = zipfile.ZIP_STORED
            zf.writestr(info, data)
    audit.record(
        cur,
        scope.username,
        scope.role,
        "download",
        "scorecards_zip",
        f"выпуск {cohort}, на {fmt_date(as_of)}, карточек: {len(codes)}, файл {scorecards_zip_name(cohort, as_of)}",
    )
    return buf.getvalue()


def control_problem(cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, as_of: dt.date) -> str | None:
    """The regional control rule's Russian message, or None when the regional report can be exported
    (the page checks it before offering the download: a deferred download cannot show an error)."""
    return regional.control_problem(ReportContext(cur, scope, cohort, as_of))


__all__ = [
    "CSV_MIME",
    "REPORT_KINDS",
    "XLSX_MIME",
    "ZIP_MIME",
    "ReportKind",
    "allowed_kinds",
    "build_report",
    "build_scorecards_zip",
    "check_access",
    "control_problem",
    "default_code",
    "regional_json",
    "regional_violations",
    "render_report",
    "report_file_name",
    "scorecards_zip_name",
    "to_csv_bytes",
]
