"""Published results: Ni et al.'s per-model figures, their Table 1 recomputed, and the user's
numbers beside them where the store holds the same dataset."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from data_layer.queries import published as pub
from data_layer.winrate import RULES
from ui.charts import built_once, data_table, finish, said_once, show_chart
from ui.colours import colour_for
from ui.data import q
from ui.page import start_page
from ui.share import share_link
from ui.state import page_param, set_page_param
from ui.text import plain_md

# the model types' own colours: R1 is an RLVR reasoning model, its siblings RLHF models
REASONING_COLOURS = {"R1": colour_for("RLVR · thinking"), "No-CoT": colour_for("RLHF · no CoT"),
                     "CoT": colour_for("RLHF · CoT")}
REASONING_NAMES = {"R1": "R1 (RLVR model)", "No-CoT": "RLHF model, no CoT", "CoT": "RLHF model + CoT"}
METHOD_NAMES = {"verbal": "verbalized", "sample": "sampling"}
STEERING_NAMES = {"zero": "zero-shot", "few": "few-shot"}
DATASET_NAMES = {"HS2": "HelpSteer2", "GHC": "Gab Hate Corpus", "Pos": "GoEmotions positive",
                 "Neg": "GoEmotions negative", "Amb": "GoEmotions ambiguous"}
CONTROLS = [("datasets", "Dataset", "pub_dataset", DATASET_NAMES), ("subsets", "Subset", "pub_subset", {}),
            ("sizes", "Model size", "pub_size", {}), ("reasoning", "Reasoning", "pub_reasoning", REASONING_NAMES),
            ("methods", "Method", "pub_method", METHOD_NAMES), ("steering", "Steering", "pub_steering",
                                                                 STEERING_NAMES)]
DEFAULTS = {"methods": "verbal"}  # the paper's Table 1 and main results use verbalized figures

start_page("Published results: Ni et al. (EACL 2026)", uses_store=False)
headline = st.container()  # the answer first (on a phone, on the first screen): filled once the filters are read
st.markdown("Per-model figures of **Ni et al.**, transcribed from the paper's "
            "Tables 5 and 6 and shipped with the project (`reference_data/`). These are the paper's "
            "numbers on real models, not this store's data; the sidebar slice does not apply here.")
with st.expander("The paper and its models"):
    st.caption(plain_md(q(pub.citation)))
    pairs = q(pub.pair_models)
    st.caption("Models per pair (RLHF | RLVR): " + plain_md("; ".join(
        f"{p} = {h} | {v}" for p, h, v in zip(pairs["model_pair"], pairs["rlhf_model"], pairs["rlvr_model"],
                                              strict=True))))

options = q(pub.published_options)


def _control(field: str, label: str, key: str, names: dict) -> tuple:
    opts = options[field]
    to_str = (lambda v: f"{v:g}") if field == "sizes" else str
    by_str = {to_str(v): v for v in opts}
    raw = page_param(key, DEFAULTS.get(field, ""))
    chosen = [by_str[s] for s in (raw or "").split(",") if s in by_str]
    fmt = (lambda v: f"{v:g}B") if field == "sizes" else (lambda v: names.get(v, v))
    picked = st.multiselect(label, opts, default=chosen, format_func=fmt, placeholder="All",
                            key=f"w_{key}")
    set_page_param(key, ",".join(to_str(v) for v in picked) if picked else
                   ("" if field not in DEFAULTS else "all"))
    return tuple(picked)


cols = st.columns(3) + st.columns(3)
values = {}
for col, (field, label, key, names) in zip(cols, CONTROLS, strict=True):
    with col:
        values[field] = _control(field, label, key, names)
filt = pub.PublishedFilter(**values)



FIGURES_PANEL = "pub_all_figures"  # the expander of every figure passing the filters (open: its state)


def _with_setting(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(setting=frame["reasoning"].map(REASONING_NAMES))


def _by_size(frame: pd.DataFrame, subset: str, metric: str, direction: str, narrow: bool = False):
    df = _with_setting(frame)
    fig = px.line(df, x="params_b", y="mean", color="setting", markers=True, log_x=True,
                  hover_data=["model_pair", "n", "min", "max"],
                  color_discrete_map={REASONING_NAMES[k]: v for k, v in REASONING_COLOURS.items()},
                  labels={"params_b": "Model size (billions of parameters, log scale)", "mean": f"{metric} ({direction})",
                          "setting": "Setting"})
    fig.update_layout(title=f"{metric} on {subset}: {direction}")
    fig.update_xaxes(tickvals=sorted(df["params_b"].unique()), ticktext=[f"{v:g}B" for v in
                                                                         sorted(df["params_b"].unique())])
    return finish(fig, height=400 if narrow else 440, legend_title="Setting", narrow=narrow)


def _by_size_summary(frame: pd.DataFrame, metric: str, direction: str) -> str:
    """Each setting's value at the smallest and at the largest model size."""
    parts = []
    for setting, g in _with_setting(frame).sort_values("params_b").groupby("setting", sort=False):
        parts.append(f"{setting} {g['mean'].iloc[0]:.3f} at {g['params_b'].iloc[0]:g}B to "
                     f"{g['mean'].iloc[-1]:.3f} at {g['params_b'].iloc[-1]:g}B")
    return f"{metric} ({direction}) from the smallest to the largest model: " + "; ".join(parts) + "."


st.subheader("By model size")
CHARTS = [("HighVar", "DistAlign", "mean |p − p̂| over the HighVar items"),
          ("Random", "VarCorr", "Pearson r of p(1−p) and p̂(1−p̂) over Random items"),
          ("Random", "F1", "F1 of 1{p>.5} vs 1{p̂>.5} over Random items")]
for subset, metric, definition in CHARTS:
    direction = f"{pub.DIRECTIONS[metric]} is better"
    res = q(pub.by_size, filt, subset, metric)
    if not res.ok:
        st.info(plain_md(res.message))
        continue
    # the figures and their sentence made once for everyone (the figures are the same for every visitor)
    show_chart(built_once(_by_size, res.frame, subset, metric, direction), f"published-{metric}-{subset}",
               narrow=built_once(_by_size, res.frame, subset, metric, direction, True),
               summary=said_once(_by_size_summary, res.frame, metric, direction))
    st.caption(f"{metric}: {definition}. Each point is the mean of the figures passing the filters "
               "(datasets, methods, steering); n, min and max in the hover.")

st.subheader("Win rates (the paper's Table 1, recomputed from the figures)")
st.caption(RULES + " Matched setting = dataset × model pair × method × steering. The paper's Table 1 "
           "uses verbalized figures only (50 settings); choose both methods to include sampling.")
wr = q(pub.published_win_rates, filt)
if wr.ok and (said := said_once(pub.win_rate_headline, wr.frame)):
    headline.markdown(f"**In the paper's figures (the filters below), {plain_md(said)}**")
if wr.ok:
    data_table(wr.frame, width="stretch", column_config={
        "win_rate": st.column_config.NumberColumn("Win rate (%)"), "n": st.column_config.NumberColumn("Settings")})
else:
    st.info(plain_md(wr.message))

st.subheader("Your store beside the published numbers")
mine = q(pub.store_beside_published)
if mine.ok:
    st.caption("Your runs on tasks declared as the paper's datasets, each beside the paper's figures for "
               "the same dataset, subset, metric, setting (RLVR = R1, RLHF without / with CoT), method and "
               "steering: mean, min and max over the paper's model pairs. DistAlign = TVD on a binary task; "
               "HighVar = the highvar band.")
    data_table(mine.frame, width="stretch")
else:
    st.info(plain_md(mine.message))

# lazy: the table (every figure passing the filters, hundreds of rows) is sent only once the
# expander is opened; sent collapsed to every visitor it was a tenth of the page's CPU
with st.expander("All figures passing the filters", key=FIGURES_PANEL, on_change="rerun") as box:
    if box.open:
        figs = q(pub.published_figures, filt)
        if figs.ok:
            data_table(figs.frame, width="stretch")
        else:
            st.info(plain_md(figs.message))

share_link()
