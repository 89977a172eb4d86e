"""Audit of graduate-level views of external (УФНС/ЦЗН) facts (issue 12): one audit entry per
session, view and object, not one per rerun."""

from __future__ import annotations

import polars as pl
import streamlit as st

from data_layer import identity
from ops import identity as ops_identity
from ui.connection import cursor
from ui.roles import Scope

_SEEN = "_external_views_logged"


def log_external_view(scope: Scope, what: str, obj: str, rows: int) -> None:
    """Record that `scope` saw `rows` graduates' external facts in `what` (once per session)."""
    seen: set[tuple[str, str, int]] = st.session_state.setdefault(_SEEN, set())
    key = (what, obj, rows)
    if key in seen:
        return
    with cursor() as cur:
        ops_identity.record_view(cur, scope, what, obj, rows)
    seen.add(key)


def grown_lists(scope: Scope) -> pl.DataFrame:
    """Not cached: reconciliation decisions do not bump the dataset version."""
    with cursor() as cur:
        return identity.grown_lists(cur, scope)
