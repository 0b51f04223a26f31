"""Bootstrap engine and statistics: against scipy, hand-computed cases, determinism."""
import numpy as np
import pytest
from scipy import stats as ss

from data_layer.stats import (
    F1,
    N_RESAMPLES,
    Difference,
    Mean,
    Pearson,
    Spearman,
    bootstrap,
    estimate,
    interval_of_mean,
    poisson_weights,
)


def _expand(w: np.ndarray) -> np.ndarray:
    """Row indices repeated by integer weights: the resample the weights stand for."""
    return np.repeat(np.arange(len(w)), w.astype(int))


def test_poisson_weights_are_poisson_one_to_1_in_256():
    w = poisson_weights(np.random.default_rng(0), 200, 5000)
    assert np.array_equal(w, np.round(w)) and w.min() == 0 and w.max() == 5
    freq = np.bincount(w.astype(int).ravel(), minlength=6) / w.size
    assert np.allclose(freq, np.array([94, 94, 47, 16, 4, 1]) / 256, atol=0.003)
    assert abs(w.mean() - 257 / 256) < 0.005 and abs(w.var() - 257 / 256) < 0.01


def test_point_estimates_match_scipy_with_ties_and_nans():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 6, 300).astype(float)
    y = x + rng.integers(0, 4, 300)
    x[5] = np.nan
    ok = ~np.isnan(x)
    assert estimate(Pearson(x, y), 300) == pytest.approx(ss.pearsonr(x[ok], y[ok])[0], abs=1e-12)
    assert estimate(Spearman(x, y), 300) == pytest.approx(ss.spearmanr(x[ok], y[ok])[0], abs=1e-12)
    assert estimate(Mean(x), 300) == pytest.approx(np.nanmean(x), abs=1e-12)


def test_weighted_statistics_equal_the_expanded_resample():
    rng = np.random.default_rng(4)
    x = rng.integers(0, 5, 60).astype(float)
    y = x + rng.normal(size=60).round(1)
    w = poisson_weights(rng, 1, 60)
    idx = _expand(w[0])
    sp = Spearman(x, y)
    assert sp.finish(np.asarray(sp.columns().T @ w[0].astype(float)).reshape(1, -1))[0] == \
        pytest.approx(ss.spearmanr(x[idx], y[idx])[0], abs=1e-9)
    p = Pearson(x, y)
    assert p.finish(w.astype(float) @ p.columns())[0] == pytest.approx(ss.pearsonr(x[idx], y[idx])[0], abs=1e-6)


def test_f1_hand_computed():
    truth = np.array([1, 1, 1, 0, 0, -1])
    pred = np.array([1, 1, 0, 1, 0, 1])
    # positive class: TP=2, FP=1, FN=1 -> 4/6; the -1 row is dropped
    assert estimate(F1(truth, pred, 2, positive=1), 6) == pytest.approx(4 / 6)
    # macro over classes 0 and 1: class 0 TP=1 FP=1 FN=1 -> 0.5; mean(2/3, 1/2)
    assert estimate(F1(truth, pred, 2), 6) == pytest.approx((4 / 6 + 0.5) / 2)
    # class 2 never appears in either labelling: not averaged in
    assert estimate(F1(truth, pred, 3), 6) == pytest.approx((4 / 6 + 0.5) / 2)


def test_mean_interval_agrees_with_scipy_percentile_bootstrap():
    x = np.random.default_rng(5).exponential(size=400)
    ours = interval_of_mean(x)
    ref = ss.bootstrap((x,), np.mean, method="percentile", n_resamples=4000, random_state=1).confidence_interval
    width = ref.high - ref.low
    assert ours.estimate == pytest.approx(x.mean())
    assert abs(ours.lo - ref.low) < 0.1 * width and abs(ours.hi - ref.high) < 0.1 * width
    assert ours.n == 400 and ours.n_resamples == N_RESAMPLES >= 1000


def test_correlation_interval_agrees_with_scipy():
    rng = np.random.default_rng(6)
    x = rng.normal(size=300)
    y = 0.5 * x + rng.normal(size=300)
    ours = bootstrap({"r": (Spearman(x, y), np.arange(300))}, 300)["r"]
    ref = ss.bootstrap((x, y), lambda a, b: ss.spearmanr(a, b)[0], paired=True, vectorized=False,
                       method="percentile", n_resamples=2000, random_state=1).confidence_interval
    width = ref.high - ref.low
    assert abs(ours.lo - ref.low) < 0.12 * width and abs(ours.hi - ref.high) < 0.12 * width


def test_same_seed_same_numbers_other_seed_other_numbers():
    x = np.random.default_rng(7).normal(size=500)
    a, b = interval_of_mean(x, seed=1), interval_of_mean(x, seed=1)
    c = interval_of_mean(x, seed=2)
    assert a == b
    assert (a.lo, a.hi) != (c.lo, c.hi)


def test_rows_of_one_item_share_its_weight():
    x = np.random.default_rng(8).normal(size=200)
    once = bootstrap({"m": (Mean(x), np.arange(200))}, 200)["m"]
    twice = bootstrap({"m": (Mean(np.r_[x, x]), np.r_[np.arange(200), np.arange(200)])}, 200)["m"]
    assert (once.lo, once.hi) == pytest.approx((twice.lo, twice.hi), abs=1e-6)


def test_undefined_statistic_gives_none_not_zero():
    iv = bootstrap({"r": (Pearson(np.ones(10), np.arange(10.0)), np.arange(10))}, 10)["r"]
    assert iv.estimate is None and iv.lo is None and iv.n == 10


def test_difference_of_spearmans_is_paired_and_exact():
    rng = np.random.default_rng(9)
    h = rng.integers(0, 8, 150).astype(float)
    a, b = h + rng.normal(size=150), h + 3 * rng.normal(size=150)
    items = np.arange(150)
    d = bootstrap({"d": (Difference(Spearman(h, a), Spearman(h, b)), np.r_[items, items])}, 150)["d"]
    assert d.estimate == pytest.approx(ss.spearmanr(h, a)[0] - ss.spearmanr(h, b)[0])
    assert d.lo < d.estimate < d.hi and d.lo > 0
