"""Data: what is in the store — task cards, banding schemes with their edges, the metric
glossary (generated from the registry) and how the store was built."""
from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from data_layer.bands import BAND_SCHEMES
from data_layer.queries import datacards, run_answers
from ui.charts import data_table
from ui.data import q
from ui.export import download_csv
from ui.page import start_page
from ui.share import share_link
from ui.state import current_slice, page_param, set_page_param
from ui.text import plain_md

start_page("Data, bands and metrics")

# Only the open tab is drawn (st.tabs with state): every visitor of the page used to pay for all
# five tabs' tables and download buttons. The open tab is in the URL (tab=...), so a link opens it.
TABS = {"tasks": "Tasks", "bands": "Banding schemes", "metrics": "Metrics", "answers": "Model answers",
        "build": "Build"}


CARD_FACTS = {"source": "Source", "license": "License", "citation": "Citation", "guideline": "Annotation guideline"}


def _card_facts(t) -> None:
    """A task card's labels, source, license, citation and guideline, as text (two
    tables per card cost each visitor more than the rest of the page)."""
    st.markdown(plain_md("Labels: " + "; ".join(
        f"{v} ({n})" if str(v) != str(n) else str(v) for v, n in zip(t.labels, t.label_names, strict=True))))
    st.markdown("\n".join(f"- **{name}**: {plain_md(getattr(t, k)) if _given(getattr(t, k)) else 'not recorded'}"
                          for k, name in CARD_FACTS.items()))


def _given(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _tasks() -> None:
    """One card per task: its size, labels, source and notes."""
    cards = q(datacards.task_cards)
    notes = q(datacards.task_notes)
    if not cards.ok:
        st.info(plain_md(cards.message))
    else:
        for t in cards.frame.itertuples():
            with st.container(border=True):
                st.subheader(plain_md(t.name), anchor=False)
                st.caption(plain_md(f"{t.task_id} · dataset {t.dataset} · {t.scale} scale"))
                if isinstance(t.description, str):
                    st.text(t.description)
                for note in notes.get(t.task_id, ()):  # e.g. the items a stratified sample left out
                    st.caption(plain_md(f"Note: {note}"))
                c = st.columns(5)
                c[0].metric("Items", f"{t.n_items:,}")
                c[1].metric("Ratings", f"{t.n_ratings:,}")
                c[2].metric("Annotators per item", f"{t.annotators_per_item_median:g} "
                            f"({t.annotators_per_item_min}–{t.annotators_per_item_max})",
                            help="Median (min–max) number of ratings per item.")
                c[3].metric("Dropped items", f"{t.n_dropped_items:,}",
                            help=plain_md(t.dropped_reason) if isinstance(t.dropped_reason, str) else
                            "Items with fewer annotators than the study's minimum are dropped.")
                c[4].metric("Distinct annotators", "not recorded" if pd.isna(t.n_annotators) else f"{t.n_annotators:,}",
                            help="Annotators with an id in the data (some datasets do not keep them).")
                _card_facts(t)
        table = cards.frame.assign(labels=[", ".join(v) for v in cards.frame["labels"]],
                                   label_names=[", ".join(v) for v in cards.frame["label_names"]])
        download_csv(table, "tasks.csv", "Download all task cards as CSV")


def _banding_schemes() -> None:
    """Each banding scheme with its definition and edges."""
    st.caption("How items are grouped by human disagreement. Bands are assigned once, when the store "
               "is built; the sidebar's banding scheme chooses which grouping every page uses.")
    for scheme in BAND_SCHEMES:
        with st.container(border=True):
            st.subheader(scheme.label, anchor=False)
            st.markdown(scheme.description)
            st.code(scheme.definition, language=None, wrap_lines=True)
            edges = q(datacards.band_edges, scheme.name)
            if edges.ok:
                data_table(edges.frame, height=35 * (len(edges.frame) + 1) + 3,
                             column_config={
                    "lower": st.column_config.NumberColumn(format="%.3f"),
                    "upper": st.column_config.NumberColumn(format="%.3f")})
                download_csv(edges.frame, f"band-edges-{scheme.name}.csv")
            else:
                st.info(plain_md(edges.message))


def _metrics() -> None:
    """The metric glossary, from the registry."""
    st.caption("Generated from the metric registry (data_layer/metrics.py): the same definitions the "
               "pipeline computes with.")
    glossary = datacards.metric_glossary()
    grid = st.columns(2)
    for i, m in enumerate(glossary.itertuples()):
        with grid[i % 2].container(border=True):
            st.markdown(f"**{m.label}** · `{m.name}` · {m.direction} · {m.level}"
                        + (f" · unit: {m.unit}" if m.unit else "")
                        + (f" · {m.applies_to}" if m.applies_to != "all tasks" else ""))
            st.code(m.definition, language=None, wrap_lines=True)
            st.markdown(m.description)
            if m.citation:
                st.caption(f"Source: {m.citation}")
    download_csv(glossary, "metrics.csv", "Download the glossary as CSV")


def _model_answers() -> None:
    """Per run, how many of the model's answers gave no label, and why."""
    st.caption("Every answer an elicited run's model gave is kept, parsed or not. An answer gives no label "
               "when it cannot be parsed in the requested form or the server rejected the request; an item "
               "whose samples all failed has no model distribution and is left out of that run's scores.")
    answers = q(run_answers.answer_failures, current_slice())
    if not answers.ok:
        st.info(plain_md(answers.message))
    else:
        data_table(answers.frame, width="stretch", column_config={
            "failed_share": st.column_config.NumberColumn(format="percent")})
        download_csv(answers.frame, "model-answers.csv")


def _build() -> None:
    """How and when the store was built."""
    info = q(datacards.build_info)
    if not info.ok:
        st.info(plain_md(info.message))
    else:
        b = info.frame.iloc[0]
        if b["simulated"]:
            st.warning("This store contains simulated data (the demo). Nothing in it is evidence.")
        facts = {"Built at": str(b["built_at"]), "Study": b["study_name"], "Seed": b["seed"],
                 "Schema version": int(b["schema_version"]), "Config hash": b["config_hash"],
                 "Git commit": b["git_commit"] or "unknown", "Simulated data": "yes" if b["simulated"] else "no"}
        data_table(pd.DataFrame({"": list(facts), "value": [str(v) for v in facts.values()]}),
                   column_config={"": st.column_config.TextColumn(width=150),
                                                     "value": st.column_config.TextColumn(width=420)})
        download_csv(info.frame, "build-info.csv", "Download the build record as CSV")
        if b["packages"]:
            st.markdown("**Packages**")
            data_table(pd.DataFrame({"package": list(b["packages"]), "version": list(b["packages"].values())}))
        if b["report"]:
            runs = b["report"].get("runs", {})
            if runs:
                st.markdown("**Runs in the build report**")
                frame = pd.DataFrame.from_dict(runs, orient="index").rename_axis("run").reset_index()
                data_table(frame, width="stretch", height=35 * (len(frame) + 1) + 3)
                download_csv(frame, "build-runs.csv")
            with st.expander("Full build report (JSON)"):
                st.code(json.dumps(b["report"], indent=2, ensure_ascii=False), language="json")


asked = page_param("tab")
tabs = st.tabs(list(TABS.values()), key="w_data_tab", on_change="rerun",
               default=TABS[asked] if asked in TABS else None)
DRAW = {"tasks": _tasks, "bands": _banding_schemes, "metrics": _metrics, "answers": _model_answers,
        "build": _build}
for name, tab in zip(TABS, tabs, strict=True):
    if tab.open:
        set_page_param("tab", None if name == "tasks" else name)
        with tab:
            DRAW[name]()

share_link()
