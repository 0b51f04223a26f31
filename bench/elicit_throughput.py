"""Elicitation throughput against a real local llama-cpp-python server (Gemma 3 270M).

For concurrency 1, 4 and 16: requests per second through the whole engine (HTTP, cache write,
parse) and the client's own CPU time per request (the server runs in another process, so this
is the engine's overhead). Every level starts from an empty cache so every sample is asked.

    python -m bench.elicit_throughput [--items 48] [--max-tokens 8] [--threads 1]

Requests use the sampling method at temperature 1 with a JSON-constrained one-letter answer
(response_format json_object), so answers parse. (At temperature 0 this 270M base model stalls
inside the constrained string and hits max_tokens: counted as unparseable.)
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from precompute.elicit.cache import RequestCache  # noqa: E402
from precompute.elicit.engine import Engine  # noqa: E402
from precompute.elicit.plan import plan_run  # noqa: E402
from precompute.elicit.spec import parse_spec  # noqa: E402
from precompute.study import HumanData, TaskSpec  # noqa: E402
from tests.llama_server import LlamaServer, model_path, unavailable_reason  # noqa: E402

WORDS = ("great", "awful", "fine", "stupid", "lovely", "rude", "calm", "nasty", "kind", "odd")


def task(n: int) -> HumanData:
    spec = TaskSpec("bench", "bench", "Bench offensiveness", ["0", "1"], label_names=["not offensive", "offensive"],
                    guideline="Is the text offensive?")
    rng = np.random.default_rng(0)
    texts = [f"Item {i}: that was a {WORDS[i % 10]} thing to say, {WORDS[(i * 7) % 10]} even." for i in range(n)]
    items = pd.DataFrame({"item_id": [f"b{i}" for i in range(n)], "text": texts})
    return HumanData(spec, items, rng.integers(0, 5, size=(n, 2)) + 1)


def measure(url: str, hd: HumanData, concurrency: int, max_tokens: int, folder: Path) -> dict:
    section = {"name": f"bench-c{concurrency}", "model_id": "gemma-3-270m", "training": "rlhf",
               "endpoint": url, "method": "sampling", "n_samples": 1, "temperature": 1.0,
               "max_tokens": max_tokens, "response_format": "json_object", "concurrency": concurrency,
               "cache": f"cache-c{concurrency}.sqlite"}
    spec = parse_spec(section, folder)
    plans, _ = plan_run(spec, [hd])
    with RequestCache(spec.cache) as cache:
        report = Engine(spec, cache, {"bench": hd.task.label_names}, show_progress=False).run(plans)
    assert report.complete, report.text()
    return {"concurrency": concurrency, "requests": report.http_requests, "seconds": report.seconds,
            "req_per_s": report.http_requests / report.seconds,
            "client_ms_per_req": 1000 * report.client_cpu_s / report.http_requests,
            "unparseable": report.failed_parse}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--items", type=int, default=48)
    p.add_argument("--max-tokens", type=int, default=16)
    p.add_argument("--threads", type=int, default=1, help="llama.cpp threads of the server")
    args = p.parse_args(argv)
    reason = unavailable_reason()
    if reason:
        print(f"skipped: {reason}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        server = LlamaServer(model_path(), log=folder / "server.log", threads=args.threads).start()
        try:
            hd = task(args.items)
            measure(server.url, task(2), 1, args.max_tokens, folder / "warm")  # load pages, warm caches
            rows = [measure(server.url, hd, c, args.max_tokens, folder) for c in (1, 4, 16)]
        finally:
            server.stop()
    print(f"llama-cpp-python server, Gemma 3 270M Q4_K_M, {args.threads} thread(s), {args.items} requests "
          f"per level, max_tokens={args.max_tokens}")
    print(f"{'concurrency':>11} {'requests':>8} {'seconds':>8} {'req/s':>7} {'client ms/req':>13} "
          f"{'unparseable':>11}")
    for r in rows:
        print(f"{r['concurrency']:>11} {r['requests']:>8} {r['seconds']:>8.2f} {r['req_per_s']:>7.2f} "
              f"{r['client_ms_per_req']:>13.2f} {r['unparseable']:>11}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
