"""Runtime settings for tracker's network clients: endpoints, tokens and timeouts.

Settings are read once from the environment (`Settings.from_env`) and then passed explicitly to
every client, so a test or the demo can point the Hub and GitHub clients at the local replay server
exactly as a user points them at a mirror:

    HF_ENDPOINT      Hub endpoint (default https://huggingface.co), as huggingface_hub reads it
    HF_TOKEN         Hub token (optional)
    GITHUB_API_URL   GitHub REST API base (default https://api.github.com)
    GITHUB_TOKEN     GitHub token (optional)

Tokens never appear in `repr()` (and so not in logs or tracebacks that print a Settings).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

DEFAULT_HF_ENDPOINT = "https://huggingface.co"
DEFAULT_GITHUB_API_URL = "https://api.github.com"
DEFAULT_HTTP_TIMEOUT = 30.0

_SECRET_FIELDS = frozenset({"hf_token", "github_token"})


@dataclass(frozen=True)
class Settings:
    """Where tracker's clients connect and with which credentials."""

    hf_endpoint: str = DEFAULT_HF_ENDPOINT
    hf_token: str | None = None
    github_api_url: str = DEFAULT_GITHUB_API_URL
    github_token: str | None = None
    http_timeout: float = DEFAULT_HTTP_TIMEOUT

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from `environ` (default: `os.environ`); empty values count as unset."""
        env = os.environ if environ is None else environ
        return cls(
            hf_endpoint=_url(env.get("HF_ENDPOINT"), DEFAULT_HF_ENDPOINT),
            hf_token=env.get("HF_TOKEN") or None,
            github_api_url=_url(env.get("GITHUB_API_URL"), DEFAULT_GITHUB_API_URL),
            github_token=env.get("GITHUB_TOKEN") or None,
        )

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _SECRET_FIELDS and value is not None:
                parts.append(f"{f.name}='***'")
            else:
                parts.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(parts)})"


def _url(value: str | None, default: str) -> str:
    """A base URL without its trailing slash, or the default when unset."""
    return (value or default).rstrip("/")
