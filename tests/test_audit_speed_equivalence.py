"""The audit's faster paths find exactly what the plain ones they replace find."""

from __future__ import annotations

import itertools
import random
import re
from bisect import bisect_right
from collections.abc import Iterable

import pytest
import yaml

import auditors.card as card_module
import auditors.licenses.names as names_module
from auditors.classifier.features import _fold
from auditors.licenses.names import _LICENSE_TALK_SCAN
from auditors.lineage import _DERIVATION_SCAN
from auditors.sections import BIAS_SCAN
from auditors.textnorm import capped_word_count, collapse, line_words, words_by_line
from auditors.wordscan import WordScan
from auditors.yamlload import PlainSafeLoader

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


_YAML_DOCS = [
    "",
    "license: apache-2.0\ntags:\n- text-generation\n- llama\nlanguage: [en, fr]",
    "a: 1\nb: 1.5\nc: true\nd: ~\ne: null\nf: 0x1F\ng: 1_000\nh: .inf\ni: -.nan\nj: 0o17",
    "yes: no\non: off\n'quoted': \"1\"\n? complex key\n: v\n1: int key\n2.5: float\nnull: x",
    "date: 2024-01-02\nstamp: 2001-12-14t21:59:43.10-05:00\nbin: !!binary aGVsbG8=",
    "a: &x [1, 2]\nb: *x\nc: &y {k: v}\nd: *y\ns: &s text\nt: *s",
    "base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\nmany:\n  <<: [*b, {z: 4}]\n  w: 5",
    "= : value key\nplain: x",
    "set: !!set {a, b}\nomap: !!omap [a: 1, b: 2]\npairs: !!pairs [a: 1, a: 2]",
    "explicit: !!str 123\nint: !!int '7'\nfloat: !!float '3'\nnulls: !!null ''\nb: !!bool 'yes'",
    "dup: 1\ndup: 2\nother: 3",
    "[1, 2]: unhashable",
    "{a: b}: unhashable",
    "r: &r [*r]",
    "m: &m {self: *m}",
    "bad: !!python/object:os.system x",
    "custom: !mytag x",
    "list:\n- - - deep\n    - [1, {a: [2, {b: 3}]}]",
    "- top\n- level\n- list",
    "just a scalar",
    "key: [unclosed",
    "a: b: c",
    "  - bad indent\n - x",
    "a: 'it''s'\nb: \"tab\\tnew\\nline\"\nc: |\n  block\n  text\nd: >\n  folded\n  text",
    "int_bad: !!int 'abc'",
    "float_bad: !!float 'x'",
    "bool_bad: !!bool maybe",
    "ts_bad: !!timestamp 2020-13-45",
    "\ufeffkey: bom",
    "emoji: 😀\nnon-ascii: café\nkey ı: ſ",
    "deep: " + "[" * 200 + "]" * 200,
    "tags: !!seq {a: b}",
    "m: !!map [1, 2]",
    "s: !!str [1, 2]",
    "n: !!null {a: b}",
]  # fmt: skip


@pytest.mark.parametrize("doc", _YAML_DOCS)
def test_plain_loader_builds_what_the_safe_loader_builds(doc: str) -> None:
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    def load(loader: type) -> tuple[str, object]:
        try:
            data = yaml.load(doc, Loader=loader)
        except Exception as exc:  # the standard loader raises more than YAMLError
            return "error", (type(exc).__name__, str(exc))
        return "data", (_shape(data), repr(data))

    assert load(PlainSafeLoader) == load(base)


def _shape(data: object, depth: int = 0) -> object:
    """Types all the way down, and which containers are one object (aliases)."""
    if depth > 50:
        return "..."
    if isinstance(data, dict):
        return ("dict", [(_shape(k, depth + 1), _shape(v, depth + 1)) for k, v in data.items()])
    if isinstance(data, list):
        return ("list", [_shape(v, depth + 1) for v in data])
    return type(data).__name__


def test_plain_loader_keeps_aliases_one_object() -> None:
    data = yaml.load("a: &x [1]\nb: *x\nc: &y {k: v}\nd: *y", Loader=PlainSafeLoader)
    assert data["a"] is data["b"] and data["c"] is data["d"]
    looped = yaml.load("r: &r [*r]", Loader=PlainSafeLoader)
    assert looped["r"][0] is looped["r"]


def test_plain_loader_on_generated_front_matter() -> None:
    rng = random.Random(11)
    scalars = [
        "en", "apache-2.0", "true", "No", "1.0", "1e3", "0x10", "~", "''", "2024-05-01",
        "text-generation", "- x", "=", "<<", '"q"', "'1'", "12:30", "+1", ".5", "ſ",
    ]  # fmt: skip
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for _ in range(500):
        lines = []
        for n in range(rng.randint(1, 8)):
            value = rng.choice(scalars)
            if rng.random() < 0.3:
                value = "[" + ", ".join(rng.choices(scalars[:12], k=3)) + "]"
            lines.append(f"k{n}: {value}")
        doc = "\n".join(lines)
        try:
            expected: object = repr(yaml.load(doc, Loader=base))
        except yaml.YAMLError as exc:
            expected = str(exc)
        try:
            got: object = repr(yaml.load(doc, Loader=PlainSafeLoader))
        except yaml.YAMLError as exc:
            got = str(exc)
        assert got == expected, doc


def test_capped_word_count_compares_like_the_full_count() -> None:
    rng = random.Random(13)
    for _ in range(20000):
        text = "".join(
            rng.choices(["a", "bb", " ", "\n", "\t", "\u00a0", "  "], k=rng.randint(0, 30))
        )
        cap = rng.randint(0, 8)
        assert capped_word_count(text, cap) == min(len(text.split()), cap + 1), (text, cap)


def test_token_folding_as_lower_and_translate() -> None:
    digits = str.maketrans("123456789", "000000000")
    rng = random.Random(17)
    alphabet = "aZq09581 \n|%$İΣſ\u212a٣é😀-."
    for _ in range(20000):
        text = "".join(rng.choices(alphabet, k=rng.randint(0, 20)))
        assert _fold(text) == text.lower().translate(digits), text


def test_words_by_line_as_line_words_of_each_line() -> None:
    rng = random.Random(19)
    pieces = ["Licence", "LICENCES", "licensor’s", "https", "http", "v1.2.3", "Σ", "İ", "’", "\n",
              " ", "word", "x.5", "ſ", "\r", "2024"]  # fmt: skip
    for _ in range(5000):
        text = "".join(rng.choices(pieces, k=rng.randint(0, 25)))
        assert words_by_line(text) == [line_words(line) for line in text.split("\n")], text


def _license_sentences_by_splitting(
    text: str, first_line: int, everywhere: bool
) -> list[tuple[int, str, int]]:
    """The plain version: every line split, and the lines holding licensing talk bisected."""
    talk = [m.start() for m in names_module._LICENSE_TALK.finditer(text)]
    if not (talk or everywhere):
        return []
    lines = text.split("\n")
    starts = list(itertools.accumulate((len(line) + 1 for line in lines[:-1]), initial=0))
    wanted = (
        range(len(lines)) if everywhere else sorted({bisect_right(starts, t) - 1 for t in talk})
    )
    out = []
    for n in wanted:
        for m in names_module._SENTENCE.finditer(lines[n]):
            s = m.group(0)
            if everywhere or names_module._LICENSE_TALK.search(s):
                out.append((n + first_line, s, starts[n] + m.start()))
    return out


def test_license_sentences_as_by_splitting_every_line() -> None:
    rng = random.Random(23)
    pieces = ["License", "licence: MIT", "Terms of use", ". ", "\n", "\n\n", "text", "İ", "ſ", "!"]
    for _ in range(5000):
        text = "".join(rng.choices(pieces, k=rng.randint(0, 20)))
        for everywhere in (False, True):
            expected = _license_sentences_by_splitting(text, 3, everywhere)
            assert names_module._license_sentences(text, 3, everywhere) == expected, text
