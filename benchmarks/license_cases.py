"""Labelled cases for the license-identification benchmark, built from the shared corpus.

`build_cases(shared)` turns the tables in `benchmarks/data/` and the texts under the shared corpus
into `Case`s, one list, always in the same order and with the same texts (variants use a random
generator seeded by the case id). Categories:

- `whole`: a license text as it is (corpus `licenses/`, peer-license-tests license files).
- `preamble-cut`: the same text without its title/preamble (everything before the first numbered
  section or definitions, else the first 15 % of lines) and without its copyright header.
- `edited`: three seeded variants per text: re-wrapped, Markdown-formatted, copyright line added,
  ~2 % of words replaced or deleted, one sentence dropped, curly quotes.
- `attachment-only`: only the use-restriction attachment (Attachment A) of a RAIL text.
- `hub-id-metadata`: real cards naming a model license by Hub id in their front matter.
- `prose`: real cards or card excerpts that name the license only in prose.
- `real-cards`: real cards, whole, hand-labelled (`data/real-cards.tsv`).
- `notice`: short notices and references (ScanCode's own rule texts).

The shared directory is `../shared` beside the checkout unless `GENAI_SHARED` says otherwise.
"""

from __future__ import annotations

import csv
import os
import random
import re
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
KB_PATH = ROOT / "data" / "knowledge" / "licenses.yaml"

CATEGORIES = (
    "whole",
    "preamble-cut",
    "edited",
    "attachment-only",
    "hub-id-metadata",
    "prose",
    "real-cards",
    "notice",
)
CARD_CATEGORIES = frozenset({"hub-id-metadata", "prose", "real-cards", "notice"})
EDIT_VARIANTS = ("reflow", "markdown", "mixed")
SEED = "genai-tracker/license-bench/v1"


@dataclass(frozen=True)
class Case:
    """One input for the identifier, with the answer a careful reader would give."""

    id: str
    category: str
    text: str
    filename: str
    expected: str
    accept: tuple[str, ...] = ()
    scancode_expected: tuple[str, ...] = ()
    source: str = ""

    @property
    def is_card(self) -> bool:
        """Whether the case is scored with `identify_card` (else `identify_text`)."""
        return self.category in CARD_CATEGORIES

    @property
    def answers(self) -> tuple[str, ...]:
        return (self.expected, *self.accept)


def default_shared_dir() -> Path:
    env = os.environ.get("GENAI_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared"


# ---------------------------------------------------------------------------------------------
# Tables


def read_table(name: str) -> list[dict[str, str]]:
    """Rows of a tab-separated table in `benchmarks/data/`; `#` lines are comments."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    body = [line for line in lines if line.strip() and not line.startswith("#")]
    rows = []
    for row in csv.DictReader(body, delimiter="\t", quoting=csv.QUOTE_NONE):
        rows.append({k: (v or "").strip() for k, v in row.items() if k is not None})
    return rows


def split_ids(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def load_crosswalk() -> dict[str, str | None]:
    """ScanCode key -> our license id (None for keys that name nothing in our vocabulary)."""
    return {
        r["scancode_key"]: (None if r["license_id"] == "-" else r["license_id"])
        for r in read_table("scancode-crosswalk.tsv")
    }


def load_kb_ids(path: Path = KB_PATH) -> tuple[frozenset[str], dict[str, str]] | None:
    """License ids in the knowledge base and an alias -> id map, or None if it does not exist."""
    if not path.is_file():
        return None
    import yaml  # only needed once the knowledge base exists

    raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = raw.get("licenses", []) if isinstance(raw, dict) else []
    if isinstance(entries, dict):  # tolerate a mapping id -> entry
        entries = [{"id": k, **(v or {})} for k, v in entries.items()]
    ids = frozenset(str(e["id"]) for e in entries if isinstance(e, dict) and "id" in e)
    aliases: dict[str, str] = {}
    for e in entries:
        if isinstance(e, dict) and "id" in e:
            for alias in e.get("aliases") or ():
                aliases.setdefault(str(alias).strip().lower(), str(e["id"]))
    return ids, aliases


def make_canonical(kb: tuple[frozenset[str], dict[str, str]] | None) -> Callable[[str], str]:
    """A function mapping one of our ids to the knowledge base's id for it (identity without KB)."""
    if kb is None:
        return lambda license_id: license_id
    ids, aliases = kb

    def canonical(license_id: str) -> str:
        if license_id in ids:
            return license_id
        return aliases.get(license_id.lower(), license_id)

    return canonical


def _scancode_keys_for(ids: tuple[str, ...], crosswalk: dict[str, str | None]) -> tuple[str, ...]:
    return tuple(sorted(k for k, v in crosswalk.items() if v is not None and v in ids))


def _peer_expected_keys(shared: Path) -> dict[str, tuple[str, ...]]:
    path = shared / "corpus" / "peer-license-tests" / "expected-scancode-keys.tsv"
    with path.open(encoding="utf-8") as fh:
        rows = csv.DictReader(fh, delimiter="\t")
        return {r["file"]: split_ids(r["expected_keys"].replace(" AND ", ",")) for r in rows}


# ---------------------------------------------------------------------------------------------
# Text helpers


def read_text(path: Path) -> str:
    """The file's text exactly, CRLF line ends included."""
    return path.read_bytes().decode("utf-8", errors="replace")


_YAML_HEADER = re.compile(r"\A\s*---\r?\n.*?\r?\n---[ \t]*\r?\n", re.S)


def strip_front_matter(text: str) -> str:
    """Text without a leading YAML block (a card's metadata or a ScanCode LicenseDB header)."""
    return _YAML_HEADER.sub("", text, count=1)


def front_matter_lines(text: str) -> int:
    """Number of lines taken by a leading YAML block (0 if none)."""
    m = _YAML_HEADER.match(text)
    return m.group(0).count("\n") if m else 0


_SECTION = re.compile(
    r"^\s*(?:#+\s*)?(?:\*\*|__)?\s*(?:(?i:section|article|§)\s*)?(?:0|1|I)\\?(?:\.|:|\)|\s+[-–])"
)
_DEFINITIONS = re.compile(r"^\s*(?:#+\s*)?(?:\*\*)?\s*(?:[\w.]+\s*[:.–-]?\s*)?definitions?\b", re.I)
_PREAMBLE = re.compile(r"preamble|introduction|background", re.I)
_COPYRIGHT = re.compile(r"^\s*(?:portions\s+)?(?:copyright\b|\(c\)|©)", re.I)


def cut_preamble(text: str) -> str:
    """Drop the title/preamble and the copyright header, keep the operative terms."""
    lines = strip_front_matter(text).replace("\r\n", "\n").strip("\n").split("\n")
    limit = len(lines) // 2
    cut = next(
        (
            i
            for i, line in enumerate(lines[1 : limit + 1], start=1)
            if (_SECTION.match(line) and not _PREAMBLE.search(line))
            or (len(line) < 60 and _DEFINITIONS.match(line))
        ),
        max(1, round(len(lines) * 0.15)),
    )
    rest = lines[cut:]
    head = [line for line in rest[:20] if not _COPYRIGHT.match(line)]
    return "\n".join(head + rest[20:]).strip("\n") + "\n"


_ATTACHMENT = re.compile(r"^\s*(?:#+\s*)?(?:\*\*)?Attachment A\b")


def attachment_a(text: str) -> str:
    """From the last line that starts with "Attachment A" to the end."""
    lines = text.replace("\r\n", "\n").split("\n")
    starts = [i for i, line in enumerate(lines) if _ATTACHMENT.match(line)]
    if not starts:
        raise ValueError("no line starts with 'Attachment A'")
    return "\n".join(lines[starts[-1] :]).strip("\n") + "\n"


def lines_of(text: str, spec: str) -> tuple[str, int, int]:
    """The part of a card named by `spec` ("all", "body" or "A-B"), with its 1-based line span."""
    lines = text.split("\n")
    if spec == "all":
        return text, 1, len(lines)
    if spec == "body":
        skip = front_matter_lines(text)
        return "\n".join(lines[skip:]), skip + 1, len(lines)
    start, end = (int(x) for x in spec.split("-"))
    return "\n".join(lines[start - 1 : end]) + "\n", start, end


# ---------------------------------------------------------------------------------------------
# Edits (all driven by a seeded random.Random, so the same case id always gives the same text)

_ITEM = re.compile(r"^\s*(?:[-*•]|\(?[a-z0-9]{1,4}[.)]|\([ivx]{1,4}\))\s+", re.I)
_FILLERS = ("the", "any", "such", "this", "other", "model", "shall", "all", "its", "use")


def _paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if p.strip()]


def rewrap(text: str, width: int) -> str:
    """Re-flow each paragraph (list items separately) to `width`; 0 = one line per paragraph."""
    out = []
    for para in _paragraphs(text):
        items: list[list[str]] = []
        for line in para.split("\n"):
            if not items or _ITEM.match(line):
                items.append([])
            items[-1].append(line.strip())
        flowed = []
        for item in items:
            joined = " ".join(w for w in item if w)
            flowed.append(
                textwrap.fill(joined, width, break_long_words=False, break_on_hyphens=False)
                if width
                else joined
            )
        out.append("\n".join(flowed))
    return "\n\n".join(out) + "\n"


_HEADING = re.compile(
    r"^(?:\d+(?:\.\d+)*\.?|[IVX]+\.|(?:section|article) [\dIVX]+:?)\s*\S.{0,60}$", re.I
)


def markdownify(text: str) -> str:
    """Markdown as people write it: `#` title, `##` section headings, bullets, bold terms.

    Works on one line per paragraph or list item (`rewrap(text, 0)`).
    """
    out, titled = [], False
    for line in text.split("\n"):
        s = line.strip()
        if not s:
            out.append("")
        elif not titled and not _COPYRIGHT.match(s):
            out.append("# " + s.lstrip("# "))
            titled = True
        elif len(s) < 70 and (_HEADING.match(s) or (s.isupper() and len(s.split()) >= 2)):
            out.append("## " + s.lstrip("# "))
        elif re.match(r"^[-•]\s+", s):
            out.append("* " + s[1:].strip())
        elif re.match(r"^\([a-z]{1,4}\)\s+", s):
            out.append("- " + s)
        else:
            out.append(re.sub(r'^(["“][^"”]{2,40}["”])', r"**\1**", s))
    return "\n".join(out)


def wrap_lines(text: str, width: int) -> str:
    """Hard-wrap every line but headings to `width` (0 = leave as is)."""
    out = []
    for line in text.split("\n"):
        if not width or line.startswith("#") or len(line) <= width:
            out.append(line)
            continue
        item = _ITEM.match(line)
        indent = " " * len(item.group(0)) if item else ""
        out.append(
            textwrap.fill(
                line,
                width,
                subsequent_indent=indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return "\n".join(out)


def edit_words(text: str, rng: random.Random, rate: float = 0.02) -> str:
    """Replace or delete about `rate` of the words."""
    tokens = re.split(r"(\s+)", text)
    words = [i for i, t in enumerate(tokens) if re.fullmatch(r"[A-Za-z]{3,}[,;.]?", t)]
    for i in rng.sample(words, max(1, round(len(words) * rate))) if words else []:
        tokens[i] = rng.choice(_FILLERS) if rng.random() < 0.5 else ""
    return re.sub(r"[ \t]{2,}", " ", "".join(tokens))


_SENTENCE = re.compile(r"(?<=[.;]\s)[A-Z][^.;\n]{40,300}[.;](?=\s)")


def drop_sentence(text: str, rng: random.Random) -> str:
    """Remove one sentence from the middle 80 % of the text."""
    spans = [m.span() for m in _SENTENCE.finditer(text)]
    inner = [s for s in spans if 0.1 * len(text) <= s[0] <= 0.9 * len(text)] or spans
    if not inner:
        return text
    start, end = rng.choice(inner)
    return text[:start] + text[end:].lstrip(" ")


def curly_quotes(text: str) -> str:
    text = re.sub(r'"([^"\n]*)"', "“\\1”", text)
    text = re.sub(r"(\w)'(\w)", "\\1’\\2", text)
    return text.replace('"', "”")


COPYRIGHT_LINE = "Copyright (c) 2024 Some Org"


def edited_variant(text: str, variant: str, rng: random.Random) -> str:
    """One of the `EDIT_VARIANTS` of a license text (its YAML header, if any, dropped first)."""
    flat = rewrap(strip_front_matter(text), 0)  # one line per paragraph or list item
    width = rng.choice((56, 64, 72, 90, 110, 0))
    if variant == "reflow":
        return f"{COPYRIGHT_LINE}\n\n" + curly_quotes(wrap_lines(flat, width))
    if variant == "markdown":
        return wrap_lines(edit_words(markdownify(flat), rng), rng.choice((0, 80)))
    if variant == "mixed":
        body = drop_sentence(edit_words(markdownify(flat), rng), rng)
        return f"{COPYRIGHT_LINE}\n\n" + curly_quotes(wrap_lines(body, width))
    raise ValueError(f"unknown variant {variant!r}")


# ---------------------------------------------------------------------------------------------
# Case builders


def _license_filename(path: str) -> str:
    """A neutral file name for a license text: keep the extension, never the license's name."""
    name = Path(path).name
    if "__" in name and name.startswith("licensee__"):
        return name.rsplit("__", 1)[1]  # the fixture's own name: LICENSE.md, README.md ...
    suffix = Path(name).suffix
    return "LICENSE" + (suffix if suffix in (".txt", ".md") else "")


def _case_slug(path: str) -> str:
    return path.replace("peer-license-tests/files/", "peer/").rsplit(".", 1)[0]


Canon = Callable[[str], str]
Crosswalk = dict[str, str | None]


def _answers(row: dict[str, str], canonical: Canon) -> tuple[str, tuple[str, ...]]:
    return canonical(row["expected"]), tuple(canonical(a) for a in split_ids(row["accept"]))


def _text_cases(shared: Path, canonical: Canon, crosswalk: Crosswalk) -> Iterator[Case]:
    corpus = shared / "corpus"
    peer_keys = _peer_expected_keys(shared)
    with_variants = []
    for row in read_table("license-texts.tsv"):
        if row["expected"] == "-":
            continue
        expected, accept = _answers(row, canonical)
        peer_name = row["file"].removeprefix("peer-license-tests/files/")
        keys = set(split_ids(row["scancode"]) or peer_keys.get(peer_name, ()))
        keys |= set(_scancode_keys_for((expected, *accept), crosswalk))
        base = Case(
            id=f"whole/{_case_slug(row['file'])}",
            category="whole",
            text=read_text(corpus / row["file"]),
            filename=_license_filename(row["file"]),
            expected=expected,
            accept=accept,
            scancode_expected=tuple(sorted(keys)),
            source=row["file"],
        )
        yield base
        if row["variants"] == "yes":
            with_variants.append(base)
    for base in with_variants:
        yield replace(
            base,
            id=base.id.replace("whole/", "preamble-cut/", 1),
            category="preamble-cut",
            text=cut_preamble(base.text),
            source=f"{base.source} (preamble and copyright header removed)",
        )
    for base in with_variants:
        for variant in EDIT_VARIANTS:
            case_id = base.id.replace("whole/", "edited/", 1) + f"#{variant}"
            rng = random.Random(f"{SEED}:{case_id}")
            yield replace(
                base,
                id=case_id,
                category="edited",
                text=edited_variant(base.text, variant, rng),
                filename="LICENSE.txt" if variant == "reflow" else "LICENSE.md",
                source=f"{base.source} ({variant} edit)",
            )


def _attachment_cases(shared: Path, canonical: Canon, crosswalk: Crosswalk) -> Iterator[Case]:
    for row in read_table("attachments.tsv"):
        expected, accept = _answers(row, canonical)
        yield Case(
            id=f"attachment-only/{_case_slug(row['file'])}",
            category="attachment-only",
            text=attachment_a(read_text(shared / "corpus" / row["file"])),
            filename="LICENSE.txt",
            expected=expected,
            accept=accept,
            scancode_expected=split_ids(row["scancode"]),
            source=f"{row['file']} (Attachment A only)",
        )


def _card_cases(shared: Path, canonical: Canon, crosswalk: Crosswalk) -> Iterator[Case]:
    cards = shared / "corpus" / "cards"
    tables = (
        ("hub-id-metadata", "hub-id-metadata.tsv"),
        ("prose", "prose-cards.tsv"),
        ("real-cards", "real-cards.tsv"),
    )
    for category, table in tables:
        for row in read_table(table):
            expected, accept = _answers(row, canonical)
            text, start, end = lines_of(read_text(cards / row["card"]), row.get("lines", "all"))
            yield Case(
                id=f"{category}/{row['card'].removesuffix('.md')}",
                category=category,
                text=text,
                filename="README.md",
                expected=expected,
                accept=accept,
                scancode_expected=_scancode_keys_for((expected, *accept), crosswalk),
                source=f"cards/{row['card']} lines {start}-{end}",
            )


def _notice_cases(shared: Path, canonical: Canon, crosswalk: Crosswalk) -> Iterator[Case]:
    peer_keys = _peer_expected_keys(shared)
    for row in read_table("notices.tsv"):
        if row["expected"] == "-":
            continue
        expected, accept = _answers(row, canonical)
        keys = set(peer_keys.get(row["file"].removeprefix("peer-license-tests/files/"), ()))
        keys |= set(_scancode_keys_for((expected,), crosswalk))
        yield Case(
            id=f"notice/{_case_slug(row['file'])}",
            category="notice",
            text=read_text(shared / "corpus" / row["file"]),
            filename="README.md",
            expected=expected,
            accept=accept,
            scancode_expected=tuple(sorted(keys)),
            source=row["file"],
        )


def build_cases(shared: Path | None = None, kb_path: Path = KB_PATH) -> list[Case]:
    """Every benchmark case, in a fixed order, with ids unique across categories."""
    shared = shared or default_shared_dir()
    canonical = make_canonical(load_kb_ids(kb_path))
    crosswalk = load_crosswalk()
    builders = (_text_cases, _attachment_cases, _card_cases, _notice_cases)
    cases = [case for build in builders for case in build(shared, canonical, crosswalk)]
    order = {c: i for i, c in enumerate(CATEGORIES)}
    return sorted(cases, key=lambda c: order[c.category])  # stable: keeps table order within


def count_by_category(cases: list[Case]) -> dict[str, int]:
    counts = dict.fromkeys(CATEGORIES, 0)
    for case in cases:
        counts[case.category] += 1
    return counts


if __name__ == "__main__":
    built = build_cases()
    for category, n in count_by_category(built).items():
        print(f"{category:16} {n}")
    print(f"{'total':16} {len(built)}")
