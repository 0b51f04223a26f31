"""Streamlit side of review meetings: the review store handle, the reviewer's name, the verdict
and note form shared by the Item page and presenter mode, an item's verdict history, and the
slice option that leaves judged items out. Notes and names are data: shown with st.text or
escaped, never as markup."""
from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from data_layer.queries import review_items
from data_layer.slice import Slice
from reviews.checks import ReviewInputError
from reviews.hub_mirror import HubMirror, mirror_from_env
from reviews.locate import open_review_store, review_store_path
from reviews.store import ReviewStore, ReviewStoreError, ReviewStoreReadOnly
from reviews.vocabulary import UnknownVerdict
from ui.data import q
from ui.text import md_escape as plain

REVIEW_PROBLEMS = (ReviewStoreError, ReviewStoreReadOnly, ReviewInputError, UnknownVerdict)


@st.cache_resource(show_spinner=False)
def _open(path: str) -> ReviewStore:
    return open_review_store(path)


@st.cache_resource(show_spinner="Restoring reviews…")
def _mirror(path: str) -> HubMirror | None:
    mirror = mirror_from_env(Path(path))  # ATLAS_REVIEW_REPO: a Hugging Face dataset copy
    if mirror:
        mirror.restore()
    return mirror


def review_store() -> ReviewStore:
    path = str(review_store_path())
    _mirror(path)  # restored before the first read or write
    return _open(path)


def written() -> None:
    """After a successful write: the dataset copy (if any) is refreshed at its next sync."""
    mirror = _mirror(str(review_store_path()))
    if mirror:
        mirror.changed()


def mirror_status() -> None:
    mirror = _mirror(str(review_store_path()))
    if mirror:
        (st.warning if mirror.failed else st.caption)(plain(mirror.status))


def read(fn: Callable, *args, fallback=None):
    """A review store read; a damaged or unreadable store shows its message once per run and
    gives `fallback`."""
    try:
        return fn(*args)
    except (ReviewStoreError, ReviewStoreReadOnly) as e:
        if not st.session_state.get("_review_error_shown"):
            st.error(plain(str(e)), icon=":material/error:")
        st.session_state["_review_error_shown"] = True
        return fallback


def big_text(text: str) -> None:
    """Item text large enough for the back of a room, always literal: the data is HTML-escaped
    into markup written here (markdown would turn URLs in it into live links, st.text is small)."""
    st.html(f'<div style="font-size:1.9rem;line-height:1.35;white-space:pre-wrap;overflow-wrap:anywhere">'
            f'{html.escape(str(text))}</div>')


def jump_to(key_prefix: str, fallback_key: str, nonce: int) -> None:
    """Scrolls the first enabled button whose key starts with `key_prefix` into view and focuses
    it (else the input of widget `fallback_key`, e.g. the reviewer's name the buttons wait for):
    a script of ours, no data in it, in a zero-height component, run once per `nonce`."""
    components.html(
        f"<script>/* {nonce} */ setTimeout(() => {{ const d = window.parent.document; "
        f"const b = d.querySelector('[class*=\"st-key-{key_prefix}\"] button:not([disabled])') "
        f"|| d.querySelector('.st-key-{fallback_key} input'); "
        "if (b) { b.scrollIntoView({block: 'center'}); b.focus(); } }, 300);</script>", height=0)


def read_only_notice() -> None:
    st.session_state["_review_error_shown"] = False
    rs = review_store()
    if not rs.writable:
        st.warning(plain(rs.notice), icon=":material/lock:")


def with_judged(sl: Slice) -> Slice:
    """The slice with the items its `exclude` option leaves out, read from the review store now."""
    if not sl.exclude_verdicts:
        return sl
    return sl.with_(excluded_items=read(review_store().judged, sl.exclude_verdicts, fallback=()))


def reviewer_name(where=st) -> str:
    """The reviewer's name, asked once per session (kept across pages, as widget state is not)."""
    st.session_state.setdefault("w_reviewer", st.session_state.get("reviewer_name", ""))

    def keep():
        st.session_state["reviewer_name"] = st.session_state["w_reviewer"]
    where.text_input("Your name (recorded with every verdict and note)", key="w_reviewer", on_change=keep,
                     placeholder="e.g. Ana")
    st.session_state["reviewer_name"] = st.session_state["w_reviewer"]
    return st.session_state["w_reviewer"].strip()


def _seen_key(task_id: str, item_id: str) -> str:
    return f"seen::{task_id}::{item_id}"


def write_entry(task_id: str, item_id: str, verdict: str | None, note: str = "", set_id: int | None = None,
                about: str | None = None) -> bool:
    """Appends a verdict and/or note for the item, stating the newest entry this session saw
    (drawn in its previous run); the outcome is kept for the next run to show."""
    try:
        out = review_store().write(task_id=task_id, item_id=item_id, reviewer=st.session_state.get("reviewer_name", ""),
                                   verdict=verdict, note=note, seen_entry=st.session_state.get(_seen_key(task_id, item_id), 0),
                                   set_id=set_id, about=about, build_id=q(review_items.build_id))
    except REVIEW_PROBLEMS as e:
        st.session_state["review_flash"] = ("error", str(e))
        return False
    written()
    said = f"verdict “{review_store().vocab.label(verdict)}”" if verdict else "note"
    st.session_state["review_flash"] = ("success", f"Saved your {said} (entry {out.entry_id}).")
    if len(out.unseen):
        who = ", ".join(sorted(set(out.unseen["reviewer"])))
        st.session_state["review_flash"] = (
            "warning", f"Saved (entry {out.entry_id}), but {len(out.unseen)} entr{'y' if len(out.unseen) == 1 else 'ies'} "
            f"by {who} arrived while you were looking: both are kept, see the history below.")
    return True


def flash() -> None:
    kind, text = st.session_state.pop("review_flash", (None, ""))
    if kind:
        getattr(st, kind)(plain(text))


def verdict_form(task_id: str, item_id: str, set_id: int | None, model_types: list[str], key: str) -> None:
    """Verdict (from the vocabulary), the model type it is about, a note; appended on submit."""
    vocab = review_store().vocab

    def submit():
        if write_entry(task_id, item_id, st.session_state[f"{key}_verdict"], st.session_state[f"{key}_note"],
                       set_id, st.session_state[f"{key}_about"]):
            st.session_state[f"{key}_note"] = ""

    with st.form(f"{key}_form", border=True):
        st.radio("Verdict", vocab.names(), format_func=lambda v: plain(vocab.label(v)), index=None, horizontal=True,
                 key=f"{key}_verdict")
        st.selectbox("About which models", [None, *model_types], key=f"{key}_about",
                     format_func=lambda t: "all models" if t is None else t)
        st.text_area("Note (plain text)", key=f"{key}_note", height=90)
        st.form_submit_button("Save verdict / note", on_click=submit, type="primary",
                              disabled=not review_store().writable)


def history(task_id: str, item_id: str) -> pd.DataFrame:
    """The item's newest verdict and its whole history (newest first, concurrent edits marked).
    Remembers the newest entry shown: what the next write states it saw."""
    rs = review_store()
    hist = read(rs.history, task_id, item_id, fallback=pd.DataFrame(columns=["entry_id"]))
    st.session_state[_seen_key(task_id, item_id)] = int(hist["entry_id"].max()) if len(hist) else 0
    if not len(hist):
        st.caption("No verdict or note yet.")
        return hist
    given = hist[hist["verdict"].notna()]
    if len(given):
        last = given.iloc[0]
        st.markdown(f"**Latest verdict: {plain(rs.vocab.label(last['verdict']))}** by {plain(last['reviewer'])}, "
                    f"{plain(last['written_at'])} · {len(given)} verdict{'s' * (len(given) > 1)} from "
                    f"{given['reviewer'].nunique():,} reviewer{'s' * (given['reviewer'].nunique() > 1)}")
    with st.expander(f"History: {len(hist)} entr{'y' if len(hist) == 1 else 'ies'}", expanded=len(hist) <= 3):
        for e in hist.itertuples():
            clash = (f" · concurrent with entry {', '.join(map(str, json.loads(e.unseen)))}"
                     if isinstance(e.unseen, str) else "")
            st.caption(plain(f"#{e.entry_id} · {e.written_at} · {e.reviewer} · "
                             f"{rs.vocab.label(e.verdict) if isinstance(e.verdict, str) else 'note'}"
                             + (f" · about {e.about}" if isinstance(e.about, str) else "") + clash))
            if e.note:
                st.text(e.note)  # literal: never markdown or HTML
    return hist

