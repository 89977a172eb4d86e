"""The graduate status dictionary; the definitions live in `data_layer.statuses` (the importer needs them)."""

from __future__ import annotations

from data_layer.statuses import (
    BY_CODE,
    CODES,
    FEDERAL_COLUMNS,
    FORECAST_MAP,
    GROUP_LABELS,
    IMPORTABLE_CODES,
    NO_STATUS,
    RISK_STATUSES,
    STATUSES,
    STUDY_STATUSES,
    VERIFIABLE_WORK,
    WORK_STATUSES,
    Status,
    normalize_label,
    parse_status,
)

__all__ = [
    "BY_CODE",
    "CODES",
    "FEDERAL_COLUMNS",
    "FORECAST_MAP",
    "GROUP_LABELS",
    "IMPORTABLE_CODES",
    "NO_STATUS",
    "RISK_STATUSES",
    "STATUSES",
    "STUDY_STATUSES",
    "VERIFIABLE_WORK",
    "WORK_STATUSES",
    "Status",
    "normalize_label",
    "parse_status",
]
