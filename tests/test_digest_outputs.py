"""What the digest's outputs are to the programs that read them: a browser (headless Chromium,
driven by Playwright), a feed reader (feedparser), a mail parser and an SMTP server (aiosmtpd);
and what untrusted text from cards and lists becomes on the way through."""

from __future__ import annotations

import email
import functools
import os
import re
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest
from aiosmtpd.controller import Controller
from markdown_it import MarkdownIt

from tests.conftest import DEMO_DIR
from tests.digest_world import LIST_WEEK2, World, digest_world, week_two
from tests.processes import CHROMIUM, CHROMIUM_ARGS, free_port, run_tracker
from tracker.digest.week import IsoWeek
from tracker.digest.workflow import draft, publish

W46, W47 = IsoWeek.parse("2026-W46"), IsoWeek.parse("2026-W47")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

#: A list entry and a card license that try to run script in whoever renders the digest.
EVIL_ENTRIES = (
    "\n## Evil tools\n\n"
    '- [Evil `<script>alert(1)</script>` tool](https://evil.example/a"onmouseover="alert(1)) '
    "- <b onmouseover=alert(1)>desc</b>\n"
    "- [<img src=x onerror=alert(4)>](https://evil.example/b) - x\n"
)
EVIL_LICENSE = '"<script>alert(2)</script>"'


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Two real weeks (tests/digest_world.py) plus hostile text in week two, drafted and
    published: W46 then W47."""
    tmp = tmp_path_factory.mktemp("published")
    shutil.copytree(DEMO_DIR, tmp / "snapshot")
    with (
        pytest.MonkeyPatch.context() as mp,
        digest_world(tmp / "snapshot", tmp / "t.db", mp, weeks=1) as world,
    ):
        hostile_list = tmp / "list.md"
        hostile_list.write_text(LIST_WEEK2.read_text(encoding="utf-8") + EVIL_ENTRIES, "utf-8")
        _add_hostile_card(world)
        week_two(world, hostile_list)
        out = tmp / "digests"
        for week in (W46, W47):
            draft(world.engine, week, out, NOW)
            publish(out, week, NOW, base_url="https://digest.example.org/archive")
    yield out


def _add_hostile_card(world: World) -> None:
    card = (DEMO_DIR / "hub" / "abdd68" / "output" / "README.md").read_text(encoding="utf-8")
    hostile = re.sub(r"(?m)^license:.*$", f"license: {EVIL_LICENSE}", card, count=1)
    world.add_model("acme/hostile-card", hostile, downloads=99_999, likes=5)


def _outputs(out: Path) -> dict[str, str]:
    week = out / "2026-W47"
    message = email.message_from_bytes((week / "digest.eml").read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    html_part = message.get_body(("html",))
    assert html_part is not None
    return {
        "digest.md": (week / "digest.md").read_text(encoding="utf-8"),
        "digest.html": (week / "digest.html").read_text(encoding="utf-8"),
        "email html": html_part.get_content(),
        "index.html": (out / "archive" / "index.html").read_text(encoding="utf-8"),
        "feed.atom": (out / "archive" / "feed.atom").read_text(encoding="utf-8"),
    }


def test_hostile_text_reached_the_digest(published: Path) -> None:
    markdown = (published / "2026-W47" / "digest.md").read_text(encoding="utf-8")
    assert "acme/hostile-card" in markdown and "alert(2)" in markdown  # shown, as text
    assert "alert(1)" in markdown and "onmouseover" in markdown


@pytest.mark.parametrize(
    "name", ["digest.md", "digest.html", "email html", "index.html", "feed.atom"]
)
def test_untrusted_text_never_reaches_an_output_unescaped(published: Path, name: str) -> None:
    text = _outputs(published)[name]
    if name == "feed.atom":  # the entry's HTML is itself escaped text: read it as a reader does
        text = "\n".join(e.content[0].value for e in feedparser.parse(text).entries)
    if name == "digest.md":  # as a platform that allows raw HTML in Markdown would render it
        text = MarkdownIt("commonmark", {"html": True}).render(text)
    assert not re.search(r"<script", text, re.IGNORECASE)
    assert not re.search(r"<[^>]*\son\w+\s*=", text, re.IGNORECASE)  # no event handler attribute
    assert not re.search(r"(?:href|src)\s*=\s*[\"']?\s*javascript:", text, re.IGNORECASE)


def test_html_renders_in_headless_chromium(published: Path, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    week = published / "archive" / "2026-W47"
    handler = functools.partial(_QuietHandler, directory=str(week))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    shot = tmp_path / "digest.png"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 900, "height": 1200})
            failed: list[str] = []
            page.on(
                "response",
                lambda r: (
                    failed.append(r.url) if r.status >= 400 and "favicon" not in r.url else None
                ),
            )
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/digest.html")
            page.wait_for_load_state("networkidle")
            height = page.evaluate("document.documentElement.scrollHeight")
            charts = page.evaluate(
                "[...document.querySelectorAll('figure.chart img')]"
                ".map(i => [i.getAttribute('src'), i.complete, i.naturalWidth])"
            )
            sections = page.evaluate("[...document.querySelectorAll('h2')].map(h => h.id)")
            page.screenshot(path=str(shot), full_page=True)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    assert height > 2000
    assert [c[0] for c in charts] == ["charts/license-mix.svg", "charts/rates.svg"]
    assert all(complete and width > 300 for _, complete, width in charts), charts
    assert {"numbers", "notable", "license-changes", "new-problems", "ecosystem"} <= set(sections)
    assert failed == []
    assert shot.stat().st_size > 50_000 and shot.read_bytes()[:4] == b"\x89PNG"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_atom_feed_reads_back_with_feedparser(published: Path) -> None:
    feed = feedparser.parse((published / "archive" / "feed.atom").read_bytes())
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "What changed in open gen-AI"
    assert [e.id for e in feed.entries] == [
        "tag:genai-tracker,2026:digest/2026-W47",
        "tag:genai-tracker,2026:digest/2026-W46",
    ]
    newest = feed.entries[0]
    assert newest.link == "https://digest.example.org/archive/2026-W47/digest.html"
    assert newest.title == "What changed in open gen-AI, 16–22 Nov 2026"
    assert "Licenses changed" in newest.content[0].value
    assert newest.published_parsed[:3] == (2026, 11, 23)
    index = (published / "archive" / "index.html").read_text(encoding="utf-8")
    assert index.index("2026-W47/digest.html") < index.index("2026-W46/digest.html")


def test_email_parses_with_text_html_and_inline_charts(published: Path) -> None:
    raw = (published / "2026-W47" / "digest.eml").read_bytes()
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert message["Subject"] == "What changed in open gen-AI, 16–22 Nov 2026"
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    assert "LICENSES CHANGED" in text.get_content()
    body = html.get_content()
    assert "<script" not in body and "<link" not in body and "<style" not in body
    cids = set(re.findall(r'src="cid:([^"]+)"', body))
    parts = {
        p["Content-ID"].strip("<>"): p.get_content_type()
        for p in message.walk()
        if p["Content-ID"] is not None
    }
    assert cids == set(parts) == {"license-mix@genai-tracker", "rates@genai-tracker"}
    assert set(parts.values()) == {"image/png"}


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: object, session: object, envelope) -> str:  # type: ignore[no-untyped-def]
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def test_send_delivers_the_email_to_an_smtp_server(published: Path) -> None:
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        env = {
            **os.environ,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(port),
            "DIGEST_FROM": "digest@example.org",
            "DIGEST_TO": "editor@example.org, desk@example.org",
        }
        done = run_tracker("digest", "send", "--week", "2026-W47", "--out", str(published), env=env)
    finally:
        controller.stop()
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2026-W47: sent to editor@example.org, desk@example.org"
    ((sender, recipients, content),) = inbox.messages
    assert sender == "digest@example.org"
    assert recipients == ["editor@example.org", "desk@example.org"]
    received = email.message_from_bytes(content, policy=policy.default)
    assert received["To"] == "editor@example.org, desk@example.org"
    assert received["Subject"] == "What changed in open gen-AI, 16–22 Nov 2026"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["digest", "draft", "--week", "2026-W54"], "--week '2026-W54': 2026 has no week 54"),
        (["digest", "render", "--week", "nov-2026"], "expected an ISO week such as 2026-W47"),
        (["digest", "render", "--week", "2025-W01", "--out", "{tmp}"], "no draft of 2025-W01"),
        (["digest", "send", "--week", "2025-W01", "--out", "{tmp}"], "no rendered email"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    done = run_tracker(*(a.replace("{tmp}", str(tmp_path)) for a in args))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr


def test_send_without_smtp_settings_is_one_line(published: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_", "DIGEST_"))}
    done = run_tracker("digest", "send", "--week", "2026-W47", "--out", str(published), env=env)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: invalid configuration: SMTP_HOST is not set: say which SMTP server sends the "
        "digest (see `tracker --help`)"
    ]
