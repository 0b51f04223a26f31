"""Navigation that keeps its place, in a real browser (`streamlit run` + headless Chromium):
Previous/Next on the Item page move the address bar and the browser history, Back/Forward walk
the steps, the list's RLVR–RLHF pair stays in the address bar and heads the Item page, a reload
keeps the item, "Back to the list" restores the Items page's order, pair and
page and marks the row, and an opened sample section stays open on the next item.
Screenshots at 1440x900 and 390x844 go to test-artifacts/screenshots/."""
from __future__ import annotations

import time

import pytest

from tests.test_browser import SHOTS, browser, click_table_row, query, server, wait_ready  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LIST = "/items?tasks=demo-offensive&sort=gap&page=3"
OPEN_SAMPLES = '[data-testid="stExpander"] details[open]'
SCROLLED = "document.querySelector('[data-testid=\"stMain\"]').scrollTop"


def shown_item(pg) -> str:
    """The item id in the Item page's heading ("item · task")."""
    return pg.locator('[data-testid="stMain"] h3').first.inner_text().split(" · ")[0].strip()


def settle(pg) -> None:
    time.sleep(0.5)  # the click's rerun must start before "idle" can mean its end
    wait_ready(pg, "Item")
    assert pg.locator('[data-testid="stException"]').count() == 0


def step(pg, label: str, which: str = "first") -> str:
    getattr(pg.get_by_role("link", name=label), which).click()
    settle(pg)
    assert query(pg)["item"] == shown_item(pg), "the address bar must name the item shown"
    return shown_item(pg)


@pytest.fixture
def desktop(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


def test_steps_follow_the_address_bar_and_history_and_back_to_the_list(server, desktop):  # noqa: F811
    pg = desktop
    pg.goto(server + LIST)
    wait_ready(pg, "Items")
    listed = query(pg)
    assert listed["sort"] == "gap" and listed["page"] == "3" and listed["pair"]
    click_table_row(pg, 4)  # the 5th row of page 3: position 55 of the gap order
    pg.wait_for_url("**/item?**")
    settle(pg)
    first = shown_item(pg)
    assert query(pg)["item"] == first and query(pg)["sort"] == "gap" and query(pg)["pair"] == listed["pair"]

    # The pair that orders the list is what the item page shows first, named, with its gap.
    main = pg.locator('[data-testid="stMain"]')
    assert main.get_by_role("heading", name="RLVR vs RLHF on this item").count() == 1
    assert "The RLVR–RLHF pair whose gap orders the Items list" in main.inner_text()
    pg.screenshot(path=str(SHOTS / "item-pair-first-1440.png"))

    seen = [first] + [step(pg, "Next item →") for _ in range(3)]
    assert len(set(seen)) == 4, seen
    assert query(pg)["pair"] == listed["pair"], "the steps keep the pair"

    # Back and Forward walk the steps; the address bar follows; a reload keeps the item.
    for expected in (seen[2], seen[1]):
        pg.go_back()
        settle(pg)
        assert shown_item(pg) == expected and query(pg)["item"] == expected and query(pg)["pair"] == listed["pair"]
    pg.go_forward()
    settle(pg)
    assert shown_item(pg) == seen[2] and query(pg)["item"] == seen[2]
    pg.reload()
    settle(pg)
    assert shown_item(pg) == seen[2] and query(pg)["item"] == seen[2]

    # A sample section opened on one item is open on the next; the bottom Next works too.
    section = pg.locator('[data-testid="stExpander"] summary').filter(has_text=" samples").first
    section.scroll_into_view_if_needed()
    section.click()
    settle(pg)
    assert pg.locator(OPEN_SAMPLES).count() == 1
    pg.screenshot(path=str(SHOTS / "item-navigation-open-section-1440.png"))
    pg.get_by_role("link", name="Next item →").last.scroll_into_view_if_needed()
    pg.screenshot(path=str(SHOTS / "item-navigation-bottom-1440.png"))
    last = step(pg, "Next item →", "last")
    assert last == seen[3] and pg.locator(OPEN_SAMPLES).count() == 1
    assert pg.evaluate(SCROLLED) == 0, "a step from the end of the page opens the next item at its top"
    pg.screenshot(path=str(SHOTS / "item-navigation-after-bottom-next-1440.png"))

    # Back to the list: same slice, order and pair, the page holding the item, its row marked.
    pg.get_by_role("link", name="Back to the list").first.click()
    pg.wait_for_url("**/items?**")
    wait_ready(pg, "Items")
    back = query(pg)
    assert {k: back.get(k) for k in ("tasks", "sort", "pair", "page")} == \
        {k: listed[k] for k in ("tasks", "sort", "pair", "page")}
    main = pg.locator('[data-testid="stMain"]').inner_text()
    assert "page 3 of" in main and f"item you came back from, {last}" in main
    assert f"Row {55 + 3 - 50} of this page" in main  # position 58 of the order: row 8 of page 3
    pg.screenshot(path=str(SHOTS / "items-back-to-list-1440.png"))


def test_phone_item_page_keeps_the_steps_reachable(server, browser):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    pg.goto(f"{server}/item?task=demo-offensive&item=demo-offensive-0040&tasks=demo-offensive&sort=gap")
    settle(pg)
    pg.screenshot(path=str(SHOTS / "item-navigation-top-390.png"))
    pair = pg.get_by_role("heading", name="RLVR vs RLHF on this item")
    pair.scroll_into_view_if_needed()
    pg.screenshot(path=str(SHOTS / "item-pair-first-390.png"), full_page=False)
    nxt = pg.get_by_role("link", name="Next item →")
    assert nxt.count() == 2  # at the top and at the end of the page
    nxt.last.scroll_into_view_if_needed()
    assert nxt.last.is_visible() and pg.get_by_role("link", name="Back to the list").last.is_visible()
    pg.screenshot(path=str(SHOTS / "item-navigation-bottom-390.png"))
    context.close()
