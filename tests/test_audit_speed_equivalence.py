"""The audit's faster paths find exactly what the plain ones they replace find."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable

import pytest

import auditors.card as card_module
from auditors.licenses.names import _LICENSE_TALK_SCAN
from auditors.lineage import _DERIVATION_SCAN
from auditors.sections import BIAS_SCAN
from auditors.textnorm import collapse
from auditors.wordscan import WordScan

#: Pieces random texts are made of: the scanned words in any case, their near misses, word
#: boundaries, and the characters whose case mapping is odd (length-changing, or matched by
#: `re.IGNORECASE` to an ASCII letter that `str.lower` does not give).
_PIECES = [
    "WinoBias", "wino-gender", "STEREOSET", "crows-pairs", "bbq", "xbbq", "Bold", "bolder",
    "ToxiGen", "real toxicity prompts", "RealToxicity", "holistic bias", "honest score",
    "HONEST", "FairFace", "stable bias", "Equity Evaluation Corpus", "DecodingTrust",
    "bias benchmark for QA", "safetybench", "disco", "Disco ", "gender bias evaluation",
    "Perspective API", "licence", "Fine-Tuned", "finetuning", "trained on", "BASED", "built",
    "upon", "of", "from", "with", "merge", "merged", "LoRA", "version", "checkpoint", "for",
    "quantized", "initialised", "derived", "variant", "off", "licen", "licens", "Terms Of Use",
    "LICENSE", "terms of use", "fine-tuned from", "based on",
    "ı", "ſ", "İ", "K", "ß", "Σ", "ﬁ", " ", "\n", "-", ".", "12.5", "%", "é", "😀", "x", "a",
]  # fmt: skip


def _random_texts(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(_PIECES, k=rng.randint(0, 40))) for _ in range(n)]


def _spans(matches: Iterable[re.Match[str]]) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0)) for m in matches]


@pytest.mark.parametrize(
    "scan",
    [BIAS_SCAN, _DERIVATION_SCAN, _LICENSE_TALK_SCAN],
    ids=["bias", "derivation", "license-talk"],
)
def test_word_scan_finds_what_finditer_finds(scan: WordScan) -> None:
    for text in _random_texts(3000):
        for pos in (0, len(text) // 3):
            expected = _spans(scan.pattern.finditer(text, pos))
            assert _spans(scan.finditer(text, pos)) == expected, (text, pos)
            assert _spans(scan.finditer(text, pos, text.lower())) == expected, (text, pos)


def test_word_scan_on_odd_case_characters() -> None:
    scan = WordScan(re.compile(r"stereo|kid|\bit\b", re.IGNORECASE), ("stereo", "kid", "it"))
    for text in ["ſtereo", "STEREO", "\u212aid", "İt", "ıt", "x ſtereo İ it", "Kid ı it"]:
        assert _spans(scan.finditer(text)) == _spans(scan.pattern.finditer(text)), text


def _collapse_with_translate(text: str) -> str:
    table = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-"})
    return " ".join(text.translate(table).casefold().split())


def test_collapse_as_with_a_translate_table() -> None:
    rng = random.Random(3)
    alphabet = "aZ \n\t“”‘’–—ßİΣσ\u212aﬁ\u00a0\u2028x.-\"'"
    for _ in range(5000):
        text = "".join(rng.choices(alphabet, k=rng.randint(0, 16)))
        assert collapse(text) == _collapse_with_translate(text), text


def test_lines_passed_over_are_no_headings_or_fences() -> None:
    rng = random.Random(5)
    kinds = [
        "# Title", "###### Deep ##", "#NoSpace", "<h2 class='x'>Bias</h2>", " <H1>x</h1>",
        "**Limitations**", "__Risks__:", "\u00a0**Bold line**", "```python", " ~~~", "===",
        "---", " - item", "-- x", "Plain text", "", " ", "\t", "Setext title", "\r", "== x ==",
        "\u2003# spaced", "* star", "_under_", "`code`", "~ tilde", "<p>para</p>",
    ]  # fmt: skip
    for _ in range(3000):
        lines = rng.choices(kinds, k=rng.randint(1, 12))
        start = rng.randint(1, len(lines))
        tried = set(card_module._maybe_headings(lines, start))
        for i in range(start - 1, len(lines)):
            if i in tried:
                continue
            nxt = lines[i + 1] if i + 1 < len(lines) else None
            assert not card_module._FENCE.match(lines[i]), lines
            assert card_module._heading(lines[i], nxt) is None, lines
