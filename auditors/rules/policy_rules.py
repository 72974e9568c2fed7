"""POL rules: the maintainer's own policy file."""

from __future__ import annotations

from collections.abc import Iterator

from auditors.context import AuditContext
from auditors.report import Severity
from auditors.rules.base import Hit, rule


@rule(
    "POL001",
    "license-not-allowed-by-policy",
    "License not allowed by the project's policy",
    Severity.ERROR,
    "The maintainer's policy file (`allow_licenses` / `deny_licenses`) is the organisation's own "
    "rule about which terms it may publish or depend on.",
    "Change the license, or change the policy file after review.",
    "`deny_licenses: [cc-by-nc-4.0]` and a card declaring `license: cc-by-nc-4.0`.",
)
def license_not_allowed(ctx: AuditContext) -> Iterator[Hit]:
    allow, deny = ctx.policy.allow_licenses, ctx.policy.deny_licenses
    for ident in ctx.declared:
        lid = ident.license_id
        if lid in deny or (allow and lid not in allow):
            why = "denied" if lid in deny else "not in allow_licenses"
            yield Hit(
                f"License {lid} is {why} by {ctx.policy.source}",
                ident.path,
                ident.line_start,
                ident.field,
            )
