import pytest

from auditors.card import parse_card
from tests.corpus import CORPUS


def read(name: str) -> str:
    return (CORPUS / "cards" / name).read_text(encoding="utf-8")


def test_front_matter_fields_carry_their_line_numbers() -> None:
    card = parse_card(read("nerijs__pixel-art-xl.md"))
    assert card.metadata["license"] == "creativeml-openrail-m"
    assert card.meta_list("base_model") == ["stabilityai/stable-diffusion-xl-base-1.0"]
    line = card.field_line("license")
    assert line is not None and card.lines[line - 1].startswith("license:")


def test_blank_lines_before_front_matter_are_allowed_like_the_hub() -> None:
    card = parse_card(read("ruggsea__lora-trained-xl.md"))
    assert card.metadata_error is None
    assert card.metadata["license"] == "openrail++"
    assert card.lines[card.field_line("license") - 1].startswith("license:")  # type: ignore[operator]


def test_card_without_front_matter_has_empty_metadata_and_sections() -> None:
    card = parse_card(read("addy88__gpt-j-8bit.md"))
    assert card.metadata == {} and card.metadata_error is None
    assert card.sections


def test_invalid_yaml_is_reported_with_its_line_not_raised() -> None:
    card = parse_card("---\nlicense: mit\ntags: [a, b\n---\n# Title\n")
    assert card.metadata == {}
    assert card.metadata_error is not None and "not valid YAML" in card.metadata_error


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("!!int abc", "invalid literal for int()"),
        ("!!float nope", "could not convert string to float"),
        ("!!timestamp 2020-13-45", "month must be in 1..12"),
    ],
)
def test_a_tag_its_value_cannot_be_is_reported_not_raised(value: str, problem: str) -> None:
    card = parse_card(f"---\nlicense: {value}\n---\n# Title\n")
    assert card.metadata == {} and card.sections
    assert card.metadata_error is not None
    assert card.metadata_error.startswith("front matter is not valid YAML") and problem in (
        card.metadata_error
    )


def test_unclosed_front_matter_is_reported() -> None:
    card = parse_card("---\nlicense: mit\n# Title\n")
    assert card.metadata_error is not None and "never closed" in card.metadata_error


def test_front_matter_that_is_not_a_mapping_is_reported() -> None:
    card = parse_card("---\n- a\n- b\n---\ntext\n")
    assert card.metadata_error == "front matter is a list, not a mapping"


def test_sections_follow_headings_and_skip_code_fences() -> None:
    text = "# Model\nintro\n## Bias\n```\n# not a heading\n```\nbody\n## Usage\nx\n"
    titles = [(s.title, s.line) for s in parse_card(text).sections]
    assert titles == [("Model", 1), ("Bias", 3), ("Usage", 8)]
