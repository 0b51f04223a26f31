"""How long the app takes to give up on an unreachable Hub and fall back (resolve_store()).

Each case runs resolve_store() in a fresh interpreter (offline mode off) against a local port
that refuses connections or accepts them and never answers, with ATLAS_STORE_REPO set and no
cached copy. Prints a table; the demo store is prebuilt so its build time is not counted.

    python bench/hub_fallback.py
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = ("import time; t = time.perf_counter(); from data_layer.locate import resolve_store; "
        "l = resolve_store(); print(f'{time.perf_counter() - t:.2f} {l.origin}')")


def run(port: int, timeout: str, telemetry_off: bool, work: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"HF_HUB_OFFLINE", "ATLAS_STORE"}}
    env.update(ATLAS_STORE_REPO="bench/unreachable", HF_ENDPOINT=f"http://127.0.0.1:{port}",
               ATLAS_HUB_TIMEOUT=timeout, HF_HUB_CACHE=str(work / "hub"), ATLAS_CACHE_DIR=str(work / "atlas"),
               HF_HOME=str(work / "hf-home"), HF_HUB_DISABLE_IMPLICIT_TOKEN="1")
    if telemetry_off:
        env["HF_HUB_DISABLE_TELEMETRY"] = "1"
    out = subprocess.run([sys.executable, "-c", CODE], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300, check=True)
    return out.stdout.split()[-2:]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {**os.environ, "ATLAS_CACHE_DIR": str(work / "atlas"), "HF_HUB_OFFLINE": "1"}
        subprocess.run([sys.executable, "-c", "from data_layer.locate import ensure_demo_store as e; e()"],
                       cwd=ROOT, env=env, check=True)
        print(f"{'Hub endpoint':<22} {'ATLAS_HUB_TIMEOUT':>17} {'telemetry off':>13} {'seconds':>8}  result")
        for kind in ("refuses connections", "never answers"):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
            if kind == "refuses connections":
                sock.close()
            else:
                sock.listen(64)
            for timeout in ("1", "5"):
                for telemetry_off in (False, True):
                    seconds, origin = run(port, timeout, telemetry_off, work)
                    print(f"{kind:<22} {timeout:>17} {str(telemetry_off):>13} {seconds:>8}  {origin}")
            sock.close()


if __name__ == "__main__":
    main()
