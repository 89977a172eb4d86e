"""Which pages exist, in which menu section, and which roles may open them.

The navigation is built from this table after login; a page a role may not see is never
registered, so it cannot be reached by URL either (docs/architecture.md §5.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st


@dataclass(frozen=True)
class PageSpec:
    file: str  # relative to the app folder
    title: str
    icon: str
    url_path: str
    section: str
    roles: frozenset[str]


ALL = frozenset({"ministry", "territory", "base_centre", "college"})
AGG = frozenset({"ministry", "territory", "base_centre"})

PAGE_SPECS: tuple[PageSpec, ...] = (
    PageSpec("pages/screens/home.py", "Главная", ":material/home:", "home", "Мониторинг", ALL),
    PageSpec(
        "pages/screens/overview.py", "Обзор региона", ":material/monitoring:", "overview", "Мониторинг", AGG
    ),
    PageSpec(
        "pages/screens/territories.py", "Территории", ":material/map:", "territories", "Мониторинг", AGG
    ),
    PageSpec(
        "pages/screens/ranking.py", "Рейтинг ПОО", ":material/leaderboard:", "ranking", "Мониторинг", AGG
    ),
    PageSpec("pages/screens/college.py", "Карточка ПОО", ":material/school:", "college", "Мониторинг", ALL),
    PageSpec(
        "pages/screens/specialties.py",
        "Специальности",
        ":material/category:",
        "specialties",
        "Мониторинг",
        ALL,
    ),
    PageSpec(
        "pages/screens/priority_groups.py",
        "Приоритетные группы",
        ":material/diversity_3:",
        "priority_groups",
        "Мониторинг",
        ALL,
    ),
    PageSpec(
        "pages/screens/risk.py",
        "Группа риска",
        ":material/warning:",
        "risk",
        "Работа с выпускниками",
        frozenset({"base_centre", "college"}),
    ),
    PageSpec(
        "pages/screens/cases.py",
        "Работа с группой риска",
        ":material/assignment_ind:",
        "cases",
        "Работа с выпускниками",
        ALL,
    ),
    PageSpec(
        "pages/screens/vacancies.py",
        "Вакансии и меры поддержки",
        ":material/work:",
        "vacancies",
        "Работа с выпускниками",
        ALL,
    ),
    PageSpec(
        "pages/screens/criteria.py",
        "Эффективность ЦСТВ",
        ":material/star:",
        "criteria",
        "Работа с выпускниками",
        ALL,
    ),
    PageSpec(
        "pages/screens/quality.py",
        "Качество данных и КЦП",
        ":material/rule:",
        "quality",
        "Работа с выпускниками",
        AGG,
    ),
    PageSpec(
        "pages/screens/discipline.py",
        "Сдача данных",
        ":material/event_available:",
        "discipline",
        "Работа с выпускниками",
        ALL,
    ),
    PageSpec(
        "pages/screens/reconciliation.py",
        "Сверка и качество данных",
        ":material/fact_check:",
        "reconciliation",
        "Работа с выпускниками",
        frozenset({"territory", "base_centre", "college"}),
    ),
    PageSpec(
        "pages/screens/reports.py", "Отчёты", ":material/description:", "reports", "Данные и отчёты", ALL
    ),
    PageSpec(
        "pages/screens/upload.py",
        "Загрузка данных",
        ":material/upload:",
        "upload",
        "Данные и отчёты",
        frozenset({"base_centre", "college"}),
    ),
    PageSpec(
        "pages/screens/templates.py",
        "Шаблоны файлов",
        ":material/table_view:",
        "templates",
        "Данные и отчёты",
        frozenset({"base_centre", "college"}),
    ),
    PageSpec(
        "pages/screens/settings.py",
        "Настройки показателей",
        ":material/tune:",
        "settings",
        "Данные и отчёты",
        frozenset({"base_centre"}),
    ),
    PageSpec(
        "pages/screens/journal.py",
        "Журнал",
        ":material/history:",
        "journal",
        "Данные и отчёты",
        frozenset({"base_centre"}),
    ),
    PageSpec(
        "pages/screens/users.py",
        "Пользователи",
        ":material/manage_accounts:",
        "users",
        "Данные и отчёты",
        frozenset({"base_centre"}),
    ),
    PageSpec(
        "pages/screens/methodology.py", "Методика", ":material/menu_book:", "methodology", "Справка", ALL
    ),
)


def specs_for_role(role: str, app_dir: Path) -> list[PageSpec]:
    """Pages the role may open whose file exists (pure; used by tests)."""
    return [p for p in PAGE_SPECS if role in p.roles and (app_dir / p.file).exists()]


def pages_for_role(role: str, app_dir: Path) -> dict[str, list[st.Page]]:
    sections: dict[str, list[st.Page]] = {}
    for i, spec in enumerate(specs_for_role(role, app_dir)):
        page = st.Page(
            str(app_dir / spec.file),
            title=spec.title,
            icon=spec.icon,
            url_path=spec.url_path,
            default=(i == 0),
        )
        sections.setdefault(spec.section, []).append(page)
    return sections
