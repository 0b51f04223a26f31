"""The shared slice controls in the sidebar. Options and counts come from the store; the
initial values come from the URL, and the resulting slice is written back to it."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from data_layer.bands import BAND_SCHEMES
from data_layer.facets import FACETS, METHOD_LABELS, REASONING_LABELS, STEERING_LABELS, training_label
from data_layer.metrics import METRICS
from data_layer.queries import options
from data_layer.registry import UnknownName
from data_layer.slice import SLICE_PARAM_KEYS, Slice, SliceError
from reviews.vocabulary import ANNOTATION_ERROR
from ui.data import location, q
from ui.group_controls import group_controls, seed_group_widgets
from ui.state import slice_from_url, write_slice
from ui.text import clip, plain_md

ECHO_CHARS = 80  # of each ignored URL value the warning repeats

_RUN_FACETS = [("training", "training", training_label), ("reasoning", "reasoning", REASONING_LABELS.get),
               ("methods", "method", METHOD_LABELS.get), ("steering", "steering", STEERING_LABELS.get),
               ("sources", "source", str)]


@dataclass(frozen=True)
class Choices:
    """The sidebar's options, made once per store and shared by every session and render
    (building them from the runs table with pandas took 10-20 ms per render). Run counts depend
    on the other filters, so they are counted per render from the numpy columns kept here."""
    tasks: tuple[str, ...]
    task_labels: dict[str, str]
    facets: dict[str, tuple[list[str], dict[str, str]]]  # field -> (options, option -> label without count)
    sizes: tuple[float, ...]
    models: tuple[str, ...]
    model_names: dict[str, str]
    known: dict[str, frozenset]  # slice field -> values the store has
    run_values: dict[str, np.ndarray]  # slice field ("models", "size" too) -> one value per run


def _runs(n: int) -> str:
    return f"{n} run{'s' * (n != 1)}"


@st.cache_resource(max_entries=8, show_spinner=False)
def _choices(store_path: str) -> Choices:
    tasks, runs = q(options.task_options), q(options.run_facet_options)
    facets = {}
    for field, col, label in _RUN_FACETS:
        opts = sorted(str(v) for v in runs[col].dropna().unique())
        facets[field] = (opts, {v: label(v) or v for v in opts})
    models = runs.drop_duplicates("model_id")
    known = {"tasks": frozenset(tasks["task_id"]), "models": frozenset(runs["model_id"]),
             **{field: frozenset(runs[col]) for field, col, _ in _RUN_FACETS}}
    return Choices(tasks=tuple(str(t) for t in tasks["task_id"]),
                   task_labels={str(t): f"{n} ({c} items)" for t, n, c in
                                zip(tasks["task_id"], tasks["name"], tasks["n_items"], strict=True)},
                   facets=facets, sizes=tuple(sorted(float(v) for v in runs["params_b"].dropna().unique())),
                   models=tuple(str(m) for m in models["model_id"]),
                   model_names=dict(zip(models["model_id"], models["display_name"], strict=True)), known=known,
                   run_values={**{field: runs[col].astype(str).to_numpy() for field, col, _ in _RUN_FACETS},
                               "models": runs["model_id"].astype(str).to_numpy(),
                               "size": runs["params_b"].to_numpy(dtype=float)})


def _matching(choices: Choices, leave_out: str) -> np.ndarray:
    """Which runs match the sidebar's current run filters other than `leave_out`, so that an
    option's count says how many runs choosing it would add to the other choices."""
    values = choices.run_values
    keep = np.ones(len(values["models"]), dtype=bool)
    for field in [f for f, _, _ in _RUN_FACETS] + ["models"]:
        chosen = st.session_state.get(f"w_{field}") or []
        if field != leave_out and chosen:
            keep &= np.isin(values[field], chosen)
    sizes = choices.sizes
    lo, hi = st.session_state.get("w_size_slider", (None, None))
    if leave_out != "size" and len(sizes) > 1 and lo is not None and (lo, hi) != (sizes[0], sizes[-1]):
        with np.errstate(invalid="ignore"):  # a run of unknown size is outside any narrowed range
            keep &= (values["size"] >= lo) & (values["size"] <= hi)
    return keep


def _counted(choices: Choices, field: str, labels: dict[str, str]) -> dict[str, str]:
    """Option -> 'label (n runs)', n counted among the runs the other filters leave; an option
    that would leave nothing says so."""
    keep = _matching(choices, field)
    values, counts = choices.run_values[field][keep], {}
    if len(values):
        counts = dict(zip(*np.unique(values, return_counts=True), strict=True))
    narrowed = " with the other filters" if keep.sum() < len(keep) else ""
    return {v: f"{label} ({_runs(int(counts.get(v, 0)))}{'' if counts.get(v) else narrowed})"
            for v, label in labels.items()}


def _initial_slice(choices: Choices, page_changed: bool) -> Slice:
    """The slice of the previous run in this session, or on a fresh visit the one in the link
    (unknown values are dropped with a warning rather than failing the page). A page opened by a
    link that names a slice (the Overview's "top-gap items of a band", a review set's Items view)
    takes the link's slice: the sidebar's own page links carry no parameters."""
    linked = page_changed and any(k in st.query_params for k in SLICE_PARAM_KEYS)
    if "slice" in st.session_state and not linked:
        return st.session_state["slice"]
    try:
        sl = slice_from_url()
    except (SliceError, UnknownName) as e:
        st.session_state["url_problem"] = f"Part of the link was ignored: {clip(e, 3 * ECHO_CHARS)}"
        sl = Slice()
    known = choices.known
    ignored = [f"{f}={clip(v, ECHO_CHARS)}" for f, allowed in known.items() for v in getattr(sl, f)
               if v not in allowed]
    if ignored:
        more = f" and {len(ignored) - 10:,} more" if len(ignored) > 10 else ""
        st.session_state["url_problem"] = f"Unknown values in the link were ignored: {', '.join(ignored[:10])}{more}"
    return sl.with_(**{f: tuple(v for v in getattr(sl, f) if v in allowed) for f, allowed in known.items()})


def _seed_widgets(sl: Slice, force: bool) -> None:
    """Widget state is dropped when the user switches page (the same key on another page is a
    new widget that ignores the old value), so on a page change every widget is re-seeded from
    the slice; otherwise only missing keys are."""
    values = {"w_scheme": sl.band_scheme, "w_bands": list(sl.bands), "w_metric": sl.metric,
              "w_tasks": list(sl.tasks), "w_models": list(sl.models),
              "w_exclude": ANNOTATION_ERROR in sl.exclude_verdicts,
              **{f"w_{field}": list(getattr(sl, field)) for field, _, _ in _RUN_FACETS}}
    for key, value in values.items():
        if force or key not in st.session_state:
            st.session_state[key] = value
    st.session_state["w_size"] = (sl.size_min, sl.size_max)
    seed_group_widgets(sl, force)
    if force:
        st.session_state.pop("w_size_slider", None)  # re-seeded from w_size by _size_range


def _size_range(sizes: list[float]) -> tuple[float | None, float | None]:
    if len(sizes) < 2:
        return None, None
    if "w_size_slider" not in st.session_state:
        lo, hi = st.session_state.get("w_size", (None, None))
        st.session_state["w_size_slider"] = (lo if lo in sizes else sizes[0], hi if hi in sizes else sizes[-1])
    picked = st.select_slider(FACETS.get("size").label, options=sizes, key="w_size_slider",
                              value=(sizes[0], sizes[-1]),  # makes it a range slider; state wins
                              format_func=lambda v: f"{v:g}B", help=FACETS.get("size").description)
    return (None if picked[0] == sizes[0] else picked[0]), (None if picked[1] == sizes[-1] else picked[1])


def _reset_filters() -> None:
    """Every filter back to "all" (tasks, bands, run facets, size, models, group, review
    verdicts), in the session and the URL; the banding scheme and the metric are choices of
    view, not filters, and stay."""
    sl = st.session_state.get("slice", Slice())
    st.session_state["slice"] = Slice(band_scheme=sl.band_scheme, metric=sl.metric)
    for key in SLICE_PARAM_KEYS:  # the group widgets would otherwise take the link's group back
        if key in st.query_params:
            del st.query_params[key]
    st.session_state["sidebar_reset"] = True


def render_sidebar(page: str = "") -> Slice:
    choices = _choices(str(location().path))
    page_changed, st.session_state["sidebar_page"] = st.session_state.get("sidebar_page") != page, page
    initial = _initial_slice(choices, page_changed)
    _seed_widgets(initial, force=page_changed or st.session_state.pop("sidebar_reset", False))
    with st.sidebar:
        st.header("Slice")
        reset_slot = st.empty()  # filled once this run's slice is known (disabled when nothing is filtered)
        if st.session_state.get("url_problem"):
            st.warning(plain_md(st.session_state.pop("url_problem")))
        st.multiselect(FACETS.get("task").label, list(choices.tasks), key="w_tasks",
                       format_func=choices.task_labels.__getitem__,
                       placeholder="All tasks", help=FACETS.get("task").description)
        st.selectbox("Banding scheme", BAND_SCHEMES.names(), key="w_scheme",
                     format_func=lambda s: BAND_SCHEMES.get(s).label,
                     help="\n\n".join(f"**{s.label}**: {s.description}" for s in BAND_SCHEMES))
        scheme = BAND_SCHEMES.get(st.session_state["w_scheme"])
        st.session_state["w_bands"] = [b for b in st.session_state.get("w_bands", []) if b in scheme.bands]
        band_counts = q(options.band_options, scheme.name, tuple(st.session_state["w_tasks"]))
        bc = dict(zip(band_counts["band"], band_counts["n_items"]))
        st.multiselect("Bands", list(scheme.bands), key="w_bands", placeholder="All bands",
                       format_func=lambda b: f"{b} ({bc.get(b, 0)} items)", help=scheme.definition)
        for field, col, _ in _RUN_FACETS:
            opts, labels = choices.facets[field]
            st.multiselect(FACETS.get(col).label, opts, key=f"w_{field}",
                           format_func=_counted(choices, field, labels).__getitem__,
                           placeholder="All", help=FACETS.get(col).description)
        size_min, size_max = _size_range(list(choices.sizes))
        model_labels = _counted(choices, "models", {m: choices.model_names.get(m, m) for m in choices.models})
        st.multiselect("Models", list(choices.models), key="w_models", placeholder="All models",
                       format_func=model_labels.__getitem__)
        st.selectbox("Metric", METRICS.names(), key="w_metric",
                     format_func=lambda m: f"{METRICS.get(m).label} ({METRICS.get(m).direction_text})",
                     help="\n\n".join(f"**{m.label}**: {m.description}" for m in METRICS))
        st.checkbox("Leave out items judged annotation error", key="w_exclude",
                    help="Items whose newest review verdict is “annotation error” leave the Items table, "
                         "previous/next and review sets made from it. The precomputed aggregates of the "
                         "other pages still count them.")
        group_by, group = group_controls(tuple(st.session_state["w_tasks"]))
    others = tuple(v for v in initial.exclude_verdicts if v != ANNOTATION_ERROR)
    sl = Slice(group_by=group_by, group=group,
               exclude_verdicts=others + ((ANNOTATION_ERROR,) if st.session_state["w_exclude"] else ()),
               tasks=tuple(st.session_state["w_tasks"]), band_scheme=scheme.name,
               bands=tuple(st.session_state["w_bands"]), models=tuple(st.session_state["w_models"]),
               size_min=size_min, size_max=size_max, metric=st.session_state["w_metric"],
               **{field: tuple(st.session_state[f"w_{field}"]) for field, _, _ in _RUN_FACETS})
    reset_slot.button("Reset filters", key="w_reset", on_click=_reset_filters, icon=":material/filter_alt_off:",
                      disabled=sl == Slice(band_scheme=sl.band_scheme, metric=sl.metric),
                      help="Clear every filter (tasks, bands, training, reasoning, method, steering, source, "
                           "size, models, annotator group, left-out items); the banding scheme and metric stay.")
    write_slice(sl)
    st.session_state["slice"] = sl
    return sl
