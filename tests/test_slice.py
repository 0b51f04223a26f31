import pytest
from hypothesis import given
from hypothesis import strategies as st

from data_layer.registry import UnknownName
from data_layer.slice import Slice, SliceError

names = st.lists(st.text("abcdefgh-_0123456789", min_size=1, max_size=8), max_size=3).map(tuple)


@given(tasks=names, models=names, methods=st.sets(st.sampled_from(["verbalized", "sampling", "logprob"])),
       scheme=st.sampled_from(["fixed", "tertile", "highvar"]), metric=st.sampled_from(["tvd", "jsd", "kl"]),
       lo=st.none() | st.sampled_from([1.0, 8.0]), hi=st.none() | st.sampled_from([14.0, 70.0]))
def test_url_round_trip(tasks, models, methods, scheme, metric, lo, hi):
    sl = Slice(tasks=tasks, models=models, methods=tuple(methods), band_scheme=scheme, metric=metric,
               size_min=lo, size_max=hi)
    assert Slice.from_params(sl.to_params()) == sl


def test_sql_is_parameterised_and_columns_come_from_the_allow_list():
    sl = Slice(tasks=("a'; DROP TABLE x; --",), band_scheme="highvar", bands=("highvar",),
               training=("rlvr", "rlhf"), size_min=7)
    where, params = sl.where()
    assert "DROP" not in where
    assert where == "task_id IN (?) AND band_highvar IN (?) AND training IN (?, ?) AND params_b >= ?"
    assert params == ["a'; DROP TABLE x; --", "highvar", "rlhf", "rlvr", 7.0]
    item_where, item_params = sl.where(scope="item")
    assert item_where == "task_id IN (?) AND band_highvar IN (?)" and len(item_params) == 2


def test_sentence_reads_like_the_filters():
    sl = Slice(tasks=("a", "b", "c"), bands=("high",), training=("rlvr", "rlhf"), methods=("verbalized",))
    assert sl.sentence() == ("high-disagreement items (fixed entropy cuts) of 3 tasks, RLHF vs RLVR models, "
                             "verbalized, metric: Total variation distance")


def test_bad_values_raise_clearly():
    with pytest.raises(UnknownName, match="Did you mean 'jsd'"):
        Slice.from_params({"metric": "jds"})
    with pytest.raises(SliceError, match="not part of scheme 'highvar'"):
        Slice(band_scheme="highvar", bands=("low",))
    with pytest.raises(SliceError, match="MIN-MAX"):
        Slice.from_params({"size": "big"})


def test_item_filters_only_drops_every_run_filter_and_keeps_the_items():
    full = Slice(tasks=("demo-nli",), band_scheme="tertile", bands=("high",), training=("rlvr",), reasoning=("cot",),
                 methods=("verbalized",), steering=("few",), models=("m",), sources=("api",), size_min=7,
                 size_max=70, metric="kl")
    items = full.item_filters_only()
    assert items == Slice(tasks=("demo-nli",), band_scheme="tertile", bands=("high",), metric="kl")
    assert items.where() == full.where(scope="item")  # every run filter of the slice is gone
