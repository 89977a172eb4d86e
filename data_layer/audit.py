"""Append-only audit log (docs/domain.md §10): logins, uploads, confirmations, criteria publications,
user changes and downloads containing personal data. There is deliberately no update or delete.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from data_layer.text import mask_snils_columns

ACTION_LABELS: dict[str, str] = {
    "login": "Вход",
    "login_failed": "Неудачный вход",
    "login_locked": "Задержка входа после неудачных попыток",
    "logout": "Выход",
    "upload": "Загрузка файла",
    "upload_rejected": "Файл отклонён",
    "upload_undone": "Отмена загрузки",
    "confirm": "Подтверждение сверки",
    "return": "Возврат сверки",
    "criteria_publish": "Публикация критериев",
    "criteria_draft": "Черновик критериев",
    "settings_change": "Изменение настроек",
    "user_change": "Изменение пользователей",
    "download_pd": "Выгрузка с персональными данными",
    "download": "Выгрузка отчёта",
    "risk_measure": "Мера поддержки",
    "case_measure": "Мера по случаю группы риска",
    "case_outcome": "Результат меры",
    "measure_catalogue": "Каталог мер",
    "czn_escalation": "Передача списка в ЦЗН",
    "support_measure": "Реестр мер поддержки",
    "vacancy_map": "Соответствие специальностей и профессий",
    "identity_decision": "Решение по спорному СНИЛС",
    "view_external": "Просмотр данных УФНС/ЦЗН по выпускникам",
    "report_issue": "Утверждение и регистрация отчёта",
    "rating_publish": "Публикация рейтинга ЦСТВ",
    "rating_objection": "Возражение по рейтингу ЦСТВ",
    "rating_objection_answer": "Ответ на возражение по рейтингу",
    "schedule_change": "Изменение графика сдачи данных",
    "import_mapping_save": "Сохранение сопоставления файла",
    "import_mapping_rename": "Переименование сопоставления файла",
    "import_mapping_delete": "Удаление сопоставления файла",
}


def record(
    cur: duckdb.DuckDBPyConnection,
    username: str | None,
    role: str | None,
    action: str,
    obj: str | None = None,
    details: str | None = None,
) -> None:
    """Append one event. Call inside the transaction of the action it records, where there is one."""
    cur.execute(
        "INSERT INTO audit_log VALUES (nextval('audit_id_seq'), ?, ?, ?, ?, ?, ?)",
        [dt.datetime.now(), username, role, action, obj, details],
    )


def read_log(
    cur: duckdb.DuckDBPyConnection,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    username: str | None = None,
    action: str | None = None,
    limit: int = 5000,
) -> pl.DataFrame:
    """Newest first; every filter optional (`since` and `until` are inclusive days). СНИЛС-shaped
    numbers in the object and details (a file named after a person) come out masked."""
    log = cur.sql(
        """SELECT event_id, event_at, username, role, action, object, details FROM audit_log
           WHERE (?::DATE IS NULL OR event_at >= ?::DATE)
             AND (?::DATE IS NULL OR event_at < ?::DATE + 1)
             AND (?::VARCHAR IS NULL OR username = ?)
             AND (?::VARCHAR IS NULL OR action = ?)
           ORDER BY event_id DESC LIMIT ?""",
        params=[since, since, until, until, username, username, action, action, limit],
    ).pl()
    return mask_snils_columns(log, "object", "details")


def logged_usernames(cur: duckdb.DuckDBPyConnection) -> list[str]:
    """Every user name that occurs in the log, sorted (for filters)."""
    rows = cur.execute(
        "SELECT DISTINCT username FROM audit_log WHERE username IS NOT NULL ORDER BY username"
    ).fetchall()
    return [r[0] for r in rows]
