"""Elicitation throughput against a real local llama-cpp-python server (Gemma 3 270M).

For each concurrency level (default 1, 2 and 4): requests per second and generated tokens per
second through the whole engine (HTTP, cache write, parse), and the client's own CPU time per
request (the server runs in another process, so this is the engine's overhead). Every level starts
from an empty cache so every sample is asked. The ceiling is the server's own generation rate:
one free-text request of --ceiling-tokens tokens sent straight to it, without the engine, grammar
or parsing.

    python -m bench.elicit_throughput [--items 48] [--max-tokens 16] [--threads 2] [--levels 1 2 4]
    python -m bench.elicit_throughput --study examples/real-study/study.toml \
        --run gemma3-270m-verbalized-cot --items 16      # the real study's prompts (needs ../shared)

Requests use the sampling method at temperature 1 with a JSON-constrained one-letter answer
(response_format json_object), so answers parse. (At temperature 0 this 270M base model stalls
inside the constrained string and hits max_tokens: counted as unparseable.)
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from precompute.config import load_human, read_config  # noqa: E402
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


def synthetic_section(max_tokens: int) -> dict:
    return {"model_id": "gemma-3-270m", "training": "rlhf", "method": "sampling", "n_samples": 1,
            "temperature": 1.0, "max_tokens": max_tokens, "response_format": "json_object"}


def measure(url: str, human: list[HumanData], section: dict, concurrency: int, folder: Path,
            items: int) -> dict:
    section = {**section, "name": f"bench-c{concurrency}", "endpoint": url, "concurrency": concurrency,
               "cache": f"cache-c{concurrency}.sqlite"}
    section.pop("answers", None)
    spec = parse_spec(section, folder)
    plans = plan_run(spec, human)[0][:items]
    labels = {h.task.task_id: h.task.label_names for h in human}
    with RequestCache(spec.cache) as cache:
        report = Engine(spec, cache, labels, show_progress=False).run(plans)
    assert report.complete, report.text()
    return {"concurrency": concurrency, "requests": report.http_requests, "seconds": report.seconds,
            "req_per_s": report.http_requests / report.seconds,
            "tok_per_s": report.completion_tokens / report.seconds,
            "client_ms_per_req": 1000 * report.client_cpu_s / report.http_requests,
            "unparseable": report.failed_parse}


def ceiling(url: str, tokens: int) -> float:
    """Generated tokens per second of one plain request straight to the server (best of 2)."""
    body = {"model": "gemma-3-270m", "max_tokens": tokens, "temperature": 0.7, "seed": 1,
            "messages": [{"role": "user", "content": "Write a long story about a lighthouse keeper."}]}
    best = 0.0
    for _ in range(2):
        t0 = time.monotonic()
        data = httpx.post(f"{url}/chat/completions", json=body, timeout=600).json()
        best = max(best, data["usage"]["completion_tokens"] / (time.monotonic() - t0))
    return best


def workload(args) -> tuple[list[HumanData], dict, str]:
    if not args.study:
        return [task(args.items)], synthetic_section(args.max_tokens), (
            f"synthetic one-sentence items, sampling, max_tokens={args.max_tokens}")
    path = Path(args.study)
    cfg = read_config(path)
    section = next((s for s in cfg.get("run", []) if s.get("name") == args.run), None)
    if section is None:
        raise SystemExit(f"{path}: no [[run]] named {args.run!r}")
    return load_human(cfg, path), dict(section), f"the prompts of {path.name} run {args.run}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--items", type=int, default=48)
    p.add_argument("--max-tokens", type=int, default=16)
    p.add_argument("--threads", type=int, default=2, help="llama.cpp threads of the server")
    p.add_argument("--levels", type=int, nargs="+", default=[1, 2, 4], help="concurrency levels")
    p.add_argument("--ceiling-tokens", type=int, default=128)
    p.add_argument("--study", help="take prompts and settings from this study's run (--run)")
    p.add_argument("--run", help="the [[run]] of --study")
    args = p.parse_args(argv)
    reason = unavailable_reason()
    if reason:
        print(f"skipped: {reason}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        server = LlamaServer(model_path(), log=folder / "server.log", threads=args.threads).start()
        try:
            human, section, what = workload(args)
            measure(server.url, human, section, 1, folder / "warm", 2)  # load pages, warm caches
            top = ceiling(server.url, args.ceiling_tokens)
            rows = [measure(server.url, human, section, c, folder, args.items) for c in args.levels]
        finally:
            server.stop()
    print(f"llama-cpp-python server, Gemma 3 270M Q4_K_M, {args.threads} thread(s), {args.items} requests "
          f"per level; {what}")
    print(f"server ceiling: {top:.1f} generated tokens/s (one plain request of {args.ceiling_tokens} tokens)")
    print(f"{'concurrency':>11} {'requests':>8} {'seconds':>8} {'req/s':>7} {'gen tok/s':>9} {'of ceiling':>10} "
          f"{'client ms/req':>13} {'unparseable':>11}")
    for r in rows:
        print(f"{r['concurrency']:>11} {r['requests']:>8} {r['seconds']:>8.2f} {r['req_per_s']:>7.2f} "
              f"{r['tok_per_s']:>9.1f} {r['tok_per_s'] / top:>10.0%} {r['client_ms_per_req']:>13.2f} "
              f"{r['unparseable']:>11}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
