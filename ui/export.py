"""CSV download for every table a page shows."""
from __future__ import annotations

import pandas as pd
import streamlit as st


def download_csv(frame: pd.DataFrame, filename: str, label: str = "Download CSV") -> None:
    st.download_button(label, frame.to_csv(index=False).encode("utf-8"), file_name=filename,
                       mime="text/csv", key=f"csv_{filename}", icon=":material/download:")
