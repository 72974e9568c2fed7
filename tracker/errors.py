"""Exceptions raised by tracker (I/O, configuration, remote services).

    TrackerError            base
    ├── ConfigError         a setting or option is invalid
    ├── TargetNotFound      an audit target (path, Hub repo, GitHub repo) does not exist
    ├── QueryRefused        a read-only query would have changed the database
    └── FetchError          a remote service failed (status, url, server message)
        └── BodyTooLarge    the answer is bigger than the caller will read

The CLI maps these, and auditors.errors.AuditError, to one-line messages in one table.
"""

from __future__ import annotations


class TrackerError(Exception):
    """Base class for tracker errors."""


class ConfigError(TrackerError):
    pass


class TargetNotFound(TrackerError):
    def __init__(self, target: str, reason: str) -> None:
        super().__init__(f"{target}: {reason}")
        self.target = target
        self.reason = reason


class QueryRefused(TrackerError):
    """`tracker query` refused a statement that would change the database."""


class FetchError(TrackerError):
    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


class BodyTooLarge(FetchError):
    """A body over the client's `max_bytes`; `size` is its declared size, or the bytes read."""

    def __init__(self, url: str, size: int, limit: int, status: int | None = None) -> None:
        super().__init__(url, f"body of {size} bytes is over max_bytes={limit}", status)
        self.size = size
