"""What the real study shows, read from a built store: each run beside the baselines and the
annotator noise floor (mean over all items of the study), and how many answers gave no label.

    python examples/real-study/summary.py STORE            # the README's table (markdown)
    python examples/real-study/summary.py STORE --record   # also write the means into answers/means.json

`--record` is run once, right after the elicitation (elicit_locally.py does it); the test
tests/test_real_study.py rebuilds the store from the committed answers and checks that every mean
equals the recorded one, and that the README's table is this script's output.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from data_layer.metrics import METRICS  # noqa: E402
from data_layer.queries.leaderboard import leaderboard  # noqa: E402
from data_layer.queries.noise_floor import noise_floor  # noqa: E402
from data_layer.queries.run_answers import answer_failures  # noqa: E402
from data_layer.slice import Slice  # noqa: E402
from data_layer.store import Store  # noqa: E402

MEANS = HERE / "answers" / "means.json"
COLUMNS = ("tvd", "js_distance", "wasserstein")  # wasserstein: ordinal tasks only


def run_means(store: Store) -> dict[str, dict]:
    """{run_id: {n, mean of each metric in COLUMNS}} over every item of the store."""
    board = leaderboard(store, Slice()).frame
    return {r.run_id: {"n": int(r.n), **{m: (None if r[m] != r[m] else float(r[m])) for m in COLUMNS}}
            for _, r in board.iterrows()}


def floor(store: Store) -> dict[str, float | None]:
    out = {}
    for m in COLUMNS:
        res = noise_floor(store, Slice(metric=m))
        out[m] = float(res.frame["noise_floor"].iloc[0]) if res.ok else None
    return out


def _cell(value) -> str:
    return "—" if value is None else f"{value:.3f}"


def table(store: Store) -> str:
    means = run_means(store)
    fails = answer_failures(store, Slice()).frame.set_index("run_id")
    head = ["Run", "Items", "No label (samples)", *(METRICS.get(m).label for m in COLUMNS)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    ordered = sorted(means, key=lambda r: (r.startswith("baseline:"), means[r]["tvd"]))
    for run in ordered:
        failed = f"{fails.loc[run, 'failed']} of {fails.loc[run, 'samples']}" if run in fails.index else "—"
        row = [f"`{run}`".replace("|", "\\|"), str(means[run]["n"]), failed, *(_cell(means[run][m]) for m in COLUMNS)]
        lines.append("| " + " | ".join(row) + " |")
    nf = floor(store)
    lines.append("| annotator noise floor | | | " + " | ".join(_cell(nf[m]) for m in COLUMNS) + " |")
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("store")
    p.add_argument("--record", action="store_true", help=f"write the per-run means to {MEANS}")
    args = p.parse_args()
    store = Store(args.store)
    try:
        if args.record:
            MEANS.write_text(json.dumps(run_means(store), indent=2, sort_keys=True) + "\n")
        print(table(store))
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
