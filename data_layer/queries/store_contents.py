"""Does the store hold anything to compare with the humans? (the empty state of the model pages)"""
from __future__ import annotations

from data_layer.store import Store


def model_run_count(store: Store) -> int:
    """Runs of models in the store, not counting the reference baselines every build adds
    (training `baseline`, or `simulated-baseline` in a simulated store)."""
    return int(store.scalar("SELECT count(*) FROM runs r JOIN models m USING (model_id) "
                            "WHERE replace(m.training, 'simulated-', '') <> 'baseline'"))
