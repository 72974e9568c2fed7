"""Which models a repo derives from, and under which licenses those were released.

Sources, most explicit first: the card's `base_model` metadata, the Hub's `base_model:` tags,
then prose ("fine-tuned from runwayml/stable-diffusion-v1-5", "a LoRA for SDXL"). Each base is
looked up in the knowledge base (offline); an unknown one is passed to `resolve`, which
`tracker` points at the configured Hub endpoint.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from auditors.card import Card
from auditors.knowledge import BaseModelFamily, KnowledgeBase
from auditors.repo import RepoView
from auditors.report import BaseModelRef
from auditors.wordscan import WordScan

#: Looks a base model's license up online: repo id -> license id (None when unknown).
Resolver = Callable[[str], str | None]

_REPO_ID = r"[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*[A-Za-z0-9]"
#: The lookahead lists the alternatives' first letters, so `re` skips other positions at once.
_DERIVATION = re.compile(
    r"(?=[fbtdiqcmavl])"
    r"(?:fine[- ]?tun(?:ed|ing)|finetun(?:ed|ing)|trained|based|built|derived|initiali[sz]ed|"
    r"distilled|quanti[sz]ed|converted|merged?|modified|adapted|dreambooth|lora|checkpoint|"
    r"version|variant)\b[^.\n]{0,60}?\b(?:of|from|on|upon|for|with|off)\b",
    re.IGNORECASE,
)
#: The words `_DERIVATION`'s matches begin with: it is tried only where one does.
_DERIVATION_SCAN = WordScan(
    _DERIVATION,
    (
        "fine", "trained", "based", "built", "derived", "initiali", "distilled", "quanti",
        "converted", "merge", "modified", "adapted", "dreambooth", "lora", "checkpoint",
        "version", "variant",
    ),
)  # fmt: skip
_SEPARATORS = re.compile(r"[-_/]+")
_REPO_IN_TEXT = re.compile(rf"(huggingface\.co/)?\b({_REPO_ID})\b(/?)")


def base_models(
    repo: RepoView, card: Card | None, kb: KnowledgeBase, resolve: Resolver | None = None
) -> list[BaseModelRef]:
    refs: dict[str, BaseModelRef] = {}
    for repo_id, found_in, line in _declared(repo, card):
        refs.setdefault(repo_id.lower(), _resolve(repo_id, found_in, line, kb, resolve))
    if not refs and card is not None:
        for name, line, family_license in _in_prose(card, kb):
            ref = (
                BaseModelRef(name, "prose", family_license, "knowledge-base", line)
                if family_license
                else _resolve(name, "prose", line, kb, resolve)
            )
            refs.setdefault(name.lower(), ref)
    if not refs:
        for name, found_in, line, family_license in _named_family(repo, card, kb):
            refs.setdefault(
                name.lower(), BaseModelRef(name, found_in, family_license, "knowledge-base", line)
            )
    own = (repo.repo_id or "").lower()
    return [r for key, r in refs.items() if key != own]


def _named_family(
    repo: RepoView, card: Card | None, kb: KnowledgeBase
) -> list[tuple[str, str, int | None, str]]:
    """The weakest evidence: a model family named in the repo name, the card's title or tags.

    "Stable Diffusion - Pokemon" or "Ovis1.6-Gemma2-9B" say which family a model builds on
    even when no sentence states the derivation.
    """
    candidates: list[tuple[str, str, int | None]] = []
    if repo.repo_id:
        candidates.append((repo.repo_id.rsplit("/", 1)[-1], "repo name", None))
    if card is not None:
        title = next((s for s in card.sections if s.level == 1), None)
        if title is not None:
            candidates.append((title.title, "card title", title.line))
        tags = " ".join(card.meta_list("tags"))
        if tags:
            candidates.append((tags, "metadata:tags", card.field_line("tags")))
    for text, found_in, line in candidates:
        low = " " + _SEPARATORS.sub(" ", text.lower()) + " "
        # A phrase counts as a word of its own, or anywhere when long: tested in the cheap
        # order, as the phrase is seldom in the text at all.
        fam = next(
            (
                fam
                for fam, _, p in _family_phrases(kb)
                if p in low and (len(p) > 6 or f" {p} " in low)
            ),
            None,
        )
        if fam is not None:
            return [(fam.name, found_in, line, fam.license)]
    return []


@functools.cache
def _family_phrases(kb: KnowledgeBase) -> tuple[tuple[BaseModelFamily, str, str], ...]:
    """(family, phrase, phrase with "-_/" as spaces) for every family's prose phrases, in order:
    the first family naming any is found in one pass. An empty phrase names nothing."""
    return tuple((fam, p, _SEPARATORS.sub(" ", p)) for fam in kb.families for p in fam.prose if p)


def _declared(repo: RepoView, card: Card | None) -> list[tuple[str, str, int | None]]:
    out: list[tuple[str, str, int | None]] = []
    if card is not None:
        line = card.field_line("base_model")
        out += [(v, "metadata:base_model", line) for v in card.meta_list("base_model")]
    meta = repo.hub_metadata or {}
    for tag in meta.get("tags") or ():
        if isinstance(tag, str) and tag.startswith("base_model:"):
            # "base_model:finetune:org/name" (or quantized, adapter, merge): keep the relation
            relation, _, repo_id = tag.removeprefix("base_model:").rpartition(":")
            out.append((repo_id, f"hub-metadata:{relation}" if relation else "hub-metadata", None))
    return [(r, f, ln) for r, f, ln in out if re.fullmatch(_REPO_ID, r)]


def _in_prose(card: Card, kb: KnowledgeBase) -> list[tuple[str, int, str | None]]:
    """Repo ids, or family names with the family's license, in sentences stating a derivation."""
    out: list[tuple[str, int, str | None]] = []
    read = 0  # as with a search per line: the first derivation phrase on a line decides it
    for m in _DERIVATION_SCAN.finditer(card.text, card.offset_of(card.body_line), card.lowered):
        n = card.line_at(m.start())
        if n == read:
            continue
        read, at = n, card.offset_of(n)
        line = card.lines[n - 1]
        tail = line[m.start() - at : m.end() - at + 120]
        out.extend(
            (rid, n, None)
            for hub, rid, deeper in _REPO_IN_TEXT.findall(tail)
            # "data/sections/train.jsonl" is a path; "huggingface.co/owner/name/blob/…" a repo.
            if _looks_like_repo(rid) and (hub or not deeper)
        )
        if not out:
            low = tail.lower()
            named = next((fam for fam, p, _ in _family_phrases(kb) if p in low), None)
            if named is not None:
                out.append((named.name, n, named.license))
        if out:
            break
    return out


_DOMAIN = re.compile(r"\.(?:co|com|org|io|ai|net|html?|md|py)$", re.IGNORECASE)


def _looks_like_repo(rid: str) -> bool:
    """Not a URL fragment: "huggingface.co/x", "github.com/x" or "steps/huggingface.co"."""
    owner, name = rid.split("/", 1)
    return not (_DOMAIN.search(owner) or _DOMAIN.search(name))


def _resolve(
    repo_id: str, found_in: str, line: int | None, kb: KnowledgeBase, resolve: Resolver | None
) -> BaseModelRef:
    known = kb.base_model(repo_id)
    if known is not None:
        return BaseModelRef(repo_id, found_in, known.license, "knowledge-base", line)
    if resolve is not None:
        lid = resolve(repo_id)
        if lid:
            known_id = lid if lid in kb.licenses else kb.resolve_name(lid) or lid
            return BaseModelRef(repo_id, found_in, known_id, "hub", line)
    return BaseModelRef(repo_id, found_in, None, "unknown", line)
