"""User text shown as text: escapes for Streamlit markdown and for HTML.

Plan notes, plan and file names, user names, authors and error messages that quote them reach
``st.markdown``, ``st.caption``, ``st.subheader``, ``st.success``/``st.error`` and friends, which all
render Markdown: ``[click](http://evil)`` would be a link and ``**URGENT**`` bold.  ``md`` makes such
text literal; ``html_text`` does the same for HTML.

    >>> from ui.safe_text import md
    >>> st.caption(f"Version 3 by {md(author)} — {md(note)}")
"""
from __future__ import annotations

import html
import re

# Characters that start inline Markdown anywhere in a line: emphasis, code, links and images, raw HTML,
# entities, strikethrough, maths, tables, Streamlit's :red[...] directives and :icons:, e-mail autolinks.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>!~$&|:@])")
# "www." starts a GFM autolink without any of the characters above.
_WWW = re.compile(r"(?i)\b(www)\.")
# Block syntax counts only at the start of a line (user text is one line after _LINE_BREAKS).
_BLOCK_START = re.compile(r"^(\s*)([#>+=-])")
_ORDERED_ITEM = re.compile(r"^(\s*\d+)([.)])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\v\f]+")
MAX_SHOWN = 500  # characters of one user string on a page; the rest is cut with an ellipsis


def _as_text(value) -> str:
    return "" if value is None else str(value)


def _shorten(text: str, limit: int | None) -> str:
    if limit is not None and len(text) > limit:
        return text[:limit] + "…"
    return text


def md(value, *, limit: int | None = MAX_SHOWN) -> str:
    """``value`` as Markdown that renders as exactly that text.

    Parameters
    ----------
    value : object
        User text (None gives "").
    limit : int or None
        Longest text shown; longer text is cut with an ellipsis (None: no limit).

    Returns
    -------
    str
        The text with every Markdown-active character backslash-escaped and line breaks turned into
        spaces, so no heading, list, link, image, emphasis, HTML or Streamlit directive can start.
    """
    text = _LINE_BREAKS.sub(" ", _shorten(_as_text(value), limit))
    text = _INLINE_SPECIAL.sub(r"\\\1", text)
    text = _WWW.sub(r"\1\\.", text)
    text = _ORDERED_ITEM.sub(r"\1\\\2", text)
    return _BLOCK_START.sub(r"\1\\\2", text)


def html_text(value, *, limit: int | None = MAX_SHOWN) -> str:
    """``value`` escaped for HTML text and attribute values (``& < > " '``).

    Parameters
    ----------
    value : object
        User text (None gives "").
    limit : int or None
        Longest text shown (None: no limit).

    Returns
    -------
    str
    """
    return html.escape(_shorten(_as_text(value), limit), quote=True)
