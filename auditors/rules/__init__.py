"""The rule registry: every rule, in one table, in the order reports list them.

Adding a rule means writing it in its family module and adding it here; docs, `tracker rules`
and SARIF's rule list are all generated from this table. Ids are never reused.
"""

from __future__ import annotations

from auditors.rules.base import Hit, Rule
from auditors.rules.card_rules import (
    bias_evaluation_missing,
    bias_section_missing,
    card_metadata_unreadable,
    template_placeholders_left,
    unreadable_file,
)
from auditors.rules.license_rules import (
    declared_contradicts_file,
    missing_license,
    other_license_unnamed,
    unknown_license_id,
)
from auditors.rules.policy_rules import license_not_allowed
from auditors.rules.rail_rules import (
    rail_derivation_not_stated,
    rail_derivative_drops_restrictions,
    rail_license_copy_missing,
    rail_restrictions_not_notified,
    rail_text_weakened,
)
from auditors.rules.upstream_rules import (
    base_attribution_missing,
    base_naming_rule_missed,
    license_conflicts_with_base,
    modification_not_described,
)

RULES: tuple[Rule, ...] = (
    missing_license,
    unknown_license_id,
    other_license_unnamed,
    declared_contradicts_file,
    rail_derivative_drops_restrictions,
    rail_license_copy_missing,
    rail_restrictions_not_notified,
    rail_derivation_not_stated,
    rail_text_weakened,
    license_conflicts_with_base,
    base_naming_rule_missed,
    base_attribution_missing,
    modification_not_described,
    bias_section_missing,
    bias_evaluation_missing,
    template_placeholders_left,
    card_metadata_unreadable,
    unreadable_file,
    license_not_allowed,
)

RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}

__all__ = ["RULES", "RULES_BY_ID", "Hit", "Rule"]
