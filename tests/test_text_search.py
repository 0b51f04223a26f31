"""The text search's signature prefilter never drops a match and is what the build stores."""
import random

import duckdb
import numpy as np
import pandas as pd

from data_layer import text_search

ALPHABET = "abcde fgé\nßЖ中-_%"


def _pair_bits(text: str) -> tuple[int, int]:
    """The signature written out pair by pair, as the module's docstring defines it."""
    lo = hi = 0
    raw = text.encode()
    for a, b in zip(raw, raw[1:], strict=False):
        bit = (((a << 8) | b) * 2654435761 % 2**32) >> 25
        lo, hi = (lo | 1 << bit, hi) if bit < 64 else (lo, hi | 1 << (bit - 64))
    return lo, hi


def _texts(rng: random.Random, n: int) -> list[str]:
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.choice([0, 1, 2, rng.randint(0, 40)]))) for _ in range(n)]


def test_signatures_set_one_bit_per_byte_pair_of_each_text_alone():
    rng = random.Random(3)
    for n in (0, 1, 2, 7, 400):
        texts = _texts(rng, n) + ["", "x"]  # empty and one-byte texts at the end too
        lo, hi = text_search.signatures(texts)
        assert lo.dtype == hi.dtype == np.uint64
        assert [(int(a), int(b)) for a, b in zip(lo, hi, strict=True)] == [_pair_bits(t) for t in texts]


def test_prefiltered_search_finds_exactly_the_texts_that_contain_the_needle():
    rng = random.Random(5)
    texts = _texts(rng, 3000) + ["Influence\nitem-7", "no match here\nx"]
    rows = [text_search.search_text(t, f"ID-{i}") for i, t in enumerate(texts)]
    lo, hi = text_search.signatures(rows)
    con = duckdb.connect()
    table = pd.DataFrame({"k": np.arange(len(rows)), "search_text": rows, "search_sig_lo": lo, "search_sig_hi": hi})
    con.register("t", table)
    needles = ["", "a", "É", "ab", "cde f", "é\nß", "中-", "%", "_", "influ", "INFLUENCE", "id-12", "\nid-2",
               "zzz"] + [t[i:i + rng.randint(1, 6)] for t in rng.sample(rows, 40) for i in [rng.randint(0, len(t))]]
    for needle in needles:
        where, params = text_search.matches(needle)
        got = [k for (k,) in con.execute(f"SELECT k FROM t WHERE {where} ORDER BY k", params).fetchall()]
        assert got == [k for k, r in enumerate(rows) if needle.lower() in r], needle
