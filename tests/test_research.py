"""The research views and `tracker query` / `tracker export` over two real weeks of history
(tests/digest_world.py), on SQLite and on the PostgreSQL server CI starts.

Expectations are worked out by hand from the scraped cards: the SD 1.5 derivative relicensed
to MIT in week two drops the RAIL restrictions and ships no license copy; the Pokemon model is
relicensed from MIT to CreativeML OpenRAIL-M; the Llama 2 fine-tune's card gains its
evaluation section (ToxiGen results) and its limitations section.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import DEMO_DIR, REPO_ROOT
from tests.databases import empty_database
from tests.digest_world import LLAMA_TUNE, NEW_SD, POKEMON, World, digest_world
from tests.processes import run_tracker
from tracker.errors import QueryRefused
from tracker.export import export_views
from tracker.query import run_query
from tracker.views import VIEWS, VIEWS_BY_NAME, data_dictionary


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp(f"research-{request.param}")
    shutil.copytree(DEMO_DIR, tmp / "snapshot")
    url = empty_database(request.param, tmp)
    with pytest.MonkeyPatch.context() as mp, digest_world(tmp / "snapshot", url, mp) as w:
        yield w


def rows(world: World, sql: str) -> list[tuple[object, ...]]:
    return run_query(world.engine, sql).rows


def test_every_view_has_exactly_the_documented_columns(world: World) -> None:
    for view in VIEWS:
        columns = run_query(world.engine, f"SELECT * FROM {view.name} WHERE 1 = 0").columns
        assert columns == list(view.columns), view.name


def test_artifact_licenses(world: World) -> None:
    got = rows(
        world,
        "SELECT license, license_family, license_has_use_restrictions, base_model, "
        f"base_license, base_license_family FROM artifact_licenses WHERE key = '{POKEMON}'",
    )
    assert got == [
        (
            "creativeml-openrail-m",
            "rail",
            1,
            "Stable Diffusion 1.x",
            "creativeml-openrail-m",
            "rail",
        )
    ]
    (mit,) = rows(
        world, f"SELECT license, license_family FROM artifact_licenses WHERE key = '{NEW_SD}'"
    )
    assert mit == ("mit", "permissive")


def test_compliance(world: World) -> None:
    got = dict(
        ((key, rule), (status, path, line))
        for key, rule, status, path, line in rows(
            world,
            "SELECT key, rule, status, evidence_path, evidence_line FROM compliance "
            f"WHERE key IN ('{NEW_SD}', '{LLAMA_TUNE}', '{POKEMON}') "
            "AND rule IN ('RAIL001', 'RAIL002', 'BIAS002')",
        )
    )
    assert got[(NEW_SD, "RAIL001")] == ("fail", "README.md", 2)  # the `license: mit` line
    assert got[(NEW_SD, "RAIL002")][0] == "fail"
    assert got[(POKEMON, "RAIL001")] == ("pass", None, None)  # relicensed, license copied
    assert got[(LLAMA_TUNE, "RAIL001")] == ("not applicable", None, None)  # a Llama 2 base
    assert got[(LLAMA_TUNE, "BIAS002")] == ("pass", None, None)  # ToxiGen results
    statuses = {s for (s,) in rows(world, "SELECT DISTINCT status FROM compliance")}
    assert statuses == {"pass", "fail", "not applicable"}
    (per_artifact,) = rows(world, "SELECT COUNT(*) FROM compliance WHERE key = 'google/gemma-7b'")
    (rules,) = rows(world, "SELECT COUNT(*) FROM rule_ref")
    assert per_artifact == rules == (18,)  # every rule but POL001 (no policy in scrapes)


def test_rail_derivatives(world: World) -> None:
    got = {
        key: rest
        for key, *rest in rows(
            world,
            "SELECT key, license, drops_restrictions, license_copy_missing, complies "
            "FROM rail_derivatives",
        )
    }
    assert got[NEW_SD] == ["mit", 1, 1, 0]
    assert got[POKEMON] == ["creativeml-openrail-m", 0, 0, 1]
    assert LLAMA_TUNE not in got


def test_bias_eval_coverage_over_time(world: World) -> None:
    got = rows(
        world,
        "SELECT fetched_week, has_bias_section, reports_bias_evaluation, is_latest "
        f"FROM bias_eval_coverage WHERE key = '{LLAMA_TUNE}' ORDER BY snapshot_id",
    )
    assert got == [("2026-W46", 0, 0, 0), ("2026-W47", 1, 1, 1)]
    by_week = rows(
        world,
        "SELECT fetched_week, COUNT(*), SUM(reports_bias_evaluation) FROM bias_eval_coverage "
        "GROUP BY fetched_week ORDER BY fetched_week",
    )
    assert [(w, int(n), int(k)) for w, n, k in by_week][1][0] == "2026-W47"


def test_license_changes(world: World) -> None:
    assert rows(
        world, "SELECT key, license_from, license_to, fetched_week FROM license_changes"
    ) == [(POKEMON, "mit", "creativeml-openrail-m", "2026-W47")]


def test_lineage(world: World) -> None:
    got = {
        derivative: (relation, base, license_)
        for derivative, relation, base, license_ in rows(
            world, "SELECT derivative, relation, base_model, base_license FROM lineage"
        )
    }
    assert got["abdd68/output"] == (
        "declared",
        "runwayml/stable-diffusion-v1-5",
        "creativeml-openrail-m",
    )
    assert got[LLAMA_TUNE] == ("stated in the card", "Llama 2", "llama2")
    assert got[NEW_SD] == ("named", "Stable Diffusion 1.x", "creativeml-openrail-m")


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO artifact (kind, key, first_seen) VALUES ('hf-model', 'x/y', '2026-01-01')",
        "UPDATE artifact SET key = 'x/y'",
        "DELETE FROM finding",
        "DROP VIEW lineage",
        "SELECT 1; DELETE FROM artifact",
    ],
)
def test_query_refuses_writes(world: World, sql: str) -> None:
    (before,) = rows(world, "SELECT COUNT(*), MIN(key) FROM artifact")
    with pytest.raises(QueryRefused, match="tracker query (is read-only|runs one statement)"):
        run_query(world.engine, sql)
    assert rows(world, "SELECT COUNT(*), MIN(key) FROM artifact") == [before]
    assert rows(world, "SELECT COUNT(*) FROM lineage")[0][0] > 0


def test_export_writes_every_view_as_csv_and_parquet(world: World, tmp_path: Path) -> None:
    written = export_views(world.engine, tmp_path)
    assert written[0].name == "README.md"
    readme = written[0].read_text(encoding="utf-8")
    for view in VIEWS:
        (count,) = rows(world, f"SELECT COUNT(*) FROM {view.name}")[0]
        table = pq.read_table(tmp_path / f"{view.name}.parquet")
        assert table.num_rows == count and table.column_names == list(view.columns)
        csv_lines = (tmp_path / f"{view.name}.csv").read_text(encoding="utf-8").splitlines()
        assert csv_lines[0] == ",".join(view.columns)
        assert f"## {view.name} ({count:,} rows)" in readme
    assert "Snapshot date (the newest successful fetch): 2026-11-18" in readme


@pytest.mark.parametrize(
    ("sql", "refused"),
    [
        (
            "INSERT INTO artifact (kind, key, first_seen) VALUES ('a', 'b', '2026-01-01')",
            "INSERT artifact",
        ),
        ("UPDATE snapshot SET downloads = 0", "UPDATE snapshot"),
        ("DELETE FROM event", "DELETE event"),
        ("ATTACH DATABASE 'elsewhere.db' AS other", "ATTACH elsewhere.db"),
        ("PRAGMA journal_mode = DELETE", "PRAGMA journal_mode"),
        ("PRAGMA user_version = 7", "PRAGMA user_version"),
    ],
)
def test_query_cli_refuses_writes_and_leaves_the_file_untouched(
    tmp_path_factory: pytest.TempPathFactory, sqlite_db: Path, sql: str, refused: str
) -> None:
    def state() -> tuple[str, int, int]:
        # SQLite opens a WAL database read-only with its -shm/-wal beside it; the log stays empty.
        wal = sqlite_db.with_name("tracker.db-wal")
        others = {p.name for p in sqlite_db.parent.iterdir()} - {"tracker.db-shm", wal.name}
        assert others == {"tracker.db"}
        logged = wal.stat().st_size if wal.exists() else 0
        digest = hashlib.sha256(sqlite_db.read_bytes()).hexdigest()
        return digest, sqlite_db.stat().st_mtime_ns, logged

    before = state()
    done = run_tracker("query", sql, "--db", str(sqlite_db))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: query refused: tracker query is read-only: {refused} refused "
        "(tracker query only reads; the database changes through tracker scrape)"
    ]
    assert state() == before
    assert not (REPO_ROOT / "elsewhere.db").exists()


def test_query_cli_prints_csv_json_and_writes_parquet(sqlite_db: Path, tmp_path: Path) -> None:
    sql = "SELECT key, license_to FROM license_changes"
    csv_out = run_tracker("query", sql, "--db", str(sqlite_db), "--format", "csv")
    assert csv_out.returncode == 0, csv_out.stderr
    assert csv_out.stdout == f"key,license_to\n{POKEMON},creativeml-openrail-m\n"
    json_out = run_tracker("query", sql, "--db", str(sqlite_db), "--format", "json")
    assert '"license_to": "creativeml-openrail-m"' in json_out.stdout
    target = tmp_path / "changes.parquet"
    parquet = run_tracker("query", sql, "--db", str(sqlite_db), "-f", "parquet", "-o", str(target))
    assert parquet.returncode == 0, parquet.stderr
    assert pq.read_table(target).to_pylist() == [
        {"key": POKEMON, "license_to": "creativeml-openrail-m"}
    ]


def test_data_dictionary_doc_is_up_to_date() -> None:
    doc = (REPO_ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    assert doc == data_dictionary(), "run `make docs`"
    assert set(VIEWS_BY_NAME) == {
        "latest_snapshot",
        "artifact_licenses",
        "compliance",
        "rail_derivatives",
        "bias_eval_coverage",
        "license_changes",
        "lineage",
        "card_sections",
    }


def test_stats_prints_the_figures_and_writes_charts(sqlite_db: Path, tmp_path: Path) -> None:
    import json

    done = run_tracker("stats", "--db", str(sqlite_db), "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    stats = json.loads((tmp_path / "stats.json").read_text(encoding="utf-8"))
    figures = stats["figures"]
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{sqlite_db}")
    rail = run_query(engine, "SELECT COUNT(*), SUM(complies) FROM rail_derivatives").rows[0]
    bias = run_query(
        engine,
        "SELECT COUNT(*), SUM(reports_bias_evaluation) FROM bias_eval_coverage WHERE is_latest = 1",
    ).rows[0]
    engine.dispose()
    assert figures["RAIL derivatives"] == rail[0]
    assert figures["RAIL derivatives that comply"] == pytest.approx(rail[1] / rail[0])
    assert figures["model cards reporting a bias evaluation"] == pytest.approx(bias[1] / bias[0])
    assert stats["weeks"] == ["2026-W46", "2026-W47"]
    assert stats["license_mix"][0] == ["creativeml-openrail-m", 6]
    assert "RAIL derivatives that comply" in done.stdout
    for name in ("license-mix", "rates"):
        assert (tmp_path / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
        assert (tmp_path / f"{name}.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
