"""The demo region's targeted work with the risk group (issue 14): vacancies for Samara Oblast
municipalities (a «Работа России» JSON extract and a base-centre CSV, loaded through the importer),
a support-measures registry, a labour-ministry file of those discharged from the army, and measures
on the risk cases of the latest cohort so that every case state shows on first start: open with and
without measures, overdue, stale, referred and sent to ЦЗН (with answers), closed into work, study
and otherwise.

Self-contained: it runs after the generated files are loaded and the spells rebuilt
(`apply(con, seed)`), reads what is there, and writes only its own tables. Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random

import duckdb
import polars as pl

from data_layer.importer import load_file
from data_layer.scope import OPERATOR, Scope
from metrics import engine, settings
from metrics.risk import risk_stays

BC = Scope("base_centre", username="demo_base_centre")

# (municipality name in the reference, how many vacancies)
_WEIGHTS: dict[str, int] = {
    "городской округ Самара": 90,
    "городской округ Тольятти": 70,
    "городской округ Сызрань": 22,
    "городской округ Новокуйбышевск": 14,
    "городской округ Чапаевск": 8,
    "городской округ Жигулёвск": 8,
    "городской округ Отрадный": 6,
    "городской округ Кинель": 6,
    "городской округ Похвистнево": 5,
    "городской округ Октябрьск": 4,
}
_DISTRICT_VACANCIES = 2
_EMPLOYER_WORDS = (
    "Волга", "Жигули", "Поволжье", "СамараТех", "Средняя Волга", "Сокол", "Прогресс", "Авиакор",
    "ТольяттиАвтоКомпонент", "Нефтехим", "Агро-Самара", "ВолгаСтрой", "Медицина-Плюс", "Самарский хлеб",
    "Энергосервис", "ТрансЛогистик", "ИТ-Волга", "Кондитер", "СтройМонтаж", "Детство",
)  # fmt: skip
_EMPLOYER_FORMS = ("ООО", "АО", "ПАО", "ГБУЗ СО", "ГБОУ СОШ", "ИП")
_EDUCATION = ("Среднее профессиональное",) * 6 + ("Среднее", "Высшее", "Не требуется")
_SUFFIXES = ("", "", " 4 разряда", " (сменный график)", " без опыта работы", " — наставничество")
_RESPONSIBLE = ("Петрова Е. А.", "Сидоров И. В.", "Кузнецова О. Н.", "Морозова Т. С.", "Васильев А. Г.")
_SUPPORT: tuple[tuple[str, str, str, str, list[str], list[str], list[str]], ...] = (
    (
        "Единовременная выплата молодому специалисту (демонстрационная запись)",
        "Выпускники ПОО до 30 лет, трудоустроенные по специальности в течение года после выпуска",
        "Министерство труда, занятости и миграционной политики Самарской области",
        "https://trud.samregion.ru/",
        [],
        [],
        [],
    ),
    (
        "Подъёмные при переезде в сельскую местность (демонстрационная запись)",
        "Выпускники аграрных, медицинских и педагогических специальностей, переехавшие в сельский район",
        "Министерство сельского хозяйства и продовольствия Самарской области",
        "https://mcx.samregion.ru/",
        ["35.02.16", "35.01.13", "31.02.01", "34.02.01", "44.02.01", "44.02.02"],
        [],
        [],
    ),
    (
        "Компенсация аренды жилья медицинским работникам (демонстрационная запись)",
        "Фельдшеры и медицинские сёстры, поступившие на работу в государственные медицинские организации",
        "Министерство здравоохранения Самарской области",
        "https://minzdrav.samregion.ru/",
        ["31.02.01", "34.02.01", "33.02.01"],
        [],
        [],
    ),
    (
        "Квота для трудоустройства лиц с ОВЗ и сопровождение наставником (демонстрационная запись)",
        "Выпускники с ОВЗ и инвалидностью",
        "Центры занятости населения Самарской области",
        "https://trud.samregion.ru/",
        [],
        [],
        ["ovz", "disabled"],
    ),
    (
        "Приоритетное трудоустройство вернувшихся со службы по призыву (демонстрационная запись)",
        "Выпускники, уволенные с военной службы по призыву, в течение года",
        "Центры занятости населения Самарской области",
        "https://trud.samregion.ru/",
        [],
        [],
        ["army"],
    ),
    (
        "Грант на начало собственного дела (самозанятость, ИП) (демонстрационная запись)",
        "Выпускники, зарегистрированные как самозанятые или ИП, прошедшие курс «Основы предпринимательства»",
        "Центр «Мой бизнес» Самарской области",
        "https://mbsamara.ru/",
        [],
        ["TU01", "TU02"],
        [],
    ),
)


def _vacancy_rows(
    cur: duckdb.DuckDBPyConnection, rng: random.Random, as_of: dt.date
) -> list[dict[str, object]]:
    munis = cur.execute("SELECT oktmo, name, kind FROM municipalities ORDER BY oktmo").fetchall()
    words = [
        w
        for (kw,) in cur.execute(
            "SELECT keywords FROM specialty_occupations ORDER BY program_code"
        ).fetchall()
        for w in kw.split(";")
    ]
    rows: list[dict[str, object]] = []
    for oktmo, name, _kind in munis:
        n = _WEIGHTS.get(name, _DISTRICT_VACANCIES)
        place = name.replace("городской округ ", "г. ")
        for i in range(n):
            title = rng.choice(words)
            title = title[:1].upper() + title[1:] + rng.choice(_SUFFIXES)
            form = rng.choice(_EMPLOYER_FORMS)
            employer = (
                f"{form} «{rng.choice(_EMPLOYER_WORDS)}»"
                if form != "ИП"
                else f"ИП {rng.choice(_RESPONSIBLE)}"
            )
            low = rng.randrange(28, 70) * 1000
            rows.append(
                {
                    "id": f"{oktmo}-{i + 1:03d}-{rng.randrange(16**6):06x}",
                    "job-name": title,
                    "creation-date": (as_of - dt.timedelta(days=rng.randrange(0, 45))).isoformat(),
                    "salary_min": low,
                    "salary_max": low + rng.randrange(0, 6) * 5000 or None,
                    "currency": "«руб.»",
                    "region": {"region_code": "6300000000000", "name": "Самарская область"},
                    "company": {"inn": f"63{rng.randrange(10**8):08d}", "name": employer},
                    "addresses": {
                        "address": [{"location": f"Самарская обл, {place}, ул. Центральная, {i + 1}"}]
                    },
                    "requirement": {"education": rng.choice(_EDUCATION), "experience": 0},
                    "category": {"specialisation": ""},
                    "duty": "<p>Работа по профессии; обучение на месте.</p>",
                    "vac_url": f"https://trudvsem.ru/vacancy/card/demo/{oktmo}-{i + 1}",
                }
            )
    return rows


def _load_vacancies(con: duckdb.DuckDBPyConnection, rng: random.Random, as_of: dt.date) -> int:
    with con.cursor() as cur:
        rows = _vacancy_rows(cur, rng, as_of)
    rng.shuffle(rows)
    cut = len(rows) * 3 // 4
    feed = {
        "status": "200",
        "meta": {"total": cut},
        "results": {"vacancies": [{"vacancy": v} for v in rows[:cut]]},
    }
    res = load_file(con, json.dumps(feed, ensure_ascii=False).encode("utf-8"), "trudvsem_63.json", scope=BC)
    own = pl.DataFrame(
        {
            "Идентификатор вакансии": [f"БЦ-{i + 1}" for i in range(len(rows) - cut)],
            "Работодатель": [str(v["company"]["name"]) for v in rows[cut:]],  # type: ignore[index]
            "Вакансия": [v["job-name"] for v in rows[cut:]],
            "Муниципалитет": [v["addresses"]["address"][0]["location"] for v in rows[cut:]],  # type: ignore[index]
            "Зарплата от": [v["salary_min"] for v in rows[cut:]],
            "Требуемое образование": [v["requirement"]["education"] for v in rows[cut:]],  # type: ignore[index]
            "Дата размещения": [
                dt.date.fromisoformat(str(v["creation-date"])).strftime("%d.%m.%Y") for v in rows[cut:]
            ],
            "Источник": ["Ярмарка вакансий базового центра"] * (len(rows) - cut),
        }
    )
    buf = io.BytesIO()
    own.write_csv(buf, separator=";")
    res2 = load_file(con, buf.getvalue(), "vacancies_bc.csv", kind="vacancies", scope=BC)
    if not (res.ok and res2.ok):
        raise RuntimeError(f"demo vacancies refused: {res.errors[:3]} {res2.errors[:3]}")
    return len(rows)


def _support(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> None:
    with con.cursor() as cur:
        cur.execute("DELETE FROM support_measures")
        for i, (title, who, operator, link, programs, tus, groups) in enumerate(_SUPPORT, start=1):
            cur.execute(
                "INSERT INTO support_measures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, true, ?, 'demo')",
                [
                    i,
                    title,
                    who,
                    operator,
                    link,
                    dt.date(as_of.year + 1, 12, 31),
                    ";".join(programs),
                    ";".join(tus),
                    ";".join(groups),
                    dt.datetime.combine(as_of, dt.time(9)),
                ],
            )
        # the registry's next id follows the demo rows
        cur.execute("SELECT nextval('support_measure_id_seq') FROM range(?)", [len(_SUPPORT)]).fetchall()


def _measure(
    rng: random.Random,
    college: str,
    cohort: int,
    key: str,
    kind: str,
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
    outcome: str | None,
) -> dict[str, object]:
    span = max((end - start).days, 0)
    when = start + dt.timedelta(days=rng.randrange(span + 1)) if span else start
    due = when + dt.timedelta(days=rng.choice((7, 14, 21)))
    done = outcome is not None
    return {
        "college_code": college,
        "cohort": cohort,
        "person_key": key,
        "measure_type": kind,
        "description": None,
        "responsible": rng.choice(_RESPONSIBLE),
        "measure_date": when,
        "due_date": due,
        "outcome": outcome,
        "outcome_date": min(due, as_of) if done else None,
    }


def _cases(con: duckdb.DuckDBPyConnection, rng: random.Random, cohort: int, as_of: dt.date) -> pl.DataFrame:
    with con.cursor() as cur:
        stays = risk_stays(cur, OPERATOR, cohort, as_of, settings.risk_thresholds(cur))
    rows: list[dict[str, object]] = []
    for s in stays.sort("college_code", "person_key", "entry_date").to_dicts():
        start = s["entry_date"]
        end = s["exit_date"] - dt.timedelta(days=1) if s["exit_date"] else as_of
        college, key = s["college_code"], s["person_key"]
        r = rng.random()
        if s["exit_date"] is None:
            if r < 0.30:  # a consultation done, then a vacancy offered and under way (often overdue)
                rows.append(_measure(rng, college, cohort, key, "consultation", start, end, as_of, "done"))
                rows.append(_measure(rng, college, cohort, key, "vacancy_offered", start, end, as_of, None))
            elif r < 0.45:
                rows.append(_measure(rng, college, cohort, key, "psych_support", start, end, as_of, None))
            elif r < 0.55:
                rows.append(_measure(rng, college, cohort, key, "czn_referral", start, end, as_of, None))
            elif r < 0.62:
                rows.append(_measure(rng, college, cohort, key, "copp_training", start, end, as_of, None))
            # else: no measure yet (stale once long enough)
        elif r < 0.65:  # closed cases: which measures preceded them
            kind = rng.choice(
                ("consultation", "vacancy_offered", "copp_training", "self_employment", "psych_support")
            )
            outcome = (
                "employed" if s["exit_status"] in ("employed", "self_employed", "entrepreneur") else "done"
            )
            rows.append(_measure(rng, college, cohort, key, kind, start, end, as_of, outcome))
    frame = pl.DataFrame(rows)
    if frame.is_empty():
        return frame
    with con.cursor() as cur:
        cur.execute("BEGIN TRANSACTION")
        new_ids = [
            int(r[0])
            for r in cur.execute("SELECT nextval('measure_id_seq') FROM range(?)", [frame.height]).fetchall()
        ]
        ids = frame.with_columns(
            pl.Series("measure_id", sorted(new_ids), dtype=pl.Int64),
            created_at=pl.col("measure_date").cast(pl.Datetime),
            created_by=pl.lit("demo_college"),
        )
        cur.register("_demo_measures", ids)
        cur.execute(
            """INSERT INTO case_measures (measure_id, college_code, cohort, person_key, measure_type, description,
                 responsible, measure_date, due_date, outcome, outcome_date, created_at, created_by)
               SELECT measure_id, college_code, cohort, person_key, measure_type, description, responsible,
                      measure_date, due_date, outcome, outcome_date, created_at, created_by FROM _demo_measures"""
        )
        cur.unregister("_demo_measures")
        cur.execute("COMMIT")
    return ids


def _escalation(con: duckdb.DuckDBPyConnection, measures: pl.DataFrame, cohort: int, as_of: dt.date) -> None:
    """Half of the ЦЗН referrals went to ЦЗН in one list; ЦЗН answered for half of those."""
    if measures.is_empty():
        return
    referred = (
        measures.filter(pl.col("measure_type") == "czn_referral")
        .select("college_code", "person_key")
        .unique()
    )
    sent = referred.sort("college_code", "person_key").gather_every(2)
    if sent.is_empty():
        return
    with con.cursor() as cur:
        batch = int(cur.execute("SELECT nextval('czn_batch_seq')").fetchall()[0][0])
        cur.executemany(
            "INSERT INTO czn_escalations VALUES (?, ?, 'demo_base_centre', ?, ?, ?)",
            [
                [batch, dt.datetime.combine(as_of - dt.timedelta(days=14), dt.time(10)), c, cohort, k]
                for c, k in sent.rows()
            ],
        )
        snils = cur.execute(
            "SELECT snils FROM graduates WHERE cohort = ? AND person_key IN (SELECT unnest(?::VARCHAR[])) ORDER BY 1",
            [cohort, sent["person_key"].to_list()],
        ).fetchall()
    answered = [s for (s,) in snils if s][::2]
    if answered:
        results = (
            "Поставлен на учёт, подобраны вакансии",
            "Направлен на профобучение",
            "Трудоустроен",
            "На связь не вышел",
        )
        body = "СНИЛС;Дата ответа;Результат\n" + "".join(
            f"{s};{(as_of - dt.timedelta(days=3)):%d.%m.%Y};{results[i % len(results)]}\n"
            for i, s in enumerate(answered)
        )
        load_file(con, body.encode("utf-8"), "czn_answer.csv", kind="czn_answers", scope=BC)


def _army_file(con: duckdb.DuckDBPyConnection, rng: random.Random, cohort: int, as_of: dt.date) -> None:
    """The ministry's file names half of the cohort's conscripts, discharged about a year after call-up."""
    with con.cursor() as cur:
        rows = cur.execute(
            """SELECT DISTINCT g.snils, coalesce(r.conscription_date, r.status_start, r.snapshot_date) AS call_up
               FROM status_rows r JOIN graduates g USING (college_code, cohort, person_key)
               WHERE r.cohort = ? AND r.status = 'military_conscript' AND g.snils IS NOT NULL ORDER BY 1""",
            [cohort],
        ).fetchall()
    picked = [(s, d) for s, d in rows if rng.random() < 0.5 and d is not None]
    if not picked:
        return
    body = "СНИЛС;Дата увольнения с военной службы;Дата выгрузки\n" + "".join(
        f"{s};{(d + dt.timedelta(days=365 + rng.randrange(-10, 10))):%d.%m.%Y};{as_of:%d.%m.%Y}\n"
        for s, d in picked
    )
    load_file(con, body.encode("utf-8"), "army_returns.csv", kind="army_returns", scope=BC)


def apply(con: duckdb.DuckDBPyConnection, seed: int, today: dt.date | None = None) -> dict[str, int]:
    """Add the demo's vacancies, support measures, army file and case measures; returns counts."""
    rng = random.Random(seed * 7919 + 14)
    with con.cursor() as cur:
        cohorts = engine.cohorts(cur, OPERATOR)
        if not cohorts:
            return {}
        cohort = max(cohorts)
        as_of = engine.default_as_of(cur, OPERATOR, cohort, today)
    n_vac = _load_vacancies(con, rng, as_of)
    _support(con, as_of)
    measures = _cases(con, rng, cohort, as_of)
    _escalation(con, measures, cohort, as_of)
    _army_file(con, rng, cohort, as_of)
    return {"vacancies": n_vac, "measures": measures.height, "support": len(_SUPPORT)}
