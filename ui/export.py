"""CSV download for every table a page shows."""
from __future__ import annotations

import json
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa
import streamlit as st


def _cell(value):
    """Distributions (arrays, lists) and dicts become JSON so spreadsheets and scripts can read them."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return json.dumps(value, default=str) if isinstance(value, (list, dict)) else value


def csv_bytes(frame: pd.DataFrame | pa.Table) -> bytes:
    if isinstance(frame, pa.Table):  # a table a page keeps as the screen gets it (views/items.py)
        frame = frame.to_pandas()
    return frame.map(_cell).to_csv(index=False).encode("utf-8")


def download_csv(frame: pd.DataFrame | pa.Table, filename: str, label: str = "Download CSV") -> None:
    """The CSV is made when the button is clicked, not on every render: writing every table of a
    page cost 10-50 ms of CPU per render, and each session kept the bytes in memory."""
    st.download_button(label, partial(csv_bytes, frame), file_name=filename, mime="text/csv",
                       key=f"csv_{filename}", icon=":material/download:", on_click="ignore")
