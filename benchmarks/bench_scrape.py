"""End-to-end Hub scrape throughput and memory: N generated models into a fresh SQLite file.

For each N, this process serves the first N models of `../shared/corpus/meta/model_info.parquet`
(`ReplayServer.generated`, see tracker/replay/generated.py) and starts one child process that
runs `scrape_hub(follow_bases=False, progress=False)` on what `huggingface_hub`'s full listing
streams (`tracker.sources.hf.list_models`: revision, files and card data of a thousand models a
page) into a new SQLite file migrated to head, listing included. The
child's peak memory is its own `ru_maxrss`; meanwhile this process samples, every 100 ms, the
child's VmRSS (/proc), the model infos the server has answered (fetch progress) and the
snapshots in the child's database (store progress, read through WAL). That gives the RSS when
10 % and 50 % of the models are stored, the RSS at the end, and a timeline showing whether
memory grows with the count. The CPU columns say how many cores each side kept busy.
When `scrape_hub` takes `workers`, `--workers` is passed through. Prints a table and writes
benchmarks/results/scrape.json and a chart of progress and memory against time,
benchmarks/results/scrape.svg/.png. The goal from issue #3: at least 300 models/s end to end on a
2-core machine, with memory flat.

    python benchmarks/bench_scrape.py                      # 1,000 and 10,000 models
    python benchmarks/bench_scrape.py --models 10000 74970
    python benchmarks/bench_scrape.py --models 10000 --repeat 3   # the median of three runs
    python benchmarks/bench_scrape.py --profile 200        # cProfile of one 200-model scrape
"""

from __future__ import annotations

import argparse
import cProfile
import inspect
import io
import json
import os
import platform
import pstats
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracker.replay import ReplayServer  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "scrape.json"
SAMPLE_EVERY = 0.1
MARKS = (0.1, 0.5)


# --- the child: list, then scrape ---------------------------------------------------------------


def child(url: str, models: int, db: Path, workers: int) -> dict[str, Any]:
    """Runs in the child process; returns what it measured (printed as JSON on stdout)."""
    started = time.perf_counter()
    from tracker.db.engine import make_engine, upgrade_to_head
    from tracker.scrape import scrape_hub
    from tracker.settings import Settings
    from tracker.sources.hf import list_models

    engine = make_engine(f"sqlite:///{db}")
    upgrade_to_head(engine)
    settings = Settings(hf_endpoint=url, http_timeout=30.0)
    setup_s = time.perf_counter() - started
    rss_setup = rss_mb(os.getpid())
    started = time.perf_counter()
    listed = list_models(settings, limit=models)
    summary = scrape_hub(engine, settings, listed, expected=models, **scrape_options(workers))
    scrape_s = time.perf_counter() - started
    return {
        "listed": summary.done,
        "setup_s": setup_s,
        "scrape_s": scrape_s,
        "fetched": summary.fetched,
        "unchanged": summary.unchanged,
        "failed": summary.failed,
        "failures": summary.failures[:5],
        "rss_setup_mb": rss_setup,
        "rss_end_mb": rss_mb(os.getpid()),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "cpu_s": cpu_s(resource.RUSAGE_SELF) + cpu_s(resource.RUSAGE_CHILDREN),
        "db_mb": db.stat().st_size / 2**20,
    }


def scrape_options(workers: int) -> dict[str, Any]:
    """`scrape_hub` keywords: no lineage, no bar, and `workers` when it takes one."""
    from tracker.scrape import scrape_hub

    options: dict[str, Any] = {"follow_bases": False, "progress": False}
    if "workers" in inspect.signature(scrape_hub).parameters:
        options["workers"] = workers
    return options


def rss_mb(pid: int) -> float | None:
    """VmRSS of process `pid` in MB, or None once it has gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


# --- the parent: serve, start the child, sample it -----------------------------------------------


def run(models: int, workers: int) -> dict[str, Any]:
    with ReplayServer.generated(models) as server, tempfile.TemporaryDirectory() as tmp:
        assert server.generated_hub is not None
        hub, db = server.generated_hub, Path(tmp) / "tracker.db"
        cmd = [sys.executable, __file__, "--child", server.url, "--models", str(models)]
        cmd += ["--workers", str(workers), "--db", str(db)]
        server_cpu = cpu_s(resource.RUSAGE_SELF)
        with (Path(tmp) / "stderr.txt").open("w+") as errors:
            process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors, text=True)
            samples = sample(process, lambda: (hub.info_requests, stored(db)))
            out, _ = process.communicate()
            errors.seek(0)
            warnings = errors.read().splitlines()
        server_cpu = cpu_s(resource.RUSAGE_SELF) - server_cpu
    if process.returncode != 0:
        print("\n".join(warnings[-20:]), file=sys.stderr)
        raise SystemExit(f"the scrape of {models} models failed (exit {process.returncode})")
    result: dict[str, Any] = {"models": models, **json.loads(out.strip().splitlines()[-1])}
    for mark in MARKS:
        done = [rss for _, count, rss in samples["points"] if count >= mark * models]
        result[f"rss_{int(mark * 100)}pct_mb"] = done[0] if done else None
    result["rss_100pct_mb"] = result["rss_end_mb"]
    result["models_per_s"] = models / result["scrape_s"]  # end to end: listing included
    result["server_cpu_s"] = server_cpu
    result["stderr_lines"] = len(warnings)
    result["timeline"] = samples["timeline"]
    return result


def median_run(models: int, workers: int, repeat: int) -> dict[str, Any]:
    """`repeat` runs of `models` models; the one with the median rate, with every run's rate
    (a shared 2-core machine varies by ±15 % from one minute to the next)."""
    runs = sorted((run(models, workers) for _ in range(max(repeat, 1))), key=_rate)
    median = runs[(len(runs) - 1) // 2]
    median["models_per_s_runs"] = [round(_rate(r), 1) for r in runs]
    return median


def _rate(result: dict[str, Any]) -> float:
    return float(result["models_per_s"])


def cpu_s(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def stored(db: Path) -> int:
    """Snapshots in the child's database so far (0 before it has one); WAL lets us read."""
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)) as conn:
            return int(conn.execute("SELECT count(*) FROM snapshot").fetchone()[0])
    except sqlite3.Error:
        return 0


def sample(process: subprocess.Popen[str], progress: Any) -> dict[str, list[Any]]:
    """Until the child exits, every SAMPLE_EVERY s: (model infos answered, models stored, child
    RSS MB), and about twice a second the same with the time, for the JSON timeline."""
    points, timeline = [], []
    started = last = time.perf_counter()
    while process.poll() is None:
        rss = rss_mb(process.pid)
        if rss is not None:
            points.append((*progress(), rss))
            if time.perf_counter() - last >= 0.5:
                last = time.perf_counter()
                timeline.append((round(last - started, 2), *points[-1][:2], round(rss, 1)))
        time.sleep(SAMPLE_EVERY)
    return {"points": points, "timeline": timeline}


def profile(models: int, workers: int, top: int) -> str:
    """cProfile of scraping `models` generated models: the main thread (audit and store) and,
    added up, every thread started meanwhile (the fetch workers), each with its top entries."""
    from tracker.db.engine import make_engine, upgrade_to_head
    from tracker.scrape import scrape_hub
    from tracker.settings import Settings
    from tracker.sources.hf import list_models

    with ReplayServer.generated(models) as server, tempfile.TemporaryDirectory() as tmp:
        assert server.generated_hub is not None
        engine = make_engine(f"sqlite:///{Path(tmp) / 'tracker.db'}")
        upgrade_to_head(engine)
        settings = Settings(hf_endpoint=server.url, http_timeout=30.0)
        listed = list_models(settings, limit=models)
        main, threads = cProfile.Profile(), ThreadProfiles()
        threading.setprofile(threads.start)
        started = time.perf_counter()
        main.runcall(scrape_hub, engine, settings, listed, **scrape_options(workers))
        elapsed = time.perf_counter() - started
        threading.setprofile(None)  # type: ignore[arg-type]
        engine.dispose()
    report = io.StringIO()
    report.write(f"{models} models in {elapsed:.2f} s ({models / elapsed:.0f}/s, profiled)\n")
    main_stats = pstats.Stats(main, stream=report)
    for title, stats in (("main thread", main_stats), ("worker threads", threads.merged(report))):
        if stats is None:
            continue
        report.write(f"\n=== {title} ===\n")
        stats.strip_dirs().sort_stats("cumulative").print_stats(top)
        stats.sort_stats("tottime").print_stats(top)
    return report.getvalue()


class ThreadProfiles:
    """One cProfile per thread started while installed with `threading.setprofile(.start)`
    (the replay server's own handler threads are left out: they run in a daemon pool)."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []

    def start(self, frame: Any, event: str, arg: Any) -> None:
        if threading.current_thread().name.startswith("ThreadPoolExecutor"):
            profile = cProfile.Profile()
            self.profiles.append(profile)
            profile.enable()  # replaces this hook for the rest of the thread
        else:
            sys.setprofile(None)

    def merged(self, stream: io.StringIO) -> pstats.Stats | None:
        if not self.profiles:
            return None
        for profile in self.profiles:
            profile.snapshot_stats()
        stats = pstats.Stats(self.profiles[0], stream=stream)
        for profile in self.profiles[1:]:
            stats.add(profile)
        return stats


def show(results: list[dict[str, Any]], workers: int | None) -> None:
    title = "scrape_hub of generated models into SQLite" + (
        f" (workers={workers})" if workers else " (sequential: scrape_hub has no workers)"
    )
    table = Table(title=title)
    columns = ("models", "scrape s", "models/s", "all runs", "scraper CPU", "server CPU")
    for column in (*columns, "peak RSS MB", "RSS 10 %", "RSS 50 %", "RSS end", "failed"):
        table.add_column(column, justify="right")
    for r in results:
        elapsed = r["scrape_s"] + r["setup_s"]
        table.add_row(
            f"{r['models']:,}",
            f"{r['scrape_s']:.1f}",
            f"{r['models_per_s']:.0f}",
            " ".join(f"{v:.0f}" for v in r["models_per_s_runs"]),
            f"{r['cpu_s'] / elapsed:.2f} cores",
            f"{r['server_cpu_s'] / elapsed:.2f} cores",
            f"{r['peak_rss_mb']:.0f}",
            *(_mb(r[f"rss_{pct}pct_mb"]) for pct in (10, 50, 100)),
            str(r["failed"]),
        )
    Console(width=160).print(table)


def chart(results: list[dict[str, Any]], out_dir: Path) -> list[Path]:
    """Models stored and the scraper's RSS against time, one line per run: a rate that holds
    and memory that levels off are what the goal asks for. `results/scrape.svg` and `.png`."""
    from tracker.charts import pyplot, save

    plt = pyplot()
    fig, (stored_ax, rss_ax) = plt.subplots(1, 2, figsize=(9.6, 3.6))
    for r in results:
        seconds = [t for t, _, _, _ in r["timeline"]]
        label = f"{r['models']:,} models ({r['models_per_s']:.0f}/s)"
        stored_ax.plot(seconds, [n for _, _, n, _ in r["timeline"]], label=label)
        rss_ax.plot([n for _, _, n, _ in r["timeline"]], [m for _, _, _, m in r["timeline"]])
    stored_ax.axline((0, 0), slope=300, color="#9ca3af", linestyle="--", label="300/s (goal)")
    stored_ax.set(xlabel="seconds", ylabel="models stored")
    stored_ax.legend(frameon=False, fontsize=8)
    rss_ax.set(xlabel="models stored", ylabel="scraper RSS (MB)", ylim=(0, None))
    for ax in (stored_ax, rss_ax):
        ax.grid(color="#e5e7eb")
    thousands = plt.FuncFormatter(lambda x, _: f"{x / 1000:.0f}k" if x else "0")
    stored_ax.yaxis.set_major_formatter(thousands)
    rss_ax.xaxis.set_major_formatter(thousands)
    return save(fig, out_dir, "scrape", "Hub scrape of generated models into SQLite")


def _mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--models", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--workers", type=int, default=16, help="passed when scrape_hub takes it")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each size; the median one is reported"
    )
    parser.add_argument("--json", type=Path, default=RESULTS)
    parser.add_argument("--profile", type=int, metavar="N", help="profile one N-model scrape")
    parser.add_argument("--top", type=int, default=25, help="profile entries shown")
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.models[0], args.db, args.workers)))
        return
    if args.profile:
        print(profile(args.profile, args.workers, args.top))
        return
    results = [median_run(models, args.workers, args.repeat) for models in args.models]
    workers = scrape_options(args.workers).get("workers")
    show(results, workers)
    payload = {
        "benchmark": "scrape_hub of generated Hub models into SQLite",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "goal": {"models_per_s": 300, "memory": "flat in the number of models"},
        "workers": workers,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "runs": results,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(payload, indent=2) + "\n")
    for path in chart(results, args.json.parent):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
