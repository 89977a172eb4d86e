"""Text users typed is shown as text (issue 12): college and programme names, measures, comments,
file names, indicator and criteria names reach Markdown and HTML contexts only through these.

- `md(text)`: for st.markdown, st.caption, st.info/success/warning/error, subheaders, expander and
  radio labels — every Markdown and Streamlit directive character is backslash-escaped, so
  `![x](http://…)` stays those characters (no remote image), `**` stays asterisks, `:red[…]` and
  `:material/…:` stay text, `<img …>` stays text;
- `html_text(text)`: for HTML contexts (the map tooltip): HTML-escaped;
- `plotly_text(text)`: for every string a Plotly figure draws — axis tick labels (category names),
  trace names, titles, text on bars and cells, hover text. Plotly renders a subset of HTML there
  (`<b>`, `<br>`, `<a href>` as a working link); `&`, `<`, `>` become the entities Plotly decodes
  back into the same characters.
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


def plotly_text(text: object) -> str:
    """`text` as a literal inside Plotly's HTML subset («<5» would vanish as a broken tag, a college
    named `<a href=…>` would become a link)."""
    if text is None:
        return ""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
