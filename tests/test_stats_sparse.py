"""Macro-F1 over many classes uses sparse design columns: same columns, same intervals."""
import numpy as np

from data_layer import stats
from data_layer.stats import F1, bootstrap


def test_sparse_f1_columns_equal_the_dense_ones(monkeypatch):
    rng = np.random.default_rng(3)
    truth = rng.integers(-1, 12, size=500)
    pred = np.where(rng.random(500) < 0.5, truth, rng.integers(-1, 12, size=500))
    sparse_cols = F1(truth, pred, k=12).columns()
    assert hasattr(sparse_cols, "toarray")  # k > SPARSE_F1_CLASSES
    monkeypatch.setattr(stats, "SPARSE_F1_CLASSES", 10**9)
    dense_cols = F1(truth, pred, k=12).columns()
    assert isinstance(dense_cols, np.ndarray)
    assert np.array_equal(sparse_cols.toarray(), dense_cols)


def test_sparse_and_dense_f1_give_the_same_interval(monkeypatch):
    rng = np.random.default_rng(4)
    truth = rng.integers(0, 9, size=400)
    pred = np.where(rng.random(400) < 0.6, truth, rng.integers(0, 9, size=400))
    items = np.arange(400) % 200
    sparse_iv = bootstrap({"f1": (F1(truth, pred, k=9), items)}, 200, n_resamples=200)["f1"]
    monkeypatch.setattr(stats, "SPARSE_F1_CLASSES", 10**9)
    dense_iv = bootstrap({"f1": (F1(truth, pred, k=9), items)}, 200, n_resamples=200)["f1"]
    assert sparse_iv.estimate == dense_iv.estimate and sparse_iv.n == dense_iv.n
    assert np.isclose(sparse_iv.lo, dense_iv.lo) and np.isclose(sparse_iv.hi, dense_iv.hi)
