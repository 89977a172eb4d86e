"""The global view context (cohort, as-of date, headline indicator, forecast) and the drill path
(territory → college → specialty), kept in URL query parameters so a link reproduces a view.

Pure functions: query parameters are user input, so every value is parsed and whitelisted here
before it can reach a query.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

_CODE_RE = re.compile(r"^[0-9A-Za-zА-Яа-яЁё._\-]{1,32}$")


@dataclass(frozen=True)
class Drill:
    """Where the user is on the path region → territory → college → specialty."""

    territory: str | None = None
    college: str | None = None
    program: str | None = None

    def level(self) -> str:
        if self.program:
            return "program"
        if self.college:
            return "college"
        if self.territory:
            return "territory"
        return "region"

    def up(self) -> Drill:
        """One step back along the path."""
        if self.program:
            return replace(self, program=None)
        if self.college:
            return replace(self, college=None)
        return Drill()

    def to(self, level: str, code: str) -> Drill:
        """Drill into `code` at `level`, dropping deeper levels."""
        if level == "territory":
            return Drill(territory=code)
        if level == "college":
            return Drill(territory=self.territory, college=code)
        if level == "program":
            return Drill(territory=self.territory, college=self.college, program=code)
        raise ValueError(level)


@dataclass(frozen=True)
class Context:
    cohort: int
    as_of: dt.date
    indicator: str
    forecast: bool = False
    drill: Drill = Drill()


def parse_code(value: str | None) -> str | None:
    """A territory/college/programme code from a URL, or None when it is not code-shaped."""
    if value is None:
        return None
    v = value.strip()
    return v if _CODE_RE.match(v) else None


def parse_date_param(value: str | None) -> dt.date | None:
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    return None


def context_from_params(
    params: Mapping[str, str],
    *,
    cohorts: list[int],
    indicators: list[str],
    default_indicator: str,
    default_as_of: dict[int, dt.date],
    allowed_territories: list[str] | None = None,
    allowed_colleges: list[str] | None = None,
) -> Context | None:
    """Build a valid context from query parameters; unknown or malformed values fall back to defaults.

    None when there is no data at all (no cohort). Drill codes outside the allowed lists are dropped.
    """
    if not cohorts:
        return None
    cohort = cohorts[-1]
    raw_cohort = params.get("cohort")
    if raw_cohort and raw_cohort.isdigit() and int(raw_cohort) in cohorts:
        cohort = int(raw_cohort)
    as_of = parse_date_param(params.get("as_of")) or default_as_of[cohort]
    ind = params.get("ind")
    indicator = ind if ind in indicators else default_indicator
    forecast = params.get("fc") == "1"
    territory = parse_code(params.get("tu"))
    college = parse_code(params.get("poo"))
    program = parse_code(params.get("spec"))
    if allowed_territories is not None and territory not in allowed_territories:
        territory = None
    if allowed_colleges is not None and college not in allowed_colleges:
        college = None
    if college is None:
        program = None
    return Context(cohort, as_of, indicator, forecast, Drill(territory, college, program))


def context_to_params(ctx: Context) -> dict[str, str]:
    """Query parameters that reproduce the context (inverse of `context_from_params`)."""
    out = {"cohort": str(ctx.cohort), "as_of": ctx.as_of.isoformat(), "ind": ctx.indicator}
    if ctx.forecast:
        out["fc"] = "1"
    if ctx.drill.territory:
        out["tu"] = ctx.drill.territory
    if ctx.drill.college:
        out["poo"] = ctx.drill.college
    if ctx.drill.program:
        out["spec"] = ctx.drill.program
    return out


def breadcrumb(
    drill: Drill, names: Mapping[str, str], region_name: str = "Самарская область"
) -> list[tuple[str, Drill]]:
    """Labels and target drills of the breadcrumb, from the region down to the current level."""
    crumbs: list[tuple[str, Drill]] = [(region_name, Drill())]
    if drill.territory:
        crumbs.append((names.get(drill.territory, drill.territory), Drill(territory=drill.territory)))
    if drill.college:
        crumbs.append((names.get(drill.college, drill.college), Drill(drill.territory, drill.college)))
    if drill.program:
        crumbs.append((names.get(drill.program, drill.program), drill))
    return crumbs


def selection_code(event: Mapping[str, object] | None, key: str = "customdata", index: int = 0) -> str | None:
    """The code carried by the first selected point of a Plotly selection event (as a dict).

    Charts carry codes in `customdata`; the event is {"selection": {"points": [{"customdata": [...]}]}}.
    """
    if not event:
        return None
    sel = event.get("selection") if isinstance(event, Mapping) else None
    if not isinstance(sel, Mapping):
        return None
    points = sel.get("points") or []
    if not isinstance(points, list) or not points:
        return None
    first = points[0]
    if not isinstance(first, Mapping):
        return None
    data = first.get(key)
    if isinstance(data, list | tuple):
        data = data[index] if len(data) > index else None
    return parse_code(str(data)) if data is not None else None


def map_selection_code(event: Mapping[str, object] | None, layer_id: str, prop: str) -> str | None:
    """The property `prop` of the first selected feature of pydeck layer `layer_id`."""
    if not event:
        return None
    sel = event.get("selection")
    if not isinstance(sel, Mapping):
        return None
    objects = sel.get("objects")
    if not isinstance(objects, Mapping):
        return None
    feats = objects.get(layer_id) or []
    if not isinstance(feats, list) or not feats:
        return None
    f = feats[0]
    if not isinstance(f, Mapping):
        return None
    props = f.get("properties", f)
    value = props.get(prop) if isinstance(props, Mapping) else None
    return parse_code(str(value)) if value is not None else None


def table_selection_row(event: Mapping[str, object] | None) -> int | None:
    """Index of the first selected row of a st.dataframe selection event."""
    if not event:
        return None
    sel = event.get("selection")
    if not isinstance(sel, Mapping):
        return None
    rows = sel.get("rows") or []
    return int(rows[0]) if isinstance(rows, list) and rows else None
