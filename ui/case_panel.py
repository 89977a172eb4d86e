"""One graduate's risk cases: the measures of each, the form to add a measure (type from the base
centre's catalogue, responsible person, due date) and the form to record a measure's outcome.
Shared by the pages «Группа риска» and «Работа с группой риска»."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import streamlit as st

from metrics import cases as case_metrics
from metrics import support
from metrics import vacancies as vacancy_metrics
from metrics.formatting import fmt_date, fmt_int
from metrics.risk import REASONS
from ops import cases as case_ops
from reports import work_lists
from ui import cached, case_view, downloads, widgets
from ui.connection import cursor
from ui.risk_view import STATUS_LABELS
from ui.roles import Scope

SAVED_KEY = "_case_saved"


def graduate_cases(scope: Scope, cohort: int, as_of: dt.date, college: str, person_key: str) -> pl.DataFrame:
    """The graduate's cases at `as_of` (stays from the cache, measures fresh), newest first."""
    v = cached.version()
    stays = cached.risk_stays(v, scope, cohort, as_of, (("college", college),))
    mine = stays.filter((pl.col("college_code") == college) & (pl.col("person_key") == person_key))
    with cursor() as cur:
        frame = case_metrics.case_list(cur, scope, cohort, as_of, cached.thresholds(v), stays=mine)
    return frame.sort("stay_no", descending=True)


def _case_caption(row: dict[str, object]) -> str:
    reasons = row["entry_reasons"] if isinstance(row["entry_reasons"], list) else []
    text = (
        f"**Случай {row['stay_no']}: {case_metrics.STATES.get(str(row['state']), '')}.** "
        f"Открыт {fmt_date(row['entry_date'])}"  # type: ignore[arg-type]
        f" — {'; '.join(REASONS.get(str(r), str(r)) for r in reasons) or 'причина не указана'}."
    )
    if row.get("exit_date"):
        status = STATUS_LABELS.get(str(row["exit_status"]), "нет данных")
        text += f" Закрыт {fmt_date(row['exit_date'])}: {status}."  # type: ignore[arg-type]
    if row.get("overdue"):
        text += f" Просрочено мер: {fmt_int(row['overdue'])}."  # type: ignore[arg-type]
    if row.get("stale"):
        text += " Новых мер давно не было."
    return text


def case_panel(scope: Scope, cohort: int, as_of: dt.date, college: str, person_key: str, key: str) -> None:
    """Cases of one graduate with measures and forms (college and base centre)."""
    saved = st.session_state.pop(SAVED_KEY, None)
    if saved:
        st.success(saved)
    graduate_cases_ = graduate_cases(scope, cohort, as_of, college, person_key)
    with cursor() as cur:
        measures = case_metrics.measure_list(cur, scope, cohort, college, person_key)
        catalogue = case_metrics.catalogue(cur)
    if graduate_cases_.is_empty():
        st.caption("На дату расчёта у выпускника нет случаев: он не был в группе риска.")
        return
    linked = case_metrics.link_measures(measures, graduate_cases_)
    for row in graduate_cases_.to_dicts():
        st.markdown(_case_caption(row))
        own = linked.filter(pl.col("stay_no") == row["stay_no"]).sort("measure_date", descending=True)
        if own.height:
            st.dataframe(
                case_view.measures_display(own, catalogue),
                hide_index=True,
                width="stretch",
                placeholder="—",
                key=f"{key}_measures_{row['stay_no']}",
            )
        else:
            st.caption("Мер по этому случаю пока нет.")
    current = graduate_cases_.row(0, named=True)
    _czn_answer(scope, cohort, college, person_key)
    if current["state"] == "open":
        measure_form(scope, cohort, college, person_key, catalogue, key)
    open_measures = measures.filter(pl.col("outcome").is_null())
    if open_measures.height:
        outcome_form(scope, open_measures, catalogue, key)
    reasons = current["last_reasons"] if isinstance(current["last_reasons"], list) else []
    place = _place(scope, cohort, college, person_key)
    support_block(place, [str(r) for r in reasons], as_of)
    if current["state"] == "open":
        vacancy_block(scope, cohort, as_of, college, person_key, place, key)


def _czn_answer(scope: Scope, cohort: int, college: str, person_key: str) -> None:
    with cursor() as cur:
        sent = case_metrics.escalations(cur, scope, cohort)
        answers = case_metrics.czn_answers(cur, scope, cohort)
    mine = (pl.col("college_code") == college) & (pl.col("person_key") == person_key)
    sent, answers = sent.filter(mine), answers.filter(mine)
    if sent.height:
        st.markdown(f"**Передан в ЦЗН:** список № {sent['batch_id'][0]} от {fmt_date(sent['sent_at'][0])}.")
    if answers.height:
        a = answers.row(0, named=True)
        comment = f" ({a['comment']})" if a["comment"] else ""
        st.markdown(
            f"**Ответ ЦЗН от {fmt_date(a['answer_date'])}:** {escape_md(a['result'])}{escape_md(comment)}"
        )


def _place(scope: Scope, cohort: int, college: str, person_key: str) -> dict[str, object]:
    """The graduate's municipality, territory, specialty and priority-group flags."""
    with cursor() as cur:
        places = vacancy_metrics.graduate_places(cur, scope, cohort, college)
    row = places.filter(pl.col("person_key") == person_key)
    return row.row(0, named=True) if row.height else {}


def support_block(place: dict[str, object], reasons: list[str], as_of: dt.date) -> None:
    """Regional support measures the graduate qualifies for (base centre's registry)."""
    with cursor() as cur:
        registry = support.registry(cur)
    groups = support.graduate_groups(place, reasons)
    fits = support.applicable(
        registry, str(place.get("program_code") or ""), str(place.get("tu_code") or ""), groups, as_of
    )
    if fits.is_empty():
        return
    with st.expander(f"Меры поддержки, на которые выпускник может претендовать ({fmt_int(fits.height)})"):
        for m in fits.to_dicts():
            line = f"**{escape_md(m['title'])}** — {escape_md(m['who_qualifies'])}. Оператор: {escape_md(m['operator'])}"
            if m["valid_until"]:
                line += f", действует до {fmt_date(m['valid_until'])}"
            if m["link"]:
                line += f". [Подробнее]({m['link']})"
            st.markdown(line + ".")


def vacancy_block(
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    college: str,
    person_key: str,
    place: dict[str, object],
    key: str,
    top: int = 5,
) -> None:
    """Vacancies matched to the graduate, best first: offer one in one click (a «вакансия
    предложена» measure) or print the list."""
    people = pl.DataFrame({"college_code": [college], "person_key": [person_key]})
    with cursor() as cur:
        stamp = vacancy_metrics.map_stamp(cur)
    prepared = cached.vacancy_matching(cached.version(), stamp)
    with cursor() as cur:
        ranked = vacancy_metrics.matches(cur, scope, cohort, people, college, prepared=prepared)
    st.markdown("**Подходящие вакансии**")
    if ranked.is_empty():
        st.caption(
            "Подходящих вакансий в банке нет: базовый центр загружает выгрузки «Работа России» и "
            "ведёт соответствие специальностей и профессий."
        )
        return
    where = "проживания" if place.get("by_residence") else "ПОО"
    st.caption(
        f"По специальности и месту ({where}: {place.get('municipality_name') or '—'}); соответствие в баллах из 100."
    )
    for row in ranked.head(top).to_dicts():
        _vacancy_row(scope, cohort, college, person_key, row, key)
    _vacancy_print_button(scope, cohort, as_of, college, person_key, ranked, key)


def _vacancy_row(
    scope: Scope, cohort: int, college: str, person_key: str, row: dict[str, Any], key: str
) -> None:
    """One matched vacancy with its «Предложить» button (records the measure)."""
    c_text, c_button = st.columns([5, 1])
    c_text.markdown(f"{row['rank']}. {escape_md(vacancy_metrics.offer_text(row))} · **{row['fit']}**")
    vacancy_id = f"{row['source']}:{row['source_id']}"
    if c_button.button(
        "Предложить", key=f"{key}_offer_{row['rank']}", help="Записать меру «Вакансия предложена»"
    ):
        today = dt.date.today()
        try:
            with cursor() as cur:
                case_ops.add_measure(
                    cur,
                    scope,
                    college,
                    cohort,
                    person_key,
                    "vacancy_offered",
                    scope.username,
                    today,
                    today + dt.timedelta(days=7),
                    vacancy_metrics.offer_text(row),
                    vacancy_id=vacancy_id,
                )
        except Exception as exc:
            widgets.action_error(exc, "vacancy_offered")
        else:
            st.session_state[SAVED_KEY] = "Вакансия предложена: мера записана."
            st.rerun()


def _vacancy_print_button(
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    college: str,
    person_key: str,
    ranked: pl.DataFrame,
    key: str,
) -> None:
    """The matched vacancies as a workbook to print for the graduate (personal data: audited)."""
    fio_row = cached.case_people(cached.version(), scope, cohort).filter(
        (pl.col("college_code") == college) & (pl.col("person_key") == person_key)
    )
    fio = str(fio_row["fio"][0]) if fio_row.height else "Выпускник"
    program = f"{fio_row['program_code'][0]} {fio_row['program_name'][0] or ''}" if fio_row.height else ""
    notice = cached.demo_notice(cached.version())
    downloads.personal_file_button(
        lambda: work_lists.vacancy_list_workbook(
            fio, program, college, ranked, as_of, scope.username, notice=notice
        ),
        f"Вакансии_{college}_{as_of:%d.%m.%Y}.xlsx",
        "Список вакансий для печати (Excel)",
        key=f"{key}_vacancy_print",
        what="Подобранные вакансии",
    )


def escape_md(value: object) -> str:
    """Text shown inside Markdown without being read as markup (user and feed data)."""
    text = str(value or "")
    for ch in "\\`*_{}[]<>#|~":
        text = text.replace(ch, "\\" + ch)
    return text


def measure_form(
    scope: Scope,
    cohort: int,
    college: str,
    person_key: str,
    catalogue: pl.DataFrame,
    key: str,
    *,
    preset_type: str | None = None,
    preset_text: str | None = None,
    vacancy_id: str | None = None,
) -> None:
    active = catalogue.filter(pl.col("active"))
    names = dict(zip(active["code"], active["name"], strict=True))
    today = dt.date.today()
    with st.form(f"{key}_new", clear_on_submit=True):
        st.markdown("**Новая мера**")
        c_type, c_who, c_date, c_due = st.columns([3, 3, 2, 2])
        codes = list(names)
        measure_type = c_type.selectbox(
            "Мера",
            codes,
            index=codes.index(preset_type) if preset_type in codes else 0,
            format_func=lambda c: names[c],
            key=f"{key}_new_type",
        )
        who = c_who.text_input("Ответственный", value=scope.username, key=f"{key}_new_who", max_chars=200)
        when = c_date.date_input(
            "Дата", value=today, max_value=today, format="DD.MM.YYYY", key=f"{key}_new_date"
        )
        due = c_due.date_input(
            "Срок", value=today + dt.timedelta(days=7), format="DD.MM.YYYY", key=f"{key}_new_due"
        )
        text = st.text_area(
            "Описание",
            value=preset_text or "",
            max_chars=case_metrics.MAX_TEXT_CHARS,
            key=f"{key}_new_text",
            placeholder="Например: консультация по резюме; направлен на собеседование в ООО «…»",
        )
        if st.form_submit_button("Записать меру", type="primary"):
            try:
                with cursor() as cur:
                    what = (str(measure_type), who, when, due, text)
                    case_ops.add_measure(
                        cur, scope, college, cohort, person_key, *what, vacancy_id=vacancy_id
                    )  # type: ignore[arg-type]
            except Exception as exc:
                widgets.action_error(exc, "case_measure")
            else:
                st.session_state[SAVED_KEY] = "Мера записана."
                st.rerun()


def outcome_form(scope: Scope, open_measures: pl.DataFrame, catalogue: pl.DataFrame, key: str) -> None:
    names = dict(zip(catalogue["code"], catalogue["name"], strict=True))
    labels = {
        int(r["measure_id"]): f"№ {r['measure_id']} · {names.get(r['measure_type'], r['measure_type'])} · "
        f"срок {fmt_date(r['due_date'])}"
        for r in open_measures.to_dicts()
    }
    today = dt.date.today()
    with st.form(f"{key}_outcome", clear_on_submit=True):
        st.markdown("**Результат меры**")
        c_m, c_o, c_d = st.columns([4, 3, 2])
        measure_id = c_m.selectbox(
            "Мера", list(labels), format_func=lambda i: labels[i], key=f"{key}_outcome_id"
        )
        outcome = c_o.selectbox(
            "Результат",
            list(case_metrics.OUTCOMES),
            format_func=lambda o: case_metrics.OUTCOMES[o],
            key=f"{key}_outcome_value",
        )
        when = c_d.date_input(
            "Дата", value=today, max_value=today, format="DD.MM.YYYY", key=f"{key}_outcome_date"
        )
        note = st.text_input("Комментарий", key=f"{key}_outcome_note", max_chars=case_metrics.MAX_TEXT_CHARS)
        if st.form_submit_button("Записать результат"):
            try:
                with cursor() as cur:
                    case_ops.record_outcome(cur, scope, int(measure_id), str(outcome), when, note)  # type: ignore[arg-type]
            except Exception as exc:
                widgets.action_error(exc, "case_outcome")
            else:
                st.session_state[SAVED_KEY] = "Результат записан."
                st.rerun()
