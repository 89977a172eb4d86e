"""The upload page's mapping of a foreign file (issue 13, item 1): a file whose headers or labels
differ from the contract (an export of АИС «Трудовые ресурсы», …) is offered

(a) the saved mappings whose source headers are all in this file (pre-selected when exactly one
    fits), and
(b) a mapping editor: for each contract column a selectbox of the file's headers (pre-filled by a
    normalised-name guess), for each coded column (status, yes/no, choices) the file's distinct
    labels → the contract's values; «Сохранить сопоставление как…» stores it (ops.import_mappings,
    audited) and the file goes on to the normal preview and confirmation with it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from data_layer import config, import_mappings
from data_layer.errors import UserFacingError
from data_layer.importer.errors import UnreadableFileError
from data_layer.importer.kinds import KINDS, SPEC_BY_KIND, match_header
from data_layer.importer.limits import ReadLimits
from data_layer.importer.mapping import (
    ImportMapping,
    Sniffed,
    coded_options,
    guess_columns,
    guess_kind,
    guess_label,
    matching,
    native_value,
    sniff,
)
from data_layer.importer.preview import preview_file
from data_layer.importer.sandbox import read_bounded
from data_layer.scope import Scope
from ops.import_mappings import delete_mapping, rename_mapping, save_mapping
from ui import widgets
from ui.connection import cursor, get_con
from ui.text import md

PENDING = "_upload_pending"  # ui.upload_flow's list of checked files
EXAMPLES_DIR = config.SAMPLE_DATA_DIR / "examples"
NONE_LABEL = "— нет в файле —"
NOT_CHOSEN = "— не выбрано —"


@dataclasses.dataclass(frozen=True)
class Foreign:
    """A refused file whose headers are not the contract's: what the editor needs."""

    sniffed: Sniffed
    kind: str  # the kind its headers fit best (or the one chosen on the page)


# Refusals a mapping can cure: no header row of a known kind, a required column missing, or a
# problem in a column (an unknown label). Not: limits, damaged files — those are not read again.
_HEADER_REFUSALS = ("строка заголовков", "определить вид файла", "Нет обязательного столбца")


def worth_mapping(errors: list[Any]) -> bool:
    return any(p.column is not None or any(m in p.message for m in _HEADER_REFUSALS) for p in errors)


def foreign(data: bytes, name: str, kind: str | None, allowed: tuple[str, ...]) -> Foreign | None:
    """The file's headers and labels when they differ from the contract (required columns missing
    or labels of a coded column the contract does not know); None for a contract file whose
    problems are its data, or for an unreadable one."""
    try:
        found = sniff(read_bounded, data, name, ReadLimits.from_env())
    except UnreadableFileError:
        return None
    if not found.headers:
        return None
    guess = kind or guess_kind(found.headers, allowed)
    fields = {h: match_header(guess, h) for h in found.headers}
    missing = any(c.field not in fields.values() for c in SPEC_BY_KIND[guess].required)
    odd_labels = any(
        native_value(guess, h, v) is None
        for h, f in fields.items()
        if f and coded_options(guess, h) is not None
        for v in found.values[h]
    )
    return Foreign(found, guess) if missing or odd_labels else None


def _saved(scope: Scope, headers: list[str]) -> list[ImportMapping]:
    with cursor() as cur:
        return matching(import_mappings.visible(cur, scope), headers)


def _recheck(i: int, scope: Scope, mapping: ImportMapping) -> None:
    """The file again, read with the mapping: its preview (or refusal) replaces the refusal shown."""
    pending = st.session_state[PENDING]
    item = pending[i]
    outcome = preview_file(
        get_con(), item.data, item.name, scope=scope, snapshot_date=item.snapshot, mapping=mapping
    )
    pending[i] = dataclasses.replace(item, kind=None, outcome=outcome, mapping=mapping)
    st.rerun()


def panel(i: int, item: Any, scope: Scope) -> None:
    """Under a refused foreign file: the saved mappings that fit it and the mapping editor."""
    info: Foreign = item.foreign
    st.markdown(
        "**Заголовки или значения файла отличаются от формата системы** (например, выгрузка АИС "
        "«Трудовые ресурсы»). Сопоставьте их один раз и сохраните — следующий такой файл загрузится "
        "с этим сопоставлением."
    )
    fits = _saved(scope, info.sniffed.headers)
    if fits:
        names = {m.mapping_id: f"{m.name} ({m.owner_label}; {KINDS[m.kind]})" for m in fits}
        picked = st.selectbox(
            "Сохранённое сопоставление, подходящее к файлу",
            list(names),
            index=0 if len(fits) == 1 else None,
            format_func=names.__getitem__,
            placeholder="Выберите сопоставление",
            key=f"map_pick_{i}",
        )
        if st.button(
            "Проверить с сопоставлением", disabled=picked is None, key=f"map_apply_{i}", type="primary"
        ):
            _recheck(i, scope, next(m for m in fits if m.mapping_id == picked))
    with st.expander("Новое сопоставление", expanded=not fits, icon=":material/swap_horiz:"):
        editor(i, item, scope)


def _column_pickers(i: int, kind: str, headers: list[str]) -> dict[str, str]:
    """Contract header → the file header chosen for it (only the chosen ones)."""
    guess = guess_columns(kind, headers)
    st.markdown("**Столбцы**: какой столбец файла содержит каждый столбец формата (* — обязательный).")
    cols = st.columns(2)
    chosen: dict[str, str] = {}
    for n, col in enumerate(SPEC_BY_KIND[kind].columns):
        options: list[str | None] = [None, *headers]
        pick = cols[n % 2].selectbox(
            f"{col.header}{' *' if col.required else ''}",
            options,
            index=options.index(guess[col.header]),
            format_func=lambda h: NONE_LABEL if h is None else h,
            key=f"map_col_{i}_{kind}_{col.field}",
        )
        if pick is not None:
            chosen[col.header] = pick
    return chosen


def _value_label(options: dict[str, str]) -> Callable[[str | None], str]:
    return lambda v: NOT_CHOSEN if v is None else options[v]


def _label_pickers(
    i: int, kind: str, chosen: dict[str, str], values: dict[str, list[str]]
) -> dict[str, dict[str, str]]:
    """Contract header → {file label → contract value} for every mapped coded column."""
    out: dict[str, dict[str, str]] = {}
    for target, source in chosen.items():
        options = coded_options(kind, target)
        labels = values.get(source) or []
        if options is None or not labels:
            continue
        st.markdown(f"**Значения столбца «{md(source)}»** → «{target}»")
        field = match_header(kind, target)
        picked: dict[str, str] = {}
        cols = st.columns(2)
        for n, label in enumerate(labels):
            keys: list[str | None] = [None, *options]
            value = cols[n % 2].selectbox(
                md(label),
                keys,
                index=keys.index(guess_label(kind, target, label)),
                format_func=_value_label(options),
                key=f"map_lbl_{i}_{kind}_{field}_{n}",
            )
            if value is not None:
                picked[label] = value
        out[target] = picked
    return out


def editor(i: int, item: Any, scope: Scope) -> None:
    """The mapping editor of one refused file; «Сохранить» stores it and checks the file with it."""
    info: Foreign = item.foreign
    kinds = tuple(item.allowed)
    kind = st.selectbox(
        "Вид данных файла",
        kinds,
        index=kinds.index(info.kind) if info.kind in kinds else 0,
        format_func=KINDS.__getitem__,
        key=f"map_kind_{i}",
    )
    chosen = _column_pickers(i, kind, info.sniffed.headers)
    values = _label_pickers(i, kind, chosen, info.sniffed.values)
    owner = "для всей области (его увидят все ПОО)" if scope.role == "base_centre" else "для вашей ПОО"
    name = st.text_input(
        "Сохранить сопоставление как…",
        value=Path(item.name).stem,
        max_chars=100,
        key=f"map_name_{i}",
        help=f"Сопоставление сохраняется {owner}; его можно будет выбрать при следующей загрузке.",
    )
    replace = st.checkbox("Заменить сохранённое сопоставление с таким же названием", key=f"map_replace_{i}")
    if st.button("Сохранить и проверить файл", type="primary", key=f"map_save_{i}", icon=":material/save:"):
        mapping = ImportMapping(
            name,
            kind,
            {source: target for target, source in chosen.items()},
            {t: v for t, v in values.items() if v},
            college_code=scope.code if scope.role == "college" else None,
        )
        try:
            with cursor() as cur:
                stored = save_mapping(cur, scope, mapping, replace=replace)
        except UserFacingError as exc:
            st.error(md(str(exc)), icon=":material/error:")
            return
        except Exception as exc:
            widgets.action_error(exc, f"save mapping {name}")
            return
        _recheck(i, scope, stored)


def applied_note(item: Any) -> None:
    """A checked file read with a mapping says which."""
    mapping: ImportMapping | None = getattr(item, "mapping", None)
    if mapping is not None:
        st.caption(f"Файл прочитан с сопоставлением «{md(mapping.name)}» ({mapping.owner_label}).")


def foreign_files_section(scope: Scope) -> None:
    """«Шаблоны файлов»: files of other systems, the АИС example and the saved mappings (rename,
    delete)."""
    st.subheader("Файлы других систем")
    st.caption(
        "Если заголовки или значения вашего файла отличаются от формата (например, выгрузка АИС "
        "«Трудовые ресурсы»: «Состояние занятости», «Декрет», «Призван в ВС РФ»), загрузите его как есть "
        "на странице «Загрузка данных»: система предложит сопоставить столбцы и значения и сохранить "
        "сопоставление под названием. Следующий такой файл загружается с ним сразу, в том числе командой "
        "«vypusk load ФАЙЛ --mapping НАЗВАНИЕ»."
    )
    example = EXAMPLES_DIR / "ais_trudovye_resursy.xlsx"
    if example.exists():
        st.download_button(
            "Образец выгрузки АИС «Трудовые ресурсы» (xlsx)",
            data=example.read_bytes,
            file_name=example.name,
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            on_click="ignore",
            key="tpl_example_ais",
            icon=":material/description:",
        )
    with cursor() as cur:
        mappings = import_mappings.visible(cur, scope)
    if not mappings:
        st.caption("Сохранённых сопоставлений пока нет.")
        return
    _manage(scope, mappings)


def _manage(scope: Scope, mappings: list[ImportMapping]) -> None:
    st.dataframe(
        [
            {
                "Название": m.name,
                "Вид данных": KINDS.get(m.kind, m.kind),
                "Для кого": m.owner_label,
                "Столбцов": len(m.columns),
                "Меток": sum(len(v) for v in m.values.values()),
            }
            for m in mappings
        ],
        hide_index=True,
        width="stretch",
        key="tpl_mappings",
    )
    mine = [m for m in mappings if scope.role == "base_centre" or m.college_code == scope.code]
    if not mine:
        return
    with st.expander("Переименовать или удалить сопоставление", icon=":material/edit:"):
        names = [m.name for m in mine]
        name = st.selectbox("Сопоставление", names, key="tpl_map_pick")
        new = st.text_input("Новое название", max_chars=100, key="tpl_map_new")
        c1, c2 = st.columns(2)
        try:
            if c1.button("Переименовать", disabled=not new.strip(), key="tpl_map_rename"):
                with cursor() as cur:
                    rename_mapping(cur, scope, str(name), new)
                st.rerun()
            if c2.button("Удалить", key="tpl_map_delete", icon=":material/delete:"):
                with cursor() as cur:
                    delete_mapping(cur, scope, str(name))
                st.rerun()
        except UserFacingError as exc:
            st.error(md(str(exc)), icon=":material/error:")
