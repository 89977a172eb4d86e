"""Validation of a read file against its kind (docs/data_contract.md §2): every problem at once.

All checks are vectorised polars expressions over the whole file (no per-row Python), so a
million-row status file validates in seconds. Each check contributes a small frame of problems
(row as in the user's file, column header as written there, the value, a Russian message, the
severity); the frames are concatenated at the end.

Decisions the contract leaves open:
- The cohort of a graduate is the year of «Дата выпуска», unless the file has a «Год выпуска»
  column: then that is the cohort and a «Дата выпуска» in another year is an error.
- A status file may hold several colleges and snapshot dates (the base centre's consolidated
  files); a college user's file must hold only that college.
- The cohort of a status row comes from the college's stored graduation lists: the latest cohort
  whose graduation date is on or before the snapshot date, else the earliest one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import polars as pl

from data_layer.db import make_room
from data_layer.importer.geo import municipality_centres, municipality_short_names
from data_layer.importer.kinds import (
    COLLEGE_KINDS,
    KINDS,
    SPEC_BY_KIND,
    Column,
    KindSpec,
    choice_lookup,
    match_header,
)
from data_layer.importer.normalize import (
    clean_str,
    empty_to_null,
    map_values,
    normalize_label,
    parse_bool,
    parse_date,
    parse_float,
    parse_int,
    snils_digits,
    snils_is_reserved,
    strip_ws,
    with_snils_check,
)
from data_layer.importer.readers import ROW, RawTable
from data_layer.scope import Scope
from data_layer.statuses import parse_status

PROBLEM_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(),
    "column": pl.Utf8(),
    "value": pl.Utf8(),
    "message": pl.Utf8(),
    "severity": pl.Utf8(),
}
PERSON_KINDS = ("graduates", "statuses", "career_tracks")
OUTSIDE_REGION = "за пределами области"
DEFAULT_VACANCY_SOURCE = "Файл базового центра"
OUTSIDE_SPELLINGS = frozenset(
    normalize_label(s)
    for s in (
        OUTSIDE_REGION,
        "за пределами Самарской области",
        "другой регион",
        "вне области",
        "за пределами региона",
    )
)
# Characters no cell may hold: C0/C1 controls (NUL among them) except tab and line breaks, DEL,
# and the bidirectional overrides that make text display differently from what it is.
CONTROL_CHARS = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\x{202A}-\x{202E}\x{2066}-\x{2069}]"
FIRST_COHORT = 2015  # graduation dates before this year are refused (monitoring began later)
FUTURE_SLACK = dt.timedelta(days=366)  # any date further ahead than this is an error
SHOWN_VALUE_CHARS = 200  # a value in the problem list is cut to this length
_TYPE_MESSAGES: dict[str, str] = {
    "date": "Не удалось распознать дату: ожидается ДД.ММ.ГГГГ или ГГГГ-ММ-ДД",
    "bool": "Ожидается «да» или «нет» (также 1/0, +/-, true/false)",
    "int": "Ожидается целое неотрицательное число",
    "float": "Ожидается число (например, 53,19)",
}


def raw(name: str) -> str:
    return f"raw_{name}"


@dataclass
class Validated:
    spec: KindSpec
    problems: pl.DataFrame
    rows: int
    frame: pl.DataFrame | None = None  # stored columns + partition helpers; None when there are errors
    college_codes: list[str] = field(default_factory=list)
    pairs: list[tuple[str, int]] = field(default_factory=list)

    @property
    def n_errors(self) -> int:
        return int((self.problems.get_column("severity") == "error").sum())

    @property
    def n_warnings(self) -> int:
        return int((self.problems.get_column("severity") == "warning").sum())


class Checker:
    """Collects problem frames for one file."""

    def __init__(self, spec: KindSpec, header_row: int) -> None:
        self.spec = spec
        self.header_row = header_row
        self.labels: dict[str, str] = {}  # field -> header as written in the file
        self.parts: list[pl.LazyFrame] = []
        self.fatal = False  # a file-level error: the remaining checks are skipped

    def label(self, name: str | None) -> str | None:
        if name is None:
            return None
        col = self.spec.columns_by_field.get(name)
        return self.labels.get(name) or (col.header if col else name)

    def flag(
        self,
        df: pl.DataFrame,
        mask: pl.Expr,
        name: str | None,
        message: str | pl.Expr,
        severity: str = "error",
        value: pl.Expr | None = None,
    ) -> None:
        """One problem for each row of `df` where `mask` holds.

        `message` and `value` are evaluated on the filtered rows only: no window expressions there."""
        if value is None:
            value = pl.col(raw(name)) if name and raw(name) in df.columns else pl.lit(None, pl.Utf8)
        col = self.spec.columns_by_field.get(name or "")
        if col is not None and col.type == "snils":
            value = masked_snils(value)
        msg = message if isinstance(message, pl.Expr) else pl.lit(message)
        self.parts.append(
            df.lazy()
            .filter(mask.fill_null(False))
            .select(
                pl.col(ROW).alias("row"),
                pl.lit(self.label(name), pl.Utf8).alias("column"),
                value.cast(pl.Utf8).alias("value"),
                msg.cast(pl.Utf8).alias("message"),
                pl.lit(severity).alias("severity"),
            )
        )

    def note(
        self,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
        severity: str = "error",
    ) -> None:
        """One file-level problem."""
        self.parts.append(
            pl.LazyFrame(
                {
                    "row": [row],
                    "column": [column],
                    "value": [value],
                    "message": [message],
                    "severity": [severity],
                },
                schema=PROBLEM_SCHEMA,
            )
        )

    def problems(self) -> pl.DataFrame:
        if not self.parts:
            return pl.DataFrame(schema=PROBLEM_SCHEMA)
        out = pl.concat(self.parts, how="vertical").collect()
        out = out.with_columns(shown(pl.col("value")), shown(pl.col("column")))
        return out.with_row_index("_order").sort(["row", "_order"], nulls_last=False).drop("_order")


def masked_snils(expr: pl.Expr) -> pl.Expr:
    """A СНИЛС as problem lists show it: «***-***-445 94» (the row number finds it in the file; the
    error report and the screen never carry a full СНИЛС)."""
    text = expr.cast(pl.Utf8)
    bare = text.str.replace_all(r"[\s\-\u00a0]", "")
    tail = bare.str.slice(6, 3) + pl.lit(" ") + bare.str.slice(9)
    return pl.when(bare.str.len_chars() >= 9).then(pl.lit("***-***-") + tail).otherwise(text)


def shown(expr: pl.Expr) -> pl.Expr:
    """A value as the problem list shows it: control characters as «�», cut to SHOWN_VALUE_CHARS
    (a 1 MB cell or a NUL byte must not reach the screen or break the Excel report)."""
    clean = expr.str.replace_all(CONTROL_CHARS, "\ufffd")
    return (
        pl.when(clean.str.len_chars() > SHOWN_VALUE_CHARS)
        .then(clean.str.slice(0, SHOWN_VALUE_CHARS) + pl.lit("…"))
        .otherwise(clean)
    )


@dataclass
class Context:
    cur: duckdb.DuckDBPyConnection
    scope: Scope
    snapshot_date: dt.date | None
    today: dt.date


# ---------------------------------------------------------------- headers and types


def _cell(expr: pl.Expr, col: Column) -> pl.Expr:
    """A cell as validation sees it: typed columns NFKC-normalised (full-width «１２３» → «123»,
    «Ｐ００１» → «P001»), free text as written; surrounding whitespace stripped, empty → null."""
    if col.type != "text":
        expr = expr.cast(pl.Utf8).str.normalize("NFKC")
    return clean_str(expr)


def _cell_column(frame: pl.DataFrame, name: str, col: Column, non_ascii: bool) -> pl.Expr | pl.Series:
    """`_cell` of a whole column: NFKC leaves ASCII text as it is, so a column without any other
    character (`non_ascii` False) skips it, and a repetitive one is normalised once per distinct
    value. An expression is only stripped: `_raw_cells` makes its empty strings null."""
    if col.type == "text" or not non_ascii:
        return strip_ws(pl.col(name))
    return by_uniques(frame, name, lambda e: _cell(e, col))


def _raw_cells(frame: pl.DataFrame, present: dict[str, int], spec: KindSpec, wide: set[str]) -> pl.DataFrame:
    """ROW and raw_<field> of every field of `spec`, as `_cell` sees them (null where absent);
    `wide`: the fields whose column holds a non-ASCII character."""
    cols = [
        _cell_column(frame, f"c{present[c.field]}", c, c.field in wide).alias(raw(c.field))
        for c in spec.columns
        if c.field in present
    ]
    absent = [pl.lit(None, pl.Utf8).alias(raw(c.field)) for c in spec.columns if c.field not in present]
    df = frame.select(pl.col(ROW), *cols, *absent)
    return df.with_columns(empty_to_null(pl.col(raw(name))).alias(raw(name)) for name in present)


def _check_characters(frame: pl.DataFrame, present: dict[str, int], ck: Checker) -> set[str]:
    """Control characters (NUL among them) and over-long values, in every mapped column; returns
    the fields whose column holds any non-ASCII character.

    One pass over all columns first says which columns hold either at all (a clean file, the usual
    case, then adds no problem frames to evaluate); a value of at most `max_chars` bytes is not too long."""
    limits = {name: ck.spec.columns_by_field[name].max_chars for name in present}
    found = frame.select(
        *(pl.col(f"c{i}").str.contains(CONTROL_CHARS).any().alias(f"x{i}") for i in present.values()),
        *(
            (pl.col(f"c{i}").str.len_bytes().max() > limits[name]).alias(f"l{i}")
            for name, i in present.items()
        ),
        *(
            (pl.col(f"c{i}").str.len_bytes().sum() != pl.col(f"c{i}").str.len_chars().sum()).alias(f"a{i}")
            for i in present.values()
        ),
    ).row(0, named=True)
    for name, i in present.items():
        col = ck.spec.columns_by_field[name]
        cell = pl.col(f"c{i}")
        if found[f"x{i}"]:
            ck.flag(
                frame,
                cell.str.contains(CONTROL_CHARS),
                name,
                "Недопустимый управляющий символ в значении (например, нулевой байт или символ смены "
                "направления текста; показан как «\ufffd»): удалите его.",
                value=cell,
            )
        if found[f"l{i}"]:
            ck.flag(
                frame,
                cell.str.len_chars() > col.max_chars,
                name,
                pl.format(
                    "Слишком длинное значение: {} символов, допускается не больше {}.",
                    cell.str.len_chars(),
                    pl.lit(col.max_chars),
                ),
                value=cell,
            )
    return {name for name, i in present.items() if found[f"a{i}"]}


def _check_date_windows(df: pl.DataFrame, ck: Checker, ctx: Context) -> None:
    """No date further ahead than a year from today (a mistyped year, e.g. 2099)."""
    latest = ctx.today + FUTURE_SLACK
    for col in ck.spec.columns:
        if col.type == "date" and col.field != "graduation_date":
            ck.flag(
                df,
                pl.col(col.field) > latest,
                col.field,
                f"Дата позже {latest:%d.%m.%Y}: проверьте год.",
            )


def _snils_column_required(spec: KindSpec) -> bool:
    return spec.kind in PERSON_KINDS


def _map_headers(table: RawTable, ck: Checker) -> dict[str, int]:
    spec = ck.spec
    present: dict[str, int] = {}
    for i, header in enumerate(table.headers):
        if header is None:
            has_data = (
                table.frame.get_column(f"c{i}").drop_nulls().str.strip_chars().str.len_bytes().sum() > 0
            )
            if has_data:
                ck.note(
                    "Столбец без заголовка: его данные не загружаются.",
                    row=table.header_row,
                    column=f"№ {i + 1}",
                    severity="warning",
                )
            continue
        name = match_header(spec.kind, header)
        if name is None:
            ck.note(
                f"Неизвестный столбец «{header}»: для файла вида «{spec.label}» он не нужен, данные из него "
                "не загружаются.",
                row=table.header_row,
                column=header,
                severity="warning",
            )
            continue
        if name in present:
            ck.note(
                f"Столбец «{header}» повторяет столбец «{ck.labels[name]}». Оставьте один из них.",
                row=table.header_row,
                column=header,
            )
            ck.fatal = True
            continue
        present[name] = i
        ck.labels[name] = header
    return present


def _check_required_columns(present: dict[str, int], ck: Checker, ctx: Context) -> None:
    for col in ck.spec.columns:
        needed = col.required or (col.field == "snils" and _snils_column_required(ck.spec))
        if col.field == "snapshot_date" and ctx.snapshot_date is not None:
            needed = False
        if needed and col.field not in present:
            ck.note(f"Нет обязательного столбца «{col.header}».", row=ck.header_row, column=col.header)
            ck.fatal = True


_PARSERS: dict[str, Callable[[pl.Expr], pl.Expr]] = {
    "date": parse_date,
    "bool": parse_bool,
    "int": parse_int,
    "float": parse_float,
}


def by_uniques(df: pl.DataFrame, name: str, fn: Callable[[pl.Expr], pl.Expr]) -> pl.Expr | pl.Series:
    """`fn` over column `name`, computed once per distinct value when the column repeats itself
    (dates, yes/no, numbers of a big file have few distinct values) and joined back in row order."""
    values = df.get_column(name)
    distinct = values.unique()
    if distinct.len() * 4 > values.len():
        return fn(pl.col(name))
    table = distinct.to_frame().with_columns(fn(pl.col(name)).alias("_value"))
    if distinct.len() == 1:  # one value (or only nulls) in every row: no join needed
        return table.get_column("_value").new_from_index(0, values.len())
    return (
        values.to_frame()
        .join(table, on=name, how="left", nulls_equal=True, maintain_order="left")
        .get_column("_value")
    )


def _typed(df: pl.DataFrame, col: Column) -> pl.Expr | pl.Series:
    r = pl.col(raw(col.field))
    if col.type == "snils":
        return snils_digits(r)
    if col.type in _PARSERS:
        return by_uniques(df, raw(col.field), _PARSERS[col.type])
    if col.type == "choice":
        return map_values(raw(col.field), df, choice_lookup(col))
    return r


def _convert(df: pl.DataFrame, ck: Checker) -> pl.DataFrame:
    """Typed columns next to the raw strings, and a problem for every value that does not parse."""
    spec = ck.spec
    exprs = []
    for col in spec.columns:
        t = _typed(df, col)
        exprs.append(t.alias(col.field) if isinstance(t, pl.Expr) else t.rename(col.field))
    df = df.with_columns(exprs)
    for col in spec.columns:
        if col.type == "snils":
            df = with_snils_check(df, col.field, checked(col.field))
    for col in spec.columns:
        r = pl.col(raw(col.field))
        if col.required and not (col.field == "snapshot_date"):
            ck.flag(df, r.is_null(), col.field, f"Не заполнено обязательное поле «{ck.label(col.field)}».")
        if col.type == "snils":
            _flag_snils(df, ck, col.field)
        elif col.type == "choice":
            allowed = ", ".join(col.choices or {})
            ck.flag(
                df,
                r.is_not_null() & pl.col(col.field).is_null(),
                col.field,
                f"Недопустимое значение. Допустимые: {allowed}.",
            )
        elif col.type in _TYPE_MESSAGES:
            ck.flag(
                df, r.is_not_null() & pl.col(col.field).is_null(), col.field, _TYPE_MESSAGES[col.type] + "."
            )
    return df


def _flag_snils(df: pl.DataFrame, ck: Checker, name: str) -> None:
    r = pl.col(raw(name))
    digits = pl.col(name)
    only_digits = r.str.contains(r"^[0-9]{9,10}$")
    ck.flag(
        df,
        r.is_not_null() & digits.is_null(),
        name,
        pl.when(only_digits)
        .then(
            pl.lit(
                "СНИЛС должен состоять из 11 цифр (XXX-XXX-XXX YY). Если ячейка числовая, Excel мог отбросить "
                "ведущие нули — задайте столбцу текстовый формат."
            )
        )
        .otherwise(pl.lit("СНИЛС должен иметь вид XXX-XXX-XXX YY или состоять из 11 цифр.")),
    )
    reserved = digits.is_not_null() & snils_is_reserved(digits)
    ck.flag(
        df,
        reserved,
        name,
        "Такого СНИЛС не бывает: номера до 001-001-998 включительно (в том числе из одних нулей) "
        "зарезервированы и не проходят проверку контрольного числа. Проверьте номер.",
    )
    ck.flag(
        df,
        digits.is_not_null() & ~reserved & ~pl.col(checked(name)),
        name,
        "Неверное контрольное число СНИЛС: проверьте номер.",
    )


def checked(name: str) -> str:
    """The column holding whether the СНИЛС in column `name` passes its control number."""
    return f"_valid_{name}"


def _valid_snils(name: str = "snils") -> pl.Expr:
    return pl.when(pl.col(checked(name))).then(pl.col(name)).otherwise(None)


# ---------------------------------------------------------------- shared checks


def _codes(cur: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    return [r[0] for r in cur.execute(sql).fetchall()]


def _flag_unknown(df: pl.DataFrame, ck: Checker, name: str, known: list[str], message: str) -> None:
    v = pl.col(name)
    ck.flag(df, v.is_not_null() & ~v.is_in(known), name, message)


def _check_colleges_known(df: pl.DataFrame, ck: Checker, ctx: Context) -> None:
    known = _codes(ctx.cur, "SELECT college_code FROM colleges")
    if not known:
        ck.note(
            "Справочник ПОО пуст: сначала загрузите файл ПОО (вид «ПОО»), затем этот файл.",
            column=ck.label("college_code"),
        )
        ck.fatal = True
        return
    _flag_unknown(df, ck, "college_code", known, "ПОО с таким кодом нет в справочнике ПОО.")


def _check_programs_known(df: pl.DataFrame, ck: Checker, ctx: Context) -> None:
    known = _codes(ctx.cur, "SELECT program_code FROM programs")
    _flag_unknown(df, ck, "program_code", known, "Специальности (профессии) с таким кодом нет в справочнике.")


def _flag_duplicates(df: pl.DataFrame, ck: Checker, keys: list[str], name: str, template: str) -> None:
    """Rows repeating an earlier row's key get an error; `template`'s {} is the first row's number."""
    # Every key distinct (the usual case) flags nothing: one hash per row tells so at a third of the
    # window's cost; equal hashes (a repeated key, or a collision) take the exact way below.
    if df.select(pl.struct(keys).hash().n_unique()).item() == df.height:
        return
    complete = pl.all_horizontal([pl.col(k).is_not_null() for k in keys])
    # The window is computed on the whole frame (flag() evaluates messages after filtering).
    marked = df.select(
        ROW, raw(name), complete.alias("_complete"), pl.col(ROW).min().over(keys).alias("_first")
    )
    ck.flag(
        marked,
        pl.col("_complete") & (pl.col(ROW) != pl.col("_first")),
        name,
        pl.format(template, pl.col("_first")),
    )


def _person(df: pl.DataFrame, ck: Checker, *, foreign_flag_needed: bool) -> pl.DataFrame:
    """person_key = 11-digit СНИЛС, or 'D:' + document number for a foreign graduate without СНИЛС."""
    doc = pl.col(raw("doc_number")).str.replace_all(r"\s+", "").str.to_uppercase()
    df = df.with_columns(_valid_snils().alias("snils"), doc.alias("doc_number"))
    no_snils = pl.col(raw("snils")).is_null()
    foreign = pl.col("is_foreign").fill_null(False)
    if foreign_flag_needed:
        ck.flag(
            df,
            no_snils & ~foreign,
            "snils",
            "Не заполнен СНИЛС. Для иностранного гражданина без СНИЛС укажите «Иностранный гражданин без СНИЛС» = да "
            "и «Номер документа».",
        )
        ck.flag(
            df,
            no_snils & foreign & pl.col("doc_number").is_null(),
            "doc_number",
            "Для иностранного гражданина без СНИЛС заполните «Номер документа».",
        )
        ck.flag(
            df,
            ~no_snils & foreign,
            "is_foreign",
            "Указан СНИЛС, поэтому признак «Иностранный гражданин без СНИЛС» не учитывается.",
            severity="warning",
        )
        df = df.with_columns((no_snils & foreign).alias("is_foreign"))
    else:
        ck.flag(
            df,
            no_snils & pl.col("doc_number").is_null(),
            "snils",
            "Не заполнен СНИЛС (для иностранного гражданина без СНИЛС — «Номер документа»).",
        )
    key = pl.when(no_snils).then(pl.lit("D:") + pl.col("doc_number")).otherwise(pl.col("snils"))
    return df.with_columns(key.alias("person_key"))


def _warn_future(df: pl.DataFrame, ck: Checker, ctx: Context, name: str, what: str) -> None:
    ck.flag(
        df,
        pl.col(name) > ctx.today,
        name,
        f"{what} в будущем (позже {ctx.today:%d.%m.%Y}).",
        severity="warning",
    )


def _flag_pattern(
    df: pl.DataFrame, ck: Checker, name: str, pattern: str, message: str, severity: str = "error"
) -> None:
    v = pl.col(name)
    ck.flag(df, v.is_not_null() & ~v.str.contains(pattern), name, message, severity=severity)


def _warn_inn(df: pl.DataFrame, ck: Checker) -> None:
    _flag_pattern(
        df, ck, "employer_inn", r"^[0-9]{10}([0-9]{2})?$", "ИНН должен состоять из 10 или 12 цифр.", "warning"
    )


# ---------------------------------------------------------------- kinds


def _graduates(df: pl.DataFrame, ck: Checker, ctx: Context) -> pl.DataFrame:
    df = _person(df, ck, foreign_flag_needed=True)
    _check_colleges_known(df, ck, ctx)
    _check_programs_known(df, ck, ctx)
    given = pl.col("cohort_given")
    last = ctx.today.year
    window = f"не раньше {FIRST_COHORT} и не позже текущего {last} года"
    ck.flag(
        df,
        given.is_not_null() & ~given.is_between(FIRST_COHORT, last),
        "cohort_given",
        f"Год выпуска должен быть {window}.",
    )
    grad_year = pl.col("graduation_date").dt.year()
    ck.flag(
        df,
        grad_year.is_not_null() & ~grad_year.is_between(FIRST_COHORT, last),
        "graduation_date",
        f"Дата выпуска должна быть {window}.",
    )
    ck.flag(
        df,
        given.is_between(FIRST_COHORT, last) & (grad_year != given),
        "graduation_date",
        pl.format("Дата выпуска вне года выпуска {} (см. столбец «Год выпуска»).", given),
    )
    ck.flag(
        df,
        pl.col("birth_date") >= pl.col("graduation_date"),
        "birth_date",
        "Дата рождения не раньше даты выпуска.",
    )
    _warn_future(df, ck, ctx, "graduation_date", "Дата выпуска")
    df = df.with_columns(pl.coalesce(given, grad_year).cast(pl.Int32).alias("cohort"))
    df = _known_municipality(
        df,
        ck,
        ctx,
        "residence_municipality",
        "Муниципалитет проживания не найден в справочнике (ожидается ОКТМО или название); значение "
        "сохранено как есть, для подбора вакансий берётся муниципалитет ПОО.",
    )
    _flag_duplicates(
        df,
        ck,
        ["college_code", "cohort", "person_key"],
        "snils",
        "Выпускник повторяется в файле: та же ПОО, тот же год выпуска и тот же СНИЛС (номер документа), что в строке {}.",
    )
    return df


def _municipality_lookup(cur: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """normalised OKTMO or name (with and without the «городской округ / район» words) -> OKTMO."""
    out: dict[str, str] = {}
    for oktmo, name in cur.execute("SELECT oktmo, name FROM municipalities").fetchall():
        out[normalize_label(oktmo)] = oktmo
        n = normalize_label(name)
        out[n] = oktmo
        for word in ("городской округ ", "г.о. ", "го ", "г. "):
            if n.startswith(word):
                out[n.removeprefix(word)] = oktmo
        for word in (" муниципальный район", " район"):
            if n.endswith(word):
                out[n.removesuffix(word)] = oktmo
    known = set(out.values())
    for oktmo, short in municipality_short_names().items():
        if oktmo in known:
            out.setdefault(normalize_label(short), oktmo)
    for sp in OUTSIDE_SPELLINGS:
        out[sp] = OUTSIDE_REGION
    return out


def _known_municipality(df: pl.DataFrame, ck: Checker, ctx: Context, name: str, message: str) -> pl.DataFrame:
    """Column `name` as the OKTMO of the municipality it names (ОКТМО or name), else as written,
    with a warning."""
    muni = map_values(raw(name), df, _municipality_lookup(ctx.cur))
    df = df.with_columns(pl.coalesce(muni, pl.col(raw(name))).alias(name))
    ck.flag(df, pl.col(raw(name)).is_not_null() & muni.is_null(), name, message, severity="warning")
    return df


_CITY_PREFIXES = ("городской округ ", "г.о. ", "г. ")


def municipality_patterns(names: dict[str, str]) -> list[tuple[re.Pattern[str], str]]:
    """(pattern, OKTMO) to find a municipality in free text (a vacancy address), longest first.

    A city («городской округ Тольятти») is found as the whole word «тольятти»; a district
    («Ставропольский район») by its stem «ставропольск», so «Ставропольского р-на» matches too."""
    out: list[tuple[str, str]] = []
    for oktmo, name in names.items():
        n = name.lower().replace("ё", "е").strip()
        city = next((n.removeprefix(p) for p in _CITY_PREFIXES if n.startswith(p)), None)
        if city:
            out.append((rf"\b{re.escape(city)}\b", oktmo))
        elif n.endswith(" район") or n.endswith(" муниципальный район"):
            adj = n.split(" ")[0]
            out.append((rf"\b{re.escape(adj[:-2] if len(adj) > 5 else adj)}", oktmo))
    out.sort(key=lambda t: -len(t[0]))
    return [(re.compile(p), o) for p, o in out]


def municipality_in_text(text: str | None, patterns: list[tuple[re.Pattern[str], str]]) -> str | None:
    """The OKTMO of the first (longest) municipality named in `text`, or None."""
    if not text:
        return None
    t = text.lower().replace("ё", "е")
    for pattern, oktmo in patterns:
        if pattern.search(t):
            return oktmo
    return None


def _map_municipality(
    df: pl.DataFrame, ck: Checker, ctx: Context, name: str, out: str, message: str
) -> pl.DataFrame:
    """`out`: the OKTMO of the municipality named in column `name` (ОКТМО, a name, or an address
    naming one); a warning where none is found (the value is kept in `name`)."""
    direct = map_values(raw(name), df, _municipality_lookup(ctx.cur))
    patterns = municipality_patterns(
        dict(ctx.cur.execute("SELECT oktmo, name FROM municipalities").fetchall())
    )
    texts = df.get_column(raw(name)).drop_nulls().unique().to_list()
    found = {t: municipality_in_text(t, patterns) for t in texts}
    in_text = df.get_column(raw(name)).replace_strict(found, default=None, return_dtype=pl.Utf8)
    df = df.with_columns(pl.coalesce(direct, in_text).alias(out))
    ck.flag(df, pl.col(raw(name)).is_not_null() & pl.col(out).is_null(), name, message, severity="warning")
    return df


def _army_returns(df: pl.DataFrame, ck: Checker, ctx: Context) -> pl.DataFrame:
    df = df.with_columns(_valid_snils())
    _warn_future(df, ck, ctx, "extract_date", "Дата выгрузки")
    _flag_duplicates(
        df, ck, ["snils", "extract_date"], "snils", "СНИЛС повторяется в выгрузке (см. строку {})."
    )
    return df


def _vacancies(df: pl.DataFrame, ck: Checker, ctx: Context) -> pl.DataFrame:
    df = df.with_columns(pl.col("source").fill_null(pl.lit(DEFAULT_VACANCY_SOURCE)))
    _warn_inn(df, ck)
    ck.flag(
        df,
        pl.col("salary_max") < pl.col("salary_min"),
        "salary_max",
        "Зарплата «до» меньше зарплаты «от».",
        severity="warning",
    )
    _flag_duplicates(
        df,
        ck,
        ["source", "source_id"],
        "source_id",
        "Идентификатор вакансии повторяется в файле (см. строку {}).",
    )
    df = _map_municipality(
        df,
        ck,
        ctx,
        "municipality",
        "oktmo",
        "Муниципалитет вакансии не найден в справочнике: вакансия будет подбираться без учёта места работы.",
    )
    # A closed vacancy drops out: it is not stored (and the file replaces its source's vacancies).
    return df.filter(~pl.col("closed").fill_null(False))


def _czn_answers(df: pl.DataFrame, ck: Checker, ctx: Context) -> pl.DataFrame:
    df = df.with_columns(_valid_snils())
    _warn_future(df, ck, ctx, "answer_date", "Дата ответа")
    return df


def _snapshot_dates(df: pl.DataFrame, ck: Checker, ctx: Context) -> pl.DataFrame:
    """«Дата актуализации» of each status row: the file's, else the one given for the whole file."""
    if ctx.snapshot_date is not None:
        df = df.with_columns(pl.col("snapshot_date").fill_null(pl.lit(ctx.snapshot_date, pl.Date)))
        ck.flag(
            df,
            pl.col(raw("snapshot_date")).is_not_null() & (pl.col("snapshot_date") != ctx.snapshot_date),
            "snapshot_date",
            f"Дата актуализации отличается от указанной для всего файла ({ctx.snapshot_date:%d.%m.%Y}); "
            "используется дата из файла.",
            severity="warning",
        )
    else:
        ck.flag(
            df,
            pl.col(raw("snapshot_date")).is_null(),
            "snapshot_date",
            "Не заполнено обязательное поле «Дата актуализации».",
        )
    return df


def _statuses(df: pl.DataFrame, ck: Checker, ctx: Context) -> pl.DataFrame:
    df = _snapshot_dates(_person(df, ck, foreign_flag_needed=False), ck, ctx)
    statuses = df.get_column(raw("status")).drop_nulls().unique().to_list()
    mapping = {s: parse_status(s) for s in statuses}
    df = df.with_columns(
        pl.col(raw("status")).replace_strict(mapping, default=None, return_dtype=pl.Utf8).alias("status")
    )
    ck.flag(
        df,
        pl.col(raw("status")).is_not_null() & pl.col("status").is_null(),
        "status",
        "Неизвестный статус: укажите название или код статуса из справочника либо номер графы федеральной формы (06–27).",
    )
    _check_colleges_known(df, ck, ctx)
    _warn_future(df, ck, ctx, "snapshot_date", "Дата актуализации")
    ck.flag(
        df,
        pl.col("snapshot_date").dt.year() < FIRST_COHORT,
        "snapshot_date",
        f"Дата актуализации раньше {FIRST_COHORT} года: проверьте год.",
    )
    ck.flag(
        df,
        pl.col("status_start") > pl.col("snapshot_date"),
        "status_start",
        "Дата начала статуса позже даты актуализации.",
        severity="warning",
    )
    _warn_inn(df, ck)
    ck.flag(
        df,
        pl.col("conscription_date") > pl.col("snapshot_date"),
        "conscription_date",
        "Дата призыва позже даты актуализации.",
        severity="warning",
    )
    df = _known_municipality(
        df,
        ck,
        ctx,
        "work_municipality",
        "Муниципалитет не найден в справочнике (ожидается ОКТМО, название или «за пределами области»); "
        "значение сохранено как есть.",
    )
    _flag_duplicates(
        df,
        ck,
        ["college_code", "snapshot_date", "person_key"],
        "snils",
        "Выпускник повторяется в файле: та же ПОО, та же дата актуализации и тот же СНИЛС (номер документа), что в строке {}.",
    )
    return _resolve_cohort(df, ck, ctx)


# Every listing of each status row's graduate in the row's college (none: one row of NULLs); put
# in the file's order by polars (cheaper than DuckDB's ORDER BY). The IN list repeats the join's
# condition so that the scan of all graduation lists skips the row groups of other colleges (a
# file of colleges scattered across the codes: 0,055 → 0,041 s for 100 000 rows).
_LISTINGS_SQL = f"""
SELECT f.{ROW}, g.cohort::INTEGER AS cohort, g.graduation_date AS _graduated
FROM _status_keys f
LEFT JOIN graduates g ON g.college_code = f.college_code AND g.person_key = f.person_key
    AND g.college_code IN (SELECT DISTINCT college_code FROM _status_keys)
"""
# The cohort of each status row whose graduate is listed in several cohorts of the college: the
# latest cohort graduated on or before the snapshot date, else the earliest one.
_PICK_SQL = f"""
SELECT g.nr AS {ROW}, coalesce(max(g.cohort) FILTER (ok), min(g.cohort))::INTEGER AS cohort,
       CASE WHEN count(*) FILTER (ok) > 0 THEN arg_max(g.graduation_date, g.cohort) FILTER (ok)
            ELSE arg_min(g.graduation_date, g.cohort) END AS _graduated
FROM (SELECT f.{ROW} AS nr, g.cohort, g.graduation_date,
             coalesce(g.graduation_date <= f.snapshot_date, false) AS ok
      FROM _status_keys f
      LEFT JOIN graduates g ON g.college_code = f.college_code AND g.person_key = f.person_key
          AND g.college_code IN (SELECT DISTINCT college_code FROM _status_keys)) g
GROUP BY g.nr
"""


def _cohorts(
    df: pl.DataFrame, cur: duckdb.DuckDBPyConnection, codes: pl.Series
) -> tuple[pl.DataFrame, set[str]]:
    """(cohort, _graduated) of each row of `df`, in its order, from the graduation lists; and which
    of the file's colleges `codes` have a graduation list at all."""
    cur.register("_status_keys", df.select(ROW, "college_code", "person_key", "snapshot_date"))
    try:
        found = cur.sql(_LISTINGS_SQL).pl().sort(ROW)
        # one listing per row (the usual case) comes in the file's order; several: picked per row
        if found.height != df.height or not df.get_column(ROW).is_sorted():
            picked = cur.sql(_PICK_SQL).pl()
            found = df.select(ROW).join(picked, on=ROW, how="left", maintain_order="left")
        college = df.get_column("college_code")
        listed = set(college.filter(found.get_column("cohort").is_not_null()).unique().to_list())
        unmatched = codes.filter(~codes.is_in(list(listed)))
        if unmatched.len():
            cur.register("_status_colleges", unmatched.to_frame())
            listed |= {
                r[0]
                for r in cur.execute(
                    """SELECT DISTINCT college_code FROM graduates
                       WHERE college_code IN (SELECT college_code FROM _status_colleges)"""
                ).fetchall()
            }
    finally:
        for name in ("_status_keys", "_status_colleges"):
            try:
                cur.unregister(name)
            except duckdb.Error:
                pass
    return found.select("cohort", "_graduated"), listed


def _resolve_cohort(df: pl.DataFrame, ck: Checker, ctx: Context) -> pl.DataFrame:
    """Cohort of each status row from the college's graduation lists (module docstring)."""
    codes = df.get_column("college_code").drop_nulls().unique()
    found, listed = _cohorts(df, ctx.cur, codes)
    df = df.with_columns(found.get_column("cohort"), found.get_column("_graduated"))
    # A college with no graduation list at all: one message naming the missing step, not one per row.
    unlisted = sorted(set(codes.to_list()) - listed)
    for code in unlisted:
        ck.note(
            f"Для ПОО {code} ещё не загружен список фактического выпуска, поэтому статусы её выпускников "
            "принять нельзя. Сначала загрузите «Фактический выпуск» этой ПОО (в образцах — файл "
            "05_graduates.xlsx; порядок загрузки — на странице «Шаблоны файлов»), затем этот файл.",
            column=ck.label("college_code"),
            value=code,
        )
    ck.flag(
        df,
        pl.col("_graduated") > pl.col("snapshot_date"),
        "snapshot_date",
        pl.format(
            "Статус дан раньше выпуска ({}): он сохранён как прогноз и учитывается только с даты выпуска.",
            pl.col("_graduated").dt.strftime("%d.%m.%Y"),
        ),
        severity="warning",
    )
    df = df.drop("_graduated")
    ck.flag(
        df,
        pl.col("person_key").is_not_null()
        & pl.col("college_code").is_not_null()
        & ~pl.col("college_code").is_in(unlisted)
        & pl.col("cohort").is_null(),
        "snils",
        pl.format(
            "Выпускника с таким СНИЛС (номером документа) нет в списках фактического выпуска ПОО {}.",
            pl.col("college_code"),
        ),
    )
    return df


def _ufns(df: pl.DataFrame, ck: Checker, ctx: Context) -> pl.DataFrame:
    df = df.with_columns(_valid_snils())
    ck.flag(df, pl.col("end_date") < pl.col("start_date"), "end_date", "Дата окончания раньше даты начала.")
    _warn_future(df, ck, ctx, "extract_date", "Дата выгрузки")
    _warn_inn(df, ck)
    return df


def _czn(df: pl.DataFrame, ck: Checker, ctx: Context) -> pl.DataFrame:
    df = df.with_columns(_valid_snils())
    ck.flag(
        df,
        pl.col("dereg_date") < pl.col("reg_date"),
        "dereg_date",
        "Дата снятия с учёта раньше даты постановки.",
    )
    _warn_future(df, ck, ctx, "extract_date", "Дата выгрузки")
    return df


def _frdo(df: pl.DataFrame, ck: Checker, ctx: Context) -> pl.DataFrame:
    df = df.with_columns(_valid_snils(), pl.col("issue_date").dt.year().cast(pl.Int32).alias("issue_year"))
    _check_colleges_known(df, ck, ctx)
    _check_programs_known(df, ck, ctx)
    _flag_duplicates(
        df,
        ck,
        ["snils", "college_code", "program_code", "issue_date"],
        "snils",
        "Запись повторяется в файле: те же СНИЛС, ПОО, специальность и дата выдачи, что в строке {}.",
    )
    return df


def _events(df: pl.DataFrame, ck: Checker, ctx: Context) -> pl.DataFrame:
    _check_colleges_known(df, ck, ctx)
    df = df.with_columns(
        pl.col("graduate_participants").fill_null(0).cast(pl.Int32),
        pl.col("employers").fill_null(0).cast(pl.Int32),
    )
    _flag_duplicates(
        df,
        ck,
        ["college_code", "event_date", "event_type", "title"],
        "title",
        "Мероприятие повторяется в файле: те же ПОО, дата, тип и название, что в строке {}.",
    )
    return df


def _career_tracks(df: pl.DataFrame, ck: Checker, ctx: Context) -> pl.DataFrame:
    df = _person(df, ck, foreign_flag_needed=False)
    _check_colleges_known(df, ck, ctx)
    parts = pl.col(raw("academic_year")).str.extract_groups(r"^([0-9]{4})\s*[/\-–—]\s*([0-9]{2}|[0-9]{4})$")
    first = parts.struct.field("1").cast(pl.Int32, strict=False)
    second_raw = parts.struct.field("2")
    second = (
        pl.when(second_raw.str.len_chars() == 2)
        .then(first // 100 * 100 + second_raw.cast(pl.Int32, strict=False))
        .otherwise(second_raw.cast(pl.Int32, strict=False))
    )
    year = pl.when(second == first + 1).then(pl.format("{}/{}", first, second)).otherwise(None)
    df = df.with_columns(year.alias("academic_year"))
    ck.flag(
        df,
        pl.col(raw("academic_year")).is_not_null() & pl.col("academic_year").is_null(),
        "academic_year",
        "Учебный год должен иметь вид ГГГГ/ГГГГ (например, 2024/2025).",
    )
    _flag_duplicates(
        df,
        ck,
        ["person_key", "college_code", "academic_year"],
        "snils",
        "Обучающийся повторяется в файле: те же ПОО и учебный год, что в строке {}.",
    )
    return df


# ---------------------------------------------------------------- reference kinds


def _orphans(
    ck: Checker, ctx: Context, new: list[str], sql: str, message: Callable[[list[str]], str]
) -> None:
    """A file-level error when stored data refers to codes the new reference would remove."""
    used = _codes(ctx.cur, sql)
    lost = sorted(set(used) - set(new))
    if lost:
        ck.note(message(lost))


def _show(codes: list[str], limit: int = 20) -> str:
    shown = ", ".join(codes[:limit])
    return shown + (f" и ещё {len(codes) - limit}" if len(codes) > limit else "")


def _territories(df: pl.DataFrame, ck: Checker, ctx: Context) -> pl.DataFrame:
    _flag_duplicates(df, ck, ["tu_code"], "tu_code", "Код ТУ повторяется в файле (впервые — в строке {}).")
    codes = df.get_column("tu_code").drop_nulls().to_list()
    _orphans(
        ck,
        ctx,
        codes,
        "SELECT DISTINCT tu_code FROM municipalities",
        lambda lost: (
            f"В файле нет кодов ТУ, на которые ссылаются муниципалитеты: {_show(lost)}. "
            "Сначала загрузите исправленный справочник муниципалитетов."
        ),
    )
    return df


def _municipalities(df: pl.DataFrame, ck: Checker, ctx: Context) -> pl.DataFrame:
    _flag_pattern(df, ck, "oktmo", r"^[0-9]{8}([0-9]{3})?$", "ОКТМО должен состоять из 8 или 11 цифр.")
    _flag_duplicates(df, ck, ["oktmo"], "oktmo", "ОКТМО повторяется в файле (впервые — в строке {}).")
    tu = _codes(ctx.cur, "SELECT tu_code FROM territories")
    _flag_unknown(df, ck, "tu_code", tu, "ТУ с таким кодом нет в справочнике территориальных управлений.")
    _orphans(
        ck,
        ctx,
        df.get_column("oktmo").drop_nulls().to_list(),
        "SELECT DISTINCT oktmo FROM colleges",
        lambda lost: f"В файле нет ОКТМО, указанных у ПОО: {_show(lost)}. Сначала исправьте справочник ПОО.",
    )
    return df


def _colleges(df: pl.DataFrame, ck: Checker, ctx: Context) -> pl.DataFrame:
    _flag_duplicates(
        df, ck, ["college_code"], "college_code", "Код ПОО повторяется в файле (впервые — в строке {})."
    )
    oktmo = _codes(ctx.cur, "SELECT oktmo FROM municipalities")
    _flag_unknown(df, ck, "oktmo", oktmo, "Муниципалитета с таким ОКТМО нет в справочнике муниципалитетов.")
    ck.flag(df, ~pl.col("lat").is_between(-90, 90), "lat", "Широта должна быть от -90 до 90.")
    ck.flag(df, ~pl.col("lon").is_between(-180, 180), "lon", "Долгота должна быть от -180 до 180.")
    centres = municipality_centres()
    lat_map = {k: v[0] for k, v in centres.items()}
    lon_map = {k: v[1] for k, v in centres.items()}
    df = df.with_columns(
        pl.coalesce(
            pl.col("lat"), pl.col("oktmo").replace_strict(lat_map, default=None, return_dtype=pl.Float64)
        ),
        pl.coalesce(
            pl.col("lon"), pl.col("oktmo").replace_strict(lon_map, default=None, return_dtype=pl.Float64)
        ),
    )
    codes = df.get_column("college_code").drop_nulls().to_list()
    _orphans(
        ck,
        ctx,
        codes,
        """SELECT college_code FROM graduates UNION SELECT college_code FROM status_rows
           UNION SELECT college_code FROM frdo_records UNION SELECT college_code FROM events
           UNION SELECT college_code FROM career_tracks UNION SELECT college_code FROM risk_measures
           UNION SELECT college_code FROM reconciliation_decisions""",
        lambda lost: (
            f"В файле нет ПОО, по которым уже загружены данные: {_show(lost)}. "
            "Удалить ПОО с данными нельзя; добавьте их в файл."
        ),
    )
    return df


def _programs(df: pl.DataFrame, ck: Checker, ctx: Context) -> pl.DataFrame:
    _flag_duplicates(
        df,
        ck,
        ["program_code"],
        "program_code",
        "Код специальности повторяется в файле (впервые — в строке {}).",
    )
    _orphans(
        ck,
        ctx,
        df.get_column("program_code").drop_nulls().to_list(),
        """SELECT program_code FROM graduates
           UNION SELECT program_code FROM frdo_records WHERE program_code IS NOT NULL""",
        lambda lost: (
            f"В файле нет специальностей, по которым уже загружены выпускники: {_show(lost)}. "
            "Удалить их из справочника нельзя; добавьте их в файл."
        ),
    )
    return df


KIND_CHECKS: dict[str, Callable[[pl.DataFrame, Checker, Context], pl.DataFrame]] = {
    "territories": _territories,
    "municipalities": _municipalities,
    "colleges": _colleges,
    "programs": _programs,
    "graduates": _graduates,
    "statuses": _statuses,
    "ufns": _ufns,
    "czn": _czn,
    "frdo": _frdo,
    "events": _events,
    "career_tracks": _career_tracks,
    "army_returns": _army_returns,
    "vacancies": _vacancies,
    "czn_answers": _czn_answers,
}


# ---------------------------------------------------------------- scope


def _check_scope(df: pl.DataFrame, ck: Checker, ctx: Context) -> None:
    """A college user may upload only its own college's rows of the college kinds."""
    if ctx.scope.role != "college":
        return
    if ck.spec.kind not in COLLEGE_KINDS:
        allowed = ", ".join(f"«{KINDS[k]}»" for k in COLLEGE_KINDS)
        ck.note(
            f"ПОО может загружать только файлы видов {allowed}; файл вида «{ck.spec.label}» загружает базовый центр."
        )
        ck.fatal = True
        return
    own = ctx.scope.code
    code = pl.col(raw("college_code"))
    ck.flag(
        df,
        code.is_null() | (code != own),
        "college_code",
        f"Строка относится к другой ПОО: вы можете загружать данные только своей ПОО (код {own}). Файл не загружен целиком.",
    )


# ---------------------------------------------------------------- entry point

# A big file's parse and validation take polars several times the file's memory at their peak
# (the raw cells, the cleaned ones and the typed columns side by side; a 1,6 M-row extract of 120 MB:
# +0,6 GB). DuckDB's cache, up to its whole memory limit, gives that much back first (db.make_room),
# so that the two together stay within the limit and the process's peak does not add them up (issue 16).
# A status file of the weekly template (~20 MB, 130 000 rows) stays below ROOM_MIN_BYTES: its loads keep
# the cache (their cohort lookups read the graduation lists from it).
ROOM_FACTOR = 6  # times the file's bytes (a CSV), or the raw cells' polars size (any file)
ROOM_MIN_BYTES = 128 * 2**20


def _room_needed(size: int) -> int:
    """The memory to ask of DuckDB's cache for `size` bytes of file or cells; 0 below ROOM_MIN_BYTES."""
    need = ROOM_FACTOR * size
    return need if need >= ROOM_MIN_BYTES else 0


def room_for_file(con: duckdb.DuckDBPyConnection, size: int) -> None:
    """Before reading a file of `size` bytes: DuckDB's cache makes room for its parse and validation."""
    if need := _room_needed(size):
        make_room(con, need)


def needs_room(frame: pl.DataFrame) -> bool:
    """Whether validating these cells read makes DuckDB's cache give back memory first."""
    return _room_needed(int(frame.estimated_size())) > 0


def _make_room(frame: pl.DataFrame, ctx: Context) -> None:
    """The same for the cells read (a workbook's are many times its compressed bytes)."""
    if need := _room_needed(int(frame.estimated_size())):
        make_room(ctx.cur, need)


def validate(table: RawTable, ctx: Context) -> Validated:
    """Check the whole file; the returned frame is ready to store when there is no error."""
    spec = SPEC_BY_KIND[table.kind]
    ck = Checker(spec, table.header_row)
    present = _map_headers(table, ck)
    _check_required_columns(present, ck, ctx)
    rows = table.frame.height
    if ck.fatal:
        return Validated(spec, ck.problems(), rows)
    _make_room(table.frame, ctx)
    wide = _check_characters(table.frame, present, ck)
    df = _raw_cells(table.frame, present, spec, wide)
    _check_scope(df, ck, ctx)
    if ck.fatal:
        return Validated(spec, ck.problems(), rows)
    df = _convert(df, ck)
    _check_date_windows(df, ck, ctx)
    df = KIND_CHECKS[spec.kind](df, ck, ctx)
    problems = ck.problems()
    if ck.fatal or (problems.get_column("severity") == "error").any():
        return Validated(spec, problems, rows)
    helpers = [frame_col for _, frame_col in spec.partition if frame_col not in spec.stored]
    frame = df.select(*spec.stored, *helpers)
    colleges = (
        sorted(frame.get_column("college_code").unique().to_list()) if "college_code" in frame.columns else []
    )
    pairs: list[tuple[str, int]] = []
    if spec.kind in ("graduates", "statuses"):
        pairs = sorted(frame.group_by("college_code", "cohort").len().drop("len").iter_rows())
    elif spec.kind == "frdo":
        pairs = sorted(frame.group_by("college_code", "issue_year").len().drop("len").iter_rows())
    return Validated(spec, problems, rows, frame, colleges, pairs)
