"""What can be chosen in the sidebar, with counts, straight from the store."""
from __future__ import annotations

import pandas as pd

from data_layer.bands import BAND_SCHEMES
from data_layer.store import Store


def task_options(store: Store) -> pd.DataFrame:
    """task_id, name, scale, n_items (one row per task)."""
    return store.df("SELECT t.task_id, t.name, t.scale, count(h.item_id) AS n_items FROM tasks t "
                    "LEFT JOIN human_dist h USING (task_id) GROUP BY ALL ORDER BY t.task_id")


def band_options(store: Store, scheme: str, tasks: tuple[str, ...] = ()) -> pd.DataFrame:
    """band, n_items for one scheme, in scheme order (bands with no items included with 0)."""
    s = BAND_SCHEMES.get(scheme)
    where, params = ("task_id IN (" + ",".join("?" * len(tasks)) + ")", list(tasks)) if tasks else ("TRUE", [])
    counts = store.df(f"SELECT {s.column} AS band, count(*) AS n_items FROM human_dist WHERE {where} "
                      f"GROUP BY 1", params)
    frame = pd.DataFrame({"band": list(s.bands)}).merge(counts, on="band", how="left")
    frame["n_items"] = frame["n_items"].fillna(0).astype(int)
    return frame


def run_facet_options(store: Store) -> pd.DataFrame:
    """One row per run with every run-level facet value, for building the sidebar's choices."""
    # items scored per run come from the pre-aggregated sums, not a scan of model_dist
    return store.df("SELECT r.run_id, r.model_id, m.display_name, m.training, r.reasoning, r.method, "
                    "r.steering, r.source, m.params_b, m.pair_id, "
                    "coalesce((SELECT sum(s.n_tvd) FROM score_sums s WHERE s.run_id = r.run_id), 0)"
                    "::BIGINT AS n_items "
                    "FROM runs r JOIN models m USING (model_id) ORDER BY m.display_name, r.run_id")


def is_simulated(store: Store) -> bool:
    return bool(store.scalar("SELECT bool_or(simulated) FROM build_info"))


def store_identity(store: Store) -> dict:
    """The store's name and kind for the picker and every page's header: the study name it was
    built from, whether it is simulated, and when it was built."""
    row = store.df("SELECT any_value(study_name) AS name, bool_or(simulated) AS simulated, "
                   "max(built_at) AS built_at FROM build_info").iloc[0]
    return {"name": row["name"] or "Unnamed study", "simulated": bool(row["simulated"]),
            "built_at": str(row["built_at"] or "")[:10]}
