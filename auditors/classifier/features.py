"""Section → feature ids: words and word pairs of the text, words of the headings above it.

Fast on purpose (the CPU goal is thousands of sections a second per core): one `translate`, one
regex `findall` and dict look-ups per section; word pairs are hashed with numpy, all at once.
Numbers collapse to their shape ("97.5" → "00", "0"), so "a score of 61.2" and "of 48.9" share
features. Heading words get ids of their own: "bias" under a heading is not "bias" in the text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

TOKEN = re.compile(r"[a-z]+|0+|[|@%$`>]")
_DIGITS = str.maketrans("123456789", "000000000")
MAX_TOKENS = 384  # of a section's text; what follows rarely changes what a section is about
PAIR_MULTIPLIER = 1_000_003


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text.lower().translate(_DIGITS))


@dataclass(frozen=True)
class FeatureSpace:
    """Where each kind of feature lives in the one embedding table."""

    vocab: dict[str, int]  # word → id in 1..len(vocab); 0 is any unknown word
    pair_buckets: int

    @property
    def words(self) -> int:
        return len(self.vocab) + 1

    @property
    def size(self) -> int:
        # [text words][heading words][hashed text word pairs]
        return 2 * self.words + self.pair_buckets


@dataclass
class Batch:
    """Sections as paragraph bags: one flat id array with per-id weights (EmbeddingBag's input),
    where each bag starts (`offsets`) and which section each bag belongs to (`owner`)."""

    ids: npt.NDArray[np.int64]
    weights: npt.NDArray[np.float32]
    offsets: npt.NDArray[np.int64]  # where each bag's ids start
    owner: npt.NDArray[np.int64]  # the section (0..n-1) of each bag, ascending
    sections: int


_PARAGRAPH = re.compile(r"\n[ \t]*\n+")
MAX_PARAGRAPHS = 32  # per section; the rest joins the last one


def paragraphs(text: str) -> list[str]:
    parts = [p for p in _PARAGRAPH.split(text) if p.strip()]
    if len(parts) > MAX_PARAGRAPHS:
        parts[MAX_PARAGRAPHS - 1 :] = ["\n\n".join(parts[MAX_PARAGRAPHS - 1 :])]
    return parts or [""]


def featurize(space: FeatureSpace, texts: Sequence[str], headings: Sequence[str]) -> Batch:
    """Each paragraph's ids: its words, its word pairs, and the section's heading words.

    Text features are weighted 1/sqrt(n) and heading features likewise, so a long paragraph and a
    short one land on the same scale and the heading counts as much as the text. A section's
    first MAX_TOKENS words are read.
    """
    get = space.vocab.get
    words, buckets = space.words, space.pair_buckets
    parts: list[npt.NDArray[np.int64]] = []
    weights: list[npt.NDArray[np.float32]] = []
    offsets: list[int] = []
    owner: list[int] = []
    at = 0
    for i, (text, heading) in enumerate(zip(texts, headings, strict=True)):
        head = np.fromiter((get(w, 0) + words for w in tokens(heading)), dtype=np.int64)
        head_w = 1.0 / np.sqrt(len(head)) if len(head) else 0.0
        budget = MAX_TOKENS
        for paragraph in paragraphs(text):
            toks = tokens(paragraph)[:budget] if budget > 0 else []
            budget -= len(toks)
            body = np.fromiter((get(w, 0) for w in toks), dtype=np.int64, count=len(toks))
            pairs = (body[:-1] * PAIR_MULTIPLIER + body[1:]) % buckets + 2 * words
            ids = np.concatenate((body, pairs, head))
            n_text = len(body) + len(pairs)
            w = np.empty(len(ids), dtype=np.float32)
            w[:n_text] = 1.0 / np.sqrt(n_text) if n_text else 0.0
            w[n_text:] = head_w
            parts.append(ids)
            weights.append(w)
            offsets.append(at)
            owner.append(i)
            at += len(ids)
            if budget <= 0:
                break
    if not parts:
        empty = np.zeros(0, np.int64)
        return Batch(empty, np.zeros(0, np.float32), empty, empty, len(texts))
    return Batch(
        np.concatenate(parts),
        np.concatenate(weights),
        np.asarray(offsets, dtype=np.int64),
        np.asarray(owner, dtype=np.int64),
        len(texts),
    )
