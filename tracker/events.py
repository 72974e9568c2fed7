"""Events: what changed between an artifact's previous snapshot and its new one.

Pure functions over small state records, so the rules for "what counts as a change" can be
read and tested without a database: a new artifact, its license changing, a finding raised or
resolved, a bias evaluation appearing or disappearing. (List entries added or removed are
paired by `tracker.sources.sd_lists.diff_entries`.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The rule whose absence means a card reports a bias evaluation.
BIAS_EVAL_RULE = "BIAS002"


@dataclass(frozen=True)
class State:
    """What events compare: a snapshot's license (declared, else detected) and its findings."""

    declared_license: str | None
    findings: frozenset[tuple[str, str]] = frozenset()  # (rule, path)
    messages: dict[tuple[str, str], str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Change:
    kind: str
    detail: dict[str, Any]


def changes(previous: State | None, current: State) -> list[Change]:
    if previous is None:
        return [Change("new-artifact", {"license": current.declared_license})]
    out: list[Change] = []
    if previous.declared_license != current.declared_license:
        detail = {"from": previous.declared_license, "to": current.declared_license}
        out.append(Change("license-changed", detail))
    return out + _finding_changes(previous, current) + _bias_changes(previous, current)


def _finding_changes(previous: State, current: State) -> list[Change]:
    raised = sorted(current.findings - previous.findings)
    resolved = sorted(previous.findings - current.findings)
    out = [
        Change("finding-raised", {"rule": r, "path": p, "message": current.messages.get((r, p))})
        for r, p in raised
        if r != BIAS_EVAL_RULE
    ]
    out += [
        Change("finding-resolved", {"rule": r, "path": p, "message": previous.messages.get((r, p))})
        for r, p in resolved
        if r != BIAS_EVAL_RULE
    ]
    return out


def _bias_changes(previous: State, current: State) -> list[Change]:
    had = not any(r == BIAS_EVAL_RULE for r, _ in previous.findings)
    has = not any(r == BIAS_EVAL_RULE for r, _ in current.findings)
    if has and not had:
        return [Change("bias-eval-added", {})]
    if had and not has:
        return [Change("bias-eval-removed", {})]
    return []
