"""CARD, BIAS and DOC rules: is the card readable, and does it document bias?"""

from __future__ import annotations

from collections.abc import Iterator

from auditors.context import AuditContext
from auditors.report import Severity
from auditors.rules.base import Hit, rule
from auditors.sections import (
    bias_evaluations,
    bias_sections,
    has_figures,
    is_placeholder_only,
    is_placeholder_text,
    placeholder_lines,
)


@rule(
    "CARD001",
    "card-metadata-unreadable",
    "Model card front matter cannot be read",
    Severity.ERROR,
    "The Hub reads license, base model and tags from the YAML front matter; when it is not valid "
    "YAML the Hub and every tool see a card with no metadata at all.",
    "Fix the YAML between the two `---` lines (run it through a YAML linter).",
    "Front matter with a tab-indented list, or an opening `---` that is never closed.",
)
def card_metadata_unreadable(ctx: AuditContext) -> Iterator[Hit]:
    if ctx.card is not None and ctx.card.metadata_error:
        yield Hit(f"Front matter unreadable: {ctx.card.metadata_error}", ctx.card_path, 1)


@rule(
    "FILE001",
    "unreadable-file",
    "A model card or license file cannot be read as text",
    Severity.WARNING,
    "A license that cannot be read is not a copy users can read (e.g. CreativeML OpenRAIL-M "
    "¶4(b)); a card that cannot be read documents nothing.",
    "Commit the file as UTF-8 text; keep model cards under a few MB.",
    "A LICENSE that is a PDF, or a 50 MB README.",
)
def unreadable_file(ctx: AuditContext) -> Iterator[Hit]:
    for f in ctx.unreadable:
        yield Hit(f"{f.path}: {f.problem}", f.path, None)


@rule(
    "BIAS001",
    "bias-section-missing",
    "No bias, risks and limitations section, or one holding only a template placeholder",
    Severity.WARNING,
    "The Hub's model card guidance and the RAIL licenses' responsible-use intent expect cards to "
    "state known biases, risks and limitations; regulators (EU AI Act Art. 53 documentation) ask "
    "for the same of general-purpose models. The section classifier finds such a section under "
    "any heading (headings and keywords with --baseline-sections).",
    "Add a `## Bias, Risks, and Limitations` section describing known biases and failure modes.",
    "A card generated from the template with `[More Information Needed]` under that heading.",
)
def bias_section_missing(ctx: AuditContext) -> Iterator[Hit]:
    if ctx.card is None or ctx.card_reading is None:
        yield Hit("No model card, so no bias, risks and limitations section", None)
        return
    reading = ctx.card_reading
    if reading.by_classifier:
        # A section the classifier reads as bias/risks/limitations, under any heading, or one
        # headed so (the rule's own fix must always satisfy it).
        found = [
            (s.section.heading, s.section.line, s.section.body)
            for s in reading.with_label("bias_risks_limitations")
        ]
        found += [(s.title, s.line, s.body) for s in bias_sections(ctx.card)]
        if not found:
            yield Hit(
                "No section of the model card discusses bias, risks or limitations "
                f"(read by the section {reading.method})",
                ctx.card_path,
            )
        elif all(is_placeholder_text(body) for _, _, body in found):
            title, line, _ = found[0]
            yield Hit(f"Section '{title}' holds only a template placeholder", ctx.card_path, line)
        return
    sections = bias_sections(ctx.card)
    if not sections:
        yield Hit("No bias, risks and limitations section in the model card", ctx.card_path)
    elif all(is_placeholder_only(s) for s in sections):
        s = sections[0]
        yield Hit(f"Section '{s.title}' holds only a template placeholder", ctx.card_path, s.line)


@rule(
    "BIAS002",
    "bias-evaluation-missing",
    "No bias evaluation reported (a benchmark or method named with results)",
    Severity.INFO,
    "Saying that a model may be biased is not measuring it: a bias evaluation names a benchmark "
    "or method (WinoBias, BBQ, CrowS-Pairs, ToxiGen, FairFace…) and reports results. Found by "
    "a named benchmark with a figure beside it, or a section the classifier reads as a bias "
    "evaluation that holds figures.",
    "Evaluate on a bias benchmark suited to the modality and report the scores in the card.",
    "A card whose limitations section says 'the model may reproduce social biases' "
    "and nothing more.",
)
def bias_evaluation_missing(ctx: AuditContext) -> Iterator[Hit]:
    # A named benchmark with a figure always counts; the classifier adds evaluations whose
    # method has no well-known name ("we compared error rates across skin tones: …").
    if ctx.card is not None and bias_evaluations(ctx.card):
        return
    # Only a section with figures in it: "we did not evaluate bias" reads much like "we did".
    reading = ctx.card_reading
    if reading is not None and any(
        has_figures(s.section.body) for s in reading.with_label("bias_evaluation")
    ):
        return
    yield Hit("No bias evaluation with results reported in the model card", ctx.card_path)


@rule(
    "DOC001",
    "template-placeholders-left",
    "Model card template placeholders left in",
    Severity.WARNING,
    "Placeholders such as `[More Information Needed]` tell readers a section was never written; "
    "the sections they sit in (training data, evaluation, bias) are the ones auditors read.",
    "Fill in or delete every placeholder section.",
    "An auto-generated card with `[More Information Needed]` under Training Data.",
)
def template_placeholders_left(ctx: AuditContext) -> Iterator[Hit]:
    if ctx.card is None:
        return
    found = placeholder_lines(ctx.card)
    if found:
        first = found[0]
        more = f" ({len(found)} in all)" if len(found) > 1 else ""
        yield Hit(
            f"Template placeholder '{first.text}' left in{more}",
            ctx.card_path,
            first.line,
            evidence=first.text,
        )
