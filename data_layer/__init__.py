"""Read side of Disagreement Atlas: store access, slices, registries and queries.

Never imports streamlit: everything here is usable from scripts, notebooks,
benchmarks and the offline pipeline alike.
"""
