"""The Space's Dockerfile, run without Docker: its install and start commands, read from the
Dockerfile itself, run in a fresh virtual environment as the non-root user uid 1000, and the
app must answer over HTTP. (No Docker engine here; `docker build` is not exercised.)

The emulation: FROM python:3.11-slim -> a fresh venv of a local Python 3.11; RUN useradd ->
an existing (or created) uid 1000 account; RUN apt-get install as root -> the packages must be
installed here (.ci/run installs them); ENV/WORKDIR -> environment and folders, with the
image's /home/user mapped to a temporary folder; COPY -> copies honouring .dockerignore;
RUN/CMD after USER -> the same commands as uid 1000; EXPOSE'd port -> a free local port.
"""
from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOCKERFILE = ROOT / "Dockerfile"
IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"  # python:3.11-slim's PATH
HOST_NETWORK_ENV = re.compile(r"^(PIP_.*|.*_PROXY|.*_proxy|SSL_CERT_.*|REQUESTS_CA_BUNDLE)$")


def parse_dockerfile(text: str) -> list[tuple[str, str]]:
    """Instructions as (KEYWORD, arguments), continuation lines joined, comments dropped."""
    out, buf = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        keyword, _, args = (buf + line).partition(" ")
        out.append((keyword.upper(), args.strip()))
        buf = ""
    return out


def expand(value: str, env: dict) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), ""), value)


def front_matter(readme: str) -> dict:
    block = re.match(r"---\n(.*?)\n---\n", readme, re.S)
    assert block, "README.md must start with the Space's YAML front matter"
    return dict(line.split(": ", 1) for line in block.group(1).splitlines() if ": " in line)


def test_dockerfile_matches_the_space_settings():
    steps = parse_dockerfile(DOCKERFILE.read_text())
    assert steps[0] == ("FROM", "python:3.11-slim")
    meta = front_matter((ROOT / "README.md").read_text())
    assert meta["sdk"] == "docker"
    cmd = json.loads(dict(steps)["CMD"])
    assert cmd[:3] == ["python", "-m", "ui.serve"]  # several app processes behind nginx
    port = cmd[cmd.index("--port") + 1]
    assert port == meta["app_port"] == dict(steps)["EXPOSE"]
    assert cmd[cmd.index("--address") + 1] == "0.0.0.0"
    users = [a for k, a in steps if k == "USER"]
    assert users and users[-1] != "root"
    assert any(re.match(r"useradd .*-u 1000\b", a) for k, a in steps if k == "RUN")


def apt_packages(run: str) -> list[str] | None:
    """The packages a root `RUN apt-get update && apt-get install ...` step installs (None if the
    step is something else)."""
    if not run.startswith("apt-get update && apt-get install"):
        return None
    install = run.split("apt-get install", 1)[1].split("&&", 1)[0]
    return [w for w in shlex.split(install) if not w.startswith("-")]


def dockerignored(rel: str, patterns: list[str]) -> bool:
    for pat in patterns:
        pat = pat.rstrip("/")
        if pat.startswith("**/"):
            if any(fnmatch.fnmatch(part, pat[3:]) for part in rel.split("/")):
                return True
        elif fnmatch.fnmatch(rel, pat) or rel.startswith(pat + "/"):
            return True
    return False


def copy_context(src: str, dest: Path, uid: int) -> None:
    ignore = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines()
              if p.strip() and not p.startswith("#")]
    sources = [ROOT / s for s in ([src] if src != "." else os.listdir(ROOT))]
    for top in sources:
        for path in [top, *top.rglob("*")] if top.is_dir() else [top]:
            rel = path.relative_to(ROOT).as_posix()
            if path.is_dir() or dockerignored(rel, ignore):
                continue
            target = dest / rel if src == "." or dest.is_dir() else dest
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    for p in [dest, *dest.rglob("*")] if dest.is_dir() else [dest]:
        os.chown(p, uid, uid)


def python311_for(uid: int) -> str | None:
    """A Python 3.11 with venv that uid can run (the image's interpreter is 3.11)."""
    for exe in (sys.executable, shutil.which("python3.11"), "/usr/bin/python3.11", "/usr/local/bin/python3.11"):
        if not (exe and os.path.exists(exe)):
            continue
        try:
            ok = subprocess.run([exe, "-c", "import sys, venv, ensurepip; assert sys.version_info[:2] == (3, 11)"],
                                user=uid, group=uid, extra_groups=[], capture_output=True)
        except PermissionError:  # e.g. an interpreter under /root
            continue
        if ok.returncode == 0:
            return exe
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.status, r.read().decode("utf-8", "replace")


@pytest.mark.slow
def test_space_image_steps_install_and_serve_as_uid_1000():
    steps = parse_dockerfile(DOCKERFILE.read_text())
    useradd = next(a for k, a in steps if k == "RUN" and a.startswith("useradd"))
    uid = int(re.search(r"-u (\d+)", useradd).group(1))
    if os.geteuid() != 0:
        pytest.skip("needs root to act as uid 1000")
    if subprocess.run(["getent", "passwd", str(uid)], capture_output=True).returncode != 0:
        subprocess.run(shlex.split(useradd), check=True)  # the Dockerfile's own command
    exe = python311_for(uid)
    if exe is None:
        pytest.skip("no Python 3.11 with venv runnable by uid 1000")
    work = Path(tempfile.mkdtemp(prefix="atlas-space-"))
    os.chmod(work, 0o755)
    home = work / "home-user"
    home.mkdir()
    os.chown(home, uid, uid)
    as_user = dict(user=uid, group=uid, extra_groups=[])
    venv = home / "venv"
    subprocess.run([exe, "-m", "venv", str(venv)], check=True, **as_user)
    env = {"PATH": f"{venv}/bin:{IMAGE_PATH}", "LANG": "C.UTF-8",
           **{k: v for k, v in os.environ.items() if HOST_NETWORK_ENV.match(k)}}
    cwd, user, server = Path("/"), "root", None
    try:
        for keyword, args in steps[1:]:
            if keyword == "RUN" and user == "root" and apt_packages(args) is not None:
                for pkg in apt_packages(args):  # the image's system packages: present here or skip
                    if subprocess.run(["dpkg", "-s", pkg], capture_output=True).returncode != 0:
                        pytest.skip(f"{pkg} is not installed here (.ci/run installs it)")
            elif keyword == "RUN" and user == "root":
                assert args == useradd, f"no emulation for root step RUN {args}"
            elif keyword == "USER":
                user = args
                assert user in useradd.split(), "USER must be the account the Dockerfile created"
            elif keyword == "ENV":
                pairs = dict(tok.split("=", 1) for tok in shlex.split(args))
                env.update({k: expand(v, env).replace("/home/user", str(home)) for k, v in pairs.items()})
                env["PATH"] = f"{venv}/bin:" + env["PATH"].replace(f"{venv}/bin:", "")
            elif keyword == "WORKDIR":
                cwd = Path(expand(args, env))
                cwd.mkdir(parents=True, exist_ok=True)
                os.chown(cwd, uid, uid)
            elif keyword == "COPY":
                *flags, src, dest = shlex.split(args)
                assert flags == [f"--chown={user}"], "files must belong to the app user"
                copy_context(src, cwd if dest == "." else cwd / dest, uid)
            elif keyword == "RUN":
                done = subprocess.run(["sh", "-c", args], cwd=cwd, env=env, capture_output=True, text=True,
                                      **as_user)
                assert done.returncode == 0, f"RUN {args} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            elif keyword == "EXPOSE":
                exposed = args
            elif keyword == "CMD":
                cmd, port = json.loads(args), str(free_port())
                at = cmd.index("--port") + 1
                assert cmd[at] == exposed
                cmd[at] = port  # like `docker run -p <free port>:<exposed port>`
                server = subprocess.Popen(cmd, cwd=cwd, env={**env, "HF_HUB_OFFLINE": "1"},
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **as_user)
            else:
                raise AssertionError(f"no emulation for {keyword} {args}")
        assert server is not None, "the Dockerfile has no CMD"
        assert not list(cwd.rglob("*.duckdb")) and not (cwd / "tests").exists(), ".dockerignore leaks"
        base, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 180
        while True:
            assert server.poll() is None, server.stdout.read().decode()
            try:
                status, body = http_get(base + "/_stcore/health")
                break
            except OSError:
                assert time.monotonic() < deadline, "the app did not answer /_stcore/health"
                time.sleep(1)
        assert (status, body) == (200, "ok")
        status, page = http_get(base + "/")
        assert status == 200 and '<div id="root">' in page
        bundle = re.search(r'src="\./(static/js/[^"]+\.js)"', page).group(1)
        with urllib.request.urlopen(f"{base}/{bundle}", timeout=5) as r:  # nginx serves Streamlit's bundles
            assert r.status == 200 and r.read(1) and "X-Atlas-Backend" not in r.headers
        proc_uid = re.search(r"^Uid:\s+(\d+)", Path(f"/proc/{server.pid}/status").read_text(), re.M)
        assert int(proc_uid.group(1)) == uid  # the server runs as the non-root user
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
