"""Effectiveness criteria of the colleges' career centres (ЦСТВ), docs/domain.md §8.

- `model`  — criteria sets as data (criteria, scales, thresholds, JSON, the starting set);
- `store`  — stored versions: read; the row writes of ops.criteria (save, publish, discard);
- `values` — criterion metric values per college;
- `rating` — points, total score, rank, category; what-if between two sets.

The names below are re-exported so `from metrics import criteria; criteria.rating(...)` reads as
one vocabulary.
"""

from __future__ import annotations

from metrics.criteria.model import (
    CATEGORY_LABELS,
    METRICS,
    CriteriaSet,
    Criterion,
    Scale,
    StepRule,
    from_json,
    same_definition,
    starting_set,
    validate_set,
)
from metrics.criteria.rating import rating, score, what_if
from metrics.criteria.store import (
    delete_draft,
    draft,
    ensure_seeded,
    mark_published,
    published,
    require_editor,
    versions,
    write_draft,
)
from metrics.criteria.values import (
    WEEKLY_HISTORY_MAX,
    activity_values,
    college_metric_values,
    known_metrics,
    timeliness_table,
)

__all__ = [
    "CATEGORY_LABELS",
    "METRICS",
    "WEEKLY_HISTORY_MAX",
    "CriteriaSet",
    "Criterion",
    "Scale",
    "StepRule",
    "activity_values",
    "college_metric_values",
    "delete_draft",
    "draft",
    "ensure_seeded",
    "from_json",
    "known_metrics",
    "mark_published",
    "published",
    "rating",
    "require_editor",
    "same_definition",
    "score",
    "starting_set",
    "timeliness_table",
    "validate_set",
    "versions",
    "what_if",
    "write_draft",
]
