"""The slice: a frozen value object describing which items and runs a view looks at.

A slice turns into parameterised SQL (column names only from the facet allow-list),
a human sentence, and URL query parameters (and back).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from data_layer.bands import BAND_SCHEMES
from data_layer.facets import FACETS, METHOD_LABELS, REASONING_LABELS, STEERING_LABELS, training_label
from data_layer.groups import GROUP_ATTRIBUTES
from data_layer.metrics import METRICS

_MULTI = {"tasks": "task", "bands": "band", "training": "training", "reasoning": "reasoning",
          "methods": "method", "steering": "steering", "models": "model", "sources": "source"}


class SliceError(ValueError):
    """A slice parameter that cannot be honoured (unknown metric, bad number, ...)."""


@dataclass(frozen=True)
class Slice:
    tasks: tuple[str, ...] = ()
    band_scheme: str = "fixed"
    bands: tuple[str, ...] = ()
    training: tuple[str, ...] = ()
    reasoning: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    steering: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    size_min: float | None = None
    size_max: float | None = None
    metric: str = "tvd"
    # Items a review judged (reviews/): `exclude_verdicts` names the verdicts (URL key "exclude"),
    # `excluded_items` the (task_id, item_id) whose newest verdict is one of them, resolved from
    # the review store by the app on every run (never from the URL), so that cached answers
    # change when a verdict does. Only per-item queries honour it (`exclusion`).
    exclude_verdicts: tuple[str, ...] = ()
    excluded_items: tuple[tuple[str, str], ...] = ()
    group_by: str = ""  # a grouping attribute (data_layer.groups), "" for none
    group: str = ""  # one group of it, "" for all: shown beside the crowd, it filters no rows

    def __post_init__(self):
        scheme = BAND_SCHEMES.get(self.band_scheme)  # raises with a suggestion
        METRICS.get(self.metric)
        if self.group_by:
            GROUP_ATTRIBUTES.get(self.group_by)
        elif self.group:
            raise SliceError(f"group={self.group!r} needs a grouping attribute (groupby=...)")
        for b in self.bands:
            if b not in scheme.bands:
                raise SliceError(f"Band {b!r} is not part of scheme {scheme.name!r} "
                                 f"(bands: {', '.join(scheme.bands)}).")
        for f in _MULTI:
            value = getattr(self, f)
            if isinstance(value, str) or not isinstance(value, tuple):
                object.__setattr__(self, f, tuple([value] if isinstance(value, str) else value))
            object.__setattr__(self, f, tuple(sorted(set(getattr(self, f)))))
        for name in self.exclude_verdicts:
            if not name or not all(c.isalnum() or c == "_" for c in name):
                raise SliceError(f"exclude={name!r} is not a verdict name (letters, digits and _).")
        object.__setattr__(self, "exclude_verdicts", tuple(sorted(set(self.exclude_verdicts))))
        object.__setattr__(self, "excluded_items", tuple(sorted({(str(t), str(i)) for t, i in self.excluded_items})))

    # ------------------------------------------------------------------ SQL
    @property
    def band_column(self) -> str:
        return BAND_SCHEMES.get(self.band_scheme).column

    def where(self, scope: str = "run", alias: str = "") -> tuple[str, list]:
        """SQL boolean expression and parameters. scope='item' keeps only item facets
        (for queries over human_dist alone)."""
        prefix = f"{alias}." if alias else ""
        clauses, params = [], []
        for field, facet_name in _MULTI.items():
            values = getattr(self, field)
            facet = FACETS.get(facet_name)
            if not values or (scope == "item" and facet.scope != "item"):
                continue
            column = self.band_column if facet_name == "band" else facet.column
            clauses.append(f"{prefix}{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
        if scope != "item":
            column = FACETS.get("size").column
            if self.size_min is not None:
                clauses.append(f"{prefix}{column} >= ?")
                params.append(float(self.size_min))
            if self.size_max is not None:
                clauses.append(f"{prefix}{column} <= ?")
                params.append(float(self.size_max))
        return (" AND ".join(clauses) or "TRUE"), params

    def exclusion(self, alias: str = "") -> tuple[str, list]:
        """SQL leaving out `excluded_items`, for a table with item_key (human_dist, item_scores).
        Kept apart from `where`: the precomputed sums that aggregate pages read have no per-item
        rows, so only item-level queries (the Items table, previous/next) can honour it."""
        if not self.excluded_items:
            return "TRUE", []
        prefix = f"{alias}." if alias else ""
        return (f"{prefix}item_key NOT IN (SELECT x_.item_key FROM human_dist x_ WHERE "
                "list_contains(?::VARCHAR[], x_.task_id || chr(31) || x_.item_id))",
                [[f"{t}\x1f{i}" for t, i in self.excluded_items]])

    # ------------------------------------------------------------------ prose
    def sentence(self, n_tasks_total: int | None = None) -> str:
        scheme = BAND_SCHEMES.get(self.band_scheme)
        if self.bands and set(self.bands) != set(scheme.bands):
            band_txt = " and ".join(f"{b}-disagreement" if b in ("low", "medium", "high") else b
                                    for b in self.bands) + " items"
        else:
            band_txt = "all items"
        if not self.tasks:
            task_txt = "all tasks"
        elif len(self.tasks) == 1:
            task_txt = f"task {self.tasks[0]}"
        else:
            task_txt = f"{len(self.tasks)} tasks"
        parts = [f"{band_txt} ({scheme.label.lower()}) of {task_txt}"]
        if self.training:
            parts.append(" vs ".join(training_label(t) for t in self.training) + " models")
        else:
            parts.append("all model types")
        if self.reasoning:
            parts.append(" or ".join(REASONING_LABELS.get(r, r) for r in self.reasoning))
        if self.methods:
            parts.append(" or ".join(METHOD_LABELS.get(m, m) for m in self.methods))
        if self.steering:
            parts.append(" or ".join(STEERING_LABELS.get(s, s) for s in self.steering))
        if self.sources:
            parts.append(" or ".join(self.sources) + " runs")
        if self.size_min is not None or self.size_max is not None:
            lo = "" if self.size_min is None else f"{self.size_min:g}"
            hi = "" if self.size_max is None else f"{self.size_max:g}"
            parts.append(f"{lo}–{hi}B parameters" if lo and hi else
                         (f"≥{lo}B parameters" if lo else f"≤{hi}B parameters"))
        if self.models:
            parts.append(f"{len(self.models)} selected model{'s' * (len(self.models) > 1)}")
        if self.exclude_verdicts:
            judged = " or ".join(v.replace("_", " ") for v in self.exclude_verdicts)
            n = len(self.excluded_items)
            parts.append(f"leaving out {n} item{'s' * (n != 1)} judged {judged} (item lists only)")
        parts.append(f"metric: {METRICS.get(self.metric).label}")
        if self.group_by:
            label = GROUP_ATTRIBUTES.get(self.group_by).label
            parts.append(f"annotator group {label} = {self.group} (beside the crowd on the Items and Item pages)"
                         if self.group else f"annotators grouped by {label}")
        return ", ".join(parts)

    # ------------------------------------------------------------------ URL
    def to_params(self) -> dict[str, str]:
        """Only non-default values, so links stay short and stable."""
        out: dict[str, str] = {}
        for field, facet_name in _MULTI.items():
            if getattr(self, field):
                out[FACETS.get(facet_name).url_key] = ",".join(getattr(self, field))
        if self.band_scheme != "fixed":
            out["scheme"] = self.band_scheme
        if self.size_min is not None or self.size_max is not None:
            lo = "" if self.size_min is None else f"{self.size_min:g}"
            hi = "" if self.size_max is None else f"{self.size_max:g}"
            out["size"] = f"{lo}-{hi}"
        if self.metric != "tvd":
            out["metric"] = self.metric
        if self.exclude_verdicts:
            out["exclude"] = ",".join(self.exclude_verdicts)
        if self.group_by:
            out["groupby"] = self.group_by
        if self.group:
            out["group"] = self.group
        return out

    @classmethod
    def from_params(cls, params: Mapping[str, str | list[str]]) -> Slice:
        def get(key: str) -> str:
            v = params.get(key, "")
            return ",".join(v) if isinstance(v, list) else str(v)

        kwargs: dict = {}
        for field, facet_name in _MULTI.items():
            raw = get(FACETS.get(facet_name).url_key)
            if raw:
                kwargs[field] = tuple(x for x in raw.split(",") if x)
        if get("scheme"):
            kwargs["band_scheme"] = get("scheme")
        if get("metric"):
            kwargs["metric"] = get("metric")
        if get("exclude"):
            kwargs["exclude_verdicts"] = tuple(x for x in get("exclude").split(",") if x)
        for key, field in (("groupby", "group_by"), ("group", "group")):
            if key in params:  # one value: a group name may itself contain a comma
                v = params[key]
                kwargs[field] = str(v[-1] if isinstance(v, list) else v)
        if get("size"):
            lo, _, hi = get("size").partition("-")
            try:
                kwargs["size_min"] = float(lo) if lo else None
                kwargs["size_max"] = float(hi) if hi else None
            except ValueError:
                raise SliceError(f"size={get('size')!r} is not of the form MIN-MAX (billions)") from None
        return cls(**kwargs)

    def with_(self, **changes) -> Slice:
        return replace(self, **changes)

    def item_filters_only(self) -> Slice:
        """The slice without its run filters (item facets, band scheme and metric kept): what a
        question about items alone, such as their order, depends on."""
        runs = {f: () for f, facet in _MULTI.items() if FACETS.get(facet).scope != "item"}
        return replace(self, **runs, size_min=None, size_max=None)


SLICE_PARAM_KEYS = tuple(FACETS.get(f).url_key for f in _MULTI.values()) + ("scheme", "size", "metric", "exclude",
                                                                              "groupby", "group")
assert all(f.name in {*_MULTI, "band_scheme", "size_min", "size_max", "metric", "exclude_verdicts",
                      "excluded_items", "group_by", "group"} for f in fields(Slice))
