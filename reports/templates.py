"""Import templates (data_contract §3–7) as Excel workbooks a user fills in and uploads back.

- `weekly_status_template`: «шаблон на неделю» — a college's graduates under monitoring with their
  current statuses; uploaded back unchanged it is a valid status snapshot for the week's date.
- `graduation_list_template`: the college's stored graduation list of a cohort, to correct and resend.
- `blank_template(kind)`: the headers of any kind with drop-downs, for the «Шаблоны» page.

Each workbook: the data sheet first (the importer reads the first sheet whose headers match),
then «Инструкция», then a hidden «Списки» sheet the drop-downs refer to. Key columns (who the row
is about, the college, the snapshot date) are locked; the sheet is protected without a password
(the protection prevents accidents, it is not a security boundary).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from data_layer import audit, roster
from data_layer.importer.kinds import KINDS, SPEC_BY_KIND, SPECS, Column
from data_layer.scope import Scope
from data_layer.statuses import BY_CODE, IMPORTABLE_CODES

EXTRA_ROWS = 300  # unlocked, validated empty rows below the data for additions
YES_NO = ("да", "нет")

# The order in which a fresh database is filled: every kind after the kinds it refers to.
LOAD_ORDER: tuple[str, ...] = tuple(s.kind for s in SPECS)
_NEEDS: dict[str, str] = {
    "territories": "ничего (загружается первым)",
    "municipalities": "«Территориальные управления»",
    "colleges": "«Муниципальные образования»",
    "programs": "ничего",
    "graduates": "«ПОО» и «Специальности и профессии»",
    "statuses": "«Фактический выпуск» этой ПОО (статусы принимаются только для выпускников из списка)",
    "ufns": "ничего (СНИЛС сопоставляются со списками выпуска при расчёте)",
    "czn": "ничего",
    "frdo": "«ПОО»",
    "events": "«ПОО»",
    "career_tracks": "«ПОО»",
    "army_returns": "ничего (СНИЛС сопоставляются со списками выпуска при расчёте)",
    "vacancies": "«Муниципальные образования»",
    "czn_answers": "«Фактический выпуск»",
}


def load_order_notes() -> list[tuple[int, str, str, str]]:
    """(step, kind, Russian label, what must be loaded before it) in load order."""
    return [(i + 1, k, KINDS[k], _NEEDS.get(k, "—")) for i, k in enumerate(LOAD_ORDER)]


@dataclass(frozen=True)
class TemplateColumn:
    header: str
    width: float = 16
    locked: bool = False
    kind: str = "text"  # text | date | list
    options: tuple[str, ...] = ()  # for kind == "list"
    required: bool = False


def _status_labels() -> tuple[str, ...]:
    return tuple(BY_CODE[c].label for c in IMPORTABLE_CODES)


def _choice_options(col: Column) -> tuple[str, ...]:
    if col.type == "bool":
        return YES_NO
    return tuple(col.choices or ())


def _spec_columns(kind: str, locked: Sequence[str] = ()) -> list[TemplateColumn]:
    spec = SPEC_BY_KIND[kind]
    out = []
    for col in spec.columns:
        if col.field == "fio_info":
            continue
        if col.field == "status":
            out.append(TemplateColumn(col.header, 44, False, "list", _status_labels(), True))
        elif col.type in ("choice", "bool"):
            out.append(
                TemplateColumn(
                    col.header, 18, col.field in locked, "list", _choice_options(col), col.required
                )
            )
        elif col.type == "date":
            out.append(TemplateColumn(col.header, 14, col.field in locked, "date", (), col.required))
        else:
            width = 16 if col.type in ("snils", "code", "int", "float") else 24
            out.append(TemplateColumn(col.header, width, col.field in locked, "text", (), col.required))
    return out


def _cell(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, bool):
        return "да" if value else "нет"
    return value


def _formats(book: xlsxwriter.Workbook) -> dict[object, Any]:
    return {
        "head": book.add_format({"bold": True, "bg_color": "#D9E2F3", "border": 1, "text_wrap": True}),
        "head_req": book.add_format({"bold": True, "bg_color": "#F8CBAD", "border": 1, "text_wrap": True}),
        (False, "text"): book.add_format({"locked": False, "num_format": "@"}),
        (True, "text"): book.add_format({"locked": True, "num_format": "@", "bg_color": "#EDEDED"}),
        (False, "date"): book.add_format({"locked": False, "num_format": "dd.mm.yyyy"}),
        (True, "date"): book.add_format({"locked": True, "num_format": "dd.mm.yyyy", "bg_color": "#EDEDED"}),
        (False, "list"): book.add_format({"locked": False}),
        (True, "list"): book.add_format({"locked": True, "bg_color": "#EDEDED"}),
    }


def _validation(ws: Worksheet, lists: Worksheet, c: int, col: TemplateColumn, last: int) -> None:
    """The drop-down of a list column (its options on the hidden «Списки» sheet) or a date check."""
    if col.kind == "list" and col.options:
        for r, opt in enumerate(col.options):
            lists.write_string(r, c, opt)
        letter = xlsxwriter.utility.xl_col_to_name(c)
        ws.data_validation(
            1,
            c,
            last,
            c,
            {
                "validate": "list",
                "source": f"=Списки!${letter}$1:${letter}${len(col.options)}",
                "error_title": "Значение не из списка",
                "error_message": "Выберите значение из раскрывающегося списка.",
            },
        )
    elif col.kind == "date" and not col.locked:
        ws.data_validation(
            1,
            c,
            last,
            c,
            {
                "validate": "date",
                "criteria": "between",
                "minimum": dt.date(1950, 1, 1),
                "maximum": dt.date(2100, 12, 31),
                "error_title": "Дата",
                "error_message": "Введите дату в виде ДД.ММ.ГГГГ.",
            },
        )


def _write_rows(
    ws: Worksheet, columns: Sequence[TemplateColumn], rows: Sequence[Sequence[object]], fmt: dict[object, Any]
) -> None:
    for r, row in enumerate(rows, start=1):
        for c, (col, value) in enumerate(zip(columns, row, strict=True)):
            v = _cell(value)
            f = fmt[(col.locked, col.kind)]
            if v is None:
                ws.write_blank(r, c, None, f)
            elif isinstance(v, dt.date):
                ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), f)
            elif isinstance(v, int | float):
                ws.write_number(r, c, v, f)
            else:
                ws.write_string(r, c, str(v), f)


def write_workbook(
    sheet_title: str,
    columns: Sequence[TemplateColumn],
    rows: Sequence[Sequence[object]],
    instructions: Sequence[str],
    *,
    protect: bool,
) -> bytes:
    """The template workbook: data sheet, «Инструкция», hidden «Списки» (drop-down sources)."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(
        buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    book.set_properties({"title": sheet_title, "author": "«Выпускник»", "created": dt.datetime(2026, 1, 1)})
    fmt = _formats(book)
    ws = book.add_worksheet(sheet_title[:31])
    info = book.add_worksheet("Инструкция")
    lists = book.add_worksheet("Списки")
    last = len(rows) + EXTRA_ROWS
    for c, col in enumerate(columns):
        ws.write_string(0, c, col.header, fmt["head_req"] if col.required else fmt["head"])
        ws.set_column(c, c, col.width, fmt[(col.locked, col.kind)])
        _validation(ws, lists, c, col, last)
    _write_rows(ws, columns, rows, fmt)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
    if protect:
        ws.protect(
            "",
            {
                "autofilter": True,
                "sort": True,
                "format_columns": True,
                "format_rows": True,
                "insert_rows": False,
            },
        )
    info.set_column(0, 0, 110)
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    info.write_string(0, 0, sheet_title, book.add_format({"bold": True, "font_size": 13}))
    for r, line in enumerate(instructions, start=2):
        info.write_string(r, 0, line, wrap)
    lists.hide()
    book.close()
    return buf.getvalue()


# ---------------------------------------------------------------- the weekly status template

_STATUS_LOCKED = ("snils", "doc_number", "college_code", "snapshot_date")


def _status_columns() -> list[TemplateColumn]:
    cols = _spec_columns("statuses", locked=_STATUS_LOCKED)
    by_header = {c.header: c for c in cols}
    order = [
        "СНИЛС",
        "Номер документа",
        "ФИО",
        "Код ПОО",
        "Дата актуализации",
        "Статус",
        "Дата начала статуса",
        "По специальности",
        "ИНН работодателя",
        "Работодатель",
        "Муниципалитет трудоустройства",
        "Карьерный трек",
        "Дата увольнения с военной службы",
        "Меры поддержки",
    ]
    fio = TemplateColumn("ФИО", 34, True)
    return [fio if h == "ФИО" else by_header[h] for h in order]


def weekly_status_rows(roster_frame: pl.DataFrame, college: str, snapshot: dt.date) -> list[list[object]]:
    """One template row per graduate: keys locked, the current status fields pre-filled."""
    labels = {c: BY_CODE[c].label for c in IMPORTABLE_CODES}
    out: list[list[object]] = []
    for r in roster_frame.iter_rows(named=True):
        fio = " ".join(p for p in (r["last_name"], r["first_name"], r["middle_name"]) if p)
        foreign = r["snils"] is None
        out.append(
            [
                r["snils"],
                r["doc_number"] if foreign else None,
                fio,
                college,
                snapshot,
                labels.get(r["status"] or ""),
                r["status_start"],
                r["by_specialty"] if r["status"] else None,
                r["employer_inn"],
                r["employer_name"],
                r["work_municipality"],
                r["career_track"],
                r["discharge_date"],
                r["support_measures"],
            ]
        )
    return out


def weekly_status_template(
    cur: duckdb.DuckDBPyConnection, scope: Scope, college: str, snapshot: dt.date
) -> bytes:
    """The college's weekly template for the snapshot dated `snapshot` (scope-checked, audited)."""
    frame = roster.monitored_roster(cur, scope, college, snapshot)
    rows = weekly_status_rows(frame, college, snapshot)
    missing = sum(1 for r in rows if r[5] is None)
    notes = [
        f"ПОО {college}: выпускники, которые находятся на мониторинге на {snapshot:%d.%m.%Y} "
        f"({len(rows)} чел.), с их текущими статусами из последнего принятого среза.",
        "1. Проверьте и при необходимости измените «Статус» (раскрывающийся список) и остальные сведения "
        "о выпускнике. Серые столбцы (СНИЛС, ФИО, код ПОО, дата актуализации) изменить нельзя.",
        "2. Сохраните файл (формат xlsx, имя любое) и загрузите его на странице «Загрузка данных»: "
        "система покажет, что изменится, и попросит подтвердить.",
        "3. Файл, загруженный без изменений, тоже принимается: это подтверждение, что за неделю "
        "статусы не изменились (срез на дату актуализации).",
        "Столбцы с розовым заголовком обязательны. «По специальности» — да/нет, имеет смысл для работы.",
        "«Муниципалитет трудоустройства» — ОКТМО или название; «за пределами области» допускается.",
    ]
    if missing:
        notes.append(
            f"У {missing} выпускников ещё нет статуса: ячейка «Статус» пуста, заполните её — "
            "без статуса файл не будет принят."
        )
    data = write_workbook("Статусы", _status_columns(), rows, notes, protect=True)
    audit.record(
        cur, scope.username, scope.role, "download_pd", f"Шаблон статусов {college}", f"{snapshot:%d.%m.%Y}"
    )
    return data


# ---------------------------------------------------------------- the graduation list

_GRAD_ORDER = (
    "snils last_name first_name middle_name birth_date sex college_code program_code study_form "
    "graduation_date is_target is_ovz is_disabled is_professionalitet diploma_reg_no is_foreign doc_number"
).split()


def _graduate_columns(programs: list[str]) -> list[TemplateColumn]:
    spec = SPEC_BY_KIND["graduates"]
    base = {c.header: c for c in _spec_columns("graduates")}
    out = []
    for f in _GRAD_ORDER:
        col = base[spec.columns_by_field[f].header]
        if f == "program_code" and programs:
            col = TemplateColumn(col.header, 16, False, "list", tuple(programs), True)
        out.append(col)
    return out


def graduation_list_template(
    cur: duckdb.DuckDBPyConnection, scope: Scope, college: str, cohort: int
) -> bytes:
    """The stored graduation list of (college, cohort) in the contract's columns (scope-checked, audited)."""
    frame = roster.graduation_list(cur, scope, college, cohort)
    programs = [code for code, _ in roster.program_codes(cur)]
    rows = [[r[f] for f in _GRAD_ORDER] for r in frame.iter_rows(named=True)]
    notes = [
        f"Список фактического выпуска ПОО {college}, выпуск {cohort} ({len(rows)} чел.), как он хранится в системе.",
        "Исправьте сведения, добавьте недостающих выпускников в пустые строки ниже, удалите строки тех, "
        "кого в выпуске нет. Загруженный файл заменит список (ПОО, выпуск) целиком: перед заменой система "
        "покажет, кто добавится, изменится и выбудет, и попросит подтвердить.",
        "Статусы выпускников, оставшихся в списке, сохраняются.",
        "Столбцы с розовым заголовком обязательны. Для иностранного гражданина без СНИЛС: "
        "«Иностранный гражданин без СНИЛС» = да и «Номер документа».",
    ]
    data = write_workbook("Выпуск", _graduate_columns(programs), rows, notes, protect=False)
    audit.record(cur, scope.username, scope.role, "download_pd", f"Список выпуска {college}", str(cohort))
    return data


# ---------------------------------------------------------------- blank templates of every kind


def blank_template(kind: str) -> bytes:
    """Headers of `kind` (required ones highlighted) with drop-downs and instructions; no data."""
    spec = SPEC_BY_KIND[kind]
    cols = _spec_columns(kind)
    step = LOAD_ORDER.index(kind) + 1
    notes = [
        f"Вид файла: «{spec.label}». Порядок загрузки: шаг {step} из {len(LOAD_ORDER)}; "
        f"перед ним должно быть загружено: {_NEEDS.get(kind, '—')}.",
        "Заполните строки под заголовком. Столбцы с розовым заголовком обязательны, остальные — по желанию. "
        "Даты — ДД.ММ.ГГГГ, да/нет — из списка.",
        "Файл проверяется целиком: при любой ошибке не сохраняется ничего, а вы получаете полный список ошибок.",
    ]
    return write_workbook(spec.label[:31], cols, [], notes, protect=False)
