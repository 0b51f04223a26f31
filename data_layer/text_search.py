"""The Items page's text search: a literal, case-insensitive substring of an item's text or id.

Each item stores `search_text` (its text, a newline and its item id, lower-cased at build time)
and a 128-bit signature of it (`search_sig_lo`, `search_sig_hi`): one bit set per distinct
pair of adjacent bytes, hashed into 128 positions. A text that contains the needle contains
every byte pair of the needle, so its signature holds every bit of the needle's; a text whose
signature lacks one of them cannot match and is skipped before contains() reads it. The filter
never drops a match (it only decides where contains() runs), and it pays because contains()
costs most on the texts it must test at many places: at 232k items (75 bytes each), a
six-letter word that 24% of the items contain took 8.0 ms (15.5 ms CPU) without the signature
and 4.9 ms (7.7 ms CPU) with it; about a third of the 128 bits are set in a typical text.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_MIX = np.uint32(2654435761)  # Knuth's multiplicative hash; the top 7 bits of the product index the bit


def needle(search: str) -> str:
    """What a search looks for in search_text (lower-cased the same way at build time, in Python)."""
    return search.lower()


def search_text(text: str, item_id: str) -> str:
    """The searchable form of one item: its text and id, lower-cased, on two lines."""
    return f"{text.lower()}\n{item_id.lower()}"


def signatures(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each text's signature as two uint64 arrays (bits 0-63, bits 64-127), vectorised over all
    the texts' byte pairs at once (232k items: well under a second)."""
    data = [t.encode() for t in texts]
    lengths = np.fromiter((len(b) for b in data), dtype=np.int64, count=len(data))
    lo, hi = np.zeros(len(data), dtype=np.uint64), np.zeros(len(data), dtype=np.uint64)
    if not len(data) or lengths.sum() < 2:
        return lo, hi
    raw = np.frombuffer(b"".join(data), dtype=np.uint8).astype(np.uint32)
    bit = (((raw[:-1] << np.uint32(8)) | raw[1:]) * _MIX) >> np.uint32(25)  # pair starting at each byte
    owner = np.repeat(np.arange(len(data)), lengths)[:-1]
    inside = np.ones(len(bit), dtype=bool)  # a pair must not run from one text into the next
    ends = np.cumsum(lengths)[:-1] - 1
    inside[ends[(ends >= 0) & (ends < len(bit))]] = False
    bit, owner = bit[inside], owner[inside]  # still grouped by text, in text order
    pairs = np.bincount(owner, minlength=len(data))
    has = pairs > 0
    starts = np.concatenate(([0], np.cumsum(pairs)[:-1]))[has]
    single = np.uint64(1) << np.arange(64, dtype=np.uint64)
    none = np.zeros(64, dtype=np.uint64)
    for half, table in ((lo, np.concatenate((single, none))), (hi, np.concatenate((none, single)))):
        half[has] = np.bitwise_or.reduceat(table[bit], starts)  # each pair's bit within this half
    return lo, hi


def matches(search: str, alias: str = "") -> tuple[str, list]:
    """SQL true for the rows of human_dist (as `alias`) whose search_text contains the search,
    and its parameters. The signature test comes first inside a CASE so that DuckDB runs
    contains() only on the rows that pass it (as two ANDed conditions, it pushed contains() into
    the scan and tested every row)."""
    looked_for = needle(search)
    lo, hi = (int(v[0]) for v in signatures([looked_for]))
    a = f"{alias}." if alias else ""
    return (f"CASE WHEN ({a}search_sig_lo & ?::UBIGINT) = ?::UBIGINT AND ({a}search_sig_hi & ?::UBIGINT) = ?::UBIGINT "
            f"THEN contains({a}search_text, ?) ELSE false END", [lo, lo, hi, hi, looked_for])
