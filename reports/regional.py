"""Regional report for the ministry and the federal platform (docs/domain.md §9, issue 11 items 2–3).

Form: one block per college and specialty/profession with the five rows of the federal form,
columns гр.05 (number of graduates) and гр.06–27 (graduates by status, metrics.statuses):
  01 всего;
  02 лица с ОВЗ;
  03 из них (из стр.02) инвалиды и дети-инвалиды — ОВЗ and disability;
  04 инвалиды и дети-инвалиды, не вошедшие в стр.03 — disability without ОВЗ;
  05 обучавшиеся по договору о целевом обучении.
Профессионалитет is not a row of the form: it is a separate breakdown sheet.

Control rules (RULES), checked on every college × specialty block:
  sum_05_27   гр.05 = сумма гр.06–27 on every row (fails while a graduate is «Не определился» or
              has no status: those have no federal column);
  r03_le_r02  стр.03 ≤ стр.02, r02_le_r01 / r04_le_r01 / r05_le_r01  стр.02, 04, 05 ≤ стр.01,
              in every column гр.05–27.
While a rule fails, only a draft can be exported: every sheet marked «ЧЕРНОВИК» plus a sheet of
violations (for the base centre with the graduates who cause them). The final report needs every
rule to pass; the base centre approves and registers it (ops.reports).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from data_layer.errors import UserFacingError
from data_layer.graduates import graduates_with_status
from metrics import engine
from metrics.formatting import fmt_int, plural
from metrics.statuses import BY_CODE, CODES, FEDERAL_COLUMNS, GROUP_LABELS
from reports.base import ReportContext, first_row
from reports.xlsx import Col, Sheet, Table, TitleBlock

TITLE = "Мониторинг трудоустройства выпускников ПОО: региональный отчёт"
DRAFT_MARK = "ЧЕРНОВИК"

_OVZ = pl.col("is_ovz")
_DIS = pl.col("is_disabled")

# (row code, label, graduates of the block the row counts)
FORM_ROWS: tuple[tuple[str, str, pl.Expr], ...] = (
    ("01", "Всего выпускников", pl.lit(True)),
    ("02", "Лица с ОВЗ", _OVZ),
    ("03", "из них (из стр.02) инвалиды и дети-инвалиды", _OVZ & _DIS),
    ("04", "Инвалиды и дети-инвалиды, не вошедшие в стр.03 (без ОВЗ)", _DIS & ~_OVZ),
    ("05", "Обучавшиеся по договору о целевом обучении", pl.col("is_target")),
)
ROW_CODES: tuple[str, ...] = tuple(code for code, _, _ in FORM_ROWS)
ROW_LABELS = {code: label for code, label, _ in FORM_ROWS}
PROF_LABEL = "Участники ФП «Профессионалитет»"
FEDERAL_CODES: tuple[str, ...] = tuple(code for _, code in FEDERAL_COLUMNS)
# JSON / form column number -> frame column: "05" is the number of graduates
COLUMN_KEYS: dict[str, str] = {"05": "total"} | {fed: code for fed, code in FEDERAL_COLUMNS}
NO_FEDERAL = ("undetermined", "unknown")
KEYS = ["college_code", "college_name", "program_code", "program_name"]
MAX_LISTED = 15


@dataclass(frozen=True)
class Rule:
    rule_id: str
    text: str  # Russian, as printed in the form's instructions
    left: str  # the row on the rule's left
    right: str | None  # the row it is compared with (None: the sum rule within the row)


RULES: tuple[Rule, ...] = (
    Rule("sum_05_27", "гр.05 = сумма гр.06–27", "", None),
    Rule("r03_le_r02", "стр.03 ≤ стр.02", "03", "02"),
    Rule("r02_le_r01", "стр.02 ≤ стр.01", "02", "01"),
    Rule("r04_le_r01", "стр.04 ≤ стр.01", "04", "01"),
    Rule("r05_le_r01", "стр.05 ≤ стр.01", "05", "01"),
)
RULE_TEXT = {r.rule_id: r.text for r in RULES}

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


def _empty_form() -> pl.DataFrame:
    return _status_columns(
        pl.DataFrame(schema={k: pl.Utf8 for k in [*KEYS, "row_code", "row_label"]}).with_columns(
            is_total=pl.lit(False)
        )
    )


def _cross(ctx: ReportContext) -> pl.DataFrame:
    """(college, specialty, row flags, status) -> graduates at the as-of date, within the scope."""
    where, params = engine.scope_where(ctx.cur, ctx.scope)
    return ctx.cur.sql(
        _CROSS_SQL.format(from_=engine._FROM, where=where),
        params=[ctx.cohort, ctx.as_of, ctx.as_of, *params],
    ).pl()


def _rows_of(
    long: pl.DataFrame, rows: tuple[tuple[str, str, pl.Expr], ...], pairs: pl.DataFrame
) -> pl.DataFrame:
    parts = []
    for row_code, label, selects in rows:
        sub = long.filter(selects)
        agg = sub.group_by([*KEYS, "status"]).agg(pl.col("n").sum().cast(pl.Int64))
        wide = (
            agg.pivot(on="status", index=KEYS, values="n", aggregate_function="sum")
            if agg.height
            else pl.DataFrame(schema={k: pl.Utf8 for k in KEYS})
        )
        full = pairs.join(wide, on=KEYS, how="left").with_columns(
            row_code=pl.lit(row_code), row_label=pl.lit(label)
        )
        parts.append(
            _status_columns(full).select([*KEYS, "row_code", "row_label", *CODES, "total", "federal_sum"])
        )
    return pl.concat(parts).with_columns(is_total=pl.lit(False)).sort([*KEYS[:1], "program_code", "row_code"])


def form_counts(ctx: ReportContext) -> pl.DataFrame:
    """Rows of the form for every (college, specialty) in scope and every row code 01–05, zeros
    included. Columns: college_code, college_name, program_code, program_name, row_code, row_label,
    one Int64 column per status code, total (гр.05), federal_sum (гр.06–27), is_total (False)."""
    long = _cross(ctx)
    if long.is_empty():
        return _empty_form()
    return _rows_of(long, FORM_ROWS, long.select(KEYS).unique())


def professionalitet_counts(ctx: ReportContext) -> pl.DataFrame:
    """The Профессионалитет breakdown: one row per (college, specialty) with participants, in the
    form's columns (not a row of the federal form)."""
    long = _cross(ctx).filter(pl.col("is_professionalitet"))
    if long.is_empty():
        return _empty_form()
    return _rows_of(long, (("П", PROF_LABEL, pl.lit(True)),), long.select(KEYS).unique())


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


# ---------------------------------------------------------------- control rules

VIOLATION_SCHEMA: dict[str, Any] = {
    "college_code": pl.Utf8,
    "college_name": pl.Utf8,
    "program_code": pl.Utf8,
    "program_name": pl.Utf8,
    "row": pl.Utf8,
    "rule": pl.Utf8,
    "rule_text": pl.Utf8,
    "left": pl.Int64,
    "right": pl.Int64,
    "excess": pl.Int64,
    "message": pl.Utf8,
}


def _gr(fed: str) -> str:
    return f"гр.{fed}"


def violations(form: pl.DataFrame) -> pl.DataFrame:
    """Every failing rule in every college × specialty block (total rows are not checked: they are
    sums of the blocks). Columns: VIOLATION_SCHEMA; `left` and `right` are the compared numbers
    (for sum_05_27 гр.05 and the sum of гр.06–27, else the first failing column of both rows),
    `excess` how many graduates the left side has too many."""
    blocks = form.filter(~pl.col("is_total")) if "is_total" in form.columns else form
    blocks = _suspect_blocks(blocks.with_columns([pl.col(k).fill_null("") for k in KEYS]))
    out: list[dict[str, Any]] = []
    by_block: dict[tuple[str, ...], dict[str, dict[str, Any]]] = {}
    for r in blocks.iter_rows(named=True):
        by_block.setdefault(tuple(r[k] or "" for k in KEYS), {})[r["row_code"]] = r
    for key, rows in sorted(by_block.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2])):
        ids = dict(zip(KEYS, key, strict=True))
        where = (
            f"«{ids['college_name']}» ({ids['college_code']}), {ids['program_code']} «{ids['program_name']}»"
        )
        for code in ROW_CODES:
            row = rows.get(code)
            if row is not None and (bad_sum := _sum_violation(where, code, row)) is not None:
                out.append(ids | bad_sum)
        for rule in RULES[1:]:
            left, right = rows.get(rule.left), rows.get(rule.right or "")
            if (
                left is not None
                and right is not None
                and (bad_rows := _row_violation(where, rule, left, right))
            ):
                out.append(ids | bad_rows)
    return pl.DataFrame(out, schema=VIOLATION_SCHEMA)


def _suspect_blocks(blocks: pl.DataFrame) -> pl.DataFrame:
    """The rows of the blocks where some rule may fail, found set-wise (the federal form has ~15 000
    blocks, a handful failing): a row whose гр.05 differs from the sum of гр.06–27, or a rule's
    left row above its right row in some column. The rules are then checked block by block."""
    cols = list(COLUMN_KEYS.values())
    fed_sum = pl.sum_horizontal([pl.col(c) for c in FEDERAL_CODES])
    suspects = [blocks.filter(pl.col("total") != fed_sum).select(KEYS)]
    for rule in RULES[1:]:
        left = blocks.filter(pl.col("row_code") == rule.left).select(*KEYS, *cols)
        right = blocks.filter(pl.col("row_code") == rule.right).select(*KEYS, *cols)
        pairs = left.join(right, on=KEYS, how="inner", suffix="_r")
        suspects.append(
            pairs.filter(pl.any_horizontal([pl.col(c) > pl.col(f"{c}_r") for c in cols])).select(KEYS)
        )
    return blocks.join(pl.concat(suspects).unique(), on=KEYS, how="semi", maintain_order="left")


def _sum_violation(where: str, code: str, row: dict[str, Any]) -> dict[str, Any] | None:
    """Rule sum_05_27 in one row of a block («гр.05 = сумма гр.06–27»), None when it holds."""
    fed_sum = sum(int(row[c]) for c in FEDERAL_CODES)
    if int(row["total"]) == fed_sum:
        return None
    missing = int(row["total"]) - fed_sum
    return {
        "row": code,
        "rule": "sum_05_27",
        "rule_text": RULE_TEXT["sum_05_27"],
        "left": int(row["total"]),
        "right": fed_sum,
        "excess": missing,
        "message": (
            f"{where}, стр.{code}: гр.05 = {fmt_int(int(row['total']))}, "
            f"сумма гр.06–27 = {fmt_int(fed_sum)}"
            + (
                f": у {fmt_int(missing)} "
                f"{plural(missing, 'выпускника', 'выпускников', 'выпускников')} нет статуса "
                f"из гр.06–27 («{BY_CODE['undetermined'].label}» — "
                f"{fmt_int(int(row.get('undetermined') or 0))}, «{BY_CODE['unknown'].label}» — "
                f"{fmt_int(int(row.get('unknown') or 0))})"
                if missing > 0
                else ""
            )
            + "."
        ),
    }


def _row_violation(
    where: str, rule: Rule, left: dict[str, Any], right: dict[str, Any]
) -> dict[str, Any] | None:
    """A rule between two rows of a block (стр.03 ≤ стр.02, ...), checked column by column; None
    when it holds in every column."""
    bad = [fed for fed, col in COLUMN_KEYS.items() if int(left[col]) > int(right[col])]
    if not bad:
        return None
    first = COLUMN_KEYS[bad[0]]
    cols_text = ", ".join(
        f"{_gr(f)}: {fmt_int(int(left[COLUMN_KEYS[f]]))} > {fmt_int(int(right[COLUMN_KEYS[f]]))}" for f in bad
    )
    return {
        "row": rule.left,
        "rule": rule.rule_id,
        "rule_text": rule.text,
        "left": int(left[first]),
        "right": int(right[first]),
        "excess": int(left[first]) - int(right[first]),
        "message": f"{where}: не выполняется «{rule.text}» ({cols_text}).",
    }


def control_message(form: pl.DataFrame, bad: pl.DataFrame | None = None) -> str | None:
    """None when every rule holds; else a Russian, actionable message naming the college/specialty
    blocks, the rules and how many graduates lack a federal status (`bad`: violations(form), if known)."""
    bad = violations(form) if bad is None else bad
    if bad.is_empty():
        return None
    parts: list[str] = []
    sums = bad.filter(pl.col("rule") == "sum_05_27")
    if not sums.is_empty():
        # Rows 02–05 are subsets of row 01: report each (college, specialty) once, with row 01's figures.
        per_pair = (
            sums.group_by(KEYS)
            .agg(pl.col("row").sort().alias("rows"))
            .join(form.filter(pl.col("row_code") == "01"), on=KEYS, how="left")
            .with_columns(missing=pl.col("total") - pl.col("federal_sum"))
            .sort(["missing", "college_name", "program_code"], descending=[True, False, False])
        )
        n_missing = int(per_pair["missing"].sum())
        n_undet = int(per_pair["undetermined"].sum())
        n_unknown = int(per_pair["unknown"].sum())
        n_rows = sums.height
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
        parts.append(
            "не выполняется контрольное соотношение «гр.05 = сумма гр.06–27» "
            f"в {n_rows} {plural(n_rows, 'строке', 'строках', 'строках')} формы "
            f"({per_pair.height} {plural(per_pair.height, 'сочетание', 'сочетания', 'сочетаний')} ПОО и специальности). "
            f"У {fmt_int(n_missing)} {plural(n_missing, 'выпускника', 'выпускников', 'выпускников')} нет статуса "
            f"из гр.06–27: «{BY_CODE['undetermined'].label}» — {fmt_int(n_undet)}, "
            f"«{BY_CODE['unknown'].label}» (статус не загружен) — {fmt_int(n_unknown)}. "
            f"Строки: {'; '.join(listed)}{tail}. "
            "Что сделать: ПОО указывают для этих выпускников статус из гр.06–27 — для не определившихся "
            "обычно одну из причин риска нетрудоустройства (гр.13–16) или, если занятость ожидается, "
            "прогнозный статус (гр.22–27) — и загружают обновлённый файл статусов; затем повторите "
            "выгрузку. Выпускники без статуса дольше N1 недель видны в списке группы риска своей ПОО"
        )
    others = bad.filter(pl.col("rule") != "sum_05_27")
    if not others.is_empty():
        parts.append(
            "не выполняются соотношения строк: "
            + " ".join(others.head(MAX_LISTED)["message"].to_list())
            + (f" И ещё {others.height - MAX_LISTED}." if others.height > MAX_LISTED else "")
        )
    return (
        "Выгрузка остановлена: "
        + "; ".join(parts)
        + ". Черновик с листом нарушений можно скачать (в командной строке — с ключом --draft)."
    )


def check_control_rule(form: pl.DataFrame, bad: pl.DataFrame | None = None) -> None:
    msg = control_message(form, bad)
    if msg is not None:
        raise UserFacingError(msg)


def control_problem(ctx: ReportContext) -> str | None:
    """The control-rule message for the request (None: the final report can be exported)."""
    return control_message(form_counts(ctx))


def violation_graduates(ctx: ReportContext, bad: pl.DataFrame) -> pl.DataFrame:
    """For the base centre: the graduates behind the failing «гр.05 = сумма гр.06–27» rows (status
    without a federal column), one row per graduate with the block and the form rows they are in."""
    blocks = bad.filter(pl.col("rule") == "sum_05_27").select("college_code", "program_code").unique()
    people = graduates_with_status(ctx.cur, ctx.scope, ctx.cohort, ctx.as_of, list(NO_FEDERAL))
    people = people.join(blocks, on=["college_code", "program_code"], how="semi")
    rows_expr = pl.concat_str(
        [pl.lit("01")]
        + [pl.when(sel).then(pl.lit(", " + code)).otherwise(pl.lit("")) for code, _, sel in FORM_ROWS[1:]]
    )
    return people.with_columns(form_rows=rows_expr).select(
        "college_code", "program_code", "form_rows", "fio", "snils_masked", "status_label"
    )


# ---------------------------------------------------------------- JSON (vypusk report regional --format json)


def form_json(ctx: ReportContext) -> dict[str, Any]:
    """The form's content as `vypusk report regional --format json` prints it: final (no rule
    fails), violations, rows (every college × specialty block with rows 01–05, zeros included, then
    the regional total rows with "college": null and "program": null)."""
    form = form_counts(ctx)
    bad = violations(form)
    rows: list[dict[str, Any]] = []

    def columns(r: dict[str, Any]) -> dict[str, int]:
        return {fed: int(r[col]) for fed, col in COLUMN_KEYS.items()}

    for r in form.sort(["college_code", "program_code", "row_code"]).iter_rows(named=True):
        rows.append(
            {
                "college": r["college_code"],
                "program": r["program_code"],
                "row": r["row_code"],
                "columns": columns(r),
            }
        )
    if not form.is_empty():
        for r in _sum_rows(form, []).sort("row_code").iter_rows(named=True):
            rows.append({"college": None, "program": None, "row": r["row_code"], "columns": columns(r)})
    return {
        "final": bad.is_empty(),
        "violations": [
            {
                "college": v["college_code"],
                "program": v["program_code"],
                "row": v["row"],
                "rule": v["rule"],
                "message": v["message"],
            }
            for v in bad.iter_rows(named=True)
        ],
        "rows": rows,
    }


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


def _violation_sheet(ctx: ReportContext, bad: pl.DataFrame) -> Sheet:
    table = Table(
        (
            Col("college_code", "Код ПОО"),
            Col("college_name", "ПОО", width=28),
            Col("program_code", "Код специальности, профессии", width=12),
            Col("program_name", "Специальность, профессия", width=30),
            Col("row", "№ строки", width=7),
            Col("rule_text", "Контрольное соотношение", width=22),
            Col("left", "Левая часть", "int"),
            Col("right", "Правая часть", "int"),
            Col("excess", "Расхождение", "int"),
            Col("message", "Описание", width=60),
        ),
        bad,
        caption="Нарушения контрольных соотношений формы",
        empty_text="Все контрольные соотношения выполнены.",
    )
    tables = [table]
    if ctx.scope.sees_personal_data and ctx.scope.role == "base_centre" and not bad.is_empty():
        people = violation_graduates(ctx, bad)
        tables.append(
            Table(
                (
                    Col("college_code", "Код ПОО"),
                    Col("program_code", "Код специальности, профессии", width=12),
                    Col("form_rows", "Строки формы"),
                    Col("fio", "ФИО", width=30),
                    Col("snils_masked", "СНИЛС"),
                    Col("status_label", "Статус на дату расчёта", width=30),
                ),
                people,
                caption="Выпускники без статуса из гр.06–27 (их статус нужно уточнить в ПОО)",
                empty_text="Нет.",
            )
        )
    return Sheet("Нарушения", tuple(tables))


def sheets(
    ctx: ReportContext,
    *,
    draft: bool = False,
    form: pl.DataFrame | None = None,
    bad: pl.DataFrame | None = None,
) -> list[Sheet]:
    """Build the sheets. Final (draft=False): raises UserFacingError while a rule fails (nothing is
    written). Draft: the same sheets plus the violations sheet, whatever the rules say. `form` and
    `bad`: form_counts(ctx) and its violations when the caller has them."""
    form = form_counts(ctx) if form is None else form
    if form.is_empty():
        raise UserFacingError(f"Нет выпускников {ctx.cohort} г. в вашей зоне доступа: отчёт пуст.")
    bad = violations(form) if bad is None else bad
    if not draft:
        check_control_rule(form, bad)
    federal = _federal_cols()
    out = [
        Sheet("Форма по ПОО", (_form_table(form, bad, federal),), freeze_cols=6, signature=True, paper=8),
        Sheet("Свод по региону", (_summary_table(form, federal),), freeze_cols=4, signature=True, paper=8),
        Sheet("Профессионалитет", (_professionalitet_table(ctx, federal),), freeze_cols=4, paper=8),
        _indicator_sheet(ctx),
    ]
    if draft:
        out.append(_violation_sheet(ctx, bad))
    return out


def _form_table(form: pl.DataFrame, bad: pl.DataFrame, federal: list[Col]) -> Table:
    """The federal form by college and specialty, with totals and the state of the control rules."""
    note = (
        "Контрольные соотношения (гр.05 = сумма гр.06–27; стр.03 ≤ стр.02; стр.02, стр.04, стр.05 ≤ стр.01) "
        + (
            "выполнены во всех строках."
            if bad.is_empty()
            else f"не выполнены: нарушений — {bad.height}, см. лист «Нарушения»."
        )
    )
    return Table(
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
        note=note,
    )


def _summary_table(form: pl.DataFrame, federal: list[Col]) -> Table:
    """The region's summary by specialty."""
    return Table(
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


def _professionalitet_table(ctx: ReportContext, federal: list[Col]) -> Table:
    """Graduates of the «Профессионалитет» programme (a breakdown, not a row of the federal form)."""
    prof = professionalitet_counts(ctx)
    return Table(
        (
            Col("college_code", "Код ПОО", number="А"),
            Col("college_name", "ПОО", number="Б", width=28),
            Col("program_code", "Код специальности, профессии", number="В", width=12),
            Col("program_name", "Специальность, профессия", number="Г", width=34),
            *federal,
        ),
        with_totals(prof).with_columns(
            program_name=pl.when(pl.col("college_code") == "")
            .then(pl.col("college_name"))
            .otherwise(pl.col("program_name"))
        )
        if not prof.is_empty()
        else prof,
        emphasis="is_total",
        caption="Выпускники — участники ФП «Профессионалитет» (разбивка, не строка федеральной формы)",
        empty_text="Участников ФП «Профессионалитет» в выпуске нет.",
    )


def title_subject(ctx: ReportContext) -> str:
    return f"{engine.REGION_NAME}: все ПОО, выпуск {ctx.cohort} г."


def build(ctx: ReportContext, code: str | None = None) -> tuple[TitleBlock, list[Sheet]]:
    form = form_counts(ctx)
    bad = violations(form) if not form.is_empty() else None
    built = sheets(ctx, draft=ctx.draft, form=form, bad=bad)
    title = ctx.title(TITLE, title_subject(ctx))
    if ctx.draft:
        failing = bad is not None and not bad.is_empty()
        title = title.marked(
            f"{DRAFT_MARK} — не является официальным отчётом"
            + (": не выполнены контрольные соотношения (лист «Нарушения»)" if failing else "")
        )
    return title, built
