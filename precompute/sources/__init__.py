"""Run sources: where a [[run]]'s model distributions come from. Each module registers
itself with `precompute.config.run_source`."""
from precompute.sources import elicited, imported, simulated  # noqa: F401
