"""Stable Diffusion ecosystem lists: Markdown list documents into typed entries, and their diff.

A pure module (no network, no database). `parse_list` renders a list document (an "awesome list"
README or a compendium such as sd-akashic) with markdown-it-py and walks the HTML with
beautifulsoup4. An entry is an item that *leads with* an external link:

- a list item (`li`), nested items included;
- a line of a paragraph split at `<br>` (sd-akashic: ``:small_blue_diamond: [name](url)<br>``);
- a table row whose first cell holds the link.

"Leads with" means the text before the link is only markers (emoji, ``:shortcodes:``, a star
count such as ``🌟11597``) or a short label ending in ``:`` or ``-`` (``Addon: [txt2Mask](…)``).
A link in the middle of a sentence (``💵 marks [Non-Free](…) content``) is prose, not an entry.
Only the first link of an item is its entry; later links are part of the description.

`diff_entries` compares two parses of one list by normalised link, as a multiset, so renamed
sections, moved entries and reworded descriptions are not reported as adds or removes, while a
second copy of an existing link in a new section is.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PageElement, PreformattedString, Tag
from markdown_it import MarkdownIt

__all__ = ["Artifact", "ListEntry", "classify_link", "diff_entries", "normalise_link", "parse_list"]

Artifact = tuple[str, str]
"""`(kind, id)`: `("github-repo", "owner/name")` or `("hf-model", "owner/name")`."""

_EMOJI = (
    "[\u2190-\u21ff\u2300-\u23ff\u2460-\u24ff\u25a0-\u27bf\u2900-\u297f\u2b00-\u2bff"
    "\U0001f000-\U0001faff\ufe0e\ufe0f\u200d\u20e3]"
)
_SYMBOLS = re.compile(f"{_EMOJI}|:[a-z0-9_+-]+:")
_LEAD_NOISE = re.compile(rf"^(?:[\s\-–—:=,;|.]+|{_EMOJI}+\s*\d[\d,.]*[kK]?\b|{_SYMBOLS.pattern})")
_STAR_COUNT = re.compile(r"[\d,.]*[kK]?")
_BARE_URL = re.compile(r"https?://[^\s<>()\[\]\"']+")
_LABEL_ENDINGS = (":", "-", "–", "—", "|")
_MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_SKIPPED_TAGS = frozenset({"ul", "ol", "a", "script", "style", "table"})
_GITHUB_RESERVED = frozenset(
    {"about", "apps", "collections", "customer-stories", "enterprise", "events", "explore"}
    | {"features", "issues", "login", "marketplace", "new", "notifications", "orgs", "pricing"}
    | {"pulls", "search", "settings", "site", "sponsors", "topics", "trending", "users"}
)
_HUB_RESERVED = frozenset(
    {"api", "blog", "chat", "collections", "datasets", "docs", "enterprise", "join", "learn"}
    | {"login", "models", "new", "organizations", "papers", "posts", "pricing", "search"}
    | {"settings", "spaces", "tasks"}
)


@dataclass(frozen=True)
class ListEntry:
    """One entry of a list document.

    `section` is the heading path above the entry ("Complementary Models and Tools > GUIS"),
    None before the first heading. `description` is the item's text after the link, None when
    the item is a bare link.
    """

    name: str
    link: str
    section: str | None
    description: str | None

    @property
    def artifact(self) -> Artifact | None:
        """The GitHub repository or Hub model this entry links to, if any."""
        return classify_link(self.link)


@dataclass(frozen=True)
class _Piece:
    """A run of an item's inline content: text, a link (`href` set), or a line break."""

    text: str
    href: str | None = None
    badge: bool = False
    is_break: bool = False


_BREAK = _Piece("", is_break=True)


def parse_list(markdown_text: str, *, repo: str | None = None) -> list[ListEntry]:
    """Entries of a list document, in document order.

    `repo` ("owner/name") is the list's own GitHub repository; links into it are skipped.
    Identical (normalised link, section) pairs are kept once, the first time they appear.
    """
    soup = BeautifulSoup(_render(markdown_text), "html.parser")
    title_is_h1 = len(soup.find_all("h1")) == 1
    entries = (_entry(pieces, section, repo) for section, pieces in _items(soup, title_is_h1))
    return _dedupe(entry for entry in entries if entry is not None)


def diff_entries(
    old: list[ListEntry], new: list[ListEntry]
) -> tuple[list[ListEntry], list[ListEntry]]:
    """(added, removed) between two parses of one list, compared by normalised link.

    Entries pair up first with the same link in the same section, then with the same link in
    any section, so a renamed section or a moved entry is no change.
    """
    return _unpaired(new, old), _unpaired(old, new)


def normalise_link(url: str) -> str:
    """The comparison form of a link: https, lower-case host, no trailing slash, `.git` or
    fragment, no empty query."""
    parts = _split(url)
    if parts is None:
        return url.strip()
    scheme = "https" if parts.scheme.lower() in ("http", "https") else parts.scheme.lower()
    path = parts.path.rstrip("/").removesuffix(".git").rstrip("/")
    return urlunsplit((scheme, parts.netloc.lower(), path, parts.query, ""))


def classify_link(url: str) -> Artifact | None:
    """`("github-repo", "owner/name")` for a link into a GitHub repository, `("hf-model",
    "owner/name")` for a link into a Hub model repository, None for anything else (GitHub
    topics, sponsors, user pages and gists; Hub spaces, datasets, docs, blog, org pages)."""
    parts = _split(url)
    if parts is None or parts.scheme.lower() not in ("http", "https"):
        return None
    host = (parts.hostname or "").removeprefix("www.")
    segments = [unquote(segment) for segment in parts.path.split("/") if segment]
    if len(segments) < 2:
        return None
    owner, name = segments[0], segments[1].removesuffix(".git")
    if host == "github.com" and owner.lower() not in _GITHUB_RESERVED:
        return ("github-repo", f"{owner}/{name}")
    if host == "huggingface.co" and owner.lower() not in _HUB_RESERVED:
        return ("hf-model", f"{owner}/{name}")
    return None


def _render(markdown_text: str) -> str:
    html: str = _MARKDOWN.render(markdown_text)
    return html


def _items(soup: BeautifulSoup, title_is_h1: bool) -> Iterator[tuple[str | None, list[_Piece]]]:
    """(section, inline pieces) for every candidate item, tracking the heading path."""
    headings: list[tuple[int, str]] = []
    for tag in soup.find_all([*_HEADINGS, "li", "p", "tr"]):
        if tag.name in _HEADINGS:
            headings = _push_heading(headings, tag, title_is_h1)
            continue
        section = " > ".join(text for _, text in headings) or None
        for pieces in _item_pieces(tag):
            yield section, pieces


def _push_heading(
    headings: list[tuple[int, str]], tag: Tag, title_is_h1: bool
) -> list[tuple[int, str]]:
    level = int(tag.name[1])
    pieces = _flatten(tag)
    text = _clean_text(
        "".join(piece.text for piece in pieces if not (piece.href or "").startswith("#"))
    )
    kept = [heading for heading in headings if heading[0] < level]
    return kept if (level == 1 and title_is_h1) or not text else [*kept, (level, text)]


def _item_pieces(tag: Tag) -> list[list[_Piece]]:
    if tag.name == "li":
        return [[piece for piece in _flatten(tag) if not piece.is_break]]
    if tag.name == "tr":
        return [_row_pieces(tag)]
    if tag.find_parent(["li", "td", "th"]) is not None:
        return []
    return _split_lines(_flatten(tag))


def _row_pieces(row: Tag) -> list[_Piece]:
    pieces: list[_Piece] = []
    for index, cell in enumerate(row.find_all("td", recursive=False)):
        pieces.extend([_Piece(" | ")] if index else [])
        pieces.extend(piece for piece in _flatten(cell) if not piece.is_break)
    return pieces


def _split_lines(pieces: list[_Piece]) -> list[list[_Piece]]:
    lines: list[list[_Piece]] = [[]]
    for piece in pieces:
        if piece.is_break:
            lines.append([])
        else:
            lines[-1].append(piece)
    return [line for line in lines if line]


def _flatten(root: Tag) -> list[_Piece]:
    """The inline content of `root`, not descending into nested lists, tables or links."""
    pieces: list[_Piece] = []
    stack: list[PageElement] = list(reversed(root.contents))
    while stack:
        node = stack.pop()
        if isinstance(node, Tag):
            pieces.extend(_tag_pieces(node))
            stack.extend(reversed(node.contents) if node.name not in _SKIPPED_TAGS else ())
        elif isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
            pieces.extend(_text_pieces(str(node)))
    return pieces


def _tag_pieces(tag: Tag) -> list[_Piece]:
    if tag.name == "br":
        return [_BREAK]
    if tag.name != "a":
        return []
    href = tag.get("href")
    text = tag.get_text()
    badge = tag.find("img") is not None and not text.strip()
    return [_Piece(text, href if isinstance(href, str) else None, badge)]  # no href: plain text


def _text_pieces(text: str) -> Iterator[_Piece]:
    """Text, with bare URLs (not linked by the Markdown) turned into link pieces."""
    start = 0
    for match in _BARE_URL.finditer(text):
        yield _Piece(text[start : match.start()])
        yield _Piece(match.group(), match.group())
        start = match.end()
    yield _Piece(text[start:])


def _entry(pieces: list[_Piece], section: str | None, repo: str | None) -> ListEntry | None:
    index = next(
        (i for i, piece in enumerate(pieces) if piece.href is not None and not piece.badge), None
    )
    if index is None:
        return None
    link = _clean_href(pieces[index].href or "")
    prefix = "".join(piece.text for piece in pieces[:index])
    if not _is_external(link) or _is_own(link, repo) or not _leads_with_link(prefix):
        return None
    rest = "".join(piece.text for piece in pieces[index + 1 :])
    return ListEntry(_name(pieces[index].text, link), link, section, _description(rest))


def _clean_href(href: str) -> str:
    """The href, repaired for a stray `[` before the URL (`[name]([https://…)`)."""
    href = href.strip()
    for stray in ("%5B", "["):
        if href.startswith(stray) and href[len(stray) :].startswith("http"):
            return href[len(stray) :]
    return href


def _is_external(link: str) -> bool:
    parts = _split(link)
    return parts is not None and parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _is_own(link: str, repo: str | None) -> bool:
    artifact = classify_link(link)
    return (
        repo is not None
        and artifact is not None
        and artifact[0] == "github-repo"
        and (artifact[1].lower() == repo.lower())
    )


def _leads_with_link(prefix: str) -> bool:
    core = _SYMBOLS.sub(" ", prefix).strip()
    return not core or _STAR_COUNT.fullmatch(core) is not None or core.endswith(_LABEL_ENDINGS)


def _name(text: str, link: str) -> str:
    name = _clean_text(text)
    if name and not name.startswith(("http://", "https://")):
        return name
    return _last_part(link)


def _last_part(link: str) -> str:
    parts = _split(link)
    if parts is None:
        return link
    segments = [segment for segment in parts.path.split("/") if segment]
    return unquote(segments[-1]) if segments else (parts.hostname or link)


def _description(text: str) -> str | None:
    text = " ".join(text.split())
    previous = None
    while text != previous:
        previous = text
        text = _LEAD_NOISE.sub("", text).lstrip()
    return text or None


def _clean_text(text: str) -> str:
    return " ".join(_SYMBOLS.sub(" ", text).split())


def _split(url: str) -> SplitResult | None:
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return None
    return parts


def _dedupe(entries: Iterable[ListEntry]) -> list[ListEntry]:
    seen: set[tuple[str, str | None]] = set()
    kept: list[ListEntry] = []
    for entry in entries:
        key = (normalise_link(entry.link), entry.section)
        if key not in seen:
            seen.add(key)
            kept.append(entry)
    return kept


def _unpaired(entries: list[ListEntry], others: list[ListEntry]) -> list[ListEntry]:
    """Entries with no partner in `others`: same link and section first, then same link."""
    exact = Counter((normalise_link(other.link), other.section) for other in others)
    loose_pending: list[ListEntry] = []
    for entry in entries:
        key = (normalise_link(entry.link), entry.section)
        if exact[key] > 0:
            exact[key] -= 1
        else:
            loose_pending.append(entry)
    loose: Counter[str] = Counter()
    for (link, _), count in exact.items():
        loose[link] += max(count, 0)
    return [entry for entry in loose_pending if not _take(loose, normalise_link(entry.link))]


def _take(counter: Counter[str], key: str) -> bool:
    if counter[key] <= 0:
        return False
    counter[key] -= 1
    return True
