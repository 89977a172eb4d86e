"""Text users typed is shown as text (issue 12): college and programme names, measures, comments,
file names, indicator and criteria names reach Markdown and HTML contexts only through these.

- `md(text)`: for st.markdown, st.caption, st.info/success/warning/error, subheaders, expander and
  radio labels — every Markdown and Streamlit directive character is backslash-escaped, so
  `![x](http://…)` stays those characters (no remote image), `**` stays asterisks, `:red[…]` and
  `:material/…:` stay text, `<img …>` stays text;
- `html_text(text)`: for HTML contexts (the map tooltip): HTML-escaped.
st.dataframe, st.text and st.code show text as it is and need neither.
"""

from __future__ import annotations

import html
import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&\"'])")
_LINE_BREAKS = re.compile(r"[\r\n]+")


def md(text: object) -> str:
    """`text` as a literal inside Markdown: special characters escaped, line breaks as spaces (a
    user's newline must not start a heading or a list)."""
    if text is None:
        return ""
    s = _LINE_BREAKS.sub(" ", str(text))
    return _MD_SPECIAL.sub(r"\\\1", s)


def html_text(text: object) -> str:
    """`text` as a literal inside HTML."""
    return "" if text is None else html.escape(str(text), quote=True)
