"""The headings-plus-keywords baseline: what the rules knew before the classifier.

Headings decide most labels; the keyword checks are the rule-only logic of `auditors.sections`
(bias benchmarks with figures, restriction sentences). It is the classifier's fallback when its
weights cannot be loaded, and the yardstick the evaluation report measures it against.
"""

from __future__ import annotations

import re

from auditors.classifier.labels import with_other
from auditors.classifier.sectioning import CardSection
from auditors.sections import BIAS_SCAN, has_result_near, restriction_sentence

HEADING_RULES: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE)
    for name, pattern in {
        "bias_risks_limitations": r"bias|risk|limitation|ethic|fairness|safety|harm|responsib",
        "evaluation": r"evaluat|result|benchmark|performance|metric|score|leaderboard",
        "training_data": r"training data|dataset|\bdata\b|corpus",
        "intended_use": r"intended|\buses?\b|direct use|downstream",
        "out_of_scope_use": r"out[- ]of[- ]scope|misuse|not intended|malicious",
        "use_restrictions": r"prohibited|restriction|acceptable use|use polic|use[- ]based",
        "license_terms": r"licen[cs]e|terms of use|terms and conditions",
        "environmental_impact": r"environment|carbon|emission|co2",
        "how_to_use": r"how to|usage|get(?:ting)? started|quick ?start|inference|install|"
        r"example code|\brun\b|prompt",
        "citation": r"citation|cite|bibtex|reference",
    }.items()
}
_BIBTEX = re.compile(r"@(?:article|misc|inproceedings|software|techreport|book)\{", re.IGNORECASE)


def heading_labels(section: CardSection) -> set[str]:
    title = section.heading
    return {name for name, pattern in HEADING_RULES.items() if pattern.search(title)}


def has_standard_heading(section: CardSection) -> bool:
    """Whether the baseline can read anything from the heading at all."""
    return bool(heading_labels(section))


def baseline_labels(section: CardSection) -> set[str]:
    labels = heading_labels(section)
    body = section.body
    if any(has_result_near(body, m) for m in BIAS_SCAN.finditer(body)):
        labels |= {"bias_evaluation", "evaluation"}
    if restriction_sentence(body):
        labels.add("use_restrictions")
    if _BIBTEX.search(body):
        labels.add("citation")
    return with_other(labels)
