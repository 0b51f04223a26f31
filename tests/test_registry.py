import pytest

from data_layer.bands import BAND_SCHEMES
from data_layer.facets import FACETS
from data_layer.metrics import METRICS
from data_layer.registry import Registry, UnknownName


@pytest.mark.parametrize("registry", [METRICS, BAND_SCHEMES, FACETS])
def test_every_entry_is_fully_declared(registry):
    assert len(registry) >= 3
    for entry in registry:
        assert entry.name and entry.label and entry.description, entry
        if registry is METRICS:
            assert entry.direction in ("lower", "higher", "zero")
            assert entry.level in ("item", "aggregate")
            assert "=" in entry.definition or ":" in entry.definition


def test_unknown_name_suggests_the_closest():
    with pytest.raises(UnknownName, match="Did you mean 'tvd'"):
        METRICS.get("tvdd")
    with pytest.raises(UnknownName, match="Did you mean 'tertile'"):
        BAND_SCHEMES.get("tertiles")


def test_duplicate_declaration_is_refused():
    reg = Registry("thing")
    reg.register(METRICS.get("tvd"))
    with pytest.raises(ValueError, match="declared twice"):
        reg.register(METRICS.get("tvd"))


def test_required_metrics_and_schemes_exist():
    for name in ("tvd", "l1", "jsd", "js_distance", "kl", "ce", "wasserstein", "entropy_gap",
                 "majority_match", "var_corr", "entropy_spearman", "f1"):
        assert name in METRICS
    assert {"fixed", "tertile", "highvar"} <= set(BAND_SCHEMES.names())
