"""The Perspectives page in a real browser on the demo store: pick a grouping attribute in the
sidebar (the URL follows), read which group each run sides with, switch the sibling pairs, open an
annotator's own page, then reopen a group's view from its link (the Items table shows the group's
distribution column, also after a reload). Reuses tests/test_browser.py's server and helpers."""
from __future__ import annotations

import csv
import json
import re

import pytest

from tests.test_browser import browser, page, query, server, wait_ready  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TITLE = "Perspectives: which group does each model side with?"


def choose(pg, selectbox, option: str) -> None:
    """Pick an option of a Streamlit selectbox by typing it into its combobox (a click on the box
    alone does not always open the list while the app is busy)."""
    box = selectbox.locator("input").first
    box.scroll_into_view_if_needed()
    box.click()
    pg.keyboard.type(option)
    pg.get_by_role("option", name=option).first.wait_for()
    pg.keyboard.press("Enter")


def test_perspectives_click_through_and_reopen_a_group_view(server, page):  # noqa: F811
    page.set_default_timeout(120_000)  # the page's bootstrap statistics on a shared 2-core machine
    page.goto(f"{server}/perspectives?tasks=demo-offensiveness-scale")
    wait_ready(page, TITLE)
    main = page.locator('[data-testid="stMain"]')
    assert "Distance to each group" in main.inner_text()

    # The sidebar's grouping attribute is in the URL.
    choose(page, page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(
        has_text="Annotator groups"), "Age band")
    page.wait_for_function("() => location.search.includes('groupby=age')")
    wait_ready(page, TITLE)
    assert "Groups by age band" in main.inner_text() and "65+" in main.inner_text()

    # Another kind of sibling pair: the sentence is recomputed and the choice goes to the URL.
    choose(page, page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').filter(
        has_text="Sibling pairs"), "thinking on vs thinking off")
    page.wait_for_function("() => location.search.includes('gpair=thinking_vs_none')")
    wait_ready(page, TITLE)
    assert re.search(r"By age band, total variation distance: .*\(7 groups compared\)", main.inner_text())

    # An annotator's own page (views/annotator.py), opened from the best/worst matched lists.
    page.get_by_role("link", name=re.compile(r"^Open annotator sim-ann-")).first.click()
    page.wait_for_url(re.compile(r"/annotator\?"))
    wait_ready(page, "Annotator")
    params = query(page)
    who = params["annotator"]
    assert params["task"] == "demo-offensiveness-scale" and params["groupby"] == "age"
    text = main.inner_text()
    assert f"Annotator {who} · " in text and "Leave-one-out agreement" in text and "Their items" in text
    page.get_by_role("link", name="Perspectives: all annotators").last.click()  # back, same slice
    page.wait_for_url(re.compile(r"/perspectives\?"))
    wait_ready(page, TITLE)

    # A group's view from its link: the Items page with the group's distribution beside the crowd's.
    page.get_by_role("link", name="65+ on the Items page").click()
    page.wait_for_url(re.compile(r"/items\?"))
    wait_ready(page, "Items")
    params = query(page)
    assert params["groupby"] == "age" and params["group"] == "65+" and params["tasks"] == "demo-offensiveness-scale"
    permalink = page.locator('[data-testid="stCode"]').last.inner_text().strip()
    page.goto(permalink)
    wait_ready(page, "Items")
    page.reload()
    wait_ready(page, "Items")
    assert query(page)["group"] == "65+"
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("Download this page as CSV")).click()
    rows = list(csv.DictReader(open(download.value.path(), encoding="utf-8")))
    rated = [r for r in rows if r["group"]]
    assert rated and all(len(json.loads(r["group"])) == 5 for r in rated)
    assert all(int(r["group n"]) >= 1 for r in rated)
