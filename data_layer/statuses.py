"""The graduate status dictionary (docs/domain.md §3): codes, Russian labels, federal columns, groups.

Lives in the data layer because the importer parses status labels; `metrics.statuses` re-exports it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Status:
    code: str
    label: str
    federal_col: str | None  # '06'..'27' of the federal monitoring form
    group: str  # work, study, army, leave, risk, excluded, other, forecast, undetermined, unknown
    forecast_target: str | None = None  # for forecast statuses: the status it counts as


STATUSES: tuple[Status, ...] = (
    Status("employed", "Трудоустроен (трудовой договор, договор ГПХ)", "06", "work"),
    Status("entrepreneur", "Индивидуальный предприниматель", "07", "work"),
    Status("self_employed", "Самозанятый (налог на профессиональный доход)", "08", "work"),
    Status("continuing_education", "Продолжает обучение", "09", "study"),
    Status("military_conscript", "Служба в армии по призыву", "10", "army"),
    Status("military_contract", "Служба по контракту (ВС РФ, МВД, МЧС и др.)", "11", "work"),
    Status("parental_leave", "Отпуск по уходу за ребёнком", "12", "leave"),
    Status("informal", "Неформальная занятость", "13", "risk"),
    Status("czn_unemployed", "Зарегистрирован в ЦЗН как безработный", "14", "risk"),
    Status("no_motivation", "Не имеет мотивации к трудоустройству", "15", "risk"),
    Status("other_risk", "Иные причины риска нетрудоустройства", "16", "risk"),
    Status("death_illness", "Смерть, тяжёлое состояние здоровья", "17", "excluded"),
    Status("under_investigation", "Под следствием, отбывает наказание", "18", "excluded"),
    Status("moved_abroad", "Переезд за пределы РФ", "19", "excluded"),
    Status("family_circumstances", "Семейные обстоятельства (уход за родственниками)", "20", "other"),
    Status("foreign_no_snils", "Иностранный гражданин без СНИЛС", "21", "excluded"),
    Status("forecast_employed", "Прогноз: будет трудоустроен", "22", "forecast", "employed"),
    Status("forecast_entrepreneur", "Прогноз: будет ИП", "23", "forecast", "entrepreneur"),
    Status("forecast_self_employed", "Прогноз: будет самозанятым", "24", "forecast", "self_employed"),
    Status("forecast_conscript", "Прогноз: будет призван в армию", "25", "forecast", "military_conscript"),
    Status("forecast_contract", "Прогноз: служба по контракту", "26", "forecast", "military_contract"),
    Status("forecast_education", "Прогноз: продолжит обучение", "27", "forecast", "continuing_education"),
    Status("undetermined", "Не определился (временно не занят)", None, "undetermined"),
    Status("unknown", "Нет данных", None, "unknown"),
)

BY_CODE: dict[str, Status] = {s.code: s for s in STATUSES}
CODES: tuple[str, ...] = tuple(s.code for s in STATUSES)
IMPORTABLE_CODES: tuple[str, ...] = tuple(c for c in CODES if c != "unknown")
FORECAST_MAP: dict[str, str] = {s.code: s.forecast_target for s in STATUSES if s.forecast_target}

GROUP_LABELS: dict[str, str] = {
    "work": "Работа",
    "study": "Обучение",
    "army": "Армия (призыв)",
    "leave": "Отпуск по уходу за ребёнком",
    "risk": "Риск нетрудоустройства",
    "excluded": "Выбыли (исключаются)",
    "other": "Иные обстоятельства",
    "forecast": "Прогноз",
    "undetermined": "Не определился",
    "unknown": "Нет данных",
}

WORK_STATUSES = frozenset(s.code for s in STATUSES if s.group == "work")
# Statuses the УФНС data can confirm (labour contract / ИП / НПД); contract service is not in it.
VERIFIABLE_WORK = frozenset({"employed", "entrepreneur", "self_employed"})
STUDY_STATUSES = frozenset({"continuing_education"})
RISK_STATUSES = frozenset(s.code for s in STATUSES if s.group == "risk")
NO_STATUS = frozenset({"unknown", "undetermined"})
# Federal form columns in order: status code per column 06..27.
FEDERAL_COLUMNS: tuple[tuple[str, str], ...] = tuple(
    (s.federal_col, s.code) for s in STATUSES if s.federal_col is not None
)


def normalize_label(text: str) -> str:
    """Case-, space- and ё-insensitive form used to match labels and headers."""
    t = text.replace("\u00a0", " ").strip().lower().replace("ё", "е").rstrip("*").strip()
    return re.sub(r"\s+", " ", t)


_LOOKUP: dict[str, str] = {}
for _s in STATUSES:
    if _s.code == "unknown":
        continue
    _LOOKUP[normalize_label(_s.code)] = _s.code
    _LOOKUP[normalize_label(_s.label)] = _s.code
    if _s.federal_col:
        # '06', '6' (a numeric Excel cell loses the zero), 'гр.06', 'гр. 6', 'гр06'
        for _num in (_s.federal_col, str(int(_s.federal_col))):
            for _prefix in ("", "гр.", "гр. ", "гр", "гр "):
                _LOOKUP[_prefix + _num] = _s.code


def parse_status(value: str) -> str | None:
    """Map a label, code or federal column ('06', '6', 'гр.06') to a status code; None if unknown.

    `unknown` is never importable: it is what a graduate without any status row has.
    """
    return _LOOKUP.get(normalize_label(value))
