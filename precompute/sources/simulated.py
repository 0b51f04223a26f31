"""`source = "simulated"`: a documented simulated model over the study's own human data
(see precompute.simulate for the parameters). Useful to check a pipeline end to end before
spending GPU hours, never as evidence."""
from __future__ import annotations

from pathlib import Path

from precompute.config import run_source
from precompute.simulate import SimModel, SimRun, simulated_run_data
from precompute.study import HumanData, RunData, StudyError

REQUIRED = ("model_id", "training", "method")


@run_source("simulated")
def simulated(section: dict, base: Path, human: list[HumanData], seed: int) -> list[RunData]:
    missing = [k for k in REQUIRED if k not in section]
    if missing:
        raise StudyError(f"simulated [[run]] {section.get('name', '?')!r}: missing {missing}")
    tasks = section.get("tasks")
    chosen = [h for h in human if not tasks or h.task.task_id in tasks]
    model = SimModel(
        model_id=section["model_id"],
        display_name=section.get("display_name", section["model_id"]) + " (simulated)",
        training=section["training"], params_b=float(section.get("params_b", 0) or 0),
        family=section.get("family", ""), pair_id=section.get("pair_id"),
        sharpen=float(section.get("sharpen", 1.0)), noise=float(section.get("noise", 30.0)),
        bias=float(section.get("bias", 0.0)), cot_sharpen=float(section.get("cot_sharpen", 1.0)))
    sim = SimRun(model, section["method"], section.get("reasoning", "none"),
                 section.get("steering", "zero"), int(section.get("n_samples", 10)),
                 float(section.get("fail_rate", 0.03)))
    return [simulated_run_data(chosen, sim, seed, created_at=section.get("created_at", ""))]
