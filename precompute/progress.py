"""Progress bars for pipeline steps (tqdm on stderr; silent when disabled)."""
from __future__ import annotations

from typing import Iterable, TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")


def progress(items: Iterable[T], desc: str, show: bool = True, total: int | None = None) -> Iterable[T]:
    if not show:
        return items
    return tqdm(items, desc=desc, total=total, unit="step", leave=False, dynamic_ncols=True)
