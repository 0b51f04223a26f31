"""Disagreement Atlas: the frame around every page (store check, shared slice, navigation).

Run with `streamlit run app.py`. Opens ATLAS_STORE, or builds and opens the demo store.
"""
from __future__ import annotations

import copy

import streamlit as st

from data_layer.store import StoreError, rebuild_commands
from ui import data, first_start, heap, store_picker, style
from ui.page import LOOK, name_tab

# The icon and the wide layout are set with each page's title (ui.page.name_tab, after
# st.navigation); only what is drawn before it sets them here.
style.inject()


@st.cache_resource(show_spinner=False)
def _pages() -> tuple[st.Page, ...]:
    """The pages, made once per process: st.Page resolves its file's real path and checks that
    it exists (system calls; the thirteen pages were 5% of a render of the Items page). Each
    run navigates with its own copies: st.navigation marks the page it returns as the one that
    may run once, and two visitors' runs must not share that mark."""
    return (
        st.Page("views/overview.py", title="Overview", icon=":material/insights:", url_path="home",
                default=True),
        st.Page("views/bands.py", title="Bands", icon=":material/equalizer:", url_path="bands"),
        st.Page("views/models.py", title="Models", icon=":material/leaderboard:", url_path="models"),
        st.Page("views/items.py", title="Items", icon=":material/table_rows:", url_path="items"),
        st.Page("views/item.py", title="Item", icon=":material/description:", url_path="item"),
        st.Page("views/perspectives.py", title="Perspectives", icon=":material/groups:", url_path="perspectives"),
        # one annotator's items and agreement (task=...&annotator=...); without them, a chooser
        st.Page("views/annotator.py", title="Annotator", icon=":material/person:", url_path="annotator"),
        st.Page("views/published.py", title="Published results", icon=":material/menu_book:",
                url_path="published"),
        st.Page("views/data.py", title="Data", icon=":material/dataset:", url_path="data"),
        # Review meetings (reviews/): sets with their minutes, and presenter mode for one set
        st.Page("views/review_sets.py", title="Review sets", icon=":material/fact_check:", url_path="review_sets"),
        st.Page("views/present.py", title="Presenter", icon=":material/slideshow:", url_path="present"),
        # The default page is served at "/" whatever its url_path (which it still reserves), so
        # "/overview" (in older links, and what a user types) matched no page and flashed "Page not
        # found" first: this hidden twin of the default page answers it.
        st.Page("views/overview.py", title="Overview", icon=":material/insights:", url_path="overview",
                visibility="hidden"),
    )


def _unusable_store_page(e: StoreError) -> None:
    """One page instead of every panel failing: what is wrong and the commands that rebuild.
    Problems and paths come from the file and DuckDB: shown as plain text (st.code), never markup."""
    st.set_page_config(**LOOK)
    st.title("Disagreement Atlas")
    st.error("The store cannot be opened, so there is nothing to show. What is wrong:")
    st.code("\n".join(e.problems), language=None, wrap_lines=True)
    path = e.path or data.location().path
    st.markdown("Rebuild it with the demo data, or with your study:")
    st.code("\n".join(rebuild_commands(path)), language="bash", wrap_lines=True)
    st.markdown("`python -m precompute info STORE --check` verifies a store against the manifest "
                "written when it was built.")


first_start.wait_for_demo_store()  # a fresh start shows the demo build's steps, not a spinner
store_picker.apply_store_from_url()  # store=KEY in a link picks one of the stores the app knows
try:
    data.store()
except StoreError as e:
    _unusable_store_page(e)
    st.stop()

page = st.navigation([copy.copy(p) for p in _pages()])
if st.runtime.exists():  # a bare `import app` (outside `streamlit run`) gets a stand-in page with no title
    name_tab(page.title)  # each page its own browser tab title (the Item page adds the item's id)
try:
    page.run()
finally:  # also after st.stop(), st.rerun() and st.switch_page(), which end a page early
    heap.after_script_run()
