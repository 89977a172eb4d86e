"""Logging for a service manager: one line per record on stderr, no personal data.

Under systemd (`JOURNAL_STREAM` set) every line starts with the syslog priority (`<3>` error,
`<4>` warning, `<6>` info, `<7>` debug), which journald turns into the entry's priority, and carries
no timestamp of its own (journald adds it). Elsewhere lines carry the time.

Every handler of the root and the streamlit loggers gets `PersonalDataFilter`: a СНИЛС written in a
message, its arguments or a traceback is masked before any handler formats it (a failing query can
quote a value, an exception can quote a row).
"""

from __future__ import annotations

import logging
import os
import re
import sys

# 11 digits, optionally grouped 3-3-3-2 with hyphens or spaces ("123-456-789 01"), not part of a
# longer number. Only СНИЛС has this shape among the identifiers the product stores.
SNILS_RE = re.compile(r"(?<!\d)\d{3}([- ]?)\d{3}\1\d{3}[- ]?\d{2}(?!\d)")
MASK = "***-***-*** **"

_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}


def mask_personal_data(text: str) -> str:
    return SNILS_RE.sub(MASK, text)


class PersonalDataFilter(logging.Filter):
    """Masks СНИЛС in the record's final message and in its exception and stack text."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = mask_personal_data(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        return True


class JournalFormatter(logging.Formatter):
    """`<priority>LEVEL logger: message` for journald."""

    def format(self, record: logging.LogRecord) -> str:
        prio = _PRIORITY.get(record.levelno, 6)
        text = super().format(record)
        # continuation lines of a traceback keep the record's priority too
        return "\n".join(f"<{prio}>{line}" for line in text.splitlines())


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is at the time of the record (test capture replaces it)."""

    _vypusk = True

    @property  # type: ignore[override]
    def stream(self):  # type: ignore[no-untyped-def]
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


def under_journald() -> bool:
    return bool(os.environ.get("JOURNAL_STREAM"))


def configure(level: int = logging.INFO) -> None:
    """Set up the root logger once per process (idempotent) and mask personal data everywhere."""
    root = logging.getLogger()
    if not any(isinstance(h, StderrHandler) for h in root.handlers):
        handler = StderrHandler()
        if under_journald():
            handler.setFormatter(JournalFormatter("%(levelname)s %(name)s: %(message)s"))
        else:
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(level)
    install_filter()


def install_filter() -> None:
    """Add the filter to every handler of the root logger and of the loggers that have their own
    handlers (streamlit's); handlers added later by libraries are covered on the next call."""
    loggers: list[logging.Logger] = [logging.getLogger()]
    loggers += [lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)]
    for lg in loggers:
        for h in lg.handlers:
            if not any(isinstance(f, PersonalDataFilter) for f in h.filters):
                h.addFilter(PersonalDataFilter())
