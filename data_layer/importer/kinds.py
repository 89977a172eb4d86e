"""The file kinds of the data contract (§3–7): columns, header spellings, and detection by headers.

A column's `field` is the name of the stored table column it fills (or of a helper field such as
`is_foreign` that validation consumes). Value dictionaries map a stored value to its accepted
spellings; all spellings are compared after `normalize_label`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from data_layer.importer.normalize import header_keys, normalize_label

ColumnType = Literal["text", "code", "snils", "date", "bool", "int", "float", "choice"]


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # the contract's header, used in messages when the file lacks the column
    type: ColumnType = "text"
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: Mapping[str, tuple[str, ...]] | None = None  # stored value -> spellings
    max_len: int = 0  # characters; 0: the default of the type (MAX_LEN)

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)

    @property
    def max_chars(self) -> int:
        return self.max_len or MAX_LEN.get(self.type, 100)


# Longest accepted cell per column type: a surname, a title or a college name fits with room to
# spare; a 1 MB "surname" is an error. Free-text columns set their own `max_len`.
MAX_LEN: dict[str, int] = {"text": 500, "code": 50}
FREE_TEXT_CHARS = 4000


@dataclass(frozen=True)
class KindSpec:
    kind: str
    label: str  # Russian, shown to users
    columns: tuple[Column, ...]
    table: str
    stored: tuple[str, ...]  # table columns written by a load (load_id is added)
    # Replace semantics: stored rows (alias t) whose (table expression) values equal a key of the
    # file (frame column) are replaced. Empty tuple: the whole table is replaced (reference kinds).
    partition: tuple[tuple[str, str], ...] = ()
    college_allowed: bool = False  # may a college user upload this kind?
    columns_by_field: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns_by_field", {c.field: c for c in self.columns})

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)


def _yes(*words: str) -> tuple[str, ...]:
    return words


STUDY_FORMS: dict[str, tuple[str, ...]] = {
    "очная": _yes("очная", "очно", "очн."),
    "очно-заочная": _yes("очно-заочная", "очно заочная", "вечерняя", "очно-заочн."),
    "заочная": _yes("заочная", "заочно", "заочн."),
}
SEXES: dict[str, tuple[str, ...]] = {
    "М": _yes("м", "муж", "муж.", "мужской", "m"),
    "Ж": _yes("ж", "жен", "жен.", "женский", "f"),
}
CAREER_TRACKS: dict[str, tuple[str, ...]] = {
    "трудоустройство": _yes("трудоустройство", "работа"),
    "предпринимательство": _yes("предпринимательство", "ип"),
    "самозанятость": _yes("самозанятость", "нпд"),
    "продолжение обучения": _yes("продолжение обучения", "обучение"),
    "служба в ВС": _yes("служба в вс", "служба в вс рф", "армия", "служба в армии"),
    "не определился": _yes("не определился", "не определилась", "не определен", "нет трека"),
}
EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "ярмарка вакансий": _yes("ярмарка вакансий", "ярмарка"),
    "день карьеры": _yes(
        "день карьеры",
    ),
    "презентация работодателя": _yes("презентация работодателя", "презентация"),
    "экскурсия": _yes("экскурсия", "экскурсия на предприятие"),
    "тренинг": _yes(
        "тренинг",
    ),
    "иное": _yes("иное", "другое", "прочее"),
}
EMPLOYMENT_KINDS: dict[str, tuple[str, ...]] = {
    "labour_contract": _yes("трудовой договор", "labour_contract", "тд", "работа по трудовому договору"),
    "entrepreneur": _yes("ип", "индивидуальный предприниматель", "entrepreneur"),
    "self_employed": _yes("нпд", "самозанятый", "налог на профессиональный доход", "self_employed"),
}
CZN_CATEGORIES: dict[str, tuple[str, ...]] = {
    "unemployed": _yes("безработный", "unemployed", "признан безработным"),
    "job_seeker": _yes("ищущий работу", "ищущий работу гражданин", "job_seeker"),
}
COLLEGE_TYPES: dict[str, tuple[str, ...]] = {
    "региональная": _yes("региональная", "региональный", "государственная региональная"),
    "федеральная": _yes("федеральная", "федеральный"),
    "частная": _yes("частная", "частный", "негосударственная"),
}
PROGRAM_LEVELS: dict[str, tuple[str, ...]] = {
    "ППКРС": _yes(
        "ппкрс",
    ),
    "ППССЗ": _yes(
        "ппссз",
    ),
}

C = Column

_SNILS = C("snils", "СНИЛС", "snils", aliases=("Страховой номер", "СНИЛС выпускника"))
_DOC = C("doc_number", "Номер документа", aliases=("Номер документа, удостоверяющего личность",))
_FOREIGN = C("is_foreign", "Иностранный гражданин без СНИЛС", "bool", aliases=("Иностранный гражданин",))
_COLLEGE = C("college_code", "Код ПОО", "code", True, aliases=("Код образовательной организации",))

SPECS: tuple[KindSpec, ...] = (
    KindSpec(
        "territories",
        "Территориальные управления",
        (
            C("tu_code", "Код ТУ", "code", True),
            C("name", "Наименование", "text", True),
            C("centre", "Центр"),
            C("mapping_status", "Статус сопоставления"),
        ),
        table="territories",
        stored=("tu_code", "name", "centre", "mapping_status"),
    ),
    KindSpec(
        "municipalities",
        "Муниципальные образования",
        (
            C("oktmo", "ОКТМО", "code", True),
            C("name", "Наименование", "text", True),
            C("kind", "Тип"),
            C("tu_code", "Код ТУ", "code", True),
        ),
        table="municipalities",
        stored=("oktmo", "name", "kind", "tu_code"),
    ),
    KindSpec(
        "colleges",
        "Образовательные организации (ПОО)",
        (
            _COLLEGE,
            C("short_name", "Краткое наименование", "text", True),
            C("full_name", "Полное наименование"),
            C("oktmo", "ОКТМО", "code", True),
            C("founder", "Учредитель"),
            C("college_type", "Тип", "choice", aliases=("Тип ПОО",), choices=COLLEGE_TYPES),
            C("lat", "Широта", "float"),
            C("lon", "Долгота", "float"),
            # Contacts for the week's discipline page (optional; migration m20261203_college_contacts).
            C("contact_person", "Ответственный ЦСТВ", aliases=("Ответственный за ЦСТВ", "Ответственный")),
            C("phone", "Телефон", aliases=("Телефон ЦСТВ", "Контактный телефон")),
            C("email", "E-mail", aliases=("Email", "Электронная почта", "Эл. почта", "E-mail ЦСТВ")),
        ),
        table="colleges",
        stored=(
            "college_code",
            "short_name",
            "full_name",
            "oktmo",
            "founder",
            "college_type",
            "lat",
            "lon",
            "contact_person",
            "phone",
            "email",
        ),
    ),
    KindSpec(
        "programs",
        "Специальности и профессии",
        (
            C(
                "program_code",
                "Код",
                "code",
                True,
                aliases=("Код специальности", "Код профессии/специальности"),
            ),
            C("name", "Наименование", "text", True),
            C("level", "Уровень", "choice", True, choices=PROGRAM_LEVELS),
            C("ugps_code", "Код УГПС", "code", True),
            C("ugps_name", "Наименование УГПС"),
        ),
        table="programs",
        stored=("program_code", "name", "level", "ugps_code", "ugps_name"),
    ),
    KindSpec(
        "graduates",
        "Фактический выпуск",
        (
            _SNILS,
            C("last_name", "Фамилия", "text", True),
            C("first_name", "Имя", "text", True),
            C("middle_name", "Отчество"),
            C("birth_date", "Дата рождения", "date", True),
            C("sex", "Пол", "choice", True, choices=SEXES),
            _COLLEGE,
            C(
                "program_code",
                "Код специальности",
                "code",
                True,
                aliases=("Код профессии/специальности", "Код профессии / специальности", "Код профессии"),
            ),
            C("study_form", "Форма обучения", "choice", True, choices=STUDY_FORMS),
            C("graduation_date", "Дата выпуска", "date", True),
            C("cohort_given", "Год выпуска", "int"),
            C("is_target", "Целевое обучение", "bool"),
            C("is_ovz", "ОВЗ", "bool"),
            C("is_disabled", "Инвалидность", "bool"),
            C("is_professionalitet", "Профессионалитет", "bool"),
            C("residence_municipality", "Муниципалитет проживания", aliases=("Место проживания",)),
            C("diploma_reg_no", "Рег. номер диплома", aliases=("Регистрационный номер диплома",)),
            _FOREIGN,
            _DOC,
        ),
        table="graduates",
        stored=tuple(
            (
                "person_key snils doc_number last_name first_name middle_name birth_date sex college_code "
                "program_code study_form graduation_date cohort is_target is_ovz is_disabled "
                "is_professionalitet is_foreign diploma_reg_no residence_municipality"
            ).split()
        ),
        partition=(("t.college_code", "college_code"), ("t.cohort", "cohort")),
        college_allowed=True,
    ),
    KindSpec(
        "statuses",
        "Статусы выпускников (оперативный мониторинг)",
        (
            _SNILS,
            _COLLEGE,
            C("snapshot_date", "Дата актуализации", "date", True),
            # Informational (the weekly template shows whose row it is); not stored, no warning.
            C("fio_info", "ФИО", aliases=("Фамилия Имя Отчество", "Ф.И.О.")),
            C("status", "Статус", "text", True, aliases=("Статус выпускника", "Код статуса")),
            C("status_start", "Дата начала статуса", "date"),
            C("by_specialty", "По специальности", "bool"),
            C("employer_inn", "ИНН работодателя", "code"),
            C("employer_name", "Работодатель"),
            C("work_municipality", "Муниципалитет трудоустройства"),
            C("career_track", "Карьерный трек", "choice", choices=CAREER_TRACKS),
            C("conscription_date", "Дата призыва", "date", aliases=("Дата призыва на военную службу",)),
            C("discharge_date", "Дата увольнения с военной службы", "date"),
            C("support_measures", "Меры поддержки", max_len=FREE_TEXT_CHARS),
            _FOREIGN,
            _DOC,
        ),
        table="status_rows",
        stored=tuple(
            (
                "college_code snapshot_date cohort person_key status status_start by_specialty "
                "employer_inn employer_name work_municipality career_track discharge_date support_measures "
                "conscription_date"
            ).split()
        ),
        partition=(("t.college_code", "college_code"), ("t.snapshot_date", "snapshot_date")),
        college_allowed=True,
    ),
    KindSpec(
        "ufns",
        "Данные УФНС о занятости",
        (
            C("snils", "СНИЛС", "snils", True),
            C("employment_kind", "Вид занятости", "choice", True, choices=EMPLOYMENT_KINDS),
            C("start_date", "Дата начала", "date", True),
            C("end_date", "Дата окончания", "date"),
            C("employer_inn", "ИНН работодателя", "code"),
            C("extract_date", "Дата выгрузки", "date", True),
        ),
        table="ufns_records",
        stored=("snils", "employment_kind", "start_date", "end_date", "employer_inn", "extract_date"),
        partition=(("t.extract_date", "extract_date"),),
    ),
    KindSpec(
        "czn",
        "Данные ЦЗН",
        (
            C("snils", "СНИЛС", "snils", True),
            C("reg_date", "Дата постановки на учёт", "date", True),
            C("category", "Категория", "choice", True, choices=CZN_CATEGORIES),
            C("dereg_date", "Дата снятия с учёта", "date"),
            C("extract_date", "Дата выгрузки", "date", True),
        ),
        table="czn_records",
        stored=("snils", "reg_date", "category", "dereg_date", "extract_date"),
        partition=(("t.extract_date", "extract_date"),),
    ),
    KindSpec(
        "frdo",
        "Выписка ФИС ФРДО",
        (
            C("snils", "СНИЛС", "snils", True),
            _COLLEGE,
            C("program_code", "Код специальности", "code", aliases=("Код профессии/специальности",)),
            C("issue_date", "Дата выдачи", "date", True),
            C("reg_no", "Рег. номер", aliases=("Регистрационный номер",)),
        ),
        table="frdo_records",
        stored=("snils", "college_code", "program_code", "issue_date", "reg_no"),
        partition=(("t.college_code", "college_code"), ("year(t.issue_date)", "issue_year")),
    ),
    KindSpec(
        "events",
        "Мероприятия",
        (
            _COLLEGE,
            C("event_date", "Дата", "date", True, aliases=("Дата мероприятия",)),
            C("event_type", "Тип", "choice", True, aliases=("Тип мероприятия",), choices=EVENT_TYPES),
            C("title", "Название", "text", True, aliases=("Название мероприятия",)),
            C("graduate_participants", "Участников-выпускников", "int", aliases=("Участников выпускников",)),
            C("employers", "Работодателей", "int"),
        ),
        table="events",
        stored=("college_code", "event_date", "event_type", "title", "graduate_participants", "employers"),
        partition=(
            ("t.college_code", "college_code"),
            ("t.event_date", "event_date"),
            ("t.event_type", "event_type"),
            ("t.title", "title"),
        ),
        college_allowed=True,
    ),
    KindSpec(
        "career_tracks",
        "Карьерные треки обучающихся",
        (
            _SNILS,
            _COLLEGE,
            C("academic_year", "Учебный год", "text", True),
            C("track", "Трек", "choice", True, aliases=("Карьерный трек",), choices=CAREER_TRACKS),
            C("formed_date", "Дата формирования", "date"),
            _FOREIGN,
            _DOC,
        ),
        table="career_tracks",
        stored=("person_key", "college_code", "academic_year", "track", "formed_date"),
        partition=(
            ("t.person_key", "person_key"),
            ("t.college_code", "college_code"),
            ("t.academic_year", "academic_year"),
        ),
        college_allowed=True,
    ),
)

SPECS += (
    KindSpec(
        "army_returns",
        "Уволенные с военной службы (Минтруд)",
        (
            C("snils", "СНИЛС", "snils", True),
            C(
                "discharge_date",
                "Дата увольнения с военной службы",
                "date",
                True,
                aliases=("Дата увольнения", "Дата демобилизации"),
            ),
            C("extract_date", "Дата выгрузки", "date", True),
        ),
        table="army_returns",
        stored=("snils", "discharge_date", "extract_date"),
        partition=(("t.extract_date", "extract_date"),),
    ),
    # «Работа России» JSON is turned into these columns by readers.read_vacancies_json.
    KindSpec(
        "vacancies",
        "Вакансии",
        (
            C(
                "source_id",
                "Идентификатор вакансии",
                "text",
                True,
                aliases=("ID вакансии", "Код вакансии", "id"),
            ),
            C("employer", "Работодатель", "text", True, aliases=("Наименование работодателя", "Организация")),
            C("employer_inn", "ИНН работодателя", "code", aliases=("ИНН",)),
            C("title", "Вакансия", "text", True, aliases=("Должность", "Наименование вакансии")),
            C("profession", "Профессия", aliases=("Профессия (специальность)", "Специализация")),
            C("municipality", "Муниципалитет", aliases=("Место работы", "Адрес", "Населённый пункт")),
            C("salary_min", "Зарплата от", "int", aliases=("Заработная плата от",)),
            C("salary_max", "Зарплата до", "int", aliases=("Заработная плата до",)),
            C("education", "Требуемое образование", aliases=("Образование",)),
            C("vacancy_date", "Дата размещения", "date", True, aliases=("Дата вакансии", "Дата")),
            C("url", "Ссылка", aliases=("Ссылка на вакансию",)),
            C("source", "Источник", aliases=("Источник вакансий",)),
            C("closed", "Закрыта", "bool", aliases=("Вакансия закрыта",)),
        ),
        table="vacancies",
        stored=(
            "source",
            "source_id",
            "employer",
            "employer_inn",
            "title",
            "profession",
            "municipality",
            "oktmo",
            "salary_min",
            "salary_max",
            "education",
            "vacancy_date",
            "url",
        ),
        # A file is the full current extract of its source: it replaces the source's vacancies, so a
        # vacancy that is gone from the feed (closed) drops out.
        partition=(("t.source", "source"),),
    ),
    KindSpec(
        "czn_answers",
        "Ответ ЦЗН по переданным выпускникам",
        (
            C("snils", "СНИЛС", "snils", True),
            C("answer_date", "Дата ответа", "date", True),
            C("result", "Результат", "text", True, aliases=("Результат работы", "Итог")),
            C("comment", "Комментарий", aliases=("Примечание",)),
        ),
        table="czn_answers",
        stored=("snils", "answer_date", "result", "comment"),
        partition=(("t.snils", "snils"), ("t.answer_date", "answer_date")),
    ),
)

SPEC_BY_KIND: dict[str, KindSpec] = {s.kind: s for s in SPECS}
KINDS: dict[str, str] = {s.kind: s.label for s in SPECS}
REFERENCE_KINDS: tuple[str, ...] = ("territories", "municipalities", "colleges", "programs")
COLLEGE_KINDS: tuple[str, ...] = tuple(s.kind for s in SPECS if s.college_allowed)


def choice_lookup(col: Column) -> dict[str, str]:
    """normalised spelling -> stored value (the stored value itself is a spelling too)."""
    out: dict[str, str] = {}
    for stored, spellings in (col.choices or {}).items():
        for sp in (stored, *spellings):
            out[normalize_label(sp)] = stored
    return out


def _header_index(spec: KindSpec) -> dict[str, str]:
    idx: dict[str, str] = {}
    for col in spec.columns:
        for sp in col.spellings:
            idx[normalize_label(sp)] = col.field
    return idx


_HEADER_INDEX: dict[str, dict[str, str]] = {s.kind: _header_index(s) for s in SPECS}


def match_header(kind: str, header: str | None) -> str | None:
    """The field a header cell fills in `kind`, or None."""
    if header is None:
        return None
    idx = _HEADER_INDEX[kind]
    for key in header_keys(header):
        if key in idx:
            return idx[key]
    return None


@dataclass(frozen=True)
class HeaderMatch:
    kind: str
    matched: int  # distinct fields recognised
    missing_required: int


def score_headers(cells: Iterable[str | None], kinds: Iterable[str] | None = None) -> list[HeaderMatch]:
    """How well a candidate header row fits each kind, best first."""
    cells = [c for c in cells if c is not None and str(c).strip()]
    out = []
    for kind in kinds or SPEC_BY_KIND:
        spec = SPEC_BY_KIND[kind]
        fields = {f for f in (match_header(kind, c) for c in cells) if f}
        missing = sum(1 for c in spec.required if c.field not in fields)
        out.append(HeaderMatch(kind, len(fields), missing))
    out.sort(key=lambda m: (-m.matched, m.missing_required))
    return out


MIN_MATCHED = 2  # a header row must name at least two known columns


def detect_kind(cells: Iterable[str | None]) -> tuple[str | None, list[str]]:
    """(kind, []) when one kind fits the header row best; (None, candidates) when it is ambiguous
    or nothing fits (candidates: the tied kinds, or empty)."""
    ranked = score_headers(cells)
    best = ranked[0]
    if best.matched < MIN_MATCHED:
        return None, []
    tied = [
        m.kind for m in ranked if (m.matched, m.missing_required) == (best.matched, best.missing_required)
    ]
    if len(tied) > 1:
        return None, tied
    return best.kind, []
