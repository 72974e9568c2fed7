"""The shape of a rule: a stable id, what it means, why, how to fix it, and its check."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from auditors.context import AuditContext
from auditors.report import Severity


@dataclass(frozen=True)
class Hit:
    """One place a rule fired. The engine adds the rule's id, severity and fix."""

    message: str
    path: str | None = None
    line: int | None = None
    field: str | None = None
    evidence: str | None = None


Check = Callable[[AuditContext], Iterator[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str  # family prefix + three digits; never reused
    name: str  # kebab-case, names the problem
    title: str  # one line; also the default finding message
    severity: Severity
    rationale: str  # why it matters, citing the license paragraph it enforces
    fix: str
    check: Check
    example: str  # a real situation where it fires (for the docs)
    since: str = "0.1.0"
    status: str = "stable"  # "stable" | "preview"
    #: Which repos the rule can fire on: "all", "derivatives" (a base model is known) or
    #: "rail-derivatives" (a base model under a RAIL). Elsewhere it is not applicable.
    applies_to: str = "all"


def rule(
    id: str,
    name: str,
    title: str,
    severity: Severity,
    rationale: str,
    fix: str,
    example: str,
    status: str = "stable",
    applies_to: str = "all",
) -> Callable[[Check], Rule]:
    """Decorator turning a check function into a Rule; the registry lists the results."""

    def wrap(check: Check) -> Rule:
        return Rule(
            id,
            name,
            title,
            severity,
            rationale,
            fix,
            check,
            example,
            status=status,
            applies_to=applies_to,
        )

    return wrap
