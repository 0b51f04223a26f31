"""The app as two Streamlit processes behind nginx (`python -m ui.serve`), driven by Chromium.

Browser contexts are separate visitors: each gets its own sticky cookie, nginx hashes it to a
process, and every response names that process in X-Atlas-Backend. The test finds two visitors
placed on different processes, checks that each stays on its own (the page, the health check
and static files alike), and that a permalink opened by either shows the same view.
"""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.test_browser import _require_browser, query, wait_ready
from ui.serve import BACKEND_HEADER, nginx_conf, running

pytestmark = [pytest.mark.browser, pytest.mark.slow]
HEADER = BACKEND_HEADER.lower()
PERMALINK = "item?task=demo-offensive&item=demo-offensive-0007&tasks=demo-offensive&metric=jsd"


def _need_nginx() -> None:
    if not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")):
        pytest.skip("nginx is not installed (.ci/run installs it)")


def test_nginx_conf_proxies_websockets_and_keeps_visitors_on_one_process(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)  # as in the image: nginx serves the static bundles
    conf = nginx_conf(tmp_path, [7001, 7002], 8501, "0.0.0.0")
    assert "location /static/ {" in conf and "/streamlit/static/static/;" in conf
    assert "listen 0.0.0.0:8501;" in conf and "server 127.0.0.1:7001" in conf and "server 127.0.0.1:7002" in conf
    assert "proxy_set_header Upgrade $http_upgrade;" in conf and "hash $atlas_visitor_key consistent;" in conf
    assert f"pid {tmp_path}/nginx.pid;" in conf and f"proxy_temp_path {tmp_path}/proxy;" in conf  # unprivileged
    _need_nginx()
    (tmp_path / "nginx.conf").write_text(conf)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    checked = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", "stderr"],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_two_processes_serve_separate_visitors_and_a_permalink_shows_the_same_view(demo_store_path, tmp_path):
    _require_browser()
    _need_nginx()
    from playwright.sync_api import sync_playwright

    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS
    with running(2, demo_store_path, tmp_path / "serve.log") as (base, proc), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        visitors = {}  # backend -> browser context
        for _ in range(16):  # each new visitor lands on either process; 2^-15 to miss one
            context = browser.new_context(viewport={"width": 1600, "height": 1000})
            first = context.request.get(base + "/")  # sets the visitor cookie
            assert first.ok and HEADER in first.headers
            backend = context.request.get(base + "/").headers[HEADER]
            assert context.request.get(base + "/_stcore/health").headers[HEADER] == backend  # sticky
            if backend in visitors:
                context.close()
            else:
                visitors[backend] = context
            if len(visitors) == 2:
                break
        assert len(visitors) == 2, f"every visitor went to {list(visitors)}"
        views = []
        for backend, context in visitors.items():
            pg = context.new_page()
            pg.set_default_timeout(60_000)
            response = pg.goto(f"{base}/{PERMALINK}")
            assert response.headers[HEADER] == backend
            wait_ready(pg, "Item")
            main = pg.locator('[data-testid="stMain"]')
            assert pg.locator('[data-testid="stException"]').count() == 0
            assert "demo-offensive-0007" in main.inner_text()
            views.append((query(pg), main.inner_text(), pg.locator('[data-testid="stCode"]').last.inner_text()))
        assert views[0] == views[1]
        link = views[0][2].strip()
        assert views[0][0]["metric"] == "jsd" and link.startswith(f"{base}/item?") and "item=demo-offensive-0007" in link
        browser.close()
        children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(proc.pid)], capture_output=True,
                                  text=True).stdout.split()
        assert len(children) == 3  # two app processes and nginx
