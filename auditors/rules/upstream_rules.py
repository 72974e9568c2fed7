"""UP rules: does the declared license respect the base model's license?"""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditors.context import AuditContext
from auditors.knowledge import LicenseInfo
from auditors.report import BaseModelRef, Severity
from auditors.rules.base import Hit, rule
from auditors.textnorm import collapse

#: Duties that bind a derivative to its base model's own agreement, and what each means.
_BINDING = {
    "same-license": "derivatives must stay under {name}",
    "share-alike": "{name} is share-alike: adaptations must carry the same license",
    "license-copy": "derivatives must be distributed under {name}, with a copy of it",
}


def _derived_bases(ctx: AuditContext) -> list[tuple[BaseModelRef, LicenseInfo]]:
    return [] if ctx.is_known_base else ctx.bases_with_license()


def _conflict(base: LicenseInfo, declared: LicenseInfo) -> str | None:
    if declared.id == base.id:
        return None
    if not base.allows_commercial_use and declared.allows_commercial_use:
        return f"{base.name} forbids commercial use ({base.cite('non-commercial')})"
    if base.has_duty("use-restrictions") and base.family == "rail":
        return None  # RAIL001–RAIL003 report RAIL bases, clause by clause
    for kind, why in _BINDING.items():
        if base.has_duty(kind) and base.family != "permissive":
            return f"{why.format(name=base.name)} ({base.cite(kind)})"
    return None


@rule(
    "UP001",
    "license-conflicts-with-base",
    "Declared license conflicts with the base model's license",
    Severity.ERROR,
    "A derivative cannot grant more than its base model's license allows: a non-commercial "
    "upstream cannot be relicensed for commercial use, and community licenses require derivatives "
    "to be distributed under their own agreement with a copy of it (Llama 2 §1.b.i, Llama 3 "
    "§1.b.i(A), Gemma §3.1, Stability Community §IV.a). The naming and attribution parts of those "
    "duties are checked by UP002 and UP003.",
    "Declare the base model's license (e.g. `license: llama3`, `license: gemma`) and ship its "
    "text.",
    "A Llama 3 fine-tune declaring `license: apache-2.0`; a Gemma 2 derivative declaring MIT.",
    applies_to="derivatives",
)
def license_conflicts_with_base(ctx: AuditContext) -> Iterator[Hit]:
    for base, base_info in _derived_bases(ctx):
        for declared in ctx.governing:
            why = _conflict(base_info, declared)
            if why:
                yield Hit(
                    f"Declares {declared.id} for a derivative of {base.repo_id}: {why}",
                    ctx.card_path,
                    ctx.card_line("license"),
                    "license",
                    evidence=f"{base.repo_id} ({base.license_id}, from {base.license_source})",
                )
                return


def _model_name(ctx: AuditContext) -> str | None:
    if ctx.repo.repo_id:
        return ctx.repo.repo_id.rsplit("/", 1)[-1]
    index = ctx.card.metadata.get("model-index") if ctx.card else None
    if isinstance(index, list) and index and isinstance(index[0], dict):
        name = index[0].get("name")
        return str(name) if name else None
    return None


@rule(
    "UP002",
    "base-naming-rule-missed",
    "Derivative's name does not begin with the name its base model's license requires",
    Severity.WARNING,
    'Llama 3 requires derivatives that are distributed to include "Llama 3" at the beginning of '
    'the model name; Llama 3.1 and later require "Llama" (last sentence of §1.b.i).',
    "Rename the model so that its name begins with the required prefix (e.g. `Llama-3-MyModel`).",
    "`NousResearch/Hermes-2-Pro-Llama-3-8B`, a Llama 3 derivative whose name starts with 'Hermes'.",
    applies_to="derivatives",
)
def base_naming_rule_missed(ctx: AuditContext) -> Iterator[Hit]:
    name = _model_name(ctx)
    if not name:
        return
    canon = re.sub(r"[\s_\-.]+", " ", name).strip().lower()
    for base, info in _derived_bases(ctx):
        duty = info.duty("name-prefix")
        if duty is None or not duty.text:
            continue
        prefix = re.sub(r"[\s_\-.]+", " ", duty.text).strip().lower()
        squashed = prefix.replace(" ", "")
        if not (canon.startswith(prefix) or canon.replace(" ", "").startswith(squashed)):
            yield Hit(
                f"Model name '{name}' does not begin with \"{duty.text}\" as {info.name} "
                f"{duty.cite} requires of derivatives of {base.repo_id}",
                ctx.card_path,
                None,
                evidence=f"{duty.cite}: {duty.quote}",
            )
            return


@rule(
    "UP003",
    "base-attribution-missing",
    "Required attribution or notice of the base model's license is missing",
    Severity.WARNING,
    'Community licenses require fixed attribution: Llama 3 "Built with Meta Llama 3" and 3.1+ '
    '"Built with Llama" displayed prominently (§1.b.i), a Notice text file (Llama 2+ §1.b.iii, '
    'Gemma §3.1, Stability licenses), "Powered by Stability AI" (Stability Community §IV.a).',
    "Add the required sentence to the model card and the Notice text to a NOTICE file.",
    'A Llama 3.1 fine-tune whose card never says "Built with Llama".',
    applies_to="derivatives",
)
def base_attribution_missing(ctx: AuditContext) -> Iterator[Hit]:
    duties = [
        (base, info, duty, duty.text)
        for base, info in _derived_bases(ctx)
        for duty in info.duties
        if duty.kind in ("display-attribution", "notice-text") and duty.text
    ]
    if not duties:
        return  # most repos: no base asks for attribution, so no file needs reading
    texts = _attribution_texts(ctx)
    for base, info, duty, text in duties:
        if collapse(text).rstrip(".") not in texts:
            what = "display" if duty.kind == "display-attribution" else "Notice text"
            yield Hit(
                f'No "{duty.text}" found ({what} required by {info.name} {duty.cite} for '
                f"derivatives of {base.repo_id})",
                ctx.card_path,
                None,
                evidence=duty.quote,
            )


def _attribution_texts(ctx: AuditContext) -> str:
    """The repo's files, collapsed for phrase search, but for its full license texts.

    A license text quotes the very notice it requires, so only other files can satisfy it.
    """
    full_texts = {
        p
        for p, idents in ctx.files.items()
        if idents and idents[0].method in ("exact", "similarity")
    }
    return collapse(
        " ".join(f.text or "" for p, f in ctx.repo.files.items() if p not in full_texts)
    )


_MODIFICATION = re.compile(
    r"\b(?:fine[- ]?tun(?:ed|ing|e)|finetun(?:ed|ing|e)|(?:re|pre)?-?train(?:ed|ing)|"
    r"merg(?:ed|e|ing)|distill(?:ed|ation)|quanti[sz](?:ed|ation)|convert(?:ed)?|conversion|"
    r"adapt(?:ed|ation)|dreambooth|textual inversion|lora (?:adaption|adapter|weights))\b",
    re.IGNORECASE,
)


@rule(
    "UP004",
    "modification-not-described",
    "Derivative does not say how it changed its base model",
    Severity.WARNING,
    "Most model licenses require derivatives to carry a notice that they were modified: "
    "CreativeML OpenRAIL-M and OpenRAIL++-M ¶4(c) ('prominent notices stating that You changed "
    "the files'), BigCode OpenRAIL-M ¶5.2(b), Gemma §3.1(3), the Stability licenses' NOTICE "
    "duty. For weights, a sentence in the card saying what was done (fine-tuned on what, merged "
    "from what, quantized how) serves as that notice.",
    "Add a sentence to the card stating how the model was derived from its base and on what data.",
    "An SDXL LoRA whose card has sample images and usage tips but never says it was trained.",
    applies_to="derivatives",
)
def modification_not_described(ctx: AuditContext) -> Iterator[Hit]:
    for base, info in _derived_bases(ctx):
        duty = info.duty("modification-notice")
        if duty is None:
            continue
        body = ctx.card.body if ctx.card else ""
        if not _MODIFICATION.search(body):
            yield Hit(
                f"Nothing in the card says how this derivative of {base.repo_id} was made "
                f"({info.name} {duty.cite} requires a modification notice)",
                ctx.card_path,
                None,
                evidence=duty.quote,
            )
            return
