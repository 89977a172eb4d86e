"""Storage layer of «Выпускник»: the DuckDB store, import of data-contract files, reference data.

Nothing here imports streamlit; pages reach this layer only through `metrics/`.
"""
