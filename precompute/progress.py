"""Progress of pipeline steps: bars on stderr (tqdm; silent when disabled), and the same steps
reported to a listener when one is set (`reporting_to`), e.g. the app's first-start progress bar
while it builds the demo store."""
from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")
# listener(step, done, total): `done` of `total` parts of `step` are finished (total None: unknown)
Listener = Callable[[str, int, int | None], None]
_listener: ContextVar[Listener | None] = ContextVar("atlas_progress_listener", default=None)


@contextlib.contextmanager
def reporting_to(listener: Listener) -> Iterator[None]:
    """Within this block (in this thread), every step also reports to `listener`, whether or not
    bars are shown."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


def _reported(items: Iterable[T], desc: str, total: int | None, listener: Listener) -> Iterator[T]:
    total = len(items) if total is None and hasattr(items, "__len__") else total
    listener(desc, 0, total)
    for done, item in enumerate(items, start=1):
        yield item
        listener(desc, done, total)


def progress(items: Iterable[T], desc: str, show: bool = True, total: int | None = None) -> Iterable[T]:
    listener = _listener.get()
    if listener is not None:
        items = _reported(items, desc, total, listener)
    if not show:
        return items
    return tqdm(items, desc=desc, total=total, unit="step", leave=False, dynamic_ncols=True)


@contextlib.contextmanager
def progress_step(desc: str, show: bool = True) -> Iterator[None]:
    """A one-shot step (a single SQL statement cannot report progress): says when it starts
    and how long it took."""
    t = time.perf_counter()
    listener = _listener.get()
    if listener is not None:
        listener(desc, 0, 1)
    if show:
        print(f"{desc}…", end="", file=sys.stderr, flush=True)
    try:
        yield
    except BaseException:
        if show:  # end the line, so that the error or interruption message gets its own
            print(" stopped", file=sys.stderr, flush=True)
        raise
    if show:
        print(f" {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
    if listener is not None:
        listener(desc, 1, 1)
