"""The configuration file: TOML into typed settings, with one-line errors naming file and key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.corpus import ROOT
from tracker.config import (
    DEFAULT_DISCOVERY_LIMIT,
    DEFAULT_LISTS,
    At,
    Config,
    Discovery,
    config_path,
    load_config,
)
from tracker.errors import ConfigError

EXAMPLE = ROOT / "tracker.example.toml"


def write(tmp_path: Path, text: str, name: str = "tracker.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_example_parses_to_what_it_documents() -> None:
    config = load_config(EXAMPLE, environ={})
    hf = config.sources.hf
    assert "runwayml/stable-diffusion-v1-5" in hf.models
    assert Discovery("license:creativeml-openrail-m", 50) in hf.filters
    assert hf.search and all(s.limit >= 1 for s in hf.search)
    assert config.sources.github.repos and config.sources.lists.repos == DEFAULT_LISTS
    schedule = config.schedule
    assert (schedule.scrape, schedule.digest) == (At(3, 0), At(8, 0, "mon"))
    assert (schedule.misfire_grace_seconds, schedule.timezone) == (3600, "UTC")
    assert config.path == EXAMPLE


def test_no_file_means_defaults_only_the_default_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert config_path(None, environ={}) is None
    config = load_config(None, environ={})
    assert config == Config()
    assert not config.sources.hf.configured and not config.sources.github.repos
    assert config.sources.lists.repos == DEFAULT_LISTS


def test_lookup_order_option_then_env_then_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    local = write(tmp_path, "")
    from_env = write(tmp_path, "", "env.toml")
    from_cli = write(tmp_path, "", "cli.toml")
    env = {"TRACKER_CONFIG": str(from_env)}
    assert config_path(str(from_cli), env) == from_cli
    assert config_path(None, env) == from_env
    assert config_path(None, {}) == Path(local.name)
    with pytest.raises(ConfigError, match="no-such.toml: no such configuration file"):
        config_path(str(tmp_path / "no-such.toml"), {})


def test_a_full_file_is_parsed_into_typed_values(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[sources.hf]
models = ["a/b", "c/d", "a/b"]
filters = [{tag = "license:mit"}, {tag = "base_model:x/y", limit = 5}]
search = [{query = "pixel art", limit = 3}]
follow_bases = false

[sources.github]
repos = ["CompVis/stable-diffusion"]

[sources.lists]
repos = []

[schedule]
scrape = "4:30"
digest = "Fri 17:05"
misfire_grace_seconds = 600
timezone = "Europe/Paris"
""",
    )
    config = load_config(path, environ={})
    hf = config.sources.hf
    assert hf.models == ("a/b", "c/d")
    assert hf.filters == (
        Discovery("license:mit", DEFAULT_DISCOVERY_LIMIT),
        Discovery("base_model:x/y", 5),
    )
    assert hf.search == (Discovery("pixel art", 3),)
    assert hf.follow_bases is False
    assert config.sources.github.repos == ("CompVis/stable-diffusion",)
    assert config.sources.lists.repos == ()
    assert config.schedule.scrape == At(4, 30)
    assert config.schedule.digest == At(17, 5, "fri")
    assert str(config.schedule.digest) == "fri 17:05"
    assert config.schedule.misfire_grace_seconds == 600
    assert config.schedule.tz.key == "Europe/Paris"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[sourcs.hf]\nmodels = []", "unknown key 'sourcs' (known: schedule, sources)"),
        ("[sources.hf]\nmodls = []", "unknown key 'sources.hf.modls'"),
        ("[sources.hub]\n", "unknown key 'sources.hub' (known: github, hf, lists)"),
        ("[schedule]\nscrap = '03:00'", "unknown key 'schedule.scrap'"),
        ("[sources.hf]\nfilters = [{tags = 'x'}]", "unknown key 'sources.hf.filters[0].tags'"),
        ("[sources.hf]\nmodels = 'a/b'", "sources.hf.models: expected a list, got a string"),
        ("[sources.hf]\nmodels = ['a/b', 3]", "sources.hf.models: must be a list of non-empty"),
        ("[sources.hf]\nsearch = [{limit = 3}]", "sources.hf.search[0]: needs query"),
        ("[sources.hf]\nfilters = [{tag = 'x', limit = 0}]", "filters[0].limit: must be at"),
        ("[sources.hf]\nfollow_bases = 1", "follow_bases: expected true or false, got an integer"),
        ("sources = 3", "sources: expected a table, got an integer"),
        ("[schedule]\nscrape = '25:00'", "schedule.scrape: '25:00' is not a time like \"03:00\""),
        ("[schedule]\ndigest = '08:00'", "schedule.digest: '08:00' is not a time like \"mon"),
        ("[schedule]\ndigest = 'monday 08:00'", "schedule.digest: 'monday 08:00' is not a time"),
        ("[schedule]\nmisfire_grace_seconds = true", "expected an integer, got a boolean"),
        ("[schedule]\nmisfire_grace_seconds = 0", "misfire_grace_seconds: must be at least 1"),
        ("[schedule]\ntimezone = 'Mars/Olympus'", "unknown time zone 'Mars/Olympus'"),
        ("[schedule\n", "cannot read: "),
    ],
)
def test_bad_files_are_one_line_errors_naming_file_and_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    error = str(caught.value)
    assert error.startswith(f"{path}: ") and message in error
    assert "\n" not in error


def test_tracker_scrape_all_with_an_unknown_key_exits_2_with_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[sources.github]\nrepos = ["a/b"]\nbranch = "main"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    res = subprocess.run(
        [sys.executable, "-m", "tracker.cli", "scrape", "all", "--config", str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [
        f"error: invalid configuration: {path}: unknown key 'sources.github.branch' "
        "(known: repos) (see `tracker --help`)"
    ]
    assert not (tmp_path / "tracker.db").exists()
