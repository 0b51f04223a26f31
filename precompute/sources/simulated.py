"""`source = "simulated"`: a documented simulated model over the study's own human data
(see precompute.simulate for the parameters). Useful to check a pipeline end to end before
spending GPU hours, never as evidence."""
from __future__ import annotations

from pathlib import Path

from precompute.config import run_source
from precompute.simulate import SimModel, SimRun, simulated_run_data
from precompute.study import HumanData, RunData
from precompute.study_schema import RUN_SIMULATED, with_defaults


@run_source("simulated")
def simulated(section: dict, base: Path, human: list[HumanData], seed: int) -> list[RunData]:
    section = with_defaults(RUN_SIMULATED, section)  # keys and types checked by config.read_config
    tasks = section.get("tasks")
    chosen = [h for h in human if not tasks or h.task.task_id in tasks]
    model = SimModel(
        model_id=section["model_id"],
        display_name=section.get("display_name", section["model_id"]) + " (simulated)",
        training=section["training"], params_b=float(section.get("params_b", 0) or 0),
        family=section["family"], pair_id=section.get("pair_id"),
        sharpen=float(section["sharpen"]), noise=float(section["noise"]),
        bias=float(section["bias"]), cot_sharpen=float(section["cot_sharpen"]))
    sim = SimRun(model, section["method"], section["reasoning"], section["steering"],
                 section["n_samples"], float(section["fail_rate"]))
    return [simulated_run_data(chosen, sim, seed, created_at=section.get("created_at", ""))]
