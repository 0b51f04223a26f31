"""The phone and accessibility, in a real browser (`streamlit run` + headless Chromium):
every page at 390x844 and 1440x900 without an error, with its own tab title, captions at WCAG
AA text contrast (4.5:1), chart marks at 3:1 against the white plot (or drawn with symbols), an
accessible name on every chart (its summary in words),
legends under the plot, no plot squeezed under a readable width on the phone, and an item
opened from the Items page with the keyboard alone (Tab to the skip link past the sidebar's
filters, Enter, Tab to the picker, Enter opens it) with a
visible focus ring on the way. Screenshots go to test-artifacts/screenshots/a11y/ (look at the
390 px ones: the test cannot judge whether a chart reads well)."""
from __future__ import annotations

import re

import pytest

from tests.test_browser import SHOTS, _page_paths, browser, query, server, wait_ready  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1440, "height": 900}
ITEM = "?task=demo-offensive&item=demo-offensive-0007"
MIN_FACET_PX = 150  # a facet's plot width on the phone: below it ticks and marks run together
MAX_TO_SKIP = 16  # Tab presses to the skip link: the header's menu and the page menu come first
MAX_TABS = 30  # Tab presses from the top of the Items page to the item picker (47 without the skip link)

# WCAG 2.1 relative luminance and contrast, in the page, over the colour a text really sits on
# (the first non-transparent background up the tree; white at the top).
CONTRAST_JS = """
(() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
                     return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const over = (fg, bg) => { const a = fg.length > 3 ? fg[3] : 1; return [0, 1, 2].map(i => fg[i] * a + bg[i] * (1 - a)); };
  const background = el => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length && (c.length < 4 || c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const colour = s => {  // any CSS colour (plotly keeps "#d55e00", names, rgba) as [r, g, b] over white
    const d = document.createElement('div'); d.style.color = s; document.body.appendChild(d);
    const c = rgb(getComputedStyle(d).color); d.remove(); return over(c, [255, 255, 255]);
  };
  window.__contrast = { ratio, over, background, colour, rgb };
})();
"""

CAPTIONS_JS = """() => [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
  .filter(e => e.offsetParent && e.innerText.trim())
  .map(e => { const C = window.__contrast, bg = C.background(e), st = getComputedStyle(e);
              const fg = C.over(C.rgb(st.color), bg); return [e.innerText.slice(0, 40), C.ratio(fg, bg) * 1]; })"""

# Every visible plotly chart: its marks' colours (marker, or the outline when a bar has one; the
# line of a line trace), whether the trace varies symbols, its legend's orientation, and the
# narrowest facet (x axis) in px.
CHARTS_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].filter(gd => gd.offsetWidth > 0).map(gd => {
  const C = window.__contrast, L = gd._fullLayout;
  const marks = [];
  for (const t of gd._fullData) {
    if (t.visible !== true || t.hoverinfo === 'skip' || t.x && t.x.length === 1 && t.x[0] === null) continue;
    const m = t.marker || {}, outline = m.line && m.line.width > 0 && typeof m.line.color === 'string' ? m.line.color : null;
    const fill = typeof m.color === 'string' ? m.color : null;
    const line = t.mode && t.mode.includes('lines') && t.line ? t.line.color : null;
    const used = t.type === 'bar' ? fill : (line || fill);
    if (!used) continue;
    const ratio = c => c ? C.ratio(C.colour(c), [255, 255, 255]) : 0;  // a dark outline carries a pale bar
    marks.push([t.name || '', used, Math.max(ratio(used), ratio(outline))]);
  }
  const axes = Object.keys(L).filter(k => /^xaxis\\d*$/.test(k)).map(k => L[k]._length);
  const box = gd.closest('[data-testid="stPlotlyChart"]');
  return {width: gd.offsetWidth, marks, legend: L.showlegend ? L.legend.orientation : null,
          narrowest: Math.min(...axes), name: box && box.getAttribute('role') === 'figure' ? box.getAttribute('aria-label') : null};
})"""


def _visit(pg, base: str, path: str) -> None:
    pg.goto(f"{base}/{path}")
    wait_ready(pg)
    pg.evaluate(CONTRAST_JS)


def _check_page(pg, path: str, phone: bool, problems: list[str]) -> None:
    for text, ratio in pg.evaluate(CAPTIONS_JS):
        if ratio < 4.5:
            problems.append(f"{path}: caption {text!r} at {ratio:.2f}:1")
    for i, chart in enumerate(pg.evaluate(CHARTS_JS)):
        for name, colour, ratio in chart["marks"]:
            if ratio < 3:
                problems.append(f"{path} chart {i}: trace {name!r} colour {colour} at {ratio:.2f}:1")
        if not (chart["name"] or "").strip():  # what a screen reader announces on the chart
            problems.append(f"{path} chart {i}: no accessible name (show_chart's summary gives it)")
        if chart["legend"] not in (None, "h"):
            problems.append(f"{path} chart {i}: legend beside the plot")
        if phone and chart["narrowest"] < MIN_FACET_PX:
            problems.append(f"{path} chart {i}: a facet {chart['narrowest']:.0f} px wide at 390 px")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_page_reads_on_a_phone_and_a_desktop(server, browser, viewport):  # noqa: F811
    out = SHOTS / "a11y"
    out.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=viewport)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    titles, problems, charts = {}, [], 0
    phone = viewport["width"] < 600
    for path, default in _page_paths():
        _visit(pg, server, "" if default else path + (ITEM if path == "item" else ""))
        assert pg.locator('[data-testid="stException"]').count() == 0, path
        titles[path] = pg.title()
        _check_page(pg, path, phone, problems)
        charts += pg.locator(".js-plotly-plot:visible").count()
        pg.screenshot(path=str(out / f"{path}-{viewport['width']}.png"))
    context.close()
    assert not problems, "\n".join(problems)
    assert charts >= 10  # the checks above ran on the analysis pages' charts
    assert len(set(titles.values())) == len(titles), titles  # each page its own tab title
    assert titles["item"].startswith("demo-offensive-0007")
    assert all(t.endswith("Disagreement Atlas") for t in titles.values())


def test_keyboard_reaches_the_item_picker_and_enter_opens_the_item(server, browser):  # noqa: F811
    context = browser.new_context(viewport=DESKTOP)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    _visit(pg, server, "items?tasks=demo-offensive")
    in_picker = ("() => { const e = document.activeElement, box = e && e.closest('[data-testid=\"stSelectbox\"]');"
                 " return !!box && box.innerText.includes('Open an item'); }")
    pg.locator("body").focus()
    presses = 0
    on_skip = "() => !!document.activeElement && document.activeElement.classList.contains('atlas-skip')"
    while not pg.evaluate(on_skip):  # past the header and the page menu: the skip link, shown when focused
        presses += 1
        assert presses <= MAX_TO_SKIP, f"{MAX_TO_SKIP} Tab presses did not reach the skip link"
        pg.keyboard.press("Tab")
    box = pg.locator(".atlas-skip").bounding_box()
    assert box and box["width"] > 20 and box["x"] >= 0, f"the focused skip link is not on screen: {box}"
    to_skip = presses
    pg.keyboard.press("Enter")  # to the page's title, past every sidebar filter
    while not pg.evaluate(in_picker):
        presses += 1
        assert presses <= MAX_TABS, f"{MAX_TABS} Tab presses did not reach the item picker"
        pg.keyboard.press("Tab")
    ring = pg.evaluate("() => { const s = getComputedStyle(document.activeElement);"
                       " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }")
    assert ring[0] != "none" and ring[1] >= 2, f"no visible focus ring on the picker: {ring}"
    pg.keyboard.type("demo-offensive")  # filters the options; Enter takes the first
    chosen = pg.get_by_role("option").first.inner_text()
    pg.keyboard.press("Enter")
    pg.wait_for_url(re.compile(r"/item\?"))
    wait_ready(pg, "Item")
    item = query(pg)["item"]
    assert item.startswith("demo-offensive-") and item in chosen
    assert query(pg)["tasks"] == "demo-offensive"
    assert pg.title().startswith(item)
    pg.screenshot(path=str(SHOTS / "a11y" / "opened-by-keyboard.png"))
    context.close()
    print(f"Tab presses from the top of the Items page: {to_skip} to the skip link, {presses} to the item picker")
