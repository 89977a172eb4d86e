"""Business quantities of «Выпускник»: statuses, indicators, risk group, verification,
reconciliation, effectiveness criteria. Every figure a page, chart, report or the CLI shows
comes from here. Nothing here imports streamlit.
"""
