"""Two weeks of real history for the digest tests, built through the replay server.

Week 2026-W46 (scraped on Wed 11 Nov): the demo snapshot's Hub models, a fine-tune whose card
has no evaluation section yet (the real Llama-2-7b card cut before "## Evaluation Results"),
and the awesome-stable-diffusion list as it was on 2022-10-17.
Week 2026-W47 (scraped on Wed 18 Nov): the Pokemon model relicensed from MIT to CreativeML
OpenRAIL-M with the license copied in; the fine-tune's full card (ToxiGen results: a bias
evaluation); a new SD 1.5 derivative declaring MIT (a real card, relicensed); the Pokemon
model's downloads grown; the list as it was a week later (entries added and removed).
The clock is set with TRACKER_NOW, as a replay of dated scrapes.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.corpus import CORPUS, SHARED
from tests.scrape_world import scrape_world
from tracker.scrape import scrape_hub, scrape_lists
from tracker.settings import Settings

WEEK1_AT = "2026-11-11T10:00:00+00:00"  # 2026-W46
WEEK2_AT = "2026-11-18T10:00:00+00:00"  # 2026-W47
POKEMON = "alkiskoudounas/sd-pokemon-256px"
LLAMA_TUNE = "acme/llama-2-7b-tune"
NEW_SD = "acme/korean-sd-mit"
AWESOME = "awesome-stable-diffusion/awesome-stable-diffusion"
LISTS = SHARED / "fixtures" / "sd-lists"
LIST_WEEK1 = LISTS / "awesome-stable-diffusion__awesome-stable-diffusion__README__2022-10-17.md"
LIST_WEEK2 = LISTS / "awesome-stable-diffusion__awesome-stable-diffusion__README__2022-10-24.md"
LLAMA_CARD = CORPUS / "cards" / "NousResearch__Llama-2-7b-hf.md"
KOREAN_SD_CARD = CORPUS / "cards" / "Bingsu__my-korean-stable-diffusion-v1-5.md"


@dataclass
class World:
    engine: Engine
    settings: Settings
    snapshot: Path
    monkeypatch: pytest.MonkeyPatch

    def hub_ids(self) -> list[str]:
        hub = self.snapshot / "hub"
        return sorted(f"{o.name}/{r.name}" for o in hub.iterdir() for r in o.iterdir())

    def repo(self, repo_id: str) -> Path:
        return self.snapshot / "hub" / repo_id

    def add_model(self, repo_id: str, card: str, downloads: int = 0, likes: int = 0) -> None:
        self.repo(repo_id).mkdir(parents=True, exist_ok=True)
        (self.repo(repo_id) / "README.md").write_text(card, encoding="utf-8")
        self.popularity(repo_id, downloads, likes)

    def popularity(self, repo_id: str, downloads: int, likes: int) -> None:
        info = self.repo(repo_id) / ".model_info.json"
        data = json.loads(info.read_text(encoding="utf-8")) if info.exists() else {}
        data.update(downloads=downloads, likes=likes)
        info.write_text(json.dumps(data), encoding="utf-8")

    def set_list(self, readme: Path) -> None:
        repo = self.snapshot / "github" / AWESOME
        repo.mkdir(parents=True, exist_ok=True)
        shutil.copy(readme, repo / "README.md")

    def scrape_at(self, when: str) -> None:
        self.monkeypatch.setenv("TRACKER_NOW", when)
        ids = self.hub_ids()
        scrape_hub(self.engine, self.settings, ids, follow_bases=False, progress=False)
        scrape_lists(self.engine, self.settings, [AWESOME], progress=False)
        self.monkeypatch.delenv("TRACKER_NOW")


@contextmanager
def digest_world(
    snapshot: Path, db: Path | str, monkeypatch: pytest.MonkeyPatch, weeks: int = 2
) -> Iterator[World]:
    with scrape_world(snapshot, db) as (engine, settings):
        world = World(engine, settings, snapshot, monkeypatch)
        if weeks >= 1:
            week_one(world)
        if weeks >= 2:
            week_two(world)
        yield world


def week_one(world: World) -> None:
    for n, repo_id in enumerate(world.hub_ids()):
        world.popularity(repo_id, downloads=1000 * (n + 1), likes=10 * n)
    llama = LLAMA_CARD.read_text(encoding="utf-8")
    world.add_model(LLAMA_TUNE, llama.split("## Evaluation Results")[0], 50_000, 120)
    world.set_list(LIST_WEEK1)
    world.scrape_at(WEEK1_AT)


def week_two(world: World, list_readme: Path = LIST_WEEK2) -> None:
    pokemon = world.repo(POKEMON)
    card = (pokemon / "README.md").read_text(encoding="utf-8")
    relicensed = card.replace("license: mit", "license: creativeml-openrail-m", 1)
    (pokemon / "README.md").write_text(relicensed, encoding="utf-8")
    shutil.copy(CORPUS / "licenses" / "creativeml-openrail-m.txt", pokemon / "LICENSE")
    world.popularity(POKEMON, downloads=90_000, likes=300)
    world.add_model(LLAMA_TUNE, LLAMA_CARD.read_text(encoding="utf-8"), 50_500, 121)
    korean = KOREAN_SD_CARD.read_text(encoding="utf-8")
    mit = korean.replace("license: creativeml-openrail-m", "license: mit", 1)
    world.add_model(NEW_SD, mit, 7_000, 40)
    world.set_list(list_readme)
    world.scrape_at(WEEK2_AT)
