"""UI helpers shared by the pages (the only modules besides app.py and pages that import streamlit)."""

import plotly.io as pio

# Every figure of the app is drawn on Plotly's white template, applied when a figure is serialised.
# Setting `template="plotly_white"` on each figure instead validates and deep-copies the whole
# template: ~35 ms of server CPU per figure, under the GIL (two or three figures on a page).
pio.templates.default = "plotly_white"
