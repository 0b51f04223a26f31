"""A tiny generic registry: one declaration per name, unknown names raise with a suggestion.

Metrics, banding schemes and facet dimensions are each declared exactly once in a
registry; the UI, the glossary and the docs are generated from those declarations.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Generic, Protocol, TypeVar


class UnknownName(KeyError):
    """Raised for a name that is not declared; the message suggests the closest one."""

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return str(self.args[0])


def suggestion(name: object, known: list[str]) -> str:
    """" Did you mean 'x'?" for the closest known name, or "" when none is close."""
    close = difflib.get_close_matches(str(name), list(known), n=1, cutoff=0.5)
    return f" Did you mean {close[0]!r}?" if close else ""


class Named(Protocol):
    name: str


T = TypeVar("T", bound=Named)


class Registry(Generic[T]):
    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, T] = {}

    def register(self, entry: T) -> T:
        if entry.name in self._entries:
            raise ValueError(f"{self.kind} {entry.name!r} is declared twice")
        self._entries[entry.name] = entry
        return entry

    def get(self, name: str) -> T:
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownName(self.unknown_message(name)) from None

    def unknown_message(self, name: str) -> str:
        return f"Unknown {self.kind} {name!r}.{suggestion(name, list(self._entries))} " \
               f"Known: {', '.join(self._entries)}."

    def names(self) -> list[str]:
        return list(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[T]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)
