"""Section → feature ids: words and word pairs of the text, words of the headings above it.

Fast on purpose (the CPU goal is thousands of sections a second per core): one `translate`, one
regex `findall` and dict look-ups per paragraph; word pairs are hashed with numpy, all at once.
Numbers collapse to their shape ("97.5" → "00", "0"), so "a score of 61.2" and "of 48.9" share
features. Heading words get ids of their own: "bias" under a heading is not "bias" in the text.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

TOKEN = re.compile(r"[a-z]+|0+|[|@%$`>]")
#: Lower case, and digits as 0, in one `bytes.translate` for ASCII text (most sections).
_ASCII_FOLD = bytes.maketrans(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZ123456789", b"abcdefghijklmnopqrstuvwxyz000000000"
)
_NONZERO_DIGIT = re.compile("[1-9]")
MAX_TOKENS = 384  # of a section's text; what follows rarely changes what a section is about
PAIR_MULTIPLIER = 1_000_003


def tokens(text: str) -> list[str]:
    return TOKEN.findall(_fold(text))


def _fold(text: str) -> str:
    """`text.lower()` with the digits 1-9 as 0, at a fifth of the cost of `str.translate`."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_FOLD).decode("ascii")
    return _NONZERO_DIGIT.sub("0", text.lower())


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
class Part:
    """One kind of feature for a batch, as EmbeddingBag input: flat ids, per-id weights, and
    where each bag starts."""

    ids: npt.NDArray[np.int64]
    weights: npt.NDArray[np.float32]
    offsets: npt.NDArray[np.int64]


@dataclass
class Batch:
    """Sections as paragraph bags. A paragraph's vector is the sum of its text-word bag, its
    word-pair bag and its section's heading bag (`owner` says which section each paragraph is
    in, ascending)."""

    words: Part  # one bag per paragraph
    pairs: Part  # one bag per paragraph
    headings: Part  # one bag per section
    owner: npt.NDArray[np.int64]
    sections: int


_PARAGRAPH = re.compile(r"\n[ \t]*\n+")
MAX_PARAGRAPHS = 32  # per section; the rest joins the last one


def paragraphs(text: str) -> list[str]:
    parts = [p for p in _PARAGRAPH.split(text) if p.strip()]
    if len(parts) > MAX_PARAGRAPHS:
        parts[MAX_PARAGRAPHS - 1 :] = ["\n\n".join(parts[MAX_PARAGRAPHS - 1 :])]
    return parts or [""]


def _weights(lengths: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
    """1/sqrt(n) for each of a bag's n ids: long and short bags land on the same scale."""
    per_bag = 1.0 / np.sqrt(np.maximum(lengths, 1))
    return np.repeat(per_bag.astype(np.float32), lengths)


def _offsets(lengths: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    return np.cumsum(lengths) - lengths


def featurize(space: FeatureSpace, texts: Sequence[str], headings: Sequence[str]) -> Batch:
    """Word ids per paragraph (a section's first MAX_TOKENS words), word-pair ids hashed within
    each paragraph, heading-word ids per section. Python does the look-ups; numpy the rest."""
    get = space.vocab.get
    n_words = space.words
    body: list[int] = []
    para_len: list[int] = []
    owner: list[int] = []
    head: list[int] = []
    head_len: list[int] = []
    for i, (text, heading) in enumerate(zip(texts, headings, strict=True)):
        h = [get(w, 0) + n_words for w in tokens(heading)]
        head += h
        head_len.append(len(h))
        budget = MAX_TOKENS
        for paragraph in paragraphs(text):
            ids = list(map(get, tokens(paragraph)[:budget], itertools.repeat(0)))
            body += ids
            para_len.append(len(ids))
            owner.append(i)
            budget -= len(ids)
            if budget <= 0:
                break
    words = np.asarray(body, dtype=np.int64)
    lengths = np.asarray(para_len, dtype=np.int64)
    # Pairs of neighbours, dropping those that straddle two paragraphs.
    keep = np.ones(max(len(words) - 1, 0), dtype=bool)
    ends = np.cumsum(lengths)[:-1] - 1
    keep[ends[(ends >= 0) & (ends < len(keep))]] = False
    pairs = (words[:-1][keep] * PAIR_MULTIPLIER + words[1:][keep]) % space.pair_buckets
    pairs += 2 * n_words
    pair_lengths = np.maximum(lengths - 1, 0)
    text_lengths = lengths + pair_lengths  # words and pairs share one 1/sqrt(n) scale
    text_w = 1.0 / np.sqrt(np.maximum(text_lengths, 1)).astype(np.float32)
    heads = np.asarray(head_len, dtype=np.int64)
    return Batch(
        Part(words, np.repeat(text_w, lengths), _offsets(lengths)),
        Part(pairs, np.repeat(text_w, pair_lengths), _offsets(pair_lengths)),
        Part(np.asarray(head, dtype=np.int64), _weights(heads), _offsets(heads)),
        np.asarray(owner, dtype=np.int64),
        len(texts),
    )
