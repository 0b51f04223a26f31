"""ui.data.q: one answer per query and arguments in each app process, shared by every session (the
store is read-only), and handed to each caller as its own copy: what a page does to the frames it
gets (a new column, a changed value) never reaches the next visitor."""
import logging

import pandas as pd

from data_layer.queries import item_order, item_page, leaderboard
from data_layer.slice import Slice
from data_layer.store import Result


def test_each_caller_gets_its_own_copy_of_one_shared_answer(app_env):
    logging.getLogger("streamlit").setLevel(logging.ERROR)  # no script run here: context warnings only
    from ui.data import _cached_call, q
    first = q(leaderboard.leaderboard, Slice())
    kept = first.frame.copy()
    first.frame["display_name"] = "changed"  # what a careless page might do
    first.frame.loc[0, "n"] = -1
    first.frame["extra"] = 1
    first.frame.iloc[1, 0] = "also changed"
    again = q(leaderboard.leaderboard, Slice())
    assert again.frame is not first.frame
    pd.testing.assert_frame_equal(again.frame, kept)
    assert _cached_call.__module__ == "ui.data"  # one answer per process: not unpickled per read


def test_frames_inside_page_answers_are_copied_too(app_env):
    from ui.data import own_copy, q
    page = q(item_page.item_page, Slice(), item_order.ItemOrder(), "demo-nli", "demo-nli-0049")
    mine = own_copy(page)
    assert mine.generations.frame is not page.generations.frame
    pd.testing.assert_frame_equal(mine.generations.frame, page.generations.frame)
    pairs = own_copy([("low", Result(pd.DataFrame({"x": [1]}))), {"k": pd.Series([1])}])
    assert isinstance(pairs[0], tuple) and pairs[0][0] == "low" and isinstance(pairs[1]["k"], pd.Series)
