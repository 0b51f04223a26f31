"""`source = "elicited"`: model distributions from answers an LLM server gave, read from the
durable request cache that `python -m precompute elicit` fills (see precompute/elicit)."""
from __future__ import annotations

from pathlib import Path

from precompute.config import run_source
from precompute.elicit.collect import collect_run
from precompute.elicit.spec import parse_spec
from precompute.study import HumanData, RunData


@run_source("elicited")
def elicited(section: dict, base: Path, human: list[HumanData], seed: int) -> list[RunData]:
    spec = parse_spec(section, base, seed)
    min_annotators = int(section.get("_study", {}).get("min_annotators", 2))
    return [collect_run(spec, human, min_annotators)]
