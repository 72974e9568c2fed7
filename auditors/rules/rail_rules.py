"""RAIL rules: do derivatives of RAIL-licensed models keep the use-based restrictions?

What a RAIL requires of derivatives is read from the knowledge base (the duties of kind
`use-restrictions`, `license-copy`, `notify-restrictions`); no license is named here.
"""

from __future__ import annotations

from collections.abc import Iterator

from auditors.context import AuditContext
from auditors.knowledge import LicenseInfo
from auditors.report import BaseModelRef, Severity
from auditors.rules.base import Hit, rule
from auditors.sections import restriction_sentence, restriction_statements


def rail_bases(ctx: AuditContext) -> list[tuple[BaseModelRef, LicenseInfo]]:
    """Base models whose license requires use restrictions to propagate to derivatives."""
    if ctx.is_known_base:
        return []
    return [
        (b, i)
        for b, i in ctx.bases_with_license()
        if i.family == "rail" and i.has_duty("use-restrictions")
    ]


def _base_line(b: BaseModelRef) -> str:
    return f"{b.repo_id} ({b.license_id}, from {b.license_source})"


@rule(
    "RAIL001",
    "rail-derivative-drops-restrictions",
    "Derivative of a RAIL-licensed model distributed under terms without its use restrictions",
    Severity.ERROR,
    "RAIL licenses let derivatives carry other terms only if those terms include, at minimum, the "
    "same use-based restrictions as an enforceable provision (CreativeML OpenRAIL-M ¶4(a) and its "
    "closing sentence; BigScience OpenRAIL-M ¶4(a); BigCode OpenRAIL-M ¶5.1). MIT, Apache-2.0, "
    "CC and GPL carry none.",
    "License the derivative under the base model's RAIL license (or terms that include all of "
    "its Attachment A restrictions) and ship that text.",
    "An SD 1.5 fine-tune (`base_model: runwayml/stable-diffusion-v1-5`) declaring `license: mit`.",
    applies_to="rail-derivatives",
)
def rail_derivative_drops_restrictions(ctx: AuditContext) -> Iterator[Hit]:
    bases = rail_bases(ctx)
    governing = ctx.governing
    if not bases or not governing or any(g.carries_use_restrictions for g in governing):
        return
    base, info = bases[0]
    names = ", ".join(g.id for g in governing)
    yield Hit(
        f"Derivative of {base.repo_id} ({info.name}) is distributed under {names}, which carries "
        f"none of its use-based restrictions ({info.cite('use-restrictions')})",
        ctx.card_path,
        ctx.card_line("license"),
        "license",
        evidence=_base_line(base),
    )


@rule(
    "RAIL002",
    "rail-license-copy-missing",
    "Derivative of a RAIL-licensed model ships no copy of the license",
    Severity.ERROR,
    "RAIL licenses require giving every recipient of the model or a derivative a copy of the "
    "license (CreativeML OpenRAIL-M ¶4(b), OpenRAIL++-M ¶4(b), BLOOM RAIL ¶4 item 2, BigCode "
    "OpenRAIL-M ¶5.2(a)); a metadata tag is not a copy.",
    "Commit the base model's license text, unmodified, as LICENSE (or LICENSE.md).",
    "A LoRA on SDXL with `license: openrail++` in its card and no LICENSE file.",
    applies_to="rail-derivatives",
)
def rail_license_copy_missing(ctx: AuditContext) -> Iterator[Hit]:
    bases = rail_bases(ctx)
    if not bases:
        return
    base, info = bases[0]
    shipped = {i.license_id for _, i in ctx.file_licenses}
    shipped |= {a for _, i in ctx.file_licenses for a in i.alternatives}
    if info.id in shipped:
        return
    other = ", ".join(sorted(shipped))
    what = f"ships {other} instead" if other else "ships no license file"
    yield Hit(
        f"Derivative of {base.repo_id} {what}: {info.cite('license-copy')} requires a copy of the "
        f"{info.name} text",
        ctx.card_path,
        base.line,
        "base_model" if base.line else None,
        evidence=_base_line(base),
    )


@rule(
    "RAIL003",
    "rail-restrictions-not-notified",
    "Nothing tells users that use-based restrictions apply",
    Severity.ERROR,
    "Subsequent users must be told that the model is subject to the use-based restrictions "
    "(CreativeML OpenRAIL-M ¶4(a), second sentence; ¶5). Users learn it from a RAIL license named "
    "or linked in the card, or from the restrictions listed in it (a section the classifier "
    "reads as use restrictions, or a sentence such as 'You can't use the model to…').",
    "Name the RAIL license in the card metadata (`license:`) and add a section listing the use "
    "restrictions or linking the license.",
    "An SD derivative with no front matter whose README says nothing about licensing or misuse.",
    applies_to="rail-derivatives",
)
def rail_restrictions_not_notified(ctx: AuditContext) -> Iterator[Hit]:
    bases = rail_bases(ctx)
    if not bases:
        return
    rail_named = any(
        (i := ctx.info(lid)) is not None and i.carries_use_restrictions for lid in ctx.all_named_ids
    )
    if rail_named or _restrictions_listed(ctx):
        return
    base, info = bases[0]
    yield Hit(
        f"Derivative of {base.repo_id} names no license with use restrictions and lists none "
        f"({info.cite('notify-restrictions')})",
        ctx.card_path,
        None,
        evidence=_base_line(base),
    )


def _restrictions_listed(ctx: AuditContext) -> bool:
    """A section listing use restrictions (by the classifier, else by headings), or a sentence
    stating one ("You can't use the model to…")."""
    reading = ctx.card_reading
    if ctx.card is None or reading is None:
        return False
    if not reading.by_classifier:
        return bool(restriction_statements(ctx.card))
    return bool(reading.with_label("use_restrictions")) or restriction_sentence(ctx.card.body)


@rule(
    "RAIL004",
    "rail-derivation-not-stated",
    "RAIL-licensed model that does not say which model it was derived from",
    Severity.WARNING,
    "RAIL licenses attach to derivatives through the model they were derived from (CreativeML "
    "OpenRAIL-M ¶1 'Derivatives of the Model', ¶4(c) modified-file notices). Without `base_model` "
    "or a sentence naming the base, readers and tools cannot check which terms flow down.",
    "Add `base_model: <repo id>` to the front matter and a sentence saying how the model was "
    "derived (fine-tuned, merged, LoRA…).",
    "A DreamBooth model declaring `license: creativeml-openrail-m` with no `base_model` and no "
    "mention of Stable Diffusion.",
)
def rail_derivation_not_stated(ctx: AuditContext) -> Iterator[Hit]:
    if ctx.base_models or ctx.is_known_base:
        return
    for info in ctx.governing:
        if info.family == "rail" and ctx.kb.family_for_license(info.id):
            families = ", ".join(f.name for f in ctx.kb.family_for_license(info.id))
            yield Hit(
                f"Declares {info.id}, the license of {families}, but names no base model",
                ctx.card_path,
                ctx.card_line("license"),
                "license",
            )
            return


@rule(
    "RAIL005",
    "rail-text-restrictions-weakened",
    "Shipped RAIL license text has use-based restrictions removed or weakened",
    Severity.ERROR,
    "A modified or paraphrased RAIL text is not 'a copy of this License' (CreativeML OpenRAIL-M "
    "¶4(b)) and, when restrictions are missing, the derivative's terms no longer include them "
    "as ¶4(a) requires.",
    "Replace the file with the unmodified license text of the base model (see `data/licenses/`).",
    "A LoRA repo shipping a 31-line text titled 'CreativeML Open RAIL-M License Version 1.0' "
    "that lacks the medical-advice and law-enforcement restrictions.",
)
def rail_text_weakened(ctx: AuditContext) -> Iterator[Hit]:
    for analysis in ctx.rail:
        if not analysis.is_modified:
            continue
        missing = [r.id for r in analysis.restrictions if r.status == "missing"]
        weak = [r.id for r in analysis.restrictions if r.status == "weakened"]
        lost = list(dict.fromkeys(c.id for c in analysis.clauses if c.status == "missing"))
        parts = []
        if missing:
            parts.append(f"missing restrictions {', '.join(missing)}")
        if weak:
            parts.append(f"weakened {', '.join(weak)}")
        if lost:
            parts.append(f"clauses dropped: {', '.join(lost)}")
        if not parts:
            reworded = dict.fromkeys(c.id for c in analysis.clauses if c.status == "weakened")
            parts.append(f"clauses reworded: {', '.join(reworded)}")
        yield Hit(
            f"{analysis.path} is a modified {analysis.reference} text: {'; '.join(parts)}",
            analysis.path,
            1,
            evidence=f"similarity={analysis.similarity}",
        )
