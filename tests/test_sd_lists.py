"""tracker.sources.sd_lists against the real Stable Diffusion list documents in ../shared."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from tracker.sources.sd_lists import ListEntry, classify_link, diff_entries, parse_list

LISTS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "sd-lists"
AWESOME = "awesome-stable-diffusion__awesome-stable-diffusion__README"
AKASHIC = "Maks-s__sd-akashic__README"
WEBUI = "Curated-Awesome-Lists__awesome-stable-diffusion-webui__README"

# Lower bounds a little under the counts seen (81, 117, 120, 106, 111, 113, 131).
MIN_ENTRIES = {
    f"{WEBUI}__2023-10-17": 75,
    f"{AKASHIC}__2022-10-18": 110,
    f"{AKASHIC}__2023-03-08": 112,
    f"{AWESOME}__2022-10-17": 100,
    f"{AWESOME}__2022-10-24": 105,
    f"{AWESOME}__2022-10-29": 107,
    f"{AWESOME}__2023-02-07": 125,
}


@cache
def entries(stem: str) -> tuple[ListEntry, ...]:
    """The parsed fixture `stem`, with its own repository taken from the file name."""
    path = LISTS_DIR / f"{stem}.md"
    if not path.is_file():
        pytest.skip(f"list fixture not found at {path}")
    owner, name = stem.split("__")[:2]
    return tuple(parse_list(path.read_text(encoding="utf-8"), repo=f"{owner}/{name}"))


def find(stem: str, name: str) -> ListEntry:
    matches = [entry for entry in entries(stem) if entry.name == name]
    assert len(matches) == 1, f"{name!r} in {stem}: {matches}"
    return matches[0]


def test_every_fixture_is_covered() -> None:
    if not LISTS_DIR.is_dir():
        pytest.skip(f"list fixtures not found at {LISTS_DIR}")
    assert {path.stem for path in LISTS_DIR.glob("*.md")} == set(MIN_ENTRIES)


@pytest.mark.parametrize("stem", sorted(MIN_ENTRIES))
def test_fixture_parses_to_plausible_entries(stem: str) -> None:
    parsed = entries(stem)
    assert len(parsed) >= MIN_ENTRIES[stem]
    for entry in parsed:
        assert entry.name.strip() == entry.name != ""
        assert entry.link.startswith(("http://", "https://"))
        assert entry.section, entry
        assert "#" not in entry.link.split("/")[2]


@pytest.mark.parametrize("stem", sorted(MIN_ENTRIES))
def test_toc_links_own_repo_and_prose_links_are_not_entries(stem: str) -> None:
    owner, name = stem.split("__")[:2]
    own = f"github.com/{owner}/{name}".lower()
    for entry in entries(stem):
        assert own not in entry.link.lower()
        assert "wikipedia.org" not in entry.link  # "💵 marks [Non-Free](…) content" is prose
        assert "badge" not in entry.link


def test_awesome_list_entries_with_sections() -> None:
    webui = find(f"{AWESOME}__2022-10-17", "AUTOMATIC1111/stable-diffusion-webui")
    assert webui.link == "https://github.com/AUTOMATIC1111/stable-diffusion-webui"
    assert webui.section == "Complementary Models and Tools > GUIS"
    assert webui.description is not None
    assert webui.description.startswith("Gradio based UI with extensive features")

    addon = find(f"{AWESOME}__2022-10-17", "txt2Mask")  # nested: "* Addon: [txt2Mask](…) - …"
    assert addon.link == "https://github.com/ThereforeGames/txt2mask"
    assert addon.section == "Complementary Models and Tools > GUIS"
    assert addon.description == (
        "Addon for mask based inpainting using natural language instead of brush tools."
    )

    card = find(f"{AWESOME}__2022-10-17", "Official Model Card")  # "🖊️ [Official Model Card]"
    assert card.section == "Models and Weights"
    assert find(f"{AWESOME}__2022-10-24", "Official Model Card").section == (
        "Checkpoints and Weights"
    )


def test_bare_url_item_is_an_entry() -> None:
    # "* **https://github.com/Stability-AI/stablediffusion - Official Stability AI …**"
    entry = find(f"{AWESOME}__2023-02-07", "stablediffusion")
    assert entry.link == "https://github.com/Stability-AI/stablediffusion"
    assert entry.section == "Official Resources"
    assert entry.description == "Official Stability AI Stable Diffusion 2.1 release."


def test_akashic_br_lines_are_entries() -> None:
    stem = f"{AKASHIC}__2022-10-18"
    waifu = find(stem, "Waifu Diffusion")
    assert waifu.link == "https://github.com/harubaru/waifu-diffusion"
    assert waifu.section == "General information > Checkpoints and Embeddings"
    assert waifu.description == "(Model v1.3)"

    guide = find(stem, "Stable Diffusion Ultimate Beginner’s Guide")  # link text spans 2 lines
    assert guide.section == "General information > Guides"
    assert guide.description is None

    labelled = [entry for entry in entries(stem) if entry.name == "CLIP Interrogator"]
    assert [entry.link for entry in labelled] == [
        "https://colab.research.google.com/github/pharmapsychotic/clip-interrogator/blob/main/clip_interrogator.ipynb",
        "https://replicate.com/methexis-inc/img2prompt",
    ]
    assert {entry.section for entry in labelled} == {"Misc"}


def test_webui_list_strips_star_counts_and_skips_placeholders() -> None:
    stem = f"{WEBUI}__2023-10-17"
    controlnet = find(stem, "sd-webui-controlnet")  # "- 🌟11597 [sd-webui-controlnet](…) - …"
    assert controlnet.link == "https://github.com/Mikubill/sd-webui-controlnet"
    assert controlnet.section == "GitHub projects"
    assert controlnet.description is not None
    assert controlnet.description.startswith("WebUI extension for ControlNet.")

    # "- [journey-ad/…](…) 💫 601 - Bilingual localization extensions …"
    bilingual = find(stem, "journey-ad/sd-webui-bilingual-localization")
    assert bilingual.description is not None
    assert bilingual.description.startswith("Bilingual localization extensions")

    video = find(stem, "SD Web UI Becomes Easier! Quick custom UI layout stable diffusion")
    assert video.section == "Videos"  # "📺 [😍SD Web UI …]" loses its emoji; the repeat is dropped
    assert "Gradio" not in {entry.name for entry in entries(stem)}  # "[Gradio](some_link)"


def test_real_week_diff() -> None:
    old, new = entries(f"{AWESOME}__2022-10-17"), entries(f"{AWESOME}__2022-10-24")
    added, removed = diff_entries(list(old), list(new))
    assert [(entry.name, entry.link, entry.section) for entry in added] == [
        (
            "runwayml/stable-diffusion",
            "https://github.com/runwayml/stable-diffusion",
            "Actively Maintained Forks and Containers",
        ),
        (
            "sd-v1-5 from RunwayML",
            "https://huggingface.co/runwayml/stable-diffusion-v1-5?",
            "Checkpoints and Weights",
        ),
        (
            "sd-v1-5-inpainting from RunwayML",
            "https://huggingface.co/runwayml/stable-diffusion-inpainting/blob/main/sd-v1-5-inpainting.ckpt",
            "Checkpoints and Weights",
        ),
        # Already listed under "Specialized Usecases"; this week it was added to a second section.
        (
            "Stable Dreamfusion",
            "https://github.com/ashawkey/stable-dreamfusion",
            "Complementary Models and Tools > Customisation",
        ),
        (
            "Top SD Artists",
            "https://www.urania.ai/top-sd-artists",
            "Tutorials and Comparisons > Learning and Mastering",
        ),
    ]
    # "Models and Weights" became "Checkpoints and Weights" and three entries were reworded
    # or moved: none of that is an add or a remove.
    assert removed == []
    assert [entry.artifact for entry in added[:3]] == [
        ("github-repo", "runwayml/stable-diffusion"),
        ("hf-model", "runwayml/stable-diffusion-v1-5"),
        ("hf-model", "runwayml/stable-diffusion-inpainting"),
    ]


def test_real_week_diff_backwards_swaps_added_and_removed() -> None:
    old, new = entries(f"{AWESOME}__2022-10-17"), entries(f"{AWESOME}__2022-10-24")
    forward_added, _ = diff_entries(list(old), list(new))
    added, removed = diff_entries(list(new), list(old))
    assert added == []
    assert removed == forward_added


def test_akashic_diff_reports_a_changed_link_as_added() -> None:
    added, removed = diff_entries(
        list(entries(f"{AKASHIC}__2022-10-18")), list(entries(f"{AKASHIC}__2023-03-08"))
    )
    assert [entry.name for entry in added] == [
        "Improve 3D renders with SD",
        "Synesthetic",
        "Wonderflex's photography terms studies",  # its link changed from a duplicate one
    ]
    assert removed == []


def test_diff_ignores_link_spelling() -> None:
    old = [ListEntry("a", "https://GitHub.com/o/r.git/", "S", None)]
    new = [ListEntry("a", "http://github.com/o/r#readme", "T", "now described")]
    assert diff_entries(old, new) == ([], [])


@pytest.mark.parametrize(
    ("link", "artifact"),
    [
        (
            "https://github.com/AUTOMATIC1111/stable-diffusion-webui",
            ("github-repo", "AUTOMATIC1111/stable-diffusion-webui"),
        ),
        (
            "https://github.com/xinntao/Real-ESRGAN/releases/",
            ("github-repo", "xinntao/Real-ESRGAN"),
        ),
        (
            "https://huggingface.co/CompVis/stable-diffusion-v-1-4-original",
            ("hf-model", "CompVis/stable-diffusion-v-1-4-original"),
        ),
        (
            "https://huggingface.co/nousr/robo-diffusion/tree/main/models",
            ("hf-model", "nousr/robo-diffusion"),
        ),
        ("https://huggingface.co/spaces/stabilityai/stable-diffusion", None),
        ("https://huggingface.co/sd-concepts-library", None),
        ("https://github.com/topics/stable-diffusion", None),
        ("https://gist.github.com/Pyr-000/f69335314be3abc5660a55fdd0643125", None),
        ("https://github.com/sponsors/AUTOMATIC1111", None),
        ("https://lexica.art/", None),
    ],
)
def test_classify_link(link: str, artifact: tuple[str, str] | None) -> None:
    assert classify_link(link) == artifact
    assert ListEntry("x", link, None, None).artifact == artifact


def test_artifacts_of_real_entries() -> None:
    stem = f"{AWESOME}__2022-10-17"
    assert find(stem, "stable-diffusion-v-1-4-original.chkpt").artifact == (
        "hf-model",
        "CompVis/stable-diffusion-v-1-4-original",
    )
    assert find(stem, "HuggingFace/StabilityAI").artifact is None  # a Hub space
    assert find(stem, "DiffusionBee").artifact == (
        "github-repo",
        "divamgupta/diffusionbee-stable-diffusion-ui",
    )


def test_named_anchor_before_the_link_is_not_the_link() -> None:
    text = '* <a name="x"></a>[InvokeAI](https://github.com/invoke-ai/InvokeAI) - a fork\n'
    assert parse_list(text) == [
        ListEntry("InvokeAI", "https://github.com/invoke-ai/InvokeAI", None, "a fork")
    ]


def test_table_rows_are_entries() -> None:
    text = "## Models\n\n| Model | Notes |\n| --- | --- |\n| [SD 2.1](https://huggingface.co/stabilityai/stable-diffusion-2-1) | 768px |\n| plain | none |\n"  # noqa: E501
    assert parse_list(text) == [
        ListEntry(
            "SD 2.1",
            "https://huggingface.co/stabilityai/stable-diffusion-2-1",
            "Models",
            "768px",
        )
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "<html><body><p>no list</p><a href='http://[broken'>x</a><ul><li><a>empty</a></li></ul>",
        "* [x](http://[::1]:bad/) y\n* [z](javascript:alert(1))\n",
        ("- [a](https://github.com/o/r) 🌟 " + "word " * 200) * 1_000,  # one line, about 1 MB
        "x" * 1_000_000,
    ],
)
def test_garbage_does_not_raise(text: str) -> None:
    parsed = parse_list(text)
    assert diff_entries(parsed, []) == ([], parsed)
