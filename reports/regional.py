"""Regional report for the ministry and the federal platform (domain.md §9).

Form: one block per college and specialty/profession, rows 01–05, federal columns гр.05–27:
  01 all graduates; 02 of them with ОВЗ; 03 инвалиды и дети-инвалиды; 04 целевое обучение;
  05 участники ФП «Профессионалитет» (our choice for the free row: the region reports on the
     federal project separately, and the flag is already in every graduation list).
Rows 02–05 are independent subsets of row 01 (a graduate can be counted in several of them).
гр.05 is the number of graduates; гр.06–27 count them by status (metrics.statuses.FEDERAL_COLUMNS).
`undetermined` and `unknown` have no federal column, so the control rule «гр.05 = сумма гр.06–27»
fails while any graduate has one of them: the export stops and names the rows to fix.
"""

from __future__ import annotations

import polars as pl

from data_layer.errors import UserFacingError
from metrics import engine
from metrics.formatting import fmt_int, plural
from metrics.statuses import BY_CODE, CODES, FEDERAL_COLUMNS, GROUP_LABELS
from reports.base import ReportContext, first_row
from reports.xlsx import Col, Sheet, Table, TitleBlock

TITLE = "Мониторинг трудоустройства выпускников ПОО: региональный отчёт"

# (row code, label, Boolean graduate attribute selecting the row; None = all graduates)
FORM_ROWS: tuple[tuple[str, str, str | None], ...] = (
    ("01", "Всего выпускников", None),
    ("02", "из них: лица с ОВЗ", "is_ovz"),
    ("03", "из них: инвалиды и дети-инвалиды", "is_disabled"),
    ("04", "из них: обучавшиеся по договору о целевом обучении", "is_target"),
    ("05", "из них: участники ФП «Профессионалитет»", "is_professionalitet"),
)
ROW_LABELS = {code: label for code, label, _ in FORM_ROWS}
FEDERAL_CODES: tuple[str, ...] = tuple(code for _, code in FEDERAL_COLUMNS)
NO_FEDERAL = ("undetermined", "unknown")
KEYS = ["college_code", "college_name", "program_code", "program_name"]
MAX_LISTED = 15

_CROSS_SQL = """
SELECT s.college_code, c.short_name AS college_name, s.program_code, p.name AS program_name,
       s.is_ovz, s.is_disabled, s.is_target, s.is_professionalitet, s.status, count(*) AS n
{from_}
WHERE s.cohort = ? AND s.valid_from <= ? AND s.valid_to > ? {where}
GROUP BY ALL
"""


def _status_columns(frame: pl.DataFrame) -> pl.DataFrame:
    missing = [c for c in CODES if c not in frame.columns]
    frame = frame.with_columns([pl.lit(0, dtype=pl.Int64).alias(c) for c in missing])
    frame = frame.with_columns([pl.col(c).fill_null(0).cast(pl.Int64) for c in CODES])
    return frame.with_columns(
        total=pl.sum_horizontal([pl.col(c) for c in CODES]).cast(pl.Int64),
        federal_sum=pl.sum_horizontal([pl.col(c) for c in FEDERAL_CODES]).cast(pl.Int64),
    )


def form_counts(ctx: ReportContext) -> pl.DataFrame:
    """Rows of the form for every (college, specialty) in scope and every row code 01–05.

    Columns: college_code, college_name, program_code, program_name, row_code, row_label,
    one Int64 column per status code, total (гр.05), federal_sum (гр.06–27), is_total (False).
    """
    where, params = engine.scope_where(ctx.cur, ctx.scope)
    long = ctx.cur.sql(
        _CROSS_SQL.format(from_=engine._FROM, where=where),
        params=[ctx.cohort, ctx.as_of, ctx.as_of, *params],
    ).pl()
    if long.is_empty():
        return _status_columns(
            pl.DataFrame(schema={k: pl.Utf8 for k in [*KEYS, "row_code", "row_label"]}).with_columns(
                is_total=pl.lit(False)
            )
        )
    pairs = long.select(KEYS).unique()
    parts = []
    for row_code, _, flag in FORM_ROWS:
        sub = long if flag is None else long.filter(pl.col(flag))
        agg = sub.group_by([*KEYS, "status"]).agg(pl.col("n").sum().cast(pl.Int64))
        wide = (
            agg.pivot(on="status", index=KEYS, values="n", aggregate_function="sum")
            if agg.height
            else pl.DataFrame(schema={k: pl.Utf8 for k in KEYS})
        )
        full = pairs.join(wide, on=KEYS, how="left").with_columns(row_code=pl.lit(row_code))
        parts.append(_status_columns(full).select([*KEYS, "row_code", *CODES, "total", "federal_sum"]))
    form = pl.concat(parts)
    return form.with_columns(
        row_label=pl.col("row_code").replace_strict(ROW_LABELS, return_dtype=pl.Utf8), is_total=pl.lit(False)
    )


def _sum_rows(form: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    return form.group_by([*keys, "row_code", "row_label"]).agg(
        [pl.col(c).sum().cast(pl.Int64) for c in [*CODES, "total", "federal_sum"]]
    )


def with_totals(form: pl.DataFrame) -> pl.DataFrame:
    """The college × specialty rows, a «Итого по ПОО» block after each college and the region total."""
    if form.is_empty():
        return form
    cols = form.columns
    per_college = _sum_rows(form, ["college_code", "college_name"]).with_columns(
        program_code=pl.lit(""), program_name=pl.lit("Итого по ПОО"), is_total=pl.lit(True)
    )
    region = _sum_rows(form, []).with_columns(
        college_code=pl.lit(""),
        college_name=pl.lit(f"Всего: {engine.REGION_NAME}"),
        program_code=pl.lit(""),
        program_name=pl.lit(""),
        is_total=pl.lit(True),
    )
    body = pl.concat([form.select(cols), per_college.select(cols)]).with_columns(
        _order=pl.col("is_total").cast(pl.Int8)
    )
    body = body.sort(["college_name", "college_code", "_order", "program_code", "row_code"]).drop("_order")
    return pl.concat([body, region.select(cols).sort("row_code")])


def region_summary(form: pl.DataFrame) -> pl.DataFrame:
    """Per specialty across the region (rows 01–05), then the region total."""
    if form.is_empty():
        return form
    by_program = _sum_rows(form, ["program_code", "program_name"]).with_columns(is_total=pl.lit(False))
    region = _sum_rows(form, []).with_columns(
        program_code=pl.lit(""), program_name=pl.lit(f"Всего: {engine.REGION_NAME}"), is_total=pl.lit(True)
    )
    cols = [
        "program_code",
        "program_name",
        "row_code",
        "row_label",
        *CODES,
        "total",
        "federal_sum",
        "is_total",
    ]
    return pl.concat(
        [by_program.select(cols).sort(["program_code", "row_code"]), region.select(cols).sort("row_code")]
    )


# ---------------------------------------------------------------- control rule


def control_violations(form: pl.DataFrame) -> pl.DataFrame:
    """Rows of the form where гр.05 ≠ сумма гр.06–27."""
    return form.filter(pl.col("total") != pl.col("federal_sum"))


def control_message(form: pl.DataFrame) -> str | None:
    """None when «гр.05 = сумма гр.06–27» holds in every row; else a Russian, actionable message
    naming the college/specialty rows and how many graduates lack a federal status."""
    bad = control_violations(form.filter(~pl.col("is_total")))
    if bad.is_empty():
        return None
    # Rows 02–05 are subsets of row 01: report each (college, specialty) once, with row 01's figures.
    per_pair = (
        bad.group_by(KEYS)
        .agg(pl.col("row_code").sort().alias("rows"))
        .join(form.filter(pl.col("row_code") == "01"), on=KEYS, how="left")
        .with_columns(missing=pl.col("total") - pl.col("federal_sum"))
        .sort(["missing", "college_name", "program_code"], descending=[True, False, False])
    )
    n_missing = int(per_pair["missing"].sum())
    n_undet = int(per_pair["undetermined"].sum())
    n_unknown = int(per_pair["unknown"].sum())
    n_rows = bad.height
    listed = []
    for r in per_pair.head(MAX_LISTED).iter_rows(named=True):
        listed.append(
            f"«{r['college_name']}» ({r['college_code']}), {r['program_code']} «{r['program_name']}», "
            f"{'строка' if len(r['rows']) == 1 else 'строки'} {', '.join(r['rows'])}: "
            f"гр.05 = {fmt_int(r['total'])}, сумма гр.06–27 = {fmt_int(r['federal_sum'])}, "
            f"без статуса — {fmt_int(r['missing'])}"
        )
    more = per_pair.height - len(listed)
    tail = (
        f"; и ещё {more} {plural(more, 'сочетание', 'сочетания', 'сочетаний')} ПОО и специальности"
        if more
        else ""
    )
    return (
        "Выгрузка остановлена: не выполняется контрольное соотношение «гр.05 = сумма гр.06–27» "
        f"в {n_rows} {plural(n_rows, 'строке', 'строках', 'строках')} формы "
        f"({per_pair.height} {plural(per_pair.height, 'сочетание', 'сочетания', 'сочетаний')} ПОО и специальности). "
        f"У {fmt_int(n_missing)} {plural(n_missing, 'выпускника', 'выпускников', 'выпускников')} нет статуса "
        f"из гр.06–27: «{BY_CODE['undetermined'].label}» — {fmt_int(n_undet)}, "
        f"«{BY_CODE['unknown'].label}» (статус не загружен) — {fmt_int(n_unknown)}. "
        f"Строки: {'; '.join(listed)}{tail}. "
        "Что сделать: ПОО указывают для этих выпускников статус из гр.06–27 — для не определившихся "
        "обычно одну из причин риска нетрудоустройства (гр.13–16) или, если занятость ожидается, "
        "прогнозный статус (гр.22–27) — и загружают обновлённый файл статусов; затем повторите "
        "выгрузку. Выпускники без статуса дольше N1 недель видны в списке группы риска своей ПОО."
    )


def check_control_rule(form: pl.DataFrame) -> None:
    msg = control_message(form)
    if msg is not None:
        raise UserFacingError(msg)


def control_problem(ctx: ReportContext) -> str | None:
    """The control-rule message for the request (None: the report can be exported)."""
    return control_message(form_counts(ctx))


# ---------------------------------------------------------------- sheets


def _federal_cols() -> list[Col]:
    cols = [Col("total", "Всего выпускников", "int", number="гр.05", width=8, rotate=True)]
    for fed, code in FEDERAL_COLUMNS:
        st = BY_CODE[code]
        group = GROUP_LABELS[st.group]
        cols.append(Col(code, st.label, "int", group=group, number=f"гр.{fed}", width=7, rotate=True))
    return cols


def _indicator_sheet(ctx: ReportContext) -> Sheet:
    rows = ctx.indicator_rows(first_row(ctx.region_counts))
    ind_table = Table(
        (
            Col("name", "Показатель"),
            Col("id", "Код"),
            Col("numerator", "Числитель", "int"),
            Col("denominator", "Знаменатель", "int"),
            Col("rate", "Значение", "pct"),
            Col("target", "Целевое значение", "pct"),
            Col("target_cohort", "Цель установлена для выпуска"),
            Col("deviation", "Отклонение от цели, п. п.", "pp"),
            Col("needed", "Трудоустроить ещё до цели, чел.", "int"),
        ),
        pl.DataFrame(rows),
        caption=f"Показатели по региону ({engine.REGION_NAME})",
    )
    head = ctx.headline
    tgt = ctx.target(head.id)
    target = tgt[0] if tgt else None
    by_tu = engine.indicator_table(ctx.cur, ctx.scope, ctx.cohort, ctx.as_of, head, "territory")
    by_tu = by_tu.with_columns(
        target=pl.lit(target, dtype=pl.Float64),
        deviation=(pl.col("rate") - pl.lit(target, dtype=pl.Float64)) * 100,
    )
    tu_table = Table(
        (
            Col("code", "Код ТУ"),
            Col("name", "Территориальное управление"),
            Col("total", "Всего выпускников", "int"),
            Col("numerator", "Числитель", "int"),
            Col("denominator", "Знаменатель", "int"),
            Col("rate", "Значение", "pct"),
            Col("target", "Целевое значение", "pct"),
            Col("deviation", "Отклонение, п. п.", "pp"),
        ),
        by_tu.sort("code"),
        caption=f"«{head.name}» по территориальным управлениям",
    )
    return Sheet("Показатели", (ind_table, tu_table), signature=True)


def sheets(ctx: ReportContext) -> list[Sheet]:
    """Build the sheets; raises UserFacingError when the control rule fails (nothing is written)."""
    form = form_counts(ctx)
    if form.is_empty():
        raise UserFacingError(f"Нет выпускников {ctx.cohort} г. в вашей зоне доступа: отчёт пуст.")
    check_control_rule(form)
    federal = _federal_cols()
    form_table = Table(
        (
            Col("college_code", "Код ПОО", number="А"),
            Col("college_name", "ПОО", number="Б", width=28),
            Col("program_code", "Код специальности, профессии", number="В", width=12),
            Col("program_name", "Специальность, профессия", number="Г", width=34),
            Col("row_code", "№ строки", number="Д", width=7),
            Col("row_label", "Категория выпускников", number="Е", width=46),
            *federal,
        ),
        with_totals(form),
        emphasis="is_total",
        note="Контрольное соотношение «гр.05 = сумма гр.06–27» выполнено во всех строках.",
    )
    summary_table = Table(
        (
            Col("program_code", "Код специальности, профессии", number="А", width=12),
            Col("program_name", "Специальность, профессия", number="Б", width=34),
            Col("row_code", "№ строки", number="В", width=7),
            Col("row_label", "Категория выпускников", number="Г", width=46),
            *federal,
        ),
        region_summary(form),
        emphasis="is_total",
    )
    return [
        Sheet("Форма по ПОО", (form_table,), freeze_cols=6, signature=True, paper=8),
        Sheet("Свод по региону", (summary_table,), freeze_cols=4, signature=True, paper=8),
        _indicator_sheet(ctx),
    ]


def title_subject(ctx: ReportContext) -> str:
    return f"{engine.REGION_NAME}: все ПОО, выпуск {ctx.cohort} г."


def build(ctx: ReportContext, code: str | None = None) -> tuple[TitleBlock, list[Sheet]]:
    built = sheets(ctx)
    return ctx.title(TITLE, title_subject(ctx)), built
