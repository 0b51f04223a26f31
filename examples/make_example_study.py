"""Write the files of the example study in examples/study/ (run from the repository root):

    python -m examples.make_example_study

- `ratings.csv`: 60 items of the demo's simulated NLI task (precompute/demo.py), one row per rating
  with an annotator id, as a researcher's long-format ratings file would be;
- `predictions/r1-distill.csv`: an RLVR model's probabilities, one column per label, rounded to two
  decimals by "another tool" (so the study needs `renormalise = true`);
- `predictions/chat.jsonl`: its RLHF sibling's probabilities as objects keyed by raw codes e/n/c (so
  the study needs a `label_map`), for 50 of the 60 items (so the build reports the coverage).

Both models are simulated by precompute/simulate.py (the demo's 8B pair): the example shows how a study
file is put together, it is not evidence of anything. The output is deterministic; tests/test_examples.py
checks that the committed files are what this script writes.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from precompute.demo import CHAT_8B, CREATED_AT, R1_8B, demo_human
from precompute.simulate import SimRun, simulated_run_data
from precompute.study import HumanData

FOLDER = Path(__file__).resolve().parent / "study"
N_ITEMS = 60
MAX_PANEL = 10  # small panels keep the committed ratings file small
CODES = {"entailment": "e", "neutral": "n", "contradiction": "c"}


def example_human() -> HumanData:
    """The first N_ITEMS demo NLI items with at most MAX_PANEL annotators."""
    hd = next(h for h in demo_human(0) if h.task.task_id == "demo-nli")
    keep = np.flatnonzero(hd.counts.sum(axis=1) <= MAX_PANEL)[:N_ITEMS]
    return HumanData(hd.task, hd.items.iloc[keep].reset_index(drop=True), hd.counts[keep])


def ratings_frame(hd: HumanData) -> pd.DataFrame:
    """One row per rating; annotator a1..aN of an item's panel (a1 rates every item, so ids repeat)."""
    rows = []
    for (_, item), counts in zip(hd.items.iterrows(), hd.counts, strict=True):
        context = json.loads(item["context"])
        labels = [lab for lab, n in zip(hd.task.labels, counts, strict=True) for _ in range(int(n))]
        for j, label in enumerate(labels, start=1):
            rows.append({"item": item["item_id"].removeprefix("demo-nli-"), "annotator": f"a{j}",
                         "label": label, "premise": context["premise"], "hypothesis": context["hypothesis"]})
    return pd.DataFrame(rows)


def predictions(hd: HumanData, model) -> pd.DataFrame:
    run = simulated_run_data([hd], SimRun(model, "verbalized"), seed=0, created_at=CREATED_AT,
                             with_generations=False)
    ids = run.dists["item_id"].str.removeprefix("demo-nli-")
    return pd.DataFrame({"id": ids, "probs": list(run.dists["probs"])})


def write(folder: Path = FOLDER) -> list[Path]:
    hd = example_human()
    (folder / "predictions").mkdir(parents=True, exist_ok=True)
    ratings = folder / "ratings.csv"
    ratings_frame(hd).to_csv(ratings, index=False, lineterminator="\n")
    rlvr = predictions(hd, R1_8B)
    per_label = pd.DataFrame(np.round(np.stack(rlvr["probs"].tolist()), 2), columns=hd.task.labels)
    r1 = folder / "predictions" / "r1-distill.csv"
    pd.concat([rlvr[["id"]], per_label], axis=1).to_csv(r1, index=False, lineterminator="\n")
    rlhf = predictions(hd, CHAT_8B).head(50)
    chat = folder / "predictions" / "chat.jsonl"
    with open(chat, "w", encoding="utf-8", newline="\n") as f:
        for item_id, p in zip(rlhf["id"], rlhf["probs"], strict=True):
            shares = {CODES[lab]: round(float(x), 4) for lab, x in zip(hd.task.labels, p, strict=True)}
            f.write(json.dumps({"id": item_id, "model": "sim-chat-8b", "probs": shares}) + "\n")
    return [ratings, r1, chat]


if __name__ == "__main__":
    for path in write():
        print(f"wrote {path}")
