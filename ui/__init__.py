"""Streamlit-only shared code: store handle, cached query wrapper, URL state, widgets."""
