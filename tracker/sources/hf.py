"""Discovering Hub models to track: a search, a tag filter (e.g. a license tag or `base_model:`
lineage), through huggingface_hub's own listing against the configured endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from tracker.remote import _hub_api, hub_errors
from tracker.settings import Settings

if TYPE_CHECKING:
    from huggingface_hub.hf_api import ModelInfo


def list_models(
    settings: Settings,
    search: str | None = None,
    tag: str | None = None,
    limit: int | None = None,
) -> Iterator[ModelInfo]:
    """Hub models matching `search` and/or `tag`, most downloaded first, each with what a scrape
    needs before downloading files: its revision, its files and its card data.

    The listing's `full` form carries all three, a page of a thousand models at a time, so a
    scrape of what it discovers asks for no model info (one request a model fewer), and an
    unchanged model (same revision) costs nothing. Lazy: pages are fetched as they are read.
    """
    with hub_errors(search or tag or "model listing", settings):
        yield from _hub_api(settings).list_models(
            search=search, filter=tag, limit=limit, sort="downloads", full=True, cardData=True
        )
