"""Progress bars for pipeline steps (tqdm on stderr; silent when disabled)."""
from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")


def progress(items: Iterable[T], desc: str, show: bool = True, total: int | None = None) -> Iterable[T]:
    if not show:
        return items
    return tqdm(items, desc=desc, total=total, unit="step", leave=False, dynamic_ncols=True)


@contextlib.contextmanager
def progress_step(desc: str, show: bool = True) -> Iterator[None]:
    """A one-shot step (a single SQL statement cannot report progress): says when it starts
    and how long it took."""
    t = time.perf_counter()
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
