"""The Items page's table: the slice's runs and pairs for its pickers, and each page of the table
as the screen gets it, made once per store, slice, order and page for every visitor
(ui.charts.made_once). Kept out of the page script: Streamlit compiles a page again whenever its
last visitor has left, and a class statement in the page ran on every render."""
from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import streamlit as st

from data_layer.metrics import METRICS
from data_layer.queries import items
from ui.charts import human_table
from ui.colours import HUMAN as HUMAN_COLOUR
from ui.colours import colour_for
from ui.data import q_at
from ui.group_columns import add_group_columns
from ui.item_nav import ITEMS_PAGE_SIZE
from ui.text import plain_md

PAGE_SIZE = ITEMS_PAGE_SIZE


def gap_help(metric) -> str:
    meaning = {"lower": "means the RLVR model is further from the humans.",
               "higher": "favours the RLVR model.", "zero": "means the RLVR model predicts more spread."}
    return f"RLVR minus RLHF {metric.label} ({metric.direction_text}): a positive gap {meaning[metric.direction]}"


def column_config(metric, runs: Runs, run: str | None, rlvr: str | None, rlhf: str | None) -> dict:
    run_labels = runs.labels

    def type_colour(run_id: str) -> str:
        return colour_for(runs.types[run_id])

    text, number, bar = (st.column_config.TextColumn, st.column_config.NumberColumn,
                         st.column_config.BarChartColumn)
    config = {
        "task": text("task", width=120), "item": text("item", width=160),
        "text": text("text", width=190, help="The start of the item text; the item page shows all of it."),
        "band": text("band", width=60),
        "annotators": number("annotators", width=80, help="Number of human ratings of the item."),
        "human entropy": number("entropy", format="%.2f", width=65,
                                help="Normalised entropy of the human labels: 0 unanimous, 1 evenly split."),
        "human": bar("human", y_min=0, y_max=1, color=HUMAN_COLOUR, width=75,
                     help="Human label shares, labels in scale order (the item page names them)."),
    }
    if run:
        config["run_probs"] = bar("model run", y_min=0, y_max=1, color=type_colour(run), width=75,
                                  help=plain_md(run_labels[run]))
        role = " (RLVR)" if run == rlvr else " (RLHF)" if run == rlhf else ""
        config["run_metric"] = number(metric.name + role, format="%.3f", width=60 + 10 * bool(role),
                                      help=f"{metric.label} ({metric.direction_text}) of {plain_md(run_labels[run])}"
                                      + ("; the pair's column of the same name shows its distribution"
                                         if role else ""))
    if rlvr and rlhf:
        config["rlvr_probs"] = bar("RLVR", y_min=0, y_max=1, color=type_colour(rlvr), width=75,
                                   help=plain_md(run_labels[rlvr]))
        config["rlhf_probs"] = bar("RLHF", y_min=0, y_max=1, color=type_colour(rlhf), width=75,
                                   help=plain_md(run_labels[rlhf]))
        config["gap"] = number("gap", format="%+.3f", width=70, help=gap_help(metric))
    return config


@dataclass(frozen=True)
class Runs:
    """The slice's runs and sibling pairs as the pickers and the table's columns use them."""
    ids: list[str]
    labels: dict[str, str]
    types: dict[str, str]
    pair_keys: list[str]
    pair_labels: dict[str, str]
    message: str  # why there is no run, or ""
    pairs_message: str
    pairs: object  # the pairs frame (review sets name the pair with it), or None


def runs_of(where, sl) -> Runs:
    runs, pairs = q_at(where, items.run_choices, sl), q_at(where, items.pair_choices, sl)
    ids = [str(r) for r in runs.frame["run_id"]] if runs.ok else []
    keys = [f"{a}{items.PAIR_SEP}{b}" for a, b in zip(pairs.frame["rlvr_run"], pairs.frame["rlhf_run"], strict=True)] \
        if pairs.ok else []
    return Runs(ids=ids, labels=dict(zip(ids, runs.frame["label"], strict=True)) if runs.ok else {},
                 types=dict(zip(ids, runs.frame["model_type"], strict=True)) if runs.ok else {},
                 pair_keys=keys, pair_labels=dict(zip(keys, pairs.frame["label"], strict=True)) if pairs.ok else {},
                 message=runs.message, pairs_message=pairs.message, pairs=pairs.frame)


@dataclass(frozen=True)
class TablePage:
    """One page of the table as the screen gets it, made once per store, slice, order and page
    for every visitor (ui.charts.made_once): renaming, picking and labelling the columns and
    converting the frame to Arrow were a tenth of the page's CPU on every render. The review
    column is left empty here and filled on each render (verdicts change while the app runs)."""
    ok: bool
    message: str
    table: pa.Table  # the rows, columns named and labelled as shown; "review" last, empty
    config: dict  # st.dataframe's column_config (each column's label, width, help)
    keys: list[tuple[str, str]]  # (task, item) of each row
    first: int  # the first and last row's place in the order
    last: int
    openable: list[str]  # the item picker's label of each row


def table_page(where, sl, order, page_no: int) -> TablePage:
    res = q_at(where, items.items_page, sl, order, page_no, PAGE_SIZE)
    if not res.ok:
        return TablePage(False, res.message, pa.table({}), {}, [], 0, 0, [])
    metric, per_item = METRICS.get(sl.metric), METRICS.get(sl.metric).level == "item"
    run, rlvr, rlhf = order.run, order.rlvr, order.rlhf
    df = res.frame
    table = df.rename(columns={"task_id": "task", "item_id": "item", "snippet": "text",
                               "n_annotators": "annotators", "entropy_norm": "human entropy"})
    cols = ["task", "item", "text", "band", "annotators", "human entropy", "human"]
    cols += (["run_probs"] if run not in (rlvr, rlhf) else []) + ["run_metric"] * per_item if run else []
    cols += ["rlvr_probs", "rlhf_probs"] + ["gap"] * per_item if rlvr else []
    table["review"] = ""  # the newest review verdict of each item, filled per render
    cols += ["review"]
    group_config = {}
    if sl.group:  # the chosen annotator group's distribution beside the crowd's (ui/group_columns.py)
        table, group_cols, group_config = add_group_columns(sl, df, table)
        cols[cols.index("human") + 1:cols.index("human") + 1] = group_cols
    frame, config = human_table(table[cols], {**column_config(metric, runs_of(where, sl), run, rlvr, rlhf),
                                              **group_config})
    keys = list(zip(df["task_id"], df["item_id"], strict=True))
    return TablePage(True, "", pa.Table.from_pandas(frame, preserve_index=False), config, keys,
                 int(df["pos"].iloc[0]), int(df["pos"].iloc[-1]),
                 [f"{item} · {str(snippet or '')[:70]}" for item, snippet in zip(df["item_id"], df["snippet"], strict=True)])
