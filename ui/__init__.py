"""UI helpers shared by the pages (the only modules besides app.py and pages that import streamlit)."""
