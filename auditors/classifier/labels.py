"""The labels a card section can carry (multi-label; `other` only when none of the rest applies).

Definitions: data/sections/LABELLING.md, the guide the evaluation set was labelled by.
"""

from __future__ import annotations

LABELS: tuple[str, ...] = (
    "bias_risks_limitations",
    "bias_evaluation",
    "evaluation",
    "training_data",
    "intended_use",
    "out_of_scope_use",
    "use_restrictions",
    "license_terms",
    "environmental_impact",
    "how_to_use",
    "citation",
    "other",
)
INDEX = {name: i for i, name in enumerate(LABELS)}


def with_other(labels: set[str]) -> set[str]:
    """`other` exactly when nothing else applies."""
    rest = labels - {"other"}
    return rest if rest else {"other"}
