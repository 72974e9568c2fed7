"""The tracker's configuration file: what `tracker scrape all` scrapes and when `tracker schedule`
runs it. `tracker.example.toml` documents every key.

    [sources.hf]        models = [...], filters = [{tag = ..., limit = ...}],
                        search = [{query = ..., limit = ...}], follow_bases = true
    [sources.github]    repos = [...]
    [sources.lists]     repos = [...]      (default: DEFAULT_LISTS)
    [schedule]          scrape = "03:00", digest = "mon 08:00",
                        misfire_grace_seconds = 3600, timezone = "UTC"

The file is `--config`, else `TRACKER_CONFIG`, else `tracker.toml` in the working directory; with
none of these, every key has its default. It is read once, with `tomllib`, into frozen
dataclasses; an unknown key, a value of the wrong type or a time that does not parse is a
`ConfigError` naming the file and the key, on one line.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tracker.errors import ConfigError

T = TypeVar("T")

ENV_VAR = "TRACKER_CONFIG"
DEFAULT_PATH = Path("tracker.toml")

#: The ecosystem lists tracked when none are named (GitHub repos whose README is the list).
DEFAULT_LISTS = (
    "awesome-stable-diffusion/awesome-stable-diffusion",
    "Maks-s/sd-akashic",
    "Curated-Awesome-Lists/awesome-stable-diffusion-webui",
)
#: How many models one filter or search discovers when it names no limit.
DEFAULT_DISCOVERY_LIMIT = 100
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = r"([01]?\d|2[0-3]):([0-5]\d)"


@dataclass(frozen=True)
class Discovery:
    """Hub models found by a tag (`filters`) or a name query (`search`), most downloaded first."""

    value: str
    limit: int = DEFAULT_DISCOVERY_LIMIT


@dataclass(frozen=True)
class HubSources:
    models: tuple[str, ...] = ()
    filters: tuple[Discovery, ...] = ()
    search: tuple[Discovery, ...] = ()
    follow_bases: bool = True

    @property
    def configured(self) -> bool:
        return bool(self.models or self.filters or self.search)


@dataclass(frozen=True)
class RepoSources:
    repos: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sources:
    hf: HubSources = field(default_factory=HubSources)
    github: RepoSources = field(default_factory=RepoSources)
    lists: RepoSources = field(default_factory=lambda: RepoSources(DEFAULT_LISTS))


@dataclass(frozen=True)
class At:
    """A time of day, and for a weekly job the day of the week (`mon` … `sun`)."""

    hour: int
    minute: int
    day: str | None = None

    def __str__(self) -> str:
        return f"{self.day + ' ' if self.day else ''}{self.hour:02d}:{self.minute:02d}"


@dataclass(frozen=True)
class Schedule:
    scrape: At = At(3, 0)
    digest: At = At(8, 0, "mon")
    misfire_grace_seconds: int = 3600
    timezone: str = "UTC"
    digest_out: str = "digests"  # where the weekly job drafts (tracker digest --out)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Config:
    sources: Sources = field(default_factory=Sources)
    schedule: Schedule = field(default_factory=Schedule)
    path: Path | None = None  # the file read, None for the defaults


def config_path(
    cli_value: str | Path | None, environ: Mapping[str, str] | None = None
) -> Path | None:
    """`--config`, else `TRACKER_CONFIG` (each must exist), else `./tracker.toml` if present."""
    env = os.environ if environ is None else environ
    named = cli_value or env.get(ENV_VAR)
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise ConfigError(f"{path}: no such configuration file")
        return path
    return DEFAULT_PATH if DEFAULT_PATH.is_file() else None


def load_config(
    cli_value: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Config:
    """The configuration from the file `config_path` picks, or the defaults when there is none."""
    path = config_path(cli_value, environ)
    if path is None:
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return parse_config(data, path)


def parse_config(data: Mapping[str, Any], path: Path) -> Config:
    """Validate a parsed TOML document; every error names `path` and the offending key."""
    p = _Parser(path)
    top = p.table(data, "", {"sources", "schedule"})
    sources = p.table(top.get("sources", {}), "sources", {"hf", "github", "lists"})
    return Config(
        sources=Sources(
            hf=p.hub(sources.get("hf", {})),
            github=RepoSources(p.repos(sources.get("github", {}), "sources.github", ())),
            lists=RepoSources(p.repos(sources.get("lists", {}), "sources.lists", DEFAULT_LISTS)),
        ),
        schedule=p.schedule(top.get("schedule", {})),
        path=path,
    )


class _Parser:
    def __init__(self, path: Path) -> None:
        self.path = path

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}: {key}: {problem}")

    def table(self, value: Any, where: str, known: set[str]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self._wrong(where, "a table", value)
        for key in value:
            if key not in known:
                name = f"{where}.{key}" if where else key
                raise ConfigError(
                    f"{self.path}: unknown key {name!r} (known: {', '.join(sorted(known))})"
                )
        return value

    def hub(self, value: Any) -> HubSources:
        where = "sources.hf"
        hf = self.table(value, where, {"models", "filters", "search", "follow_bases"})
        return HubSources(
            models=self.strings(hf.get("models", []), f"{where}.models"),
            filters=self.discoveries(hf.get("filters", []), f"{where}.filters", "tag"),
            search=self.discoveries(hf.get("search", []), f"{where}.search", "query"),
            follow_bases=self.typed(hf.get("follow_bases", True), f"{where}.follow_bases", bool),
        )

    def repos(self, value: Any, where: str, default: tuple[str, ...]) -> tuple[str, ...]:
        table = self.table(value, where, {"repos"})
        return self.strings(table["repos"], f"{where}.repos") if "repos" in table else default

    def discoveries(self, value: Any, where: str, key: str) -> tuple[Discovery, ...]:
        out = []
        for i, item in enumerate(self.typed(value, where, list)):
            entry = self.table(item, f"{where}[{i}]", {key, "limit"})
            if key not in entry:
                raise self.error(f"{where}[{i}]", f'needs {key} = "..."')
            limit = self.typed(
                entry.get("limit", DEFAULT_DISCOVERY_LIMIT), f"{where}[{i}].limit", int
            )
            if limit < 1:
                raise self.error(f"{where}[{i}].limit", "must be at least 1")
            out.append(Discovery(self.typed(entry[key], f"{where}[{i}].{key}", str), limit))
        return tuple(out)

    def strings(self, value: Any, where: str) -> tuple[str, ...]:
        items = self.typed(value, where, list)
        if not all(isinstance(v, str) and v.strip() for v in items):
            raise self.error(where, "must be a list of non-empty strings")
        return tuple(dict.fromkeys(v.strip() for v in items))

    def schedule(self, value: Any) -> Schedule:
        where = "schedule"
        known = {"scrape", "digest", "misfire_grace_seconds", "timezone", "digest_out"}
        table = self.table(value, where, known)
        default = Schedule()
        grace = self.typed(
            table.get("misfire_grace_seconds", default.misfire_grace_seconds),
            f"{where}.misfire_grace_seconds",
            int,
        )
        if grace < 1:
            raise self.error(f"{where}.misfire_grace_seconds", "must be at least 1")
        return Schedule(
            scrape=self.at(table.get("scrape"), f"{where}.scrape", default.scrape, weekly=False),
            digest=self.at(table.get("digest"), f"{where}.digest", default.digest, weekly=True),
            misfire_grace_seconds=grace,
            timezone=self.timezone(table.get("timezone", default.timezone), f"{where}.timezone"),
            digest_out=self.typed(
                table.get("digest_out", default.digest_out), f"{where}.digest_out", str
            ),
        )

    def at(self, value: Any, where: str, default: At, weekly: bool) -> At:
        if value is None:
            return default
        text = self.typed(value, where, str).strip().lower()
        pattern = rf"({'|'.join(DAYS)})\s+{_TIME}" if weekly else _TIME
        match = re.fullmatch(pattern, text)
        if match is None:
            example = '"mon 08:00" (day: mon … sun)' if weekly else '"03:00"'
            raise self.error(where, f"{value!r} is not a time like {example}")
        if weekly:
            return At(int(match[2]), int(match[3]), match[1])
        return At(int(match[1]), int(match[2]))

    def timezone(self, value: Any, where: str) -> str:
        name = self.typed(value, where, str)
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.error(
                where, f"unknown time zone {name!r} (e.g. UTC, Europe/Paris)"
            ) from None
        return name

    def typed(self, value: Any, where: str, kind: type[T]) -> T:
        # bool is an int in Python; a TOML `true` is not a number of seconds.
        if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return value
        self._wrong(where, _NAMES.get(kind, kind.__name__), value)

    def _wrong(self, where: str, expected: str, value: Any) -> NoReturn:
        raise self.error(where or "(top level)", f"expected {expected}, got {_toml_type(value)}")


_NAMES: dict[type, str] = {
    str: "a string",
    int: "an integer",
    bool: "true or false",
    list: "a list",
}


def _toml_type(value: Any) -> str:
    kinds: tuple[tuple[type, str], ...] = (
        (bool, "a boolean"),
        (int, "an integer"),
        (float, "a float"),
        (str, "a string"),
        (list, "a list"),
        (Mapping, "a table"),
    )
    return next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)
