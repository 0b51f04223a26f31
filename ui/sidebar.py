"""The shared slice controls in the sidebar. Options and counts come from the store; the
initial values come from the URL, and the resulting slice is written back to it."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from data_layer.bands import BAND_SCHEMES
from data_layer.facets import FACETS, METHOD_LABELS, REASONING_LABELS, STEERING_LABELS, training_label
from data_layer.metrics import METRICS
from data_layer.queries import options
from data_layer.registry import UnknownName
from data_layer.slice import Slice, SliceError
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
    """The sidebar's options and their labels with counts, made once per store and shared by every
    session and render (counting them from the runs table took 10-20 ms of pandas per render)."""
    tasks: tuple[str, ...]
    task_labels: dict[str, str]
    facets: dict[str, tuple[list[str], dict[str, str]]]  # field -> (options, option -> label)
    sizes: tuple[float, ...]
    models: tuple[str, ...]
    model_names: dict[str, str]
    known: dict[str, frozenset]  # slice field -> values the store has


@st.cache_resource(max_entries=8, show_spinner=False)
def _choices(store_path: str) -> Choices:
    tasks, runs = q(options.task_options), q(options.run_facet_options)
    facets = {}
    for field, col, label in _RUN_FACETS:
        counts = runs[col].value_counts()
        opts = sorted(str(v) for v in counts.index)
        facets[field] = (opts, {v: f"{label(v) or v} ({counts.get(v, 0)} runs)" for v in opts})
    models = runs.drop_duplicates("model_id")
    known = {"tasks": frozenset(tasks["task_id"]), "models": frozenset(runs["model_id"]),
             **{field: frozenset(runs[col]) for field, col, _ in _RUN_FACETS}}
    return Choices(tasks=tuple(str(t) for t in tasks["task_id"]),
                   task_labels={str(t): f"{n} ({c} items)" for t, n, c in
                                zip(tasks["task_id"], tasks["name"], tasks["n_items"], strict=True)},
                   facets=facets, sizes=tuple(sorted(float(v) for v in runs["params_b"].dropna().unique())),
                   models=tuple(str(m) for m in models["model_id"]),
                   model_names=dict(zip(models["model_id"], models["display_name"], strict=True)), known=known)


def _initial_slice(choices: Choices) -> Slice:
    """The slice of the previous run in this session, or on a fresh visit the one in the link
    (unknown values are dropped with a warning rather than failing the page)."""
    if "slice" in st.session_state:
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


def render_sidebar(page: str = "") -> Slice:
    choices = _choices(str(location().path))
    page_changed, st.session_state["sidebar_page"] = st.session_state.get("sidebar_page") != page, page
    initial = _initial_slice(choices)
    _seed_widgets(initial, force=page_changed)
    with st.sidebar:
        st.header("Slice")
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
            st.multiselect(FACETS.get(col).label, opts, key=f"w_{field}", format_func=labels.__getitem__,
                           placeholder="All", help=FACETS.get(col).description)
        size_min, size_max = _size_range(list(choices.sizes))
        st.multiselect("Models", list(choices.models), key="w_models", placeholder="All models",
                       format_func=lambda m: choices.model_names.get(m, m))
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
    write_slice(sl)
    st.session_state["slice"] = sl
    return sl
