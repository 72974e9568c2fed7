"""Cold-process wall time of `tracker audit` on typical local model repos.

Each run is a fresh `python -m tracker.cli` process, so start-up and every import count. The
baseline in the same run is a bare `python -c pass` (the interpreter's own floor); ScanCode's
single-file time is taken from the recorded peer run (benchmarks/results/scancode-32.5.0.json)
when present. Prints a table and writes benchmarks/results/audit_cold.json.

    python benchmarks/bench_audit_cold.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo" / "hub"
HEAVY = ("torch", "spacy", "huggingface_hub", "jinja2", "httpx")


def timed(cmd: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, capture_output=True, check=False)
        out.append(time.perf_counter() - t)
    return out


def imported_heavy(repo: Path) -> list[str]:
    probe = (
        "import sys; from tracker.cli import app; from typer.testing import CliRunner; "
        f"CliRunner().invoke(app, ['audit', {str(repo)!r}, '--format', 'json']); "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    return [m for m in res.stdout.strip().split(",") if m]


def scancode_single_file() -> float | None:
    recorded = ROOT / "benchmarks" / "results" / "scancode-32.5.0.json"
    if not recorded.exists():
        return None
    data = json.loads(recorded.read_text())
    value = data.get("single_file", {}).get("median_s")
    return float(value) if value else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks/results/audit_cold.json")
    parser.add_argument(
        "--scancode", type=Path, help="scancode binary: time it on the same repo in this run"
    )
    args = parser.parse_args()
    repos = sorted(p for owner in DEMO.iterdir() for p in owner.iterdir() if p.is_dir())
    base = statistics.median(timed([sys.executable, "-c", "pass"], args.runs))
    rows = []
    for repo in repos:
        cmd = [sys.executable, "-m", "tracker.cli", "audit", str(repo), "--format", "json"]
        times = timed(cmd, args.runs)
        rows.append(
            {
                "repo": repo.relative_to(DEMO).as_posix(),
                "median_s": statistics.median(times),
                "max_s": max(times),
            }
        )
    scancode = scancode_single_file()
    scancode_source = "recorded run (benchmarks/results/scancode-32.5.0.json)"
    if args.scancode:
        out = Path("/tmp/scancode-bench.json")
        cmd = [str(args.scancode), "--license", "--json", str(out), "-n", "1", str(repos[0])]
        scancode = statistics.median(timed(cmd, min(args.runs, 3)))
        scancode_source = f"live, same run: scancode on {repos[0].name}/ (README + LICENSE)"
    heavy = imported_heavy(repos[0])
    table = Table(
        title=f"tracker audit, cold process, median of {args.runs} (python -c pass: {base:.3f} s)"
    )
    for col in ("repo", "median s", "max s", "vs ScanCode single file"):
        table.add_column(col)
    for r in rows:
        ratio = f"{r['median_s'] / scancode:.3f}×" if scancode else "n/a"
        table.add_row(r["repo"], f"{r['median_s']:.3f}", f"{r['max_s']:.3f}", ratio)
    console = Console()
    console.print(table)
    console.print(f"heavy modules imported by a local audit: {heavy or 'none'}")
    if scancode:
        console.print(f"ScanCode, one repo: {scancode:.2f} s ({scancode_source})")
    result = {
        "runs": args.runs,
        "python_baseline_s": base,
        "repos": rows,
        "scancode_single_file_s": scancode,
        "heavy_imports": heavy,
        "machine": {"cpus": __import__("os").cpu_count(), "python": sys.version.split()[0]},
    }
    args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
