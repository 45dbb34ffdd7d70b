"""No traceback reaches a user: a page that fails shows a plain message with an incident number; the
traceback goes to the server log (and the incident to the audit log).

    with page_errors_shown_plainly(user):
        st.navigation(pages).run()

``.streamlit/config.toml`` also sets ``client.showErrorDetails = "none"``, so even an error raised
outside this guard shows Streamlit's generic message, never the exception text.
"""
from __future__ import annotations

import logging
import secrets
from contextlib import contextmanager
from typing import Iterator

import streamlit as st

LOG = logging.getLogger("checkpost.app")
PLAIN_MESSAGE = ("Something went wrong on this page, so it stopped. Nothing you saved was lost. "
                 "Try again; if it happens again, tell your administrator incident {incident}.")


def _record(incident: str, user: dict | None) -> None:
    LOG.exception("page run failed: incident %s, user %s", incident, (user or {}).get("username"))
    try:
        from store.audit import log
        log((user or {}).get("username") or "(signed out)", "page_error", {"incident": incident})
    except Exception:  # the database may be what failed; the server log above still has it
        LOG.exception("incident %s: could not write the audit entry", incident)


@contextmanager
def page_errors_shown_plainly(user: dict | None = None) -> Iterator[None]:
    """Run a page; an exception becomes a plain ``st.error`` and a logged incident.

    Parameters
    ----------
    user : dict or None
        The signed-in user, named in the log.

    Notes
    -----
    ``st.stop()`` and ``st.rerun()`` are not exceptions (they derive from BaseException) and pass.
    """
    try:
        yield
    except Exception:
        incident = secrets.token_hex(4)
        _record(incident, user)
        st.error(PLAIN_MESSAGE.format(incident=incident))
