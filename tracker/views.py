"""The research views' data dictionary: what each view holds and what each column means.

The views themselves are SQL in migrations/versions/0004_research_views.py (and 0005 for
card_sections); this is their
documentation, in one place for docs/data-dictionary.md (`python -m tracker.views`), the export
README and Datasette's metadata. A test checks that every view's columns are exactly the ones
described here, in order.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class View:
    name: str
    title: str
    description: str
    columns: dict[str, str]
    facets: tuple[str, ...] = ()


_ARTIFACT = {
    "artifact_id": "the tracked artifact (artifact.id)",
    "kind": "hf-model, github-repo or sd-list",
    "key": "Hub repo id, GitHub owner/name, or list repo",
}
_SNAPSHOT = {"snapshot_id": "the snapshot the row describes (snapshot.id)"}
_LICENSE = "the license the repo declares (card metadata), else the one detected in its files"

VIEWS: tuple[View, ...] = (
    View(
        "latest_snapshot",
        "Latest snapshots",
        "Each artifact's last successful fetch: every column of the snapshot table. The views "
        "below describe the present through it.",
        {
            "id": "snapshot id",
            "artifact_id": "the artifact fetched",
            "run_id": "the scrape run that fetched it",
            "fetched_at": "when it was fetched (UTC)",
            "status": "always ok here (failed and unchanged fetches are left out)",
            "error": "empty here",
            "revision": "Hub commit sha, or a hash of a GitHub repo's audited files",
            "etag": "the GitHub repo resource's ETag (conditional requests)",
            "metadata_json": "the card metadata and the Hub's tags, as JSON",
            "declared_license": "license declared in the card metadata",
            "detected_license": "license identified from the repo's files and prose",
            "downloads": "the Hub's download count when fetched",
            "likes": "the Hub's like count when fetched",
            "pipeline_tag": "the Hub's task (text-to-image, text-generation, ...)",
            "fetched_week": "ISO week of fetched_at (2026-W47)",
        },
    ),
    View(
        "artifact_licenses",
        "Licenses and lineage",
        "One row per artifact and base model (one row with empty base columns when no base is "
        "known): the license in force, its family, and each base model with its license.",
        {
            **_ARTIFACT,
            **_SNAPSHOT,
            "fetched_at": "when the snapshot was fetched (UTC)",
            "pipeline_tag": "the Hub's task",
            "declared_license": "license declared in the card metadata",
            "detected_license": "license identified from the repo's files and prose",
            "license": _LICENSE,
            "license_family": "the license's family in the knowledge base (rail, permissive, ...)",
            "license_has_use_restrictions": "1 if the license carries use-based restrictions",
            "base_model": "a base model the repo derives from (repo id or family name)",
            "base_found_in": "where the base was found (metadata:base_model, prose, ...)",
            "base_license": "the base model's license",
            "base_license_family": "the base license's family",
        },
        ("kind", "license", "license_family", "base_model", "base_license", "pipeline_tag"),
    ),
    View(
        "compliance",
        "Compliance by rule",
        "One row per artifact and audit rule: pass, fail (with the first finding as evidence) or "
        "not applicable (a RAIL rule for a repo with no RAIL base, a base-model rule for a repo "
        "with no known base).",
        {
            **_ARTIFACT,
            **_SNAPSHOT,
            "rule": "rule id (docs/rules.md)",
            "rule_title": "what the rule checks",
            "rule_severity": "error, warning or info",
            "applies_to": "all, derivatives or rail-derivatives",
            "status": "pass, fail or not applicable",
            "findings": "how many findings of the rule (empty when none)",
            "evidence": "the first finding's message",
            "evidence_path": "the file it points at",
            "evidence_line": "the line in that file",
        },
        ("rule", "status", "rule_severity", "kind"),
    ),
    View(
        "rail_derivatives",
        "RAIL derivatives",
        "Artifacts whose base model is under a RAIL license, one row per such base: do they keep "
        "the use-based restrictions, ship the license, tell their users?",
        {
            "artifact_id": "the tracked artifact",
            "key": "Hub repo id",
            **_SNAPSHOT,
            "fetched_at": "when the snapshot was fetched (UTC)",
            "pipeline_tag": "the Hub's task",
            "base_model": "the RAIL-licensed base model",
            "base_license": "its license",
            "license": _LICENSE,
            "license_has_use_restrictions": "1 if that license carries use-based restrictions",
            "drops_restrictions": "1 if RAIL001 fired: distributed without the restrictions",
            "license_copy_missing": "1 if RAIL002 fired: no copy of the license shipped",
            "restrictions_not_notified": "1 if RAIL003 fired: nothing tells users",
            "complies": "1 if no error-severity RAIL finding",
        },
        ("base_model", "base_license", "license", "complies", "drops_restrictions"),
    ),
    View(
        "bias_eval_coverage",
        "Bias documentation over time",
        "One row per successful fetch of a Hub model card (history, not only the latest): does "
        "it have a bias, risks and limitations section, does it report a bias evaluation?",
        {
            "artifact_id": "the tracked artifact",
            "key": "Hub repo id",
            **_SNAPSHOT,
            "fetched_at": "when the snapshot was fetched (UTC)",
            "fetched_week": "ISO week of fetched_at, to group by",
            "pipeline_tag": "the Hub's task, to group by",
            "is_latest": "1 for the artifact's latest snapshot",
            "has_bias_section": "1 if BIAS001 did not fire",
            "reports_bias_evaluation": "1 if BIAS002 did not fire (a benchmark named with results)",
        },
        ("pipeline_tag", "fetched_week", "is_latest", "reports_bias_evaluation"),
    ),
    View(
        "license_changes",
        "License changes",
        "Every change of an artifact's license between two successive successful fetches.",
        {
            **_ARTIFACT,
            **_SNAPSHOT,
            "previous_snapshot_id": "the fetch before, with the old license",
            "fetched_at": "when the change was seen (UTC)",
            "fetched_week": "ISO week of fetched_at",
            "license_from": "the license before (empty: none found)",
            "license_to": "the license after (empty: none found)",
        },
        ("kind", "fetched_week", "license_from", "license_to"),
    ),
    View(
        "lineage",
        "Lineage",
        "Edges base model -> derivative, from each artifact's latest snapshot.",
        {
            "base_model": "the base (repo id or family name)",
            "derivative": "the derived artifact's key",
            "artifact_id": "the derived artifact",
            **_SNAPSHOT,
            "relation": "finetune, quantized, adapter or merge (the Hub's tags), declared, "
            "stated in the card, or named (title, tags, repo name)",
            "found_in": "where the edge was found",
            "base_license": "the base model's license",
            "base_license_family": "its family",
            "derivative_license": "the derivative's license",
        },
        ("relation", "base_model", "base_license_family", "derivative_license"),
    ),
    View(
        "card_sections",
        "Card sections as the classifier read them",
        "One row per section of each artifact's current model card, for every classifier version "
        "that read it (`tracker classify`; migration 0005): what the section is about, whatever "
        "its heading. Filter `labels LIKE '%bias_evaluation%'` for cards reporting a bias "
        "evaluation, and so on; labels are defined in data/sections/LABELLING.md.",
        {
            **_ARTIFACT,
            **_SNAPSHOT,
            "model_version": "the classifier's weights (first 12 hex digits of their SHA-256)",
            "section_index": "the section's position in the card, from 0",
            "line": "the line of the section's heading in the card",
            "heading": "the headings above the section and its own, joined by ' / '",
            "labels": "comma-separated labels at or above their thresholds",
            "probabilities": "JSON object: each label's probability",
        },
        ("kind", "labels", "model_version"),
    ),
)

VIEWS_BY_NAME = {v.name: v for v in VIEWS}


def data_dictionary() -> str:
    """docs/data-dictionary.md."""
    lines = [
        "# Data dictionary",
        "",
        "The research views, created by migrations 0004 and 0005 on SQLite and PostgreSQL alike.",
        "Query",
        "them with `tracker query`, export them with `tracker export`, browse them with",
        "`tracker serve`. Generated by `python -m tracker.views` (`make docs`).",
        "",
    ]
    for view in VIEWS:
        lines += describe(view, f"`{view.name}`: {view.title}")
    return "\n".join(lines)


def describe(view: View, heading: str) -> list[str]:
    """A view's Markdown section: heading, description, a table of its columns."""
    lines = [f"## {heading}", "", view.description, ""]
    lines += ["| column | meaning |", "|---|---|"]
    lines += [f"| `{name}` | {meaning} |" for name, meaning in view.columns.items()]
    return [*lines, ""]


if __name__ == "__main__":
    print(data_dictionary(), end="")
