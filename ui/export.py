"""Export affordances shared by every page: CSV download under each table, PNG export from
each chart's toolbar (file named after the chart)."""
from __future__ import annotations

import re

import pandas as pd
import streamlit as st


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "export"


def chart_config(name: str) -> dict:
    """plotly config: the toolbar's camera button saves a 2x PNG named after the chart."""
    return {"toImageButtonOptions": {"format": "png", "filename": slug(name), "scale": 2},
            "displaylogo": False}


def download_csv(frame: pd.DataFrame, name: str) -> None:
    st.download_button("Download CSV", frame.to_csv(index=False).encode("utf-8"),
                       file_name=f"{slug(name)}.csv", mime="text/csv", key=f"csv-{slug(name)}",
                       icon=":material/download:", help=f"{len(frame)} rows as CSV")


def show_table(frame: pd.DataFrame | pd.io.formats.style.Styler, name: str, **kwargs) -> None:
    """st.dataframe plus its CSV download (the raw values, not the styled ones)."""
    st.dataframe(frame, hide_index=True, width="stretch", **kwargs)
    download_csv(frame.data if hasattr(frame, "data") else frame, name)
