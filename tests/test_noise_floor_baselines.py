"""Noise floor (build time) and the reference predictors."""
import json

import numpy as np
import pandas as pd
import pytest

from data_layer.metrics import ITEM_METRICS
from data_layer.queries.noise_floor import noise_floor
from data_layer.slice import Slice
from data_layer.store import Store
from precompute.build import build_store
from precompute.noise_floor import noise_floor_for_task
from precompute.study import HumanData, Study, TaskSpec


def test_hand_computed_expectations():
    # 2 annotators split 1-1: resamples (2,0), (1,1), (0,2) with p = 1/4, 1/2, 1/4 -> E[tvd] = 0.25;
    # unanimous panels resample to themselves -> 0
    counts = np.array([[1, 1], [3, 0], [0, 10]])
    nf = noise_floor_for_task("t", counts, ordinal=False, seed=0, n_draws=20000)
    assert nf["tvd"].iloc[0] == pytest.approx(0.25, abs=0.01)
    assert nf["tvd"].iloc[1] == 0 and nf["tvd"].iloc[2] == 0
    assert nf["majority_match"].isna().iloc[0]  # tied human majority: undefined, not 0
    assert nf["entropy_gap"].iloc[0] == pytest.approx(-0.5 * np.log(2), abs=0.02)  # E[H(c/n)] - ln 2
    assert nf["wasserstein"].isna().all()  # nominal task


def test_same_seed_same_floor_and_at_least_200_draws():
    counts = np.random.default_rng(1).multinomial(7, [0.5, 0.3, 0.2], size=50)
    a = noise_floor_for_task("t", counts, True, seed=3)
    b = noise_floor_for_task("t", counts, True, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert (a["n_draws"] >= 200).all()
    assert not a.equals(noise_floor_for_task("t", counts, True, seed=4))


def test_store_has_a_floor_per_item_and_the_query_averages_it(demo_store):
    n_items = demo_store.scalar("SELECT count(*) FROM human_dist")
    assert demo_store.scalar("SELECT count(*) FROM noise_floor") == n_items
    assert set(ITEM_METRICS) <= set(demo_store.df("SELECT * FROM noise_floor LIMIT 1").columns)
    res = noise_floor(demo_store, Slice(metric="jsd", tasks=("demo-nli",)))
    avg = demo_store.scalar("SELECT avg(jsd) FROM noise_floor WHERE task_id = 'demo-nli'")
    assert res.frame["noise_floor"].iloc[0] == pytest.approx(avg) and res.frame["n"].iloc[0] == 320
    by_band = noise_floor(demo_store, Slice(metric="jsd"), by_band=True).frame
    assert list(by_band["band"]) == ["low", "medium", "high"] and by_band["n"].sum() == n_items
    # a perfect model still scores worse than zero, and models score worse than the floor on average
    model = demo_store.scalar("SELECT avg(jsd) FROM item_scores WHERE training <> 'baseline'")
    assert 0 < res.frame["noise_floor"].iloc[0] and avg < model
    assert not noise_floor(demo_store, Slice(metric="var_corr")).ok


def _probs(store, run, task):
    return store.df("SELECT d.item_id, d.probs AS m, h.probs AS h FROM model_dist d JOIN human_dist h "
                    "USING (task_id, item_id) WHERE run_id = ? AND task_id = ? ORDER BY item_id", [run, task])


def test_baselines_match_their_definitions(demo_store):
    df = _probs(demo_store, "baseline:prior", "demo-nli")
    h, m = np.stack(df["h"]), np.stack(df["m"])
    loo = (h.sum(axis=0) - h) / (len(h) - 1)
    assert np.allclose(m, loo)
    u = np.stack(_probs(demo_store, "baseline:uniform", "demo-sarcasm")["m"])
    assert np.allclose(u, 1 / 6)
    df = _probs(demo_store, "baseline:majority", "demo-offensiveness-scale")
    h, m = np.stack(df["h"]), np.stack(df["m"])
    assert np.array_equal(m.argmax(axis=1), h.argmax(axis=1)) and np.allclose(m.max(axis=1), 1)
    tvd = demo_store.df("SELECT tvd FROM item_metrics WHERE run_id = 'baseline:majority' AND "
                        "task_id = 'demo-offensiveness-scale' ORDER BY item_id")["tvd"].to_numpy()
    assert np.allclose(tvd, 1 - h.max(axis=1))  # accurate, but maximally confident
    assert demo_store.scalar("SELECT count(DISTINCT training) FROM item_scores WHERE run_id LIKE 'baseline:%'") == 1


def test_prior_uses_the_declared_train_split(tmp_path):
    counts = np.array([[4, 0], [0, 4], [2, 2], [3, 1], [1, 3]])
    split = ["train", "train", "train", "test", "test"]
    items = pd.DataFrame({"item_id": [f"i{i}" for i in range(5)], "text": ["x"] * 5,
                          "metadata": [json.dumps({"split": s}) for s in split]})
    task = TaskSpec("t", "d", "T", ["0", "1"])
    build_store(Study("s", [HumanData(task, items, counts)]), tmp_path / "s.duckdb", show_progress=False)
    store = Store(tmp_path / "s.duckdb")
    try:
        m = np.stack(_probs(store, "baseline:prior", "t")["m"])
    finally:
        store.close()
    h = counts / 4
    assert np.allclose(m[3], h[:3].mean(axis=0)) and np.allclose(m[4], h[:3].mean(axis=0))  # test: train mean
    assert np.allclose(m[0], h[[1, 2]].mean(axis=0))  # train item: the other train items
