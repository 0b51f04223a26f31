"""CSV download for every table a page shows."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import streamlit as st


def _cell(value):
    """Distributions (arrays, lists) and dicts become JSON so spreadsheets and scripts can read them."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return json.dumps(value, default=str) if isinstance(value, (list, dict)) else value


def download_csv(frame: pd.DataFrame, filename: str, label: str = "Download CSV") -> None:
    csv = frame.map(_cell).to_csv(index=False).encode("utf-8")
    st.download_button(label, csv, file_name=filename, mime="text/csv", key=f"csv_{filename}",
                       icon=":material/download:")
