"""Mapping a foreign file onto the contract (issue 13, item 1): a file whose headers or labels differ
from the contract (an export of АИС «Трудовые ресурсы», …) is read with a saved mapping — its
columns renamed to the contract's, its labels translated to the contract's codes — BEFORE the normal
validation, which then treats it like any contract file (docs/data_contract.md §9).

- Unmapped headers the contract does not know stay the usual warning «Неизвестный столбец».
- A label the mapping does not translate stays as it is: validation gives its normal row-level
  error, to which `hint_problems` adds that the mapping can be extended.
- A renamed header reads «Статус (Состояние занятости)»: matched as «Статус» (a parenthesised tail
  is ignored, normalize.header_keys), shown to the user with the file's own name.

The saved mappings themselves (scope, storage) are in data_layer/import_mappings.py; writes in
ops/import_mappings.py.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import polars as pl

from data_layer.importer.errors import UnreadableFileError
from data_layer.importer.kinds import KINDS, SPEC_BY_KIND, Column, choice_lookup, match_header
from data_layer.importer.limits import ReadLimits
from data_layer.importer.normalize import FALSE_WORDS, TRUE_WORDS, header_keys, normalize_label
from data_layer.importer.readers import RawTable
from data_layer.statuses import BY_CODE, IMPORTABLE_CODES, parse_status

MAX_LABELS = 60  # a column with more distinct values than this is not offered a label table
YES, NO = "да", "нет"


@dataclass(frozen=True)
class ImportMapping:
    """A saved mapping: `columns` source header → contract header; `values` contract header →
    {source label → contract value (a status code, «да»/«нет», a choice's stored value)}."""

    name: str
    kind: str
    columns: dict[str, str]
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    college_code: str | None = None  # owner; None: region-wide (base centre)
    mapping_id: int | None = None

    def hint(self) -> tuple[str, ...]:
        """The source headers, normalised: what makes a row of a foreign file its header row."""
        return tuple(sorted({normalize_label(h) for h in self.columns}))

    def columns_json(self) -> str:
        return json.dumps(self.columns, ensure_ascii=False, sort_keys=True)

    def values_json(self) -> str:
        return json.dumps(self.values, ensure_ascii=False, sort_keys=True)

    @property
    def owner_label(self) -> str:
        return "вся область" if self.college_code is None else f"ПОО {self.college_code}"


def from_json(name: str, kind: str, text: str) -> ImportMapping:
    """A mapping from its JSON file form {"columns": {...}, "values": {...}} (sample_data/examples)."""
    data = json.loads(text)
    return ImportMapping(name, kind, dict(data["columns"]), {k: dict(v) for k, v in data["values"].items()})


# ---------------------------------------------------------------- coded columns


def contract_column(kind: str, header: str) -> Column | None:
    field_name = match_header(kind, header)
    return SPEC_BY_KIND[kind].columns_by_field.get(field_name) if field_name else None


def coded_options(kind: str, header: str) -> dict[str, str] | None:
    """Contract value → Russian label of a coded contract column (status, yes/no, choice); None for
    a column whose values are free (names, dates, numbers)."""
    col = contract_column(kind, header)
    if col is None:
        return None
    if col.field == "status":
        return {c: f"{BY_CODE[c].label}" for c in IMPORTABLE_CODES}
    if col.type == "bool":
        return {YES: "да", NO: "нет"}
    if col.type == "choice" and col.choices:
        return {v: v for v in col.choices}
    return None


def native_value(kind: str, header: str, label: str) -> str | None:
    """The contract value a label already means without a mapping (None: not understood)."""
    col = contract_column(kind, header)
    if col is None:
        return None
    key = normalize_label(label)
    if col.field == "status":
        return parse_status(label)
    if col.type == "bool":
        return YES if key in TRUE_WORDS else NO if key in FALSE_WORDS else None
    if col.type == "choice":
        return choice_lookup(col).get(key)
    return None


def check_mapping(m: ImportMapping) -> list[str]:
    """Russian problems of a mapping (empty: it can be saved and applied)."""
    if m.kind not in KINDS:
        return [f"Неизвестный вид файла «{m.kind}»."]
    problems = []
    if not m.name.strip():
        problems.append("Укажите название сопоставления.")
    if not m.columns:
        problems.append("Не сопоставлен ни один столбец.")
    targets: dict[str, str] = {}
    for source, target in m.columns.items():
        field_name = match_header(m.kind, target)
        if field_name is None:
            problems.append(f"Столбца «{target}» нет в файле вида «{KINDS[m.kind]}».")
        elif field_name in targets:
            problems.append(
                f"Столбцы «{targets[field_name]}» и «{source}» сопоставлены одному столбцу «{target}»."
            )
        else:
            targets[field_name] = source
    for target, labels in m.values.items():
        options = coded_options(m.kind, target)
        if options is None:
            problems.append(f"У столбца «{target}» нет кодов: метки для него не сопоставляются.")
            continue
        for label, value in labels.items():
            if value not in options:
                problems.append(
                    f"Метке «{label}» столбца «{target}» сопоставлено неизвестное значение «{value}»."
                )
    return problems


# ---------------------------------------------------------------- applying


def _renamed(source: str, target: str) -> str:
    return target if normalize_label(source) == normalize_label(target) else f"{target} ({source})"


def apply_mapping(frame: pl.DataFrame, mapping: ImportMapping) -> pl.DataFrame:
    """Rename the frame's columns (named by the file's headers) and translate their labels.

    A column the mapping does not name keeps its name; a label the mapping does not name keeps its
    value (validation reports it if the contract does not know it either)."""
    by_source = {normalize_label(s): t for s, t in mapping.columns.items()}
    values = {
        normalize_label(t): {normalize_label(k): v for k, v in lab.items()}
        for t, lab in mapping.values.items()
    }
    renames: dict[str, str] = {}
    exprs = []
    used = set(frame.columns)
    for name in frame.columns:
        target = by_source.get(normalize_label(name))
        new = _renamed(name, target) if target else name
        if new != name and new in used:  # «статус» mapped to «Статус» beside a «Статус» column
            new = f"{target} ({name})"
        used.add(new)
        renames[name] = new
        lookup = values.get(normalize_label(target)) if target else None
        if lookup:
            uniques = frame.get_column(name).drop_nulls().unique().to_list()
            table = {u: lookup.get(normalize_label(str(u)), u) for u in uniques}
            exprs.append(pl.col(name).replace_strict(table, default=pl.col(name), return_dtype=pl.Utf8))
    return frame.with_columns(exprs).rename(renames)


def map_table(table: RawTable, mapping: ImportMapping) -> RawTable:
    """`apply_mapping` on a read file (columns c0..cN with the header list beside them)."""
    named = [i for i, h in enumerate(table.headers) if h is not None]
    seen: set[str] = set()
    pick = []
    for i in named:  # a duplicated header keeps its c-name: validation reports the duplicate
        h = str(table.headers[i])
        if h not in seen and h not in table.frame.columns:
            seen.add(h)
            pick.append(i)
    frame = table.frame.rename({f"c{i}": str(table.headers[i]) for i in pick})
    mapped = apply_mapping(frame, mapping)
    renamed = dict(zip(frame.columns, mapped.columns, strict=True))  # rename keeps the column order
    new_headers = list(table.headers)
    back = {}
    for i in pick:
        new = renamed[str(table.headers[i])]
        new_headers[i] = new
        back[new] = f"c{i}"
    return dataclasses.replace(table, kind=mapping.kind, headers=new_headers, frame=mapped.rename(back))


class _Problem(Protocol):
    @property
    def column(self) -> str | None: ...
    @property
    def message(self) -> str: ...
    @property
    def severity(self) -> str: ...


P = TypeVar("P", bound=_Problem)


def hint_problems(problems: Sequence[P], mapping: ImportMapping) -> list[P]:
    """Errors in a mapped coded column (an unknown label) say that the mapping can be extended."""
    coded = {_renamed(s, t) for s, t in mapping.columns.items() if coded_options(mapping.kind, t) is not None}
    tail = f" Метку можно добавить в сопоставление «{mapping.name}» на странице «Загрузка данных»."
    return [
        dataclasses.replace(p, message=p.message + tail)  # type: ignore[type-var]
        if p.severity == "error" and p.column in coded
        else p
        for p in problems
    ]


Reader = Callable[..., RawTable]


def read_mapped(
    reader: Reader, data: bytes, file_name: str, mapping: ImportMapping, limits: ReadLimits
) -> RawTable:
    """Read a file with a mapping: its header row found by the mapping's source headers (or the
    contract's), then renamed and translated. `reader` is sandbox.read_bounded or readers.read_table."""
    table = reader(data, file_name, mapping.kind, limits, hint=mapping.hint())
    return map_table(table, mapping)


# ---------------------------------------------------------------- the editor's guesses


@dataclass(frozen=True)
class Sniffed:
    """A foreign file's header row and, per header, its distinct values (few-valued columns only)."""

    headers: list[str]
    values: dict[str, list[str]]
    rows: int


def sniff(reader: Reader, data: bytes, file_name: str, limits: ReadLimits) -> Sniffed:
    """The headers and labels of a file whatever its headers (UnreadableFileError if unreadable)."""
    table = reader(data, file_name, None, limits, hint=())
    headers: list[str] = []
    values: dict[str, list[str]] = {}
    for i, h in enumerate(table.headers):
        if h is None or h in values:
            continue
        headers.append(h)
        counts = table.frame.get_column(f"c{i}").str.strip_chars().drop_nulls().value_counts(sort=True)
        labels = [str(v) for v in counts.get_column(counts.columns[0]).to_list() if str(v).strip()]
        values[h] = labels if len(labels) <= MAX_LABELS else []
    return Sniffed(headers, values, table.frame.height)


def guess_kind(headers: Sequence[str], allowed: Sequence[str]) -> str:
    """The allowed kind most of the file's headers would fill (by `guess_columns`, so foreign names
    count too); statuses, the weekly file, when nothing fits."""
    fills = {k: sum(1 for h in guess_columns(k, headers).values() if h) for k in allowed}
    best = max(fills.values(), default=0)
    if best == 0:
        return "statuses" if "statuses" in allowed else allowed[0]
    return next(k for k in allowed if fills[k] == best)


# word stem of a foreign header → stem of the contract's header it usually means
_STEM = 6
_SYNONYMS = {
    "состоя": "статус",
    "занято": "статус",
    "оо": "поо",
    "сведен": "актуал",
    "измене": "начала",
    "профил": "специа",
    "органи": "работо",
}


def _stems(text: str) -> set[str]:
    cleaned = "".join(ch if ch.isalnum() else " " for ch in normalize_label(text))
    return {_SYNONYMS.get(w[:_STEM], w[:_STEM]) for w in cleaned.split()}


def _similarity(contract: Column, header: str) -> float:
    """Shared word stems of the header and the best of the column's spellings (Jaccard)."""
    have = _stems(header)
    best = 0.0
    for spelling in contract.spellings:
        want = _stems(spelling)
        if want | have:
            best = max(best, len(want & have) / len(want | have))
    return best


GUESS_AT_LEAST = 0.5


def guess_columns(kind: str, headers: Sequence[str]) -> dict[str, str | None]:
    """Contract header → the file header that most likely fills it (None: none does). A header the
    contract already knows goes to its own column; the rest by normalised-name similarity."""
    spec = SPEC_BY_KIND[kind]
    out: dict[str, str | None] = {c.header: None for c in spec.columns}
    taken: set[str] = set()
    for h in headers:
        field_name = match_header(kind, h)
        if field_name is not None and out[spec.columns_by_field[field_name].header] is None:
            out[spec.columns_by_field[field_name].header] = h
            taken.add(h)
    pairs = sorted(
        (
            (_similarity(c, h), c.header, h)
            for c in spec.columns
            if out[c.header] is None
            for h in headers
            if h not in taken
        ),
        reverse=True,
    )
    for score, target, h in pairs:
        if score >= GUESS_AT_LEAST and out[target] is None and h not in taken:
            out[target] = h
            taken.add(h)
    return out


# label keyword → status code, for the editor's first guess (the user confirms every label)
_STATUS_WORDS: tuple[tuple[str, str], ...] = (
    ("прогноз", ""),
    ("контракт", "military_contract"),
    ("призван", "military_conscript"),
    ("армия", "military_conscript"),
    ("вс рф", "military_conscript"),
    ("декрет", "parental_leave"),
    ("уход", "parental_leave"),
    ("обучени", "continuing_education"),
    ("самозанят", "self_employed"),
    ("предприним", "entrepreneur"),
    ("ип", "entrepreneur"),
    ("цзн", "czn_unemployed"),
    ("безработ", "czn_unemployed"),
    ("трудоустроен", "employed"),
    ("работает", "employed"),
)


def guess_label(kind: str, header: str, label: str) -> str | None:
    """The contract value a label most likely means: the contract's own reading, else a keyword."""
    own = native_value(kind, header, label)
    if own is not None:
        return own
    col = contract_column(kind, header)
    if col is None or col.field != "status":
        key = normalize_label(label)
        if col is not None and col.type == "bool":
            return NO if key.startswith(("не ", "нет")) else YES if key else None
        return None
    words = normalize_label(label).split()
    text = " ".join(words)
    for word, code in _STATUS_WORDS:
        if (word in words) if len(word) <= 3 else (word in text):
            return code or None
    return None


def matching(mappings: Sequence[ImportMapping], headers: Sequence[str]) -> list[ImportMapping]:
    """The saved mappings whose every source header is among the file's headers, the most specific
    first."""
    have = {k for h in headers for k in header_keys(h)}
    fits = [m for m in mappings if m.columns and all(normalize_label(s) in have for s in m.columns)]
    return sorted(fits, key=lambda m: (-len(m.columns), m.name))


def read(
    reader: Reader,
    data: bytes,
    file_name: str,
    kind: str | None,
    limits: ReadLimits | None,
    mapping: ImportMapping | None,
) -> RawTable:
    """The read step of a load or a preview: `reader` as is without a mapping, else `read_mapped`
    (the file's kind is the mapping's; another explicit kind is refused)."""
    if mapping is None:
        return reader(data, file_name, kind, limits)
    if kind is not None and kind != mapping.kind:
        raise UnreadableFileError(
            f"Сопоставление «{mapping.name}» — для файлов вида «{KINDS.get(mapping.kind, mapping.kind)}», "
            f"а выбран вид «{KINDS.get(kind, kind)}»."
        )
    return read_mapped(reader, data, file_name, mapping, limits or ReadLimits.from_env())
