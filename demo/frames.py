"""Turning generated arrays into import-file tables (docs/data_contract.md §4–5 headers) and writing them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import polars as pl

from demo import catalog as cat
from demo.people import People, snils_checksum, snils_numbers
from demo.plan import Plan
from demo.trajectories import INF, NO_DATE, Spells

DATE_FORMAT = "%d.%m.%Y"
FORMS = ("очная", "очно-заочная", "заочная")
YES, NO = "да", "нет"

_WORK_CODES = np.array([cat.S[c] for c in cat.WORK])


class CsvSink:
    """One output CSV, created on the first write (so no file is ever header-only), appended after."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = 0

    def write(self, df: pl.DataFrame) -> None:
        if df.height == 0:
            return
        with self.path.open("ab" if self.rows else "wb") as fh:
            df.write_csv(fh, separator=";", date_format=DATE_FORMAT, include_header=self.rows == 0)
        self.rows += df.height


def lookup(values: Sequence[str], idx: np.ndarray) -> pl.Series:
    """values[idx] as a string Series; a negative index gives an empty cell."""
    table = pl.Series([*values, None], dtype=pl.String)
    return table.gather(np.where(idx < 0, len(values), idx))


def dates(days: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(np.where(valid, days, 0) if valid is not None else days, dtype=pl.Int32).cast(pl.Date)
    if valid is None:
        return s
    return s.zip_with(pl.Series(valid), pl.repeat(None, len(s), dtype=pl.Date, eager=True))


def yes_no(flags: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    idx = flags.astype(np.int64)
    return lookup((NO, YES), idx if valid is None else np.where(valid, idx, -1))


def snils_text(plan: Plan, p: People) -> pl.Series:
    """СНИЛС as each college writes it (XXX-XXX-XXX YY, or 11 digits); empty for foreigners."""
    body = snils_numbers(p.gid, plan.seed)
    df = pl.DataFrame({"b": body, "c": snils_checksum(body), "d": plan.colleges.digits_snils[p.college]})
    b9, c2 = pl.col("b").cast(pl.String).str.zfill(9), pl.col("c").cast(pl.String).str.zfill(2)
    dashed = pl.concat_str(
        b9.str.slice(0, 3), pl.lit("-"), b9.str.slice(3, 3), pl.lit("-"), b9.str.slice(6, 3), pl.lit(" "), c2
    )
    text = pl.when(pl.col("d")).then(pl.concat_str(b9, c2)).otherwise(dashed)
    return (
        df.select(text)
        .to_series()
        .zip_with(pl.Series(~p.foreign), pl.repeat(None, len(p), dtype=pl.String, eager=True))
    )


def snils_plain(index: np.ndarray, seed: int) -> pl.Series:
    """11-digit СНИЛС strings (external extracts write them without separators)."""
    body = snils_numbers(index, seed)
    df = pl.DataFrame({"b": body, "c": snils_checksum(body)})
    return df.select(
        pl.concat_str(pl.col("b").cast(pl.String).str.zfill(9), pl.col("c").cast(pl.String).str.zfill(2))
    ).to_series()


def doc_numbers(p: People) -> pl.Series:
    prefix = np.array(cat.FOREIGN_DOC_PREFIXES)[p.gid % len(cat.FOREIGN_DOC_PREFIXES)]
    num = (p.gid * 7919 + 1_234_567) % 9_000_000 + 1_000_000
    s = (
        pl.DataFrame({"p": prefix, "n": num})
        .select(pl.concat_str(pl.col("p"), pl.col("n").cast(pl.String)))
        .to_series()
    )
    return s.zip_with(pl.Series(p.foreign), pl.repeat(None, len(p), dtype=pl.String, eager=True))


def diploma_numbers(plan: Plan, p: People) -> pl.Series:
    df = pl.DataFrame({"c": p.college + 1, "y": p.cohort % 100, "s": p.seq})
    return df.select(
        pl.format(
            "{}-{}-{}",
            pl.col("c").cast(pl.String).str.zfill(4),
            pl.col("y"),
            pl.col("s").cast(pl.String).str.zfill(5),
        )
    ).to_series()


def graduates_frame(plan: Plan, p: People, snils: pl.Series, docs: pl.Series) -> pl.DataFrame:
    cols = plan.colleges
    native = [form for pair in cat.SURNAMES for form in pair]
    foreign = [form for pair in cat.FOREIGN_SURNAMES for form in pair]
    sur_idx = np.where(p.foreign, len(native) + p.surname * 2 + p.female, p.surname * 2 + p.female)
    first_names = [*cat.MALE_NAMES, *cat.FEMALE_NAMES, *cat.FOREIGN_MALE, *cat.FOREIGN_FEMALE]
    offsets = np.select(
        [p.foreign & p.female, p.foreign, p.female],
        [
            len(cat.MALE_NAMES) + len(cat.FEMALE_NAMES) + len(cat.FOREIGN_MALE),
            len(cat.MALE_NAMES) + len(cat.FEMALE_NAMES),
            len(cat.MALE_NAMES),
        ],
        0,
    )
    patronymics = [form for pair in cat.PATRONYMICS for form in pair]
    regno = diploma_numbers(plan, p)
    fills = pl.Series(cols.fills_regno[p.college])
    df = pl.DataFrame(
        {
            "СНИЛС": snils,
            "Иностранный гражданин без СНИЛС": yes_no(p.foreign),
            "Номер документа": docs,
            "Фамилия": lookup(native + foreign, sur_idx),
            "Имя": lookup(first_names, offsets + p.name),
            "Отчество": lookup(patronymics, np.where(p.patronymic < 0, -1, p.patronymic * 2 + p.female)),
            "Дата рождения": dates(p.birth),
            "Пол": lookup(("М", "Ж"), p.female.astype(np.int64)),
            "Код ПОО": lookup(cols.code, p.college),
            "Код специальности": lookup(plan.ref.program_codes, p.program),
            "Форма обучения": lookup(FORMS, p.form),
            "Дата выпуска": dates(p.grad),
            "Целевое обучение": yes_no(p.target),
            "ОВЗ": yes_no(p.ovz),
            "Инвалидность": yes_no(p.disabled),
            "Профессионалитет": yes_no(p.professionalitet),
            "Рег. номер диплома": regno.zip_with(fills, pl.repeat(None, len(p), dtype=pl.String, eager=True)),
            "_cohort": p.cohort,
        }
    )
    return df.sort(
        ["_cohort", "Код ПОО", "Код специальности", "Фамилия", "Имя", "Дата рождения"], maintain_order=True
    )


def status_rows(plan: Plan, p: People) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """(snapshot year, graduate rows, date indices) of every snapshot row, year by year: the
    cohort's snapshot dates from graduation to the end of its window, minus the college's gaps."""
    cal = plan.calendar
    years = cal.dates.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    for year in np.unique(years):
        rows_parts, date_parts = [], []
        for y, idx in cal.cohort_dates.items():
            di = idx[years[idx] == year]
            g = np.flatnonzero(p.cohort == y)
            if len(di) == 0 or len(g) == 0:
                continue
            first = np.searchsorted(cal.dates[di], p.grad[g], side="left")
            count = len(di) - first
            rows = np.repeat(g, count)
            starts = np.repeat(np.cumsum(count) - count, count)
            pos = np.repeat(first, count) + np.arange(len(rows)) - starts
            d = di[pos]
            keep = ~plan.missing[p.college[rows], d]
            rows_parts.append(rows[keep])
            date_parts.append(d[keep])
        if rows_parts:
            rows, d = np.concatenate(rows_parts), np.concatenate(date_parts)
            order = np.lexsort((rows, p.college[rows], d))
            yield int(year), rows[order], d[order]


def statuses_frame(
    plan: Plan, p: People, sp: Spells, rows: np.ndarray, di: np.ndarray, snils: pl.Series, docs: pl.Series
) -> pl.DataFrame:
    cols, ref = plan.colleges, plan.ref
    snap = plan.calendar.dates[di]
    slot = sp.slot_at(rows, snap - p.grad[rows])
    status = sp.status[rows, slot].astype(np.int64)
    start = p.grad[rows] + sp.start[rows, slot]
    assert (sp.start[rows, slot] < INF).all()
    college = p.college[rows]
    labels = [label for _, label in cat.STATUSES] + list(cat.CODES)
    is_work = np.isin(status, _WORK_CODES)
    employer = sp.employer[rows, slot]
    n_mun = len(ref.mun_oktmo)
    wmun = sp.wmun[rows, slot].astype(np.int64)
    mun_values = [*ref.mun_oktmo, cat.OUTSIDE_REGION, *ref.mun_name, cat.OUTSIDE_REGION]
    discharge = sp.discharge[rows, slot]
    return pl.DataFrame(
        {
            "СНИЛС": snils.gather(rows),
            "Номер документа": docs.gather(rows),
            "Код ПОО": lookup(cols.code, college),
            "Дата актуализации": dates(snap),
            "Статус": lookup(labels, status + np.where(cols.codes_style[college], len(cat.STATUSES), 0)),
            "Дата начала статуса": dates(start),
            "По специальности": yes_no(sp.spec[rows, slot], is_work),
            "ИНН работодателя": lookup(plan.employers.inn, employer),
            "Работодатель": lookup(plan.employers.name, employer),
            "Муниципалитет трудоустройства": lookup(
                mun_values, np.where(wmun < 0, -1, wmun + np.where(cols.mun_by_name[college], n_mun + 1, 0))
            ),
            "Карьерный трек": pl.repeat(None, len(rows), dtype=pl.String, eager=True),
            "Дата увольнения с военной службы": dates(discharge, discharge != NO_DATE),
            "Меры поддержки": lookup(cat.SUPPORT_MEASURES, sp.measure[rows, slot].astype(np.int64)),
        }
    )


def colleges_frame(plan: Plan) -> pl.DataFrame:
    c = plan.colleges
    return pl.DataFrame(
        {
            "Код ПОО": c.code,
            "Краткое наименование": c.short,
            "Полное наименование": c.full,
            "ОКТМО": [plan.ref.mun_oktmo[m] for m in c.mun],
            "Учредитель": c.founder,
            "Тип": c.ctype,
            "Широта": [f"{x:.5f}" for x in c.lat],
            "Долгота": [f"{x:.5f}" for x in c.lon],
            **demo_contacts(list(c.code)),
        }
    )


_CONTACT_NAMES = (
    "Иванова Елена Петровна",
    "Смирнов Алексей Викторович",
    "Кузнецова Ольга Николаевна",
    "Попов Дмитрий Сергеевич",
    "Васильева Наталья Андреевна",
    "Соколова Ирина Владимировна",
    "Михайлов Павел Юрьевич",
)


def demo_contacts(codes: list[str]) -> dict[str, list[str]]:
    """Fictional ЦСТВ contacts (reserved example.ru addresses, 555 numbers), one per college."""
    return {
        "Ответственный ЦСТВ": [_CONTACT_NAMES[i % len(_CONTACT_NAMES)] for i in range(len(codes))],
        "Телефон": [f"+7 (846) 555-{i // 100:02d}-{i % 100:02d}" for i in range(len(codes))],
        "E-mail": [f"cstv.{code.lower()}@example.ru" for code in codes],
    }


def write_xlsx(df: pl.DataFrame, path: Path, title: str, created: dt.datetime) -> None:
    """An .xlsx with a title row above the table (official forms have them), reproducible bytes."""
    import xlsxwriter

    with xlsxwriter.Workbook(str(path)) as wb:
        wb.set_properties({"created": created, "author": "«Выпускник», демо"})
        ws = wb.add_worksheet("Мероприятия")
        ws.write(0, 0, title)
        df.write_excel(
            wb, ws, position="A3", autofit=False, autofilter=False, dtype_formats={pl.Date: "dd.mm.yyyy"}
        )
