"""Band assignment on hand cases."""
import numpy as np
import pandas as pd

from data_layer.bands import BAND_SCHEMES, FIXED_CUTS
from precompute.human import assign_bands, human_frame
from precompute.study import HumanData, TaskSpec


def _human(counts, task_id="t", labels=("0", "1")):
    items = pd.DataFrame({"item_id": [f"i{i}" for i in range(len(counts))], "text": "x"})
    return HumanData(TaskSpec(task_id, "d", task_id, list(labels)), items, np.array(counts))


def _bands(counts, labels=("0", "1")):
    _, dist, _ = human_frame(_human(counts, labels=labels), 2)
    return assign_bands(dist)


def test_highvar_rule_of_ni_et_al():
    dist, _ = _bands([[5, 0], [4, 1], [3, 2], [2, 1], [6, 4], [2, 2], [7, 3]])
    # [2,1]: only one dissenter; [7,3]: minority 0.3 < 1/3; [6,4]: 0.4; [3,2]: 0.4; [2,2]: 0.5
    assert list(dist["band_highvar"]) == ["rest", "rest", "highvar", "rest", "highvar", "highvar", "rest"]


def test_highvar_on_three_labels_counts_everyone_off_the_majority():
    dist, _ = _bands([[4, 1, 1], [3, 3, 0]], labels=("a", "b", "c"))
    assert list(dist["band_highvar"]) == ["highvar", "highvar"]  # 2/6 and 3/6 dissent


def test_fixed_cuts_on_binary_entropy():
    dist, _ = _bands([[10, 0], [9, 1], [7, 3], [5, 5]])
    x = dist["entropy_norm"].to_numpy()
    assert x[0] == 0 and x[3] == 1
    assert 0.46 < x[1] < FIXED_CUTS[0] < x[2] < FIXED_CUTS[1]
    assert list(dist["band_fixed"]) == ["low", "low", "medium", "high"]


def test_tertiles_are_within_task_and_edges_recorded():
    counts = [[10 - i, i] for i in range(6)] * 2
    a = _human(counts[:6], "a")
    b = _human([[c[0] * 2 + 1, c[1]] for c in counts[6:]], "b")
    _, da, _ = human_frame(a, 2)
    _, db, _ = human_frame(b, 2)
    dist, edges = assign_bands(pd.concat([da, db], ignore_index=True))
    for task in ("a", "b"):
        bands = dist.loc[dist.task_id == task, "band_tertile"].tolist()
        assert bands == ["low", "low", "medium", "medium", "high", "high"]
    tert = edges[edges.scheme == "tertile"]
    assert set(tert.task_id) == {"a", "b"} and tert["n_items"].sum() == 12


def test_every_scheme_writes_a_column_with_declared_bands():
    dist, _ = _bands([[3, 0], [2, 1], [1, 1], [0, 3]])
    for scheme in BAND_SCHEMES:
        assert set(dist[scheme.column]) <= set(scheme.bands)


def test_items_below_min_annotators_are_dropped_and_counted():
    items, dist, dropped = human_frame(_human([[1, 0], [2, 1], [0, 0]]), 2)
    assert dropped == 2 and list(items.item_id) == ["i1"]


def test_majority_is_null_when_tied():
    _, dist, _ = human_frame(_human([[2, 2], [3, 1]]), 2)
    assert dist["majority"].isna().tolist() == [True, False]
    assert dist["majority"].iloc[1] == "0"
