"""Workbooks of the targeted work with the risk group (issue 14): the list of graduates the base
centre sends to ЦЗН (full СНИЛС: the ЦЗН needs it to act, docs/domain.md §10) and a college's printable
list of vacancies matched to one graduate."""

from __future__ import annotations

import datetime as dt

import polars as pl

from data_layer.graduates import formatted_snils_expr
from metrics.formatting import fmt_date
from reports.xlsx import Col, Properties, Sheet, Table, TitleBlock, render_workbook

PD_NOTE = (
    "Содержит персональные данные (152-ФЗ): передаётся только в центр занятости населения для "
    "содействия трудоустройству; формирование списка записано в журнал."
)


def czn_list_workbook(
    batch: pl.DataFrame, reasons: dict[str, str], measures: dict[str, str], *, notice: str = ""
) -> bytes:
    """The list sent to ЦЗН (rows of data_layer.cases.escalation_batch); `reasons` and `measures`
    map person_key to the case's reasons and the measures already taken; `notice`: DEMO_NOTICE on
    a demo database (ui.cached.demo_notice)."""
    if batch.is_empty():
        raise ValueError("empty batch")
    sent_at: dt.datetime = batch["sent_at"][0]
    rows = batch.with_row_index("n", offset=1).with_columns(
        fio=pl.concat_str(["last_name", "first_name", "middle_name"], separator=" ", ignore_nulls=True),
        snils_text=formatted_snils_expr("snils"),
        program=pl.concat_str(["program_code", "program_name"], separator=" ", ignore_nulls=True),
        reasons=pl.col("person_key").replace_strict(reasons, default="", return_dtype=pl.Utf8),
        measures=pl.col("person_key").replace_strict(measures, default="", return_dtype=pl.Utf8),
    )
    table = Table(
        (
            Col("n", "№", "int", width=5),
            Col("fio", "ФИО", width=32),
            Col("snils_text", "СНИЛС", width=16),
            Col("birth_date", "Дата рождения", "date"),
            Col("college_name", "ПОО", width=24),
            Col("program", "Специальность, профессия", width=32),
            Col("municipality", "Муниципалитет проживания", width=24),
            Col("reasons", "Причины риска", width=30),
            Col("measures", "Принятые меры", width=36),
        ),
        rows,
        caption=f"Список № {batch['batch_id'][0]}: {rows.height} чел.",
        note=PD_NOTE,
    )
    title = TitleBlock(
        "Выпускники ПОО, нуждающиеся в содействии центра занятости населения",
        "Базовый центр содействия трудоустройству выпускников",
        (f"Сформирован {sent_at:%d.%m.%Y %H:%M}, пользователь {batch['sent_by'][0]}.", PD_NOTE),
        footer="Передача в ЦЗН",
        notice=notice,
    )
    props = Properties(
        title="Список для ЦЗН",
        subject="Выпускники в группе риска",
        author=str(batch["sent_by"][0]),
        keywords="ЦЗН; группа риска; персональные данные",
        comments=PD_NOTE,
        created=sent_at,
    )
    return render_workbook(title, [Sheet("Список для ЦЗН", (table,), freeze_cols=2, signature=True)], props)


def vacancy_list_workbook(
    fio: str, program: str, college: str, ranked: pl.DataFrame, as_of: dt.date, user: str, *, notice: str = ""
) -> bytes:
    """One graduate's matched vacancies, best first, ready to print and hand over; `notice`:
    DEMO_NOTICE on a demo database (ui.cached.demo_notice)."""
    rows = ranked.with_columns(
        salary=pl.concat_str(
            [
                pl.when(pl.col("salary_min").is_not_null()).then(
                    pl.lit("от ") + pl.col("salary_min").cast(pl.Utf8)
                ),
                pl.when(pl.col("salary_max").is_not_null()).then(
                    pl.lit("до ") + pl.col("salary_max").cast(pl.Utf8)
                ),
            ],
            separator=" ",
            ignore_nulls=True,
        ),
        place=pl.coalesce(pl.col("municipality_name"), pl.col("municipality")),
    )
    table = Table(
        (
            Col("rank", "№", "int", width=5),
            Col("title", "Вакансия", width=34),
            Col("employer", "Работодатель", width=28),
            Col("place", "Место работы", width=26),
            Col("salary", "Зарплата, ₽", width=18),
            Col("education", "Образование", width=22),
            Col("vacancy_date", "Дата", "date"),
            Col("fit", "Соответствие, баллов", "int"),
            Col("url", "Ссылка", width=40),
        ),
        rows,
        caption=f"Вакансии для выпускника: {fio}",
        empty_text="Подходящих вакансий нет.",
    )
    title = TitleBlock(
        "Подобранные вакансии",
        f"{fio} · {program} · {college}",
        (
            f"На {fmt_date(as_of)}; соответствие: профессия (до 60), место работы (до 30), образование (до 10).",
        ),
        footer="Подбор вакансий",
        notice=notice,
    )
    props = Properties(
        title="Подобранные вакансии",
        subject=fio,
        author=user,
        keywords="вакансии; подбор",
        comments="",
        created=dt.datetime.combine(as_of, dt.time()),
    )
    return render_workbook(title, [Sheet("Вакансии", (table,))], props)
