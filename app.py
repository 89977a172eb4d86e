"""«Выпускник» — entry point and router.

Settles authentication first, then registers only the pages the user's role may see (a page that
is not registered cannot be reached by URL), draws the shared sidebar and runs the chosen page.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import auth, connection, context, warmup
from ui.registry import pages_for_role

APP_DIR = Path(__file__).resolve().parent

st.set_page_config(page_title="Выпускник — мониторинг трудоустройства", page_icon="🎓", layout="wide")
connection.configure_logging()
# the first run of the process (a user's or the script health check's) starts the cache warm-up
warmup.ensure_started()

scope = auth.authenticate()
if scope is None:
    # Logged-out users get a navigation holding only the login page.
    st.navigation([st.Page(auth.login_page, title="Вход", icon=":material/login:", url_path="login")]).run()
else:
    sections = pages_for_role(scope.role, APP_DIR)
    current = st.navigation(sections, expanded=True)
    context.compact_layout()
    context.render_sidebar(scope)
    auth.logout_button()
    context.data_used_caption(scope)
    current.run()
