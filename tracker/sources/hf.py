"""Discovering Hub models to track: explicit ids, a search, a tag filter (e.g. a license tag or
`base_model:` lineage), through huggingface_hub's own listing against the configured endpoint."""

from __future__ import annotations

from collections.abc import Iterator

from tracker.remote import _hub_api, hub_errors
from tracker.settings import Settings


def discover_models(
    settings: Settings,
    search: str | None = None,
    tag: str | None = None,
    limit: int | None = None,
) -> Iterator[str]:
    """Repo ids of Hub models matching `search` and/or `tag`, most downloaded first."""
    with hub_errors(search or tag or "model listing", settings):
        for info in _hub_api(settings).list_models(
            search=search, filter=tag, limit=limit, sort="downloads"
        ):
            yield info.id
