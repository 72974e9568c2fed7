"""License identification on real texts, whole and altered the ways real repos alter them."""

from __future__ import annotations

import random
import re
import textwrap

import pytest

from auditors.licenses import identify_card, identify_text
from tests.corpus import CORPUS

LICENSES = CORPUS / "licenses"

KNOWN = {
    "creativeml-openrail-m.txt": "creativeml-openrail-m",
    "openrail++.txt": "openrail++",
    "openrail++_sdxl-1.0.txt": "openrail++",
    "bigscience-openrail-m.txt": "bigscience-openrail-m",
    "bigscience-bloom-rail-1.0.txt": "bigscience-bloom-rail-1.0",
    "bigcode-openrail-m.txt": "bigcode-openrail-m",
    "llama2.txt": "llama2",
    "llama3.txt": "llama3",
    "llama3.1.txt": "llama3.1",
    "llama3.2.txt": "llama3.2",
    "llama3.3.txt": "llama3.3",
    "gemma.txt": "gemma",
    "mit.txt": "mit",
    "apache-2.0.txt": "apache-2.0",
    "gpl-3.0.txt": "gpl-3.0",
    "agpl-3.0.txt": "agpl-3.0",
    "cc-by-nc-sa-4.0.txt": "cc-by-nc-sa-4.0",
    "cc-by-nc-4.0.txt": "cc-by-nc-4.0",
}


def read(name: str) -> str:
    text = (LICENSES / name).read_text(encoding="utf-8")
    return re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.DOTALL)  # ScanCode header


def top(text: str) -> str:
    found = identify_text(text)
    assert found, "nothing identified"
    return found[0].license_id


def rewrap(text: str, width: int) -> str:
    paras = re.split(r"\n\s*\n", text)
    return "\n\n".join(textwrap.fill(" ".join(p.split()), width) for p in paras)


def markdownify(text: str) -> str:
    lines = text.split("\n")
    out = [f"# {lines[0]}"] + [
        f"**{ln}**" if ln.isupper() and ln.strip() else ln for ln in lines[1:]
    ]
    return "Copyright (c) 2024 Example Labs\n\n" + "\n".join(out)


def edit(text: str, seed: int = 7) -> str:
    rnd = random.Random(seed)
    words = text.split(" ")
    for _ in range(max(len(words) // 60, 1)):
        i = rnd.randrange(len(words))
        words[i] = rnd.choice(["the", "such", "any", "shall"])
    return " ".join(words)


@pytest.mark.parametrize(("name", "expected"), KNOWN.items())
def test_whole_texts(name: str, expected: str) -> None:
    found = identify_text(read(name))
    assert found[0].license_id == expected
    assert found[0].confidence > 0.95 and found[0].method in ("exact", "similarity")


@pytest.mark.parametrize(("name", "expected"), KNOWN.items())
def test_rewrapped_markdown_with_copyright_line_and_edits(name: str, expected: str) -> None:
    assert top(markdownify(edit(rewrap(read(name), 64)))) == expected


@pytest.mark.parametrize(("name", "expected"), KNOWN.items())
def test_preamble_removed(name: str, expected: str) -> None:
    lines = read(name).split("\n")
    assert top("\n".join(lines[len(lines) // 5 :])) == expected


def test_creativeml_attachment_alone_is_reported_with_its_identical_twin() -> None:
    text = read("creativeml-openrail-m.txt")
    attachment = text[text.rindex("Attachment A") :]
    found = identify_text(attachment)[0]
    assert {found.license_id, *found.alternatives} >= {"creativeml-openrail-m", "openrail++"}
    assert found.coverage is not None and found.coverage < 0.5


def test_paraphrased_creativeml_is_not_taken_for_the_real_text() -> None:
    name = "creativeml-openrail-m_paraphrased-in-the-wild_style-lora-diffusion.txt"
    found = identify_text(read(name))[0]
    assert found.license_id != "creativeml-openrail-m" or found.method == "title"


def test_identification_reports_matched_lines() -> None:
    text = "Model weights license follows.\n\n" + read("mit.txt")
    found = identify_text(text)[0]
    assert found.license_id == "mit" and found.line_start is not None and found.line_start >= 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "This model is released under the CreativeML OpenRAIL-M license.",
            "creativeml-openrail-m",
        ),
        ("Licensed under the Apache License, Version 2.0.", "apache-2.0"),
        ("Use of this model is governed by the Llama 2 Community License Agreement.", "llama2"),
        ("## License\n\nThis model is under the MIT license.", "mit"),
    ],
)
def test_license_named_in_prose(text: str, expected: str) -> None:
    card = f"# Model\n\n{text}\n"
    found = identify_card(card)
    assert found[0].license_id == expected and found[0].method == "prose"
    assert found[0].line_start == card.count("\n")


def test_short_names_do_not_match_inside_words() -> None:
    assert identify_card("# Model\n\nSubmit your license questions to the team.\n") == []


def test_metadata_license_other_with_license_name() -> None:
    card = "---\nlicense: other\nlicense_name: yi-license\nlicense_link: LICENSE\n---\n# Yi\n"
    found = identify_card(card)[0]
    assert (found.license_id, found.method, found.field, found.line_start) == (
        "yi-license",
        "license-name",
        "license_name",
        3,
    )
