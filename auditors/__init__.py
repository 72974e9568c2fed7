"""genai-tracker's auditors: a pure library from an in-memory repo view to findings.

It imports nothing from `tracker` and does no network or database I/O: reading data files
shipped with the package is the only file access.
"""

from auditors.engine import __version__, audit
from auditors.repo import RepoFile, RepoView
from auditors.report import Finding, Identification, Report, Severity

__all__ = [
    "Finding",
    "Identification",
    "RepoFile",
    "RepoView",
    "Report",
    "Severity",
    "__version__",
    "audit",
]
