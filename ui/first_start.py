"""The first start without a configured store: the demo store is built (about 20 s on two cores,
see README) while the page shows which step runs and roughly how long is left, instead of a
spinner. Later starts find the built store and skip all of this.

The build runs once per server process in a background thread (every visitor of a fresh server
watches the same build); its steps arrive through precompute.progress's listener.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

import streamlit as st

from data_layer.locate import demo_store_path, ensure_demo_store
from precompute.progress import reporting_to
from ui.page import LOOK
from ui.text import plain_md

# The demo build's steps (as data_layer.locate and precompute.build name them) and their share of
# its time, measured on a first start of `atlas app` (two busy cores, 60 s in all): simulating the
# study takes an eighth, the last two steps three quarters. Steps named otherwise (inner steps, a
# renamed step) count as parts of the step before them, so the bar never jumps back.
DEMO_STEPS = {
    "simulating annotators and models": 0.12,
    "human distributions": 0.01,
    "model runs and item metrics": 0.09,
    "materialising item scores": 0.02,
    "item-major copy for the Item page": 0.01,
    "aggregate metrics per run x task x band filter": 0.40,
    "sums for statistics on large slices": 0.35,
}
POLL_SECONDS = 0.3


@dataclass
class DemoBuild:
    """Progress of the one demo build of this process (written by the build thread)."""
    started: float = field(default_factory=time.monotonic)
    step: str = "starting"
    fraction: float = 0.0  # of the whole build, from DEMO_STEPS
    done: bool = False
    error: BaseException | None = None
    seen: list[str] = field(default_factory=list)  # the known steps in the order they ran
    _base: float = 0.0  # share of the steps finished before the current one

    def update(self, desc: str, done: int, total: int | None) -> None:
        if desc in DEMO_STEPS:
            names = list(DEMO_STEPS)
            if desc not in self.seen:
                self.seen.append(desc)
            self.step, self._base = desc, sum(DEMO_STEPS[n] for n in names[:names.index(desc)])
        share = DEMO_STEPS.get(self.step, 0.0)
        part = done / total if total else 0.0
        self.fraction = max(self.fraction, min(1.0, self._base + share * part))

    def run(self) -> None:
        try:
            with reporting_to(self.update):
                ensure_demo_store()
        except BaseException as e:  # shown on the page by every waiting visitor
            self.error = e
        finally:
            self.done = True


def progress_text(build: DemoBuild, now: float) -> str:
    """'Step 5 of 6: aggregate metrics … (40%, about 12 s left)'; the time left is extrapolated
    from the time so far once a few percent are done."""
    names = list(DEMO_STEPS)
    where = f"Step {names.index(build.step) + 1} of {len(names)}: {build.step}" if build.step in names \
        else "Starting"
    elapsed = now - build.started
    if build.fraction < 0.03:
        return f"{where} ({elapsed:.0f} s so far)"
    left = elapsed * (1 - build.fraction) / build.fraction
    return f"{where} ({build.fraction:.0%}, about {max(left, 1):.0f} s left)"


_demo_seen = False  # the demo store's path hashes the pipeline's code (10 ms): look it up until found


def demo_store_needed() -> bool:
    """No store configured (see data_layer.locate) and no demo store built yet."""
    global _demo_seen
    configured = os.environ.get("ATLAS_STORE") or (os.environ.get("ATLAS_STORE_REPO") or "").strip()
    if configured or _demo_seen:
        return False
    _demo_seen = demo_store_path().exists()
    return not _demo_seen


@st.cache_resource(show_spinner=False)
def _the_build() -> DemoBuild:
    build = DemoBuild()
    threading.Thread(target=build.run, daemon=True, name="atlas-demo-build").start()
    return build


def wait_for_demo_store() -> None:
    """On a fresh start, show the demo build's progress until it is done (no-op otherwise)."""
    if not demo_store_needed():
        return
    build = _the_build()
    st.set_page_config(**LOOK)  # drawn before app.py names the page's tab (which sets it too)
    shown = st.empty()
    with shown.container():
        st.title("Disagreement Atlas")
        st.markdown("**First start: building the simulated demo store.** This happens once; later "
                    "starts open it at once. To open your own store instead: `atlas app --store my.duckdb`.")
        bar = st.progress(0.0, text=progress_text(build, time.monotonic()))
    while not build.done:
        time.sleep(POLL_SECONDS)
        bar.progress(build.fraction, text=progress_text(build, time.monotonic()))
    shown.empty()
    if build.error is not None:
        _the_build.clear()  # the next visit tries again
        st.error(f"The demo store could not be built: {type(build.error).__name__}: {plain_md(build.error)}")
        st.stop()
