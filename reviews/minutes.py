"""A review set's minutes: per item its verdicts and notes (in the set), a count of verdicts by
the model type they are about and the item's band, as a table, as Markdown for meeting notes
and as CSV. Item text and notes are data: in Markdown they are escaped (ui.text.md_escape, the
app's one escaping path, free of streamlit) so a pasted note can never become markup."""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from reviews.vocabulary import Vocabulary
from ui.text import md_escape

ALL_MODELS = "all models"
NOT_REVIEWED = "(not reviewed)"
MINUTES_COLUMNS = ["position", "task_id", "item_id", "band", "in_store", "verdict", "reviewer", "about",
                   "verdicts", "notes", "concurrent_edits", "link"]


def _item_row(e: pd.DataFrame, vocab: Vocabulary) -> dict:
    """One item's entries (oldest first) summed up: the newest verdict (label, reviewer, model
    type it is about), each reviewer's newest verdict, every note, how many were concurrent edits."""
    given = e[e["verdict"].notna()]
    last = given.iloc[-1] if len(given) else None
    newest = given.groupby("reviewer", sort=False).tail(1)
    return {"verdict": vocab.label(last["verdict"]) if last is not None else NOT_REVIEWED,
            "verdict_name": last["verdict"] if last is not None else "",
            "reviewer": last["reviewer"] if last is not None else "",
            "about": (last["about"] or ALL_MODELS) if last is not None else "",
            "verdicts": "; ".join(f"{r.reviewer}: {vocab.label(r.verdict)}" for r in newest.itertuples()),
            "notes": "\n".join(f"{r.reviewer} ({r.written_at}): {r.note}" for r in e.itertuples() if r.note),
            "concurrent_edits": int(e["unseen"].notna().sum())}


def minutes_table(items: pd.DataFrame, facts: pd.DataFrame, entries: pd.DataFrame, vocab: Vocabulary,
                  link: Callable[[str, str], str], verdicts: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per item of the set in order (MINUTES_COLUMNS). `items`: the set's items;
    `facts`: review_items.item_facts of them (same order); `entries`: the set's log; `link`:
    the permalink of an item (task_id, item_id); `verdicts`: keep only items whose newest verdict is
    one of these names ("" for items not reviewed yet)."""
    per_item = {k: _item_row(e, vocab) for k, e in
                entries.sort_values("entry_id").groupby(["task_id", "item_id"], sort=False)}
    empty = _item_row(entries.iloc[:0], vocab)
    rows = []
    for it, fact in zip(items.itertuples(), facts.itertuples(), strict=True):
        row = per_item.get((it.task_id, it.item_id), empty)
        rows.append({"position": it.position, "task_id": it.task_id, "item_id": it.item_id,
                     "band": fact.band if fact.in_store else "(not in this store)", "in_store": bool(fact.in_store),
                     **row, "link": link(it.task_id, it.item_id)})
    table = pd.DataFrame(rows, columns=[*MINUTES_COLUMNS, "verdict_name"])
    if verdicts:
        table = table[table["verdict_name"].isin(verdicts)]
    return table[MINUTES_COLUMNS].reset_index(drop=True)


def verdict_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Items per verdict x model type it is about x band (reviewed items only): verdict, about,
    band, n_items."""
    done = table[table["verdict"] != NOT_REVIEWED]
    if not len(done):
        return pd.DataFrame(columns=["verdict", "about", "band", "n_items"])
    return (done.groupby(["verdict", "about", "band"]).size().rename("n_items").reset_index()
            .sort_values(["n_items", "verdict"], ascending=[False, True], ignore_index=True))


def _cell(text) -> str:
    return md_escape(str(text)).replace("\n", "<br>")  # a table row is one line; <br> is ours, not data's


def minutes_markdown(review_set: dict, table: pd.DataFrame, set_link: str, n_items: int) -> str:
    """The minutes as Markdown: heading, who made the set from which view, progress, the
    counts, then one line per item with its permalink, verdicts and notes."""
    reviewed = int((table["verdict"] != NOT_REVIEWED).sum())
    lines = [f"# Review minutes: {md_escape(review_set['name'])}", "",
             f"- Set made by {md_escape(review_set['created_by'])} on {review_set['created_at']} from: "
             f"{md_escape(review_set['slice_sentence'])}",
             f"- Atlas store build: {md_escape(review_set['build_id'] or 'unknown')}",
             f"- {reviewed} of {len(table)} items listed here reviewed ({n_items} items in the set)",
             f"- Set: <{set_link}>", "", "## Verdicts by model type and band", ""]
    counts = verdict_counts(table)
    if len(counts):
        lines += ["| verdict | about | band | items |", "| --- | --- | --- | ---: |"]
        lines += [f"| {_cell(r.verdict)} | {_cell(r.about)} | {_cell(r.band)} | {r.n_items} |"
                  for r in counts.itertuples()]
    else:
        lines.append("No verdicts yet.")
    lines += ["", "## Items", "", "| # | item | verdict | by reviewer | notes |", "| ---: | --- | --- | --- | --- |"]
    lines += [f"| {r.position} | [{_cell(r.item_id)}](<{r.link}>) | {_cell(r.verdict)} | {_cell(r.verdicts)} | "
              f"{_cell(r.notes)} |" for r in table.itertuples()]
    return "\n".join(lines) + "\n"
