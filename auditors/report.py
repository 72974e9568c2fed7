"""What an audit returns: identifications, lineage, findings. Pure data; formatters render it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


@dataclass(frozen=True)
class Identification:
    """One license found in one place, with how it was found and how sure we are.

    `method` names the matcher that decided: `metadata` (card `license` field), `license-name`,
    `license-link`, `exact` (normalised text identical), `similarity` (shingle overlap),
    `title` (a license title with text that does not match it), `prose` (a sentence naming it).
    `coverage` is the share of the reference text present (whole file ~1.0, an excerpt less).
    `alternatives` lists licenses that matched equally well (e.g. identical attachments).
    """

    license_id: str
    confidence: float
    method: str
    path: str
    line_start: int | None = None
    line_end: int | None = None
    field: str | None = None
    coverage: float | None = None
    alternatives: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class RestrictionCheck:
    id: str
    label: str
    status: str  # "present" | "weakened" | "missing"
    score: float


@dataclass(frozen=True)
class RailAnalysis:
    """How a shipped RAIL-style text compares with the reference it resembles."""

    path: str
    reference: str
    similarity: float
    restrictions: tuple[RestrictionCheck, ...]
    clauses: tuple[RestrictionCheck, ...]

    @property
    def missing(self) -> list[str]:
        return [r.id for r in self.restrictions if r.status != "present"]

    @property
    def is_modified(self) -> bool:
        return bool(self.missing) or any(c.status != "present" for c in self.clauses)


@dataclass(frozen=True)
class BaseModelRef:
    """A base model this repo derives from, and what we know of its license."""

    repo_id: str
    #: "metadata:base_model", "hub-metadata[:finetune|quantized|adapter|merge]", "prose", ...
    found_in: str
    license_id: str | None
    license_source: str  # "knowledge-base", "hub", "unknown"
    line: int | None = None


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    path: str | None
    line: int | None
    fix: str
    field: str | None = None
    evidence: str | None = None


@dataclass(frozen=True)
class Suppressed:
    finding: Finding
    reason: str


@dataclass
class Report:
    target: str
    declared: list[Identification] = field(default_factory=list)
    detected: list[Identification] = field(default_factory=list)
    base_models: list[BaseModelRef] = field(default_factory=list)
    rail: list[RailAnalysis] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Suppressed] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    def fails(self, threshold: Severity | None) -> bool:
        """Whether any finding is at or above `threshold` (None: never fail)."""
        if threshold is None:
            return False
        return any(f.severity.rank >= threshold.rank for f in self.findings)
