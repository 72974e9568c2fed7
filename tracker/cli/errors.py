"""One table from exception type to a one-line message and exit code, applied once in main().

Commands raise; they do not print their own failures. Set TRACKER_DEBUG=1 for a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TypeVar

from auditors.errors import (
    AuditError,
    InputError,
    KnowledgeBaseError,
    PolicyError,
    WeightsUnavailable,
)
from tracker.errors import ConfigError, FetchError, QueryRefused, TargetNotFound, TrackerError
from tracker.locks import DEFAULT_STALE_AFTER, SourceBusy

T = TypeVar("T")

EXIT_FINDINGS = 1
EXIT_USAGE = 2

#: (exception type, message prefix, next step). First match wins, so subclasses come first.
ERROR_MAPPINGS: tuple[tuple[type[BaseException], str, str], ...] = (
    (TargetNotFound, "target not found", "check the path, Hub repo id or GitHub URL"),
    (InputError, "cannot read input", "pass a model repo directory or a UTF-8 model card"),
    (PolicyError, "invalid policy file", "fix the policy file (see docs/policy.md)"),
    (FetchError, "remote service failed", "check HF_ENDPOINT / GITHUB_API_URL and your network"),
    (ConfigError, "invalid configuration", "see `tracker --help`"),
    (
        SourceBusy,
        "source busy",
        "try again when that run ends; a lock whose holder died is taken over after at most "
        f"{DEFAULT_STALE_AFTER.total_seconds() / 60:g} minutes",
    ),
    (
        QueryRefused,
        "query refused",
        "tracker query only reads; the database changes through tracker scrape",
    ),
    (
        WeightsUnavailable,
        "section classifier unavailable",
        "run `tracker train` to write its weights to data/classifier/",
    ),
    (KnowledgeBaseError, "broken knowledge base", "reinstall genai-tracker; this is a bug"),
    (AuditError, "audit failed", "re-run with TRACKER_DEBUG=1 and report the traceback"),
    (TrackerError, "tracker failed", "re-run with TRACKER_DEBUG=1 and report the traceback"),
)


def run_with_error_mapping(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except tuple(t for t, _, _ in ERROR_MAPPINGS) as exc:
        if os.environ.get("TRACKER_DEBUG"):
            raise
        prefix, hint = next((p, h) for t, p, h in ERROR_MAPPINGS if isinstance(exc, t))
        print(f"error: {prefix}: {exc} ({hint})", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None
