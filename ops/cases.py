"""Writes of the work with risk cases: measures and their outcomes, the measure catalogue and the
«no measure for N weeks» setting. Each call is one transaction together with its audit entry.

Measures do not change any loaded figure, so the dataset version is not bumped: pages read measures
uncached and join them onto the cached stays (metrics.cases).
"""

from __future__ import annotations

import datetime as dt

import duckdb

from data_layer import cases as store
from data_layer.errors import ScopeError, UserFacingError
from data_layer.scope import Scope
from ops.transaction import audited


def _clean(text: str | None, what: str, *, required: bool) -> str | None:
    body = (text or "").strip()
    if not body:
        if required:
            raise UserFacingError(f"Заполните поле «{what}».")
        return None
    if len(body) > store.MAX_TEXT_CHARS:
        raise UserFacingError(f"«{what}» длиннее {store.MAX_TEXT_CHARS} символов; сократите текст.")
    return body


def add_measure(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    college: str,
    cohort: int,
    person_key: str,
    measure_type: str,
    responsible: str,
    measure_date: dt.date,
    due_date: dt.date,
    description: str | None = None,
    *,
    vacancy_id: str | None = None,
    today: dt.date | None = None,
) -> int:
    """Record a measure for a graduate of `college`; returns its id.

    ScopeError outside the scope (a college writes for its own graduates only; ТУ and ministry never
    write); UserFacingError for an unknown or retired measure type, an empty responsible person, a
    measure date in the future, a due date before the measure date or an unknown graduate."""
    scope.require_role("base_centre", "college")
    scope.check_college(cur, college)
    types = store.catalogue(cur, active_only=True)
    if measure_type not in types["code"].to_list():
        raise UserFacingError("Выберите вид меры из каталога базового центра.")
    who = _clean(responsible, "Ответственный", required=True)
    text = _clean(description, "Описание", required=False)
    if measure_date > (today or dt.date.today()):
        raise UserFacingError("Дата меры не может быть позже сегодняшнего дня.")
    if due_date < measure_date:
        raise UserFacingError("Срок выполнения не может быть раньше даты меры.")
    if not store.graduate_exists(cur, college, cohort, person_key):
        raise UserFacingError("Выпускник не найден в списке фактического выпуска этой ПОО.")
    # The audit object names the measure, not the graduate: the log is not a personal-data register.
    with audited(cur, scope, "case_measure", f"{college}/{cohort}", bump=False) as entry:
        measure_id = int(cur.execute("SELECT nextval('measure_id_seq')").fetchall()[0][0])
        cur.execute(
            """INSERT INTO case_measures (measure_id, college_code, cohort, person_key, measure_type,
                 description, responsible, measure_date, due_date, vacancy_id, created_at, created_by)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                measure_id,
                college,
                cohort,
                person_key,
                measure_type,
                text,
                who,
                measure_date,
                due_date,
                vacancy_id,
                dt.datetime.now(),
                scope.username,
            ],
        )
        entry.details = f"мера № {measure_id} ({measure_type})"
    return measure_id


def record_outcome(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    measure_id: int,
    outcome: str,
    outcome_date: dt.date,
    note: str | None = None,
    *,
    today: dt.date | None = None,
) -> None:
    """Set (or correct) the outcome of a measure."""
    scope.require_role("base_centre", "college")
    owner = store.measure_owner(cur, measure_id)
    if owner is None:
        raise UserFacingError(f"Мера № {measure_id} не найдена.")
    college, cohort, _ = owner
    scope.check_college(cur, college)
    if outcome not in store.OUTCOMES:
        raise UserFacingError("Выберите результат меры из списка.")
    if outcome_date > (today or dt.date.today()):
        raise UserFacingError("Дата результата не может быть позже сегодняшнего дня.")
    text = _clean(note, "Комментарий к результату", required=False)
    details = f"мера № {measure_id}: {outcome}"
    with audited(cur, scope, "case_outcome", f"{college}/{cohort}", details, bump=False):
        start = cur.execute(
            "SELECT measure_date FROM case_measures WHERE measure_id = ?", [measure_id]
        ).fetchall()
        if outcome_date < start[0][0]:
            raise UserFacingError("Дата результата не может быть раньше даты меры.")
        cur.execute(
            """UPDATE case_measures SET outcome = ?, outcome_note = ?, outcome_date = ?, updated_at = ?,
                 updated_by = ? WHERE measure_id = ?""",
            [outcome, text, outcome_date, dt.datetime.now(), scope.username, measure_id],
        )


def save_catalogue_entry(
    cur: duckdb.DuckDBPyConnection, scope: Scope, code: str, name: str, active: bool = True
) -> None:
    """Add a measure type or rename / retire / restore one (base centre only). Types are never
    deleted: recorded measures keep pointing at them."""
    scope.require_role("base_centre")
    code = (code or "").strip()
    if not code or not code.replace("_", "").isascii() or not code.replace("_", "").isalnum():
        raise UserFacingError("Код вида меры: латинские буквы, цифры и «_».")
    label = _clean(name, "Название", required=True)
    details = f"{label}{'' if active else ' (снят)'}"
    with audited(cur, scope, "measure_catalogue", code, details, bump=False):
        exists = cur.execute("SELECT count(*) FROM measure_catalogue WHERE code = ?", [code]).fetchall()[0][0]
        now = dt.datetime.now()
        if exists:
            cur.execute(
                "UPDATE measure_catalogue SET name = ?, active = ?, updated_at = ?, updated_by = ? WHERE code = ?",
                [label, active, now, scope.username, code],
            )
        else:
            order = cur.execute("SELECT coalesce(max(sort_order), 0) + 10 FROM measure_catalogue").fetchall()[
                0
            ][0]
            cur.execute(
                "INSERT INTO measure_catalogue VALUES (?, ?, ?, ?, ?, ?)",
                [code, label, order, active, now, scope.username],
            )


def set_stale_weeks(cur: duckdb.DuckDBPyConnection, scope: Scope, weeks: int) -> None:
    """N of «no measure for N weeks» (base centre only)."""
    if scope.role != "base_centre":
        raise ScopeError("Менять настройку может только базовый центр.")
    lo, hi = store.STALE_WEEKS_RANGE
    if not lo <= int(weeks) <= hi:
        raise UserFacingError(f"Число недель без мер: от {lo} до {hi}.")
    before = store.stale_weeks(cur)
    # Stale marks are computed on every page run from this value: no cached figure to invalidate.
    with audited(
        cur, scope, "settings_change", store.STALE_WEEKS_KEY, f"{before} → {int(weeks)}", bump=False
    ):
        cur.execute("DELETE FROM settings WHERE key = ?", [store.STALE_WEEKS_KEY])
        cur.execute(
            "INSERT INTO settings VALUES (?, ?, ?, ?)",
            [store.STALE_WEEKS_KEY, str(int(weeks)), dt.datetime.now(), scope.username],
        )


def escalate_to_czn(
    cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, people: list[tuple[str, str]]
) -> int:
    """Record a list of graduates (college_code, person_key) sent to the labour ministry's ЦЗН;
    returns its batch number. Base centre only; the audit entry names the batch and its size (the
    list itself holds personal data and is built from this record: reports.czn_list)."""
    scope.require_role("base_centre")
    unique = sorted(set(people))
    if not unique:
        raise UserFacingError("Список пуст: отметьте случаи, которые нужно передать в ЦЗН.")
    for college, person_key in unique:
        if not store.graduate_exists(cur, college, cohort, person_key):
            raise UserFacingError("В списке есть выпускник, которого нет в фактическом выпуске.")
    now = dt.datetime.now()
    with audited(cur, scope, "czn_escalation", f"выпуск {cohort}", bump=False) as entry:
        batch = int(cur.execute("SELECT nextval('czn_batch_seq')").fetchall()[0][0])
        cur.executemany(
            "INSERT INTO czn_escalations VALUES (?, ?, ?, ?, ?, ?)",
            [[batch, now, scope.username, college, cohort, key] for college, key in unique],
        )
        entry.details = f"список № {batch}: {len(unique)} чел. (персональные данные)"
    return batch
