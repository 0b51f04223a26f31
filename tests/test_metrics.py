"""Every per-item metric against an independent reference, on hand cases and random inputs."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import jensenshannon
from scipy.stats import entropy as sp_entropy
from scipy.stats import wasserstein_distance

from data_layer.metrics import KL_EPS, compute_item_metrics


def dist(k):
    return st.lists(st.floats(0, 1, allow_nan=False, allow_subnormal=False), min_size=k, max_size=k).filter(
        lambda v: sum(v) > 1e-3).map(lambda v: np.array(v) / sum(v))


pairs = st.integers(2, 7).flatmap(lambda k: st.tuples(dist(k), dist(k)))


@settings(max_examples=200, deadline=None)
@given(pairs)
def test_against_scipy(pair):
    h, m = pair
    k = len(h)
    got = {n: v[0] for n, v in compute_item_metrics(h[None], m[None], ordinal=True).items()}
    assert got["tvd"] == pytest.approx(0.5 * np.abs(h - m).sum(), abs=1e-12)
    assert got["l1"] == pytest.approx(np.abs(h - m).sum(), abs=1e-12)
    assert got["js_distance"] == pytest.approx(jensenshannon(h, m, base=2), abs=1e-6)
    assert got["jsd"] == pytest.approx(jensenshannon(h, m, base=2) ** 2, abs=1e-9)
    ms = (m + KL_EPS) / (1 + k * KL_EPS)
    assert got["kl"] == pytest.approx(sp_entropy(h, ms), rel=1e-9, abs=1e-9)
    assert got["entropy_gap"] == pytest.approx(sp_entropy(m) - sp_entropy(h), abs=1e-9)
    labels = np.arange(k)
    assert got["wasserstein"] == pytest.approx(wasserstein_distance(labels, labels, h, m), abs=1e-9)
    assert got["ce"] == pytest.approx(-(h * np.log(np.maximum(m, 1e-12))).sum(), abs=1e-9)


def test_hand_computed_binary():
    h = np.array([[0.7, 0.3]])
    m = np.array([[0.9, 0.1]])
    got = compute_item_metrics(h, m, ordinal=False)
    assert got["tvd"][0] == pytest.approx(0.2)  # Ni et al.'s DistAlign |p - p^| = |0.3 - 0.1|
    assert got["l1"][0] == pytest.approx(0.4)
    assert np.isnan(got["wasserstein"][0])  # nominal task
    assert got["majority_match"][0] == 1.0
    assert got["ce"][0] == pytest.approx(-(0.7 * np.log(0.9) + 0.3 * np.log(0.1)))


def test_hand_computed_ordinal_wasserstein():
    h = np.array([[1.0, 0, 0, 0, 0]])
    m = np.array([[0, 0, 0, 0, 1.0]])
    assert compute_item_metrics(h, m, ordinal=True)["wasserstein"][0] == pytest.approx(4.0)


def test_identical_distributions_score_perfectly():
    h = np.array([[0.2, 0.5, 0.3]])
    got = compute_item_metrics(h, h.copy(), ordinal=True)
    for name in ("tvd", "l1", "jsd", "js_distance", "wasserstein", "entropy_gap"):
        assert got[name][0] == pytest.approx(0.0, abs=1e-12)
    assert got["kl"][0] == pytest.approx(0.0, abs=1e-5)


def test_majority_match_is_null_for_tied_humans():
    h = np.array([[0.5, 0.5], [0.2, 0.8]])
    m = np.array([[0.9, 0.1], [0.9, 0.1]])
    mm = compute_item_metrics(h, m, ordinal=False)["majority_match"]
    assert np.isnan(mm[0]) and mm[1] == 0.0


def test_zero_model_share_keeps_kl_finite_and_ce_clipped():
    h = np.array([[0.5, 0.5]])
    m = np.array([[1.0, 0.0]])
    got = compute_item_metrics(h, m, ordinal=False)
    assert np.isfinite(got["kl"][0]) and got["kl"][0] > 5
    assert got["ce"][0] == pytest.approx(-0.5 * np.log(1e-12))


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match="same 2-D shape"):
        compute_item_metrics(np.ones((2, 2)) / 2, np.ones((2, 3)) / 3, ordinal=False)
