"""Settings of the indicators (base centre): targets, risk thresholds N1–N3 and the headline
indicator, custom indicators. Every change feeds cached figures, so each bumps the dataset version
in its transaction (audit action 'settings_change')."""

from __future__ import annotations

from collections.abc import Collection, Mapping

import duckdb

from data_layer.scope import Scope
from metrics import indicators, settings
from metrics.formatting import fmt_pct
from ops.transaction import audited


def set_target(
    cur: duckdb.DuckDBPyConnection, scope: Scope, indicator_id: str, cohort: int, target: float
) -> None:
    """The target (a share, 0 < target <= 1) of an indicator for a cohort and the cohorts after it."""
    scope.require_role("base_centre")
    old = indicators.get_target(cur, indicator_id, cohort)
    before = fmt_pct(old[0]) if old and old[1] == cohort else "не задана"
    with audited(
        cur,
        scope,
        "settings_change",
        f"цель {indicator_id}/{cohort}",
        f"{before} → {fmt_pct(target)}",
        bump=True,
    ):
        indicators.set_target(cur, indicator_id, cohort, target, scope.username)


def change_settings(cur: duckdb.DuckDBPyConnection, scope: Scope, new: Mapping[str, str]) -> dict[str, str]:
    """Store the settings that differ from the current values; returns them (empty: nothing changed,
    nothing written)."""
    scope.require_role("base_centre")
    current = {k: settings.get_setting(cur, k) for k in new}
    changed = {k: v for k, v in new.items() if v != current[k]}
    if not changed:
        return {}
    details = "; ".join(f"{k}: {current[k]} → {v}" for k, v in changed.items())
    with audited(cur, scope, "settings_change", "настройки", details, bump=True):
        for k, v in changed.items():
            settings.set_setting(cur, k, v, scope.username)
    return changed


def save_custom_indicator(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    indicator_id: str,
    name: str,
    description: str,
    numerator: Collection[str],
    exclusions: Collection[str],
    active: bool = True,
) -> int:
    """A new version of a custom indicator; returns its version number."""
    scope.require_role("base_centre")
    details = f"{name.strip()}: числитель {','.join(numerator)}; исключения {','.join(exclusions) or '—'}" + (
        "" if active else "; скрыт"
    )
    with audited(cur, scope, "settings_change", f"показатель {indicator_id}", details, bump=True):
        return indicators.save_custom_indicator(
            cur, indicator_id, name, description, set(numerator), set(exclusions), scope.username, active
        )
