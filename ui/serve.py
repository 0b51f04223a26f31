"""Serve the dashboard as several Streamlit processes behind nginx, with sticky sessions.

    python -m ui.serve --processes 2 --port 8501 [--address 0.0.0.0]

Streamlit keeps a visitor's session (its script runs, widget state, download files) inside the
one process that holds its websocket, and a process runs Python on one core at a time. So a
machine with N cores serves N processes: nginx listens on --port and passes each visitor to one
of them, always the same one (a cookie set on the first response, hashed consistently; a client
that refuses cookies is placed by its address). Websockets are proxied with their Upgrade
headers; nginx serves Streamlit's static bundles (/static/) itself. Every response says which process
served it in an `X-Atlas-Backend` header (its loopback address: nothing a visitor can use).

The store is resolved once here, before any process starts (the demo store is built, a published
store downloaded), so N processes never race to build it; each then opens it read-only.
With --processes 1 there is no proxy: Streamlit itself listens on --port.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BACKEND_HEADER = "X-Atlas-Backend"
VISITOR_COOKIE = "atlas_visitor"

NGINX_CONF = """\
worker_processes 1;
pid {run}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    client_max_body_size 200m;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    # Sticky sessions: the visitor cookie when the browser sends it, else the client's address.
    map $cookie_{cookie} $atlas_visitor_key {{ "" "$http_x_forwarded_for|$remote_addr"; default $cookie_{cookie}; }}
    map $cookie_{cookie} $atlas_set_cookie {{ "" "{cookie}=$request_id; Path=/; HttpOnly; SameSite=Lax"; default ""; }}
    upstream atlas {{
        hash $atlas_visitor_key consistent;
{servers}
    }}
    server {{
        listen {address}:{port};
{static}        location / {{
            proxy_pass http://atlas;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 1d;
            proxy_send_timeout 1d;
            proxy_buffering off;
            add_header Set-Cookie $atlas_set_cookie always;
            add_header {header} $upstream_addr always;
        }}
    }}
}}
"""


def free_port(address: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def streamlit_command(port: int, address: str) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
            "--server.address", address, "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none"]  # the code does not change under a server: no watcher thread


def nginx_conf(run_dir: Path, backends: list[int], port: int, address: str) -> str:
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=0;" for p in backends)
    return NGINX_CONF.format(run=run_dir, servers=servers, port=port, address=address, static=static_location(),
                             cookie=VISITOR_COOKIE, header=BACKEND_HEADER)


def static_location() -> str:
    """nginx serves Streamlit's hashed, immutable bundles (a first visit fetches 2-3 MB of them)
    from its install folder, so Python no longer reads and gzips them for every new visitor.
    Not when nginx runs as root: its workers then run as `nobody`, who may not read the install
    (e.g. under /root); Streamlit serves them as before."""
    import streamlit
    folder = Path(streamlit.__file__).parent / "static" / "static"
    if os.geteuid() == 0 or not folder.is_dir():
        return ""
    return (f"        location /static/ {{\n            alias {folder}/;\n            gzip on;\n"
            "            gzip_types application/javascript text/css application/json image/svg+xml;\n"
            '            add_header Cache-Control "public, immutable, max-age=31536000";\n        }\n')


def prepare_store() -> None:
    """Resolve the store once in this process: builds the demo store or fetches a published one
    into its cache, where every app process then finds it."""
    sys.path.insert(0, str(ROOT))
    from data_layer.locate import resolve_store
    where = resolve_store()
    print(f"store: {where.path} ({where.origin})", flush=True)


def wait_healthy(port: int, procs: list[subprocess.Popen], timeout: float = 120, failure: str = "") -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    return
        except OSError:
            pass
        dead = [p for p in procs if p.poll() is not None]
        if dead or time.monotonic() > deadline:
            raise SystemExit(failure or f"process on port {port} did not become healthy")
        time.sleep(0.3)


@contextlib.contextmanager
def running(processes: int, store: Path, log: Path, cwd: Path = ROOT, timeout: float = 180):
    """`python -m ui.serve --processes N` on a free loopback port for benchmarks and tests, reading
    `store`; yields (base URL, the serve process) once healthy, and stops it (SIGTERM) after."""
    port = free_port()
    env = {**os.environ, "ATLAS_STORE": str(store), "HF_HUB_OFFLINE": "1"}
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "ui.serve", "--processes", str(processes), "--port",
                                 str(port)], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_healthy(port, [proc], timeout, f"ui.serve did not become healthy; see {log}")
        yield f"http://127.0.0.1:{port}", proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


def serve(processes: int, port: int, address: str) -> int:
    prepare_store()
    if processes == 1:
        os.chdir(ROOT)
        os.execv(sys.executable, streamlit_command(port, address))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        raise SystemExit("nginx is not installed (apt-get install nginx): needed for --processes > 1")
    run_dir = Path(tempfile.mkdtemp(prefix="atlas-serve-"))
    backends = [free_port() for _ in range(processes)]
    (run_dir / "nginx.conf").write_text(nginx_conf(run_dir, backends, port, address))
    apps = [subprocess.Popen(streamlit_command(p, "127.0.0.1"), cwd=ROOT) for p in backends]
    children = list(apps)
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        for p in backends:
            wait_healthy(p, apps)
        proxy = subprocess.Popen([nginx, "-p", str(run_dir), "-c", str(run_dir / "nginx.conf"), "-e", "stderr",
                                  "-g", "daemon off;"])
        children.append(proxy)
        print(f"serving {processes} processes (ports {', '.join(map(str, backends))}) behind nginx on "
              f"{address}:{port}", flush=True)
        while not stopping and all(c.poll() is None for c in children):
            time.sleep(0.5)
        failed = [c.args[0] for c in children if c.poll() not in (None, 0)]
        return 1 if failed and not stopping else 0
    finally:
        for c in children:
            if c.poll() is None:
                c.terminate()
        for c in children:
            try:
                c.wait(timeout=15)
            except subprocess.TimeoutExpired:
                c.kill()
        shutil.rmtree(run_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ui.serve", description=__doc__.split("\n\n")[0])
    ap.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                    help="Streamlit processes (one per core; default: the machine's cores)")
    ap.add_argument("--port", type=int, default=8501, help="the port visitors connect to")
    ap.add_argument("--address", default="127.0.0.1", help="the address to listen on (0.0.0.0 in a container)")
    args = ap.parse_args(argv)
    if args.processes < 1:
        ap.error("--processes must be at least 1")
    return serve(args.processes, args.port, args.address)


if __name__ == "__main__":
    sys.exit(main())
