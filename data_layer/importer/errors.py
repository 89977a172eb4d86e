"""The importer's file-level refusal (shared by the readers, the limits and the sandbox)."""

from __future__ import annotations


class UnreadableFileError(Exception):
    """The file as a whole cannot be read; the message is Russian and shown to the user."""

    def __init__(self, message: str, row: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.row = row
