"""Exceptions raised by the auditors library.

    AuditError                 base of everything auditors raises on purpose
    ├── InputError             the audited thing cannot be read (binary, too large, bad path)
    ├── KnowledgeBaseError     a file under data/ is missing or malformed (a packaging bug)
    └── PolicyError            a policy file is invalid (unknown key, ignore without reason)

Each carries the facts its message needs, so the CLI can name the input and the next step.
"""

from __future__ import annotations


class AuditError(Exception):
    """Base class for errors raised by the auditors library."""


class InputError(AuditError):
    def __init__(self, target: str, reason: str) -> None:
        super().__init__(f"{target}: {reason}")
        self.target = target
        self.reason = reason


class KnowledgeBaseError(AuditError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class PolicyError(AuditError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class WeightsUnavailable(Exception):
    """The section classifier's files are missing or do not fit this code (labels, shapes)."""
