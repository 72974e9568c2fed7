"""LIC rules: is a license declared, is it a known identifier, does it agree with the files."""

from __future__ import annotations

from collections.abc import Iterator

from auditors.context import AuditContext
from auditors.licenses.card_matchers import OTHER_VALUES
from auditors.report import Identification, Severity
from auditors.rules.base import Hit, rule


@rule(
    "LIC001",
    "missing-license",
    "No license declared in the card metadata and no license file",
    Severity.ERROR,
    "Without a license nobody may lawfully reuse the model, and a derivative cannot show that it "
    "honours its base model's terms (every model license in the knowledge base requires its "
    "terms to travel with copies, e.g. CreativeML OpenRAIL-M ¶4(b)).",
    "Add `license: <hub id>` to the README front matter and commit the license text as LICENSE.",
    "A DreamBooth fine-tune whose README has no front matter and whose repo has no LICENSE file.",
)
def missing_license(ctx: AuditContext) -> Iterator[Hit]:
    declared = (
        [v for v in ctx.card.meta_list("license") if v.lower() != "unknown"] if ctx.card else []
    )
    has_meta = bool(declared or (ctx.card and ctx.card.meta_str("license_name")))
    has_file = bool(ctx.repo.license_files)
    if not has_meta and not has_file:
        yield Hit("No license declared in the card metadata and no license file", ctx.card_path)


@rule(
    "LIC002",
    "unknown-license-id",
    "Declared license is not a Hugging Face Hub license identifier",
    Severity.WARNING,
    "The Hub, its search filters and every downstream tool read `license:` as one of the Hub's "
    "identifiers; any other value is shown as unknown and the repo drops out of license queries.",
    "Use the Hub identifier (see `tracker licenses list`), or `license: other` with "
    "`license_name` and `license_link`.",
    "`license: apache2` or `license: CreativeML OpenRAIL-M` in the front matter.",
)
def unknown_license_id(ctx: AuditContext) -> Iterator[Hit]:
    if ctx.card is None:
        return
    for value in ctx.card.meta_list("license"):
        if value.lower() in OTHER_VALUES or ctx.kb.is_hub_id(value):
            continue
        guess = ctx.kb.resolve_name(value)
        hint = f" (did you mean `{guess}`?)" if guess and ctx.kb.is_hub_id(guess) else ""
        yield Hit(
            f"`license: {value}` is not a Hub license identifier{hint}",
            ctx.card_path,
            ctx.card_line("license"),
            "license",
        )


@rule(
    "LIC003",
    "other-license-unnamed",
    "`license: other` without `license_name` and `license_link`",
    Severity.WARNING,
    "With `license: other` the Hub shows no terms at all unless `license_name` and "
    "`license_link` say which license applies and where to read it.",
    "Add `license_name: <slug>` and `license_link: LICENSE` (or the license's URL).",
    "A Yi fine-tune with `license: other` and nothing else.",
)
def other_license_unnamed(ctx: AuditContext) -> Iterator[Hit]:
    if ctx.card is None or not any(v.lower() == "other" for v in ctx.card.meta_list("license")):
        return
    missing = [k for k in ("license_name", "license_link") if not ctx.card.meta_str(k)]
    if missing:
        yield Hit(
            f"`license: other` without {' and '.join(f'`{k}`' for k in missing)}",
            ctx.card_path,
            ctx.card_line("license"),
            "license",
        )


@rule(
    "LIC004",
    "declared-license-contradicts-file",
    "Declared license contradicts the license file in the repo",
    Severity.ERROR,
    "When the metadata and the shipped text disagree, users cannot tell which terms bind them; "
    "for RAIL and community licenses the shipped text is the copy the license requires to "
    "travel (CreativeML OpenRAIL-M ¶4(b), Llama 2 §1.b.i).",
    "Make the metadata and the LICENSE file name the same license.",
    "`license: mit` in the card while LICENSE holds the CreativeML OpenRAIL-M text.",
)
def declared_contradicts_file(ctx: AuditContext) -> Iterator[Hit]:
    declared = {d.license_id for d in ctx.declared if d.confidence >= 0.9}
    files = ctx.file_licenses
    if not declared or any(_agrees(ctx, declared, ident) for _, ident in files):
        return  # a repo may ship more texts (code license, AUP) beside the declared one
    for path, ident in files:
        names = ", ".join(sorted(declared))
        yield Hit(
            f"Metadata declares {names} but {path} holds {ident.license_id} "
            f"({ident.confidence:.0%} match)",
            path,
            ident.line_start,
            evidence=f"method={ident.method}",
        )


def _agrees(ctx: AuditContext, declared: set[str], ident: Identification) -> bool:
    if ident.license_id in declared or declared & set(ident.alternatives):
        return True
    info = ctx.info(ident.license_id)
    return info is not None and info.variant_of in declared  # modified copy: RAIL005's business
