"""The real thing: `streamlit run app.py` on 127.0.0.1 driven by headless Chromium (Playwright).

Changes a sidebar filter (the URL follows), opens an item by clicking a row of the Items table,
reloads the item's permalink, and saves a screenshot of every registered page under
test-artifacts/screenshots/. Skips when Chromium or Playwright is missing.
"""
from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
SHOTS = ROOT / "test-artifacts" / "screenshots"
ROW_PX = 35  # Streamlit's dataframe row (and header) height


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _page_paths() -> list[tuple[str, bool]]:
    """(url_path, is_default) of every st.Page in app.py's menu (read from its source; hidden
    pages, such as the Overview's twin at /overview, are not in the menu)."""
    pages = re.findall(r"st\.Page\(([^)]*)\)", (ROOT / "app.py").read_text())
    return [(re.search(r'url_path="([^"]+)"', p).group(1), "default=True" in p) for p in pages
            if 'visibility="hidden"' not in p]


@contextlib.contextmanager
def streamlit_server(store_path: Path, log: Path):
    """`streamlit run app.py` on a free port of 127.0.0.1; yields the base URL once healthy."""
    port = _free_port()
    env = {**os.environ, "ATLAS_STORE": str(store_path), "HF_HUB_OFFLINE": "1"}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                pytest.fail(f"streamlit did not become healthy:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _require_browser() -> None:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed")
    pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(demo_store_path, tmp_path_factory):
    _require_browser()
    with streamlit_server(demo_store_path, tmp_path_factory.mktemp("streamlit") / "server.log") as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


def wait_ready(pg, title: str | None = None) -> None:
    """Until the script run is over, no placeholder skeleton is left and the lazily loaded code
    blocks show their text (then a short settle)."""
    pg.wait_for_selector('[data-testid="stSidebar"] [data-testid="stMultiSelect"]')
    if title:
        pg.get_by_role("heading", name=title).first.wait_for()
    idle = ("() => !document.querySelector('[data-testid=\"stStatusWidget\"]') && "
            "!document.querySelector('[data-testid=\"stSkeleton\"]') && "
            "!document.querySelector('[data-stale=\"true\"]') && "
            "[...document.querySelectorAll('[data-testid=\"stCode\"]')].every(e => e.textContent.trim())")
    # The "running" widget shows up only some time after a run starts, so idle must hold twice,
    # a second apart, before the page counts as rendered.
    for _ in range(2):
        pg.wait_for_function(idle)
        time.sleep(1.0)


def query(pg) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(pg.url).query).items()}


def click_table_row(pg, row: int) -> None:
    """Streamlit's dataframe is a canvas grid: click the row-selection checkbox at its position."""
    grid = pg.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    pg.mouse.click(box["x"] + 16, box["y"] + ROW_PX * (row + 1) + ROW_PX / 2)


def _warm(pg, base: str) -> None:
    """Open the root page once before the test proper (a warm server, as users mostly meet it; the
    fresh-server deep link has its own test below)."""
    pg.goto(base)
    wait_ready(pg)


def test_filter_click_row_open_item_and_reload_permalink(server, page):
    _warm(page, server)
    page.goto(f"{server}/items")
    wait_ready(page, "Items")
    assert "1,280 items" in page.locator('[data-testid="stMain"]').inner_text()

    # A sidebar filter changes the URL and the count.
    page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.click()
    page.get_by_role("option", name=re.compile(r"^Offensive comment")).click()
    page.keyboard.press("Escape")
    page.wait_for_function("() => location.search.includes('tasks=demo-offensive')")
    wait_ready(page, "Items")
    assert query(page)["tasks"] == "demo-offensive"
    main = page.locator('[data-testid="stMain"]')
    assert "320 items" in main.inner_text()

    # Search narrows the table to the item with HTML and markdown in its text; clicking opens it.
    search = page.get_by_label("Search the item text or id", exact=True)
    search.fill("script")
    search.press("Enter")
    page.wait_for_function("() => location.search.includes('q=script')")
    wait_ready(page, "Items")
    assert "1 item in this slice" in main.inner_text()
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("Download this page as CSV")).click()
    rows = list(csv.DictReader(open(download.value.path(), encoding="utf-8")))
    assert [r["item"] for r in rows] == ["demo-offensive-0007"] and "<script>" in rows[0]["text"]
    assert len(json.loads(rows[0]["human"])) == 2
    click_table_row(page, 0)
    page.wait_for_url(re.compile(r"/item\?"))
    wait_ready(page, "Item")
    params = query(page)
    assert params["task"] == "demo-offensive" and params["item"] == "demo-offensive-0007"
    assert params["tasks"] == "demo-offensive"
    text = page.locator('[data-testid="stText"]').first.inner_text()
    assert "<script>alert('x')</script>" in text and "**not markdown**" in text
    assert page.locator('[data-testid="stMain"] script').count() == 0
    assert page.locator('[data-testid="stMain"] b', has_text="bold?").count() == 0

    # The permalink (with its slice) reopens the same item after a reload.
    permalink = page.locator('[data-testid="stCode"]').last.inner_text().strip()
    assert permalink.startswith(server) and "item=demo-offensive-0007" in permalink
    page.goto(permalink)
    wait_ready(page, "Item")
    assert "demo-offensive-0007" in page.locator('[data-testid="stMain"]').inner_text()
    assert query(page)["tasks"] == "demo-offensive"
    page.reload()
    wait_ready(page, "Item")
    assert "demo-offensive-0007" in page.locator('[data-testid="stMain"]').inner_text()


def test_screenshot_of_every_page(server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    extra = {"item": "?task=demo-offensive&item=demo-offensive-0007"}
    context = browser.new_context(viewport={"width": 1600, "height": 2600})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    _warm(pg, server)
    pages = _page_paths()
    paths = [p for p, _ in pages]
    assert {"items", "item", "data"} <= set(paths)
    for path in paths:
        if path in extra:
            pg.goto(f"{server}/{path}{extra[path]}")
        elif dict(pages)[path]:
            pg.goto(server)  # the default page lives at the root
        else:  # through the app's own menu: no full page load, and the menu is exercised too
            pg.locator(f'[data-testid="stSidebarNav"] a[href$="/{path}"]').click()
            pg.wait_for_url(re.compile(rf"/{path}(\?|$)"))
        wait_ready(pg)
        assert pg.locator('[data-testid="stException"]').count() == 0, path
        pg.screenshot(path=str(SHOTS / f"{path}.png"), full_page=True)
        assert (SHOTS / f"{path}.png").stat().st_size > 10_000
    context.close()


def test_permalink_on_a_fresh_server_runs_the_app_frame(demo_store_path, browser, tmp_path):
    with streamlit_server(demo_store_path, tmp_path / "server.log") as base:
        pg = browser.new_page(viewport={"width": 1600, "height": 1000})
        pg.goto(f"{base}/item?task=demo-offensive&item=demo-offensive-0007")
        wait_ready(pg, "Item")
        menu = pg.locator('[data-testid="stSidebarNav"]').inner_text()
        pg.close()
    assert "Overview" in menu and "app" not in menu.split()
