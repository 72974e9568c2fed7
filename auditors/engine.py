"""The audit entry point: a RepoView in, a Report out. Single-repo and bulk audits both call it."""

from __future__ import annotations

from auditors.card import Card, parse_card
from auditors.context import AuditContext
from auditors.knowledge import KnowledgeBase, load_knowledge_base
from auditors.licenses import MATCH_THRESHOLD, analyse_rail, identify_card_body, identify_text
from auditors.licenses.card_matchers import declared as declared_licenses
from auditors.licenses.names import name_finder
from auditors.lineage import Resolver, base_models
from auditors.policy import Policy
from auditors.repo import RepoFile, RepoView
from auditors.report import Finding, Identification, RailAnalysis, Report, Suppressed
from auditors.rules import RULES, Rule

__version__ = "0.1.0"


def audit(
    repo: RepoView,
    *,
    kb: KnowledgeBase | None = None,
    policy: Policy | None = None,
    resolve: Resolver | None = None,
    threshold: float = MATCH_THRESHOLD,
    rules: tuple[Rule, ...] = RULES,
    classify_sections: bool = True,
) -> Report:
    """`classify_sections=False`: the BIAS and RAIL rules read the card's sections by headings
    and keywords (the baseline) instead of the section classifier."""
    kb = kb or load_knowledge_base()
    ctx = build_context(repo, kb, policy or Policy(), resolve, threshold)
    ctx.classify_sections = classify_sections
    report = Report(
        target=repo.name,
        declared=ctx.declared,
        detected=[i for idents in ctx.files.values() for i in idents] + ctx.named,
        base_models=ctx.base_models,
        rail=ctx.rail,
    )
    for r in rules:
        _run_rule(r, ctx, report)
    report.findings.sort(key=lambda f: (-f.severity.rank, f.rule, f.path or "", f.line or 0))
    return report


def build_context(
    repo: RepoView, kb: KnowledgeBase, policy: Policy, resolve: Resolver | None, threshold: float
) -> AuditContext:
    card_file = repo.card_file
    card: Card | None = None
    if card_file is not None and card_file.text is not None:
        card = parse_card(card_file.text)
    card_path = card_file.path if card_file else None
    declared: list[Identification] = []
    named: list[Identification] = []
    if card is not None and card_path is not None:
        declared = declared_licenses(card, card_path, kb)
        named = identify_card_body(card, card_path, kb, threshold)
    files = {
        f.path: identify_text(f.text, f.path, kb, threshold)
        for f in repo.license_files
        if f.text is not None and f is not card_file
    }
    unreadable = [f for f in repo.files.values() if f.text is None and _matters(f, card_file)]
    ctx = AuditContext(
        repo,
        kb,
        card,
        card_path,
        declared,
        named,
        files,
        [],
        base_models(repo, card, kb, resolve),
        unreadable,
        policy,
    )
    ctx.rail = _rail_analyses(ctx)
    return ctx


def _matters(f: RepoFile, card_file: RepoFile | None) -> bool:
    return f is card_file or f.is_license_file


def _rail_analyses(ctx: AuditContext) -> list[RailAnalysis]:
    """Compare each shipped RAIL-like text with the RAIL it should be (or claims to be)."""
    out = []
    rail_base = next(
        (i.id for _, i in ctx.bases_with_license() if i.restriction_set and not ctx.is_known_base),
        None,
    )
    finder = name_finder(ctx.kb)
    for path, idents in ctx.files.items():
        if not idents:
            continue
        top = idents[0]
        info = ctx.info(top.license_id)
        if info is None or info.family != "rail":
            continue
        text = ctx.repo.files[path].text or ""
        head = "\n".join([ln for ln in text.split("\n") if ln.strip()][:3])
        claimed = next((c.license_id for c in finder.in_text(head, path)), None)
        reference = rail_base or (claimed if claimed and claimed != info.id else None)
        reference = reference or (info.variant_of if claimed == info.variant_of else None)
        if reference is None or (reference == info.id and top.method == "exact"):
            continue
        analysis = analyse_rail(text, path, reference, ctx.kb, top.confidence)
        if analysis is not None:
            out.append(analysis)
    return out


def _run_rule(rule: Rule, ctx: AuditContext, report: Report) -> None:
    overridden = rule.id in ctx.policy.severity
    severity = ctx.policy.severity.get(rule.id) if overridden else rule.severity
    if severity is None:
        return
    for hit in rule.check(ctx):
        finding = Finding(
            rule.id, severity, hit.message, hit.path, hit.line, rule.fix, hit.field, hit.evidence
        )
        ignore = ctx.policy.ignored(rule.id, hit.path)
        if ignore is not None:
            report.suppressed.append(Suppressed(finding, ignore.reason))
        else:
            report.findings.append(finding)
