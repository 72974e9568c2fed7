"""What a card's sections are about, by headings and keywords: the rule-only baseline.

The section classifier (a later issue) will label sections a reviewer's way; until then, and
always as its fallback and baseline, this module answers the questions the BIAS and RAIL rules
ask: is there a bias/risks/limitations section, does it hold more than a template placeholder,
is a bias evaluation with results reported, are use restrictions listed?
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditors.card import Card, Section
from auditors.wordscan import WordScan

PLACEHOLDERS = re.compile(
    r"\[(?:more information needed|needs more information|optional|todo|tbd)[^\]]*\]"
    r"|\{\{\s*[\w.|\s\"']+\s*\}\}|<!--\s*(?:provide|fill|describe|todo)[^>]*-->",
    re.IGNORECASE,
)
_BIAS_HEADING = re.compile(
    r"bias|risk|limitation|ethic|fairness|safety|harm|responsib|misuse|toxicity", re.IGNORECASE
)
_RESTRICTION_HEADING = re.compile(
    r"out[- ]of[- ]scope|misuse|prohibited|restriction|acceptable use|use polic|not intended|"
    r"limitations? of use|use[- ]based",
    re.IGNORECASE,
)
#: Bias, fairness and toxicity benchmarks and methods whose results count as a bias evaluation.
#: The lookahead lists the alternatives' first letters: `re` then skips other positions at once
#: (2.6x faster on real cards, same matches). Keep it and `BIAS_SCAN` in step.
BIAS_BENCHMARKS = re.compile(
    r"(?=[wscbtrhfedgp])"
    r"(?:wino[- ]?bias|wino[- ]?gender|stereo[- ]?set|crow[s]?[- ]?pairs|\bbbq\b|\bbold\b|toxigen|"
    r"real[- ]?toxicity(?:[- ]?prompts)?|holistic[- ]?bias|\bhonest\b(?: score)?|fairface|"
    r"stable bias|equity evaluation corpus|decodingtrust|bias benchmark for qa|"
    r"\bsafetybench\b|\bdisco\b|gender bias evaluation|perspective api)",
    re.IGNORECASE,
)
#: The words the benchmarks' names begin with: `BIAS_SCAN` tries the pattern only where one
#: does. Keep them and `BIAS_BENCHMARKS` in step.
BIAS_SCAN = WordScan(
    BIAS_BENCHMARKS,
    (
        "wino", "stereo", "crow", "bbq", "bold", "toxigen", "real", "holistic", "honest",
        "fairface", "stable bias", "equity evaluation corpus", "decodingtrust",
        "bias benchmark for qa", "safetybench", "disco", "gender bias evaluation",
        "perspective api",
    ),
)  # fmt: skip
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?\s*%?(?![\w])")
_YEAR_OR_REFERENCE = re.compile(r"\b(?:19|20)\d\d\b|\[\d+\]")
_COMMENT_OR_MARKUP = re.compile(r"<!--.*?-->|[#*_>`|\-\[\]:]", re.DOTALL)
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
#: Sentences that list RAIL-style use restrictions in a card ("You can't use the model to …").
_RESTRICTION_SENTENCE = re.compile(
    r"(?:you (?:can(?:'|no)t|may not|must not|shall not|agree not to) use)|"
    r"(?:(?:not|never) (?:be )?used? (?:to|for) (?:\w+ ){0,4}(?:illegal|harmful|harm|discriminat|"
    r"defam|harass|exploit|military|surveil|medical|impersonat|generate|creat))|"
    r"use[- ]based restrictions|prohibited uses?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Evidence:
    line: int
    text: str


def placeholder_lines(card: Card) -> list[Evidence]:
    out = []
    for n, line in enumerate(card.lines[card.body_line - 1 :], start=card.body_line):
        # Every placeholder holds "[", "{{" or "<!--"; most lines hold none of them.
        m = PLACEHOLDERS.search(line) if "[" in line or "{" in line or "<" in line else None
        if m:
            out.append(Evidence(n, m.group(0)))
    return out


#: Default texts of huggingface_hub's model-card template, left in when a field is not filled.
TEMPLATE_DEFAULTS = re.compile(
    r"Users \(both direct and downstream\) should be made aware of the risks, biases and "
    r"limitations of the model\.(?:\s*More information needed for further recommendations\.)?",
    re.IGNORECASE,
)


def is_placeholder_only(section: Section) -> bool:
    return is_placeholder_text(section.body)


def is_placeholder_text(body: str) -> bool:
    """Fewer than five words once template placeholders and defaults are taken out."""
    rest = PLACEHOLDERS.sub(" ", TEMPLATE_DEFAULTS.sub(" ", body))
    rest = _COMMENT_OR_MARKUP.sub(" ", rest)
    return len(rest.split()) < 5


def bias_sections(card: Card) -> list[Section]:
    return [s for s in card.sections if s.level > 0 and _BIAS_HEADING.search(s.title)]


def bias_evaluations(card: Card) -> list[Evidence]:
    """Lines naming a bias/fairness/toxicity benchmark *with a result* (a number beside it).

    A benchmark named in a sentence with no figure ("consider evaluating on WinoBias") is not a
    reported evaluation; a table row or a line with a score is.
    """
    out: list[Evidence] = []
    lines = card.lines
    read = 0  # the first benchmark on a line decides it
    # One scan of the whole body: benchmark names never span lines, and most lines name none.
    for m in BIAS_SCAN.finditer(card.text, card.offset_of(card.body_line), card.lowered):
        n = card.line_at(m.start())
        if n == read:
            continue
        read, at = n, card.offset_of(n)
        if _line_has_result(lines, n - 1, m.start() - at, m.end() - at):
            out.append(Evidence(n, lines[n - 1].strip()[:160]))
    return out


def has_result_near(text: str, m: re.Match[str]) -> bool:
    """Whether benchmark match `m` in `text` has a figure on its line or a results table below."""
    start = text.rfind("\n", 0, m.start()) + 1
    lines = text[start:].split("\n", 7)
    return _line_has_result(lines, 0, m.start() - start, m.end() - start)


def _line_has_result(lines: list[str], i: int, start: int, end: int) -> bool:
    line = lines[i]
    return has_figures(line[:start] + " " + line[end:]) or _table_result(lines, i + 1)


def _table_result(lines: list[str], n: int) -> bool:
    """A benchmark named in a table header whose rows below carry numbers."""
    if not _TABLE_ROW.match(lines[n - 1]):
        return False
    below = lines[n : n + 6]
    return any(_TABLE_ROW.match(b) and _NUMBER.search(b) for b in below)


def has_figures(text: str) -> bool:
    """A number that is not a year or a reference mark: a result, a score, a rate."""
    return _NUMBER.search(_YEAR_OR_REFERENCE.sub(" ", text)) is not None


def restriction_sentence(text: str) -> bool:
    return _RESTRICTION_SENTENCE.search(text) is not None


def restriction_statements(card: Card) -> list[Evidence]:
    out = []
    in_section = {
        ln
        for s in card.sections
        if _RESTRICTION_HEADING.search(s.title)
        for ln in range(s.line, s.end_line + 1)
    }
    for n, line in enumerate(card.lines, start=1):
        if n >= card.body_line and (
            _RESTRICTION_SENTENCE.search(line) or (n in in_section and line.strip())
        ):
            out.append(Evidence(n, line.strip()[:160]))
    return out
