"""The one exception ingest raises for whole-file problems."""

from __future__ import annotations


class IngestError(RuntimeError):
    """The extract cannot be ingested at all; the message names the file and the problem (and its rule).

    The CLI prints the message and exits with status 2 (no traceback).
    """

    def __init__(self, rule: str, where: str, problem: str) -> None:
        """`rule` is one of schema.RULES; `where` names the file (and sheet); `problem` says what is wrong."""
        self.rule = rule
        self.where = where
        super().__init__(f"{where}: {problem} [{rule}]")
