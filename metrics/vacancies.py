"""Matching risk-group graduates to vacancies (issue 14, part 4).

Many vacancies carry no occupation code, so a graduate's specialty is matched through a map
specialty → occupations/keywords kept as data (table specialty_occupations, seeded from
sample_data/reference/specialty_occupations.csv, edited by the base centre). The text comparison
is rapidfuzz's `partial_ratio` (0–100: the best alignment of the keyword inside the vacancy's title
and profession), after lower-casing, punctuation removal and ё → е. A partial alignment tolerates
Russian inflection and compound titles («сварщик» in «Электрогазосварщик 4 разряда», «оператор
станков с ЧПУ» in «Оператор станка с ЧПУ»), which exact keyword search misses.

Fit of a vacancy for a graduate (0–100, higher first):
  text       round(0.6 × best keyword score); a vacancy is a candidate only from MIN_TEXT_SCORE;
  place      +30 in the graduate's municipality (of residence, else the college's), +15 elsewhere in
             the same territory (ТУ), 0 elsewhere in the region or unknown;
  education  +10 when it asks for secondary vocational education («среднее профессиональное»),
             −20 when it asks for higher education, 0 otherwise.
Ties: newer vacancy first, then source and id.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
from rapidfuzz import fuzz, process, utils

from data_layer import vacancies as store
from data_layer.scope import Scope

MIN_TEXT_SCORE = 88.0
TEXT_WEIGHT = 0.6
PLACE_POINTS = {"municipality": 30, "territory": 15}
EDU_POINTS = {"spo": 10, "higher": -20}
TOP = 10

# The stored parts, for the layers above.
vacancy_list = store.vacancies
specialty_map = store.specialty_map
graduate_places = store.graduate_places


def _process(text: str) -> str:
    return utils.default_process(text.replace("ё", "е").replace("Ё", "Е"))


def text_scores(vac: pl.DataFrame, spec_map: pl.DataFrame) -> pl.DataFrame:
    """(program_code, source, source_id, text_score) for every pair scoring at least MIN_TEXT_SCORE."""
    schema = {"program_code": pl.Utf8, "source": pl.Utf8, "source_id": pl.Utf8, "text_score": pl.Float64}
    if vac.is_empty() or spec_map.is_empty():
        return pl.DataFrame(schema=schema)
    texts = [
        _process(f"{t or ''} {p or ''}")
        for t, p in zip(vac["title"].to_list(), vac["profession"].to_list(), strict=True)
    ]
    rows: list[tuple[str, str, str, float]] = []
    sources, ids = vac["source"].to_list(), vac["source_id"].to_list()
    for code, keywords in zip(
        spec_map["program_code"].to_list(), spec_map["keywords"].to_list(), strict=True
    ):
        words = [_process(k) for k in keywords or [] if len(k.strip()) >= 4]
        if not words:
            continue
        scores = process.cdist(
            words, texts, scorer=fuzz.partial_ratio, processor=None, score_cutoff=MIN_TEXT_SCORE, workers=-1
        )
        best = scores.max(axis=0)
        for j, s in enumerate(best.tolist()):
            if s >= MIN_TEXT_SCORE:
                rows.append((code, sources[j], ids[j], float(s)))
    return pl.DataFrame(rows, schema=schema, orient="row")


def _edu_points() -> pl.Expr:
    e = pl.col("education").str.to_lowercase().fill_null("")
    return (
        pl.when(e.str.contains("высш"))
        .then(pl.lit(EDU_POINTS["higher"]))
        .when(e.str.contains("среднее проф") | e.str.contains("спо"))
        .then(pl.lit(EDU_POINTS["spo"]))
        .otherwise(pl.lit(0))
    )


def rank(places: pl.DataFrame, vac: pl.DataFrame, scores: pl.DataFrame, top: int = TOP) -> pl.DataFrame:
    """Ranked vacancies per graduate (pure). `places`: college_code, person_key, program_code,
    oktmo, tu_code. Returns the graduate keys, the vacancy columns, text_score, place_points,
    edu_points, fit and rank (1 = best), at most `top` per graduate."""
    keys = places.select("college_code", "person_key", "program_code", "oktmo", "tu_code")
    pairs = keys.join(scores, on="program_code", how="inner").join(
        vac.rename({"oktmo": "v_oktmo", "tu_code": "v_tu_code"}), on=["source", "source_id"], how="inner"
    )
    if pairs.is_empty():
        return pairs.with_columns(
            place_points=pl.lit(0), edu_points=pl.lit(0), fit=pl.lit(0), rank=pl.lit(0, dtype=pl.UInt32)
        )
    out = pairs.with_columns(
        place_points=pl.when(pl.col("v_oktmo") == pl.col("oktmo"))
        .then(pl.lit(PLACE_POINTS["municipality"]))
        .when(pl.col("v_tu_code") == pl.col("tu_code"))
        .then(pl.lit(PLACE_POINTS["territory"]))
        .otherwise(pl.lit(0)),
        edu_points=_edu_points(),
    ).with_columns(
        fit=(pl.col("text_score") * TEXT_WEIGHT).round(0).cast(pl.Int64)
        + pl.col("place_points")
        + pl.col("edu_points")
    )
    out = out.sort(
        ["college_code", "person_key", "fit", "vacancy_date", "source", "source_id"],
        descending=[False, False, True, True, False, False],
        nulls_last=True,
    ).with_columns(rank=pl.int_range(1, pl.len() + 1).over("college_code", "person_key"))
    return out.filter(pl.col("rank") <= top)


def prepare(cur: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(vacancies, text scores): the part of matching that does not depend on the graduate — the
    slow one (fuzzy comparison of every keyword with every vacancy), worth caching until the next
    vacancy load or map edit (`map_stamp`)."""
    vac = store.vacancies(cur)
    return vac, text_scores(vac, store.specialty_map(cur))


def map_stamp(cur: duckdb.DuckDBPyConnection) -> str:
    """Changes whenever the specialty map is edited (part of the cache key of `prepare`)."""
    row = cur.execute(
        "SELECT count(*), max(updated_at), sum(length(keywords)) FROM specialty_occupations"
    ).fetchall()[0]
    return "|".join(str(x) for x in row)


def matches(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    people: pl.DataFrame,
    college: str | None = None,
    top: int = TOP,
    prepared: tuple[pl.DataFrame, pl.DataFrame] | None = None,
) -> pl.DataFrame:
    """Ranked vacancies for the graduates in `people` (college_code, person_key), personal data.
    `prepared`: the result of `prepare` from a cache."""
    places = store.graduate_places(cur, scope, cohort, college).join(
        people.select("college_code", "person_key").unique(), on=["college_code", "person_key"], how="semi"
    )
    vac, scores = prepared if prepared is not None else prepare(cur)
    return rank(places, vac, scores, top)


def vacancy_counts(vac: pl.DataFrame) -> pl.DataFrame:
    """Open vacancies per territory and municipality (for the base centre's overview)."""
    return (
        vac.group_by("tu_code", "municipality_name")
        .agg(pl.len().cast(pl.Int64).alias("vacancies"))
        .sort(["tu_code", "municipality_name"], nulls_last=True)
    )


def offer_text(row: dict[str, object]) -> str:
    """The description of a «вакансия предложена» measure: what was offered, by whom, where."""
    bounds = [v for v in (row.get("salary_min"), row.get("salary_max")) if isinstance(v, int) and v > 0]
    salary = (
        (", зарплата " + " – ".join(f"{v:,}".replace(",", "\u00a0") for v in bounds) + " ₽") if bounds else ""
    )
    place = f", {row['municipality_name']}" if row.get("municipality_name") else ""
    when = row.get("vacancy_date")
    dated = f" (от {when:%d.%m.%Y})" if isinstance(when, dt.date) else ""
    return f"{row['title']} — {row['employer']}{place}{salary}{dated}; источник: {row['source']}, № {row['source_id']}"
