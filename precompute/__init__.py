"""Offline pipeline of Disagreement Atlas: `python -m precompute {build,demo,info,...}`.

Never imports streamlit. Everything heavy (distributions, bands, metrics) happens here,
once, and lands in a DuckDB store the app opens read-only.
"""
