"""ScanCode Toolkit as the peer for the license-identification benchmark.

Run ScanCode on the benchmark cases (one file per case, under a neutral name such as `LICENSE.txt`
or `README.md` in its own folder), map its license keys to our ids through
`data/scancode-crosswalk.tsv`, and record the raw detections, the timings and the peak memory to
`results/scancode-<version>.json`. The benchmark reads that file when ScanCode is not installed.

ScanCode is installed in its own virtual environment, outside the repository:

    python3 -m venv /tmp/scancode-venv
    /tmp/scancode-venv/bin/pip install scancode-toolkit==32.5.0 pluggy==1.5.0
    python benchmarks/scancode_peer.py --scancode /tmp/scancode-venv/bin/scancode

Scoring: ScanCode's answer for a file is its license detection with the most matched tokens;
from that detection's expression we take the first key that names a license in our vocabulary
(generic keys such as `unknown-license-reference` or `proprietary-license` are passed over), or
else its first key. It is right when that key maps to the case's expected id or to an accepted
one. `right_any` records the lenient reading: any key in `detected_license_expression` maps to an
answer. `--rescore` re-applies the current crosswalk and cases to a recorded run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from license_cases import Case, build_cases, default_shared_dir, load_crosswalk  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
SINGLE_FILE_CASE = "whole/licenses/creativeml-openrail-m"
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+\-]*")
_OPERATORS = {"AND", "OR", "WITH"}


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def expression_keys(expression: str | None) -> list[str]:
    """License keys in a ScanCode expression, in order, without operators or duplicates."""
    keys = [k for k in _KEY.findall(expression or "") if k not in _OPERATORS]
    return list(dict.fromkeys(keys))


# ---------------------------------------------------------------------------------------------
# Running ScanCode


def scancode_version(binary: str) -> str:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout
    m = re.search(r"ScanCode version:?\s*(\S+)", out)
    return m.group(1) if m else out.strip().splitlines()[0]


def write_cases(cases: Iterable[Case], root: Path) -> dict[str, str]:
    """One folder per case holding one file; returns relative path -> case id."""
    paths = {}
    for n, case in enumerate(cases):
        rel = f"{n:04d}/{case.filename}"
        (root / rel).parent.mkdir(parents=True)
        (root / rel).write_bytes(case.text.encode("utf-8"))
        paths[rel] = case.id
    return paths


def _timed_run(cmd: list[str]) -> tuple[float, float | None]:
    """Run a command; return wall seconds and peak RSS in MB (via /usr/bin/time -v if present)."""
    full = ["/usr/bin/time", "-v", *cmd] if Path("/usr/bin/time").exists() else cmd
    start = time.perf_counter()
    proc = subprocess.run(full, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    return wall, (int(m.group(1)) / 1024 if m else None)


def run_scancode(binary: str, cases: list[Case], processes: int = 2) -> dict[str, Any]:
    """Scan every case in one ScanCode run; raw per-file results keyed by case id."""
    with tempfile.TemporaryDirectory(prefix="scancode-bench-") as tmp:
        root = Path(tmp) / "cases"
        paths = write_cases(cases, root)
        out = Path(tmp) / "out.json"
        cmd = [binary, "--license", "--timing", "--json-pp", str(out), "-n", str(processes)]
        wall, rss = _timed_run([*cmd, "--quiet", str(root)])
        scan = json.loads(out.read_text(encoding="utf-8"))
    per_case = {}
    for item in scan.get("files", []):
        if item.get("type") != "file":
            continue
        rel = item["path"].split("/", 1)[1] if "/" in item["path"] else item["path"]
        if rel in paths:
            per_case[paths[rel]] = _file_result(item)
    return {
        "command": f"scancode --license --timing --json-pp OUT -n {processes} --quiet DIR",
        "processes": processes,
        "files": len(paths),
        "wall_s": round(wall, 2),
        "files_per_s": round(len(paths) / wall, 2),
        "peak_rss_mb": round(rss) if rss else None,
        "per_case": per_case,
    }


def _file_result(item: dict[str, Any]) -> dict[str, Any]:
    detections = []
    for det in item.get("license_detections") or []:
        matched = sum(m.get("matched_length", 0) for m in det.get("matches") or [])
        detections.append({"expression": det.get("license_expression"), "matched": matched})
    top = max(detections, key=lambda d: d["matched"], default=None)  # first one wins ties
    timings = item.get("scan_timings") or {}
    return {
        "detected_license_expression": item.get("detected_license_expression"),
        "detections": detections,
        "top_expression": top["expression"] if top else None,
        "scan_s": round(sum(timings.values()), 4) if timings else None,
    }


def time_single_file(binary: str, case: Case, repeat: int = 3) -> dict[str, Any]:
    """Wall time and peak RSS of a fresh ScanCode process on one file (index load included)."""
    runs, peaks = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="scancode-one-") as tmp:
            write_cases([case], Path(tmp) / "in")
            cmd = [binary, "--license", "--json-pp", str(Path(tmp) / "out.json"), "--quiet"]
            wall, rss = _timed_run([*cmd, str(Path(tmp) / "in")])
        runs.append(round(wall, 2))
        if rss:
            peaks.append(rss)
    return {
        "case": case.id,
        "runs_s": runs,
        "median_s": statistics.median(runs),
        "peak_rss_mb": round(max(peaks)) if peaks else None,
    }


# ---------------------------------------------------------------------------------------------
# Scoring


@dataclass(frozen=True)
class PeerResult:
    case_id: str
    category: str
    keys: tuple[str, ...]
    top_key: str | None
    mapped: str | None
    right: bool
    right_any: bool
    scan_s: float | None
    stale: bool = False


def score_case(
    case: Case, raw: dict[str, Any] | None, crosswalk: dict[str, str | None]
) -> PeerResult:
    if raw is None or raw.get("sha256") not in (None, text_digest(case.text)):
        return PeerResult(case.id, case.category, (), None, None, False, False, None, stale=True)
    keys = tuple(expression_keys(raw.get("detected_license_expression")))
    top_keys = expression_keys(raw.get("top_expression"))
    # generic keys (unknown-license-reference, proprietary-license ...) do not name a license
    top_key = next((k for k in top_keys if crosswalk.get(k)), top_keys[0] if top_keys else None)
    mapped = crosswalk.get(top_key) if top_key else None
    answers = set(case.answers)
    right = mapped in answers
    right_any = right or any(crosswalk.get(k) in answers for k in keys)
    return PeerResult(
        case.id, case.category, keys, top_key, mapped, right, right_any, raw.get("scan_s")
    )


def score(
    cases: list[Case], recorded: dict[str, Any], crosswalk: dict[str, str | None] | None = None
) -> list[PeerResult]:
    """Score ScanCode's recorded detections against the current cases and crosswalk."""
    crosswalk = crosswalk if crosswalk is not None else load_crosswalk()
    per_case = recorded.get("cases", {})
    return [score_case(c, per_case.get(c.id), crosswalk) for c in cases]


def recorded_path(version: str = "32.5.0") -> Path:
    return RESULTS / f"scancode-{version}.json"


def load_recorded(path: Path | None = None) -> dict[str, Any] | None:
    """The newest recorded ScanCode run (or the one at `path`), or None."""
    if path is None:
        found = sorted(RESULTS.glob("scancode-*.json"))
        path = found[-1] if found else None
    if path is None or not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def measure(binary: str, cases: list[Case], processes: int = 2, repeat: int = 3) -> dict[str, Any]:
    """A full ScanCode measurement: one run on all cases, plus single-file cold runs."""
    version = scancode_version(binary)
    run = run_scancode(binary, cases, processes)
    by_id = {c.id: c for c in cases}
    single = time_single_file(binary, by_id.get(SINGLE_FILE_CASE, cases[0]), repeat)
    crosswalk = load_crosswalk()
    per_case = {}
    for case in cases:
        raw = run["per_case"].get(case.id)
        if raw is None:
            continue
        raw = {"sha256": text_digest(case.text), **raw}
        result = score_case(case, raw, crosswalk)
        per_case[case.id] = {
            "category": case.category,
            **raw,
            "mapped": result.mapped,
            "right": result.right,
            "right_any": result.right_any,
        }
    return {
        "schema_version": 1,
        "tool": "scancode-toolkit",
        "version": version,
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": _machine(),
        "command": run["command"],
        "processes": processes,
        "files": run["files"],
        "wall_s": run["wall_s"],
        "files_per_s": run["files_per_s"],
        "peak_rss_mb": run["peak_rss_mb"],
        "single_file": single,
        "cases": per_case,
    }


def rescore(recorded: dict[str, Any], cases: list[Case]) -> dict[str, Any]:
    """The recorded run with `mapped`/`right` recomputed; cases whose text changed are dropped."""
    crosswalk = load_crosswalk()
    by_id = {c.id: c for c in cases}
    kept = {}
    for case_id, raw in recorded["cases"].items():
        case = by_id.get(case_id)
        if case is None:
            continue
        result = score_case(case, raw, crosswalk)
        if not result.stale:
            kept[case_id] = {
                **raw,
                "mapped": result.mapped,
                "right": result.right,
                "right_any": result.right_any,
            }
    return {**recorded, "cases": kept}


def _machine() -> str:
    import os
    import platform

    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scancode", default=shutil.which("scancode"), help="scancode binary")
    parser.add_argument("--shared", type=Path, default=None, help="shared dir (../shared)")
    parser.add_argument("--out", type=Path, default=None, help="where to record the run")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="single-file runs to time")
    parser.add_argument(
        "--rescore", type=Path, metavar="RECORD", help="re-score a recorded run, do not scan"
    )
    args = parser.parse_args(argv)
    if args.rescore:
        cases = build_cases(args.shared or default_shared_dir())
        result = rescore(json.loads(args.rescore.read_text(encoding="utf-8")), cases)
        args.rescore.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        print(f"re-scored {len(result['cases'])} cases in {args.rescore}", file=sys.stderr)
        return 0
    if not args.scancode:
        parser.error("scancode not found: pass --scancode /path/to/scancode")
    cases = build_cases(args.shared or default_shared_dir())
    print(f"scanning {len(cases)} cases with {args.scancode} ...", file=sys.stderr)
    result = measure(args.scancode, cases, args.processes, args.repeat)
    out = args.out or recorded_path(result["version"])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    right = sum(1 for c in result["cases"].values() if c["right"])
    print(
        f"recorded {out}: {right}/{len(result['cases'])} right, {result['wall_s']} s "
        f"({result['files_per_s']} files/s), single file {result['single_file']['median_s']} s, "
        f"peak {result['single_file']['peak_rss_mb']} MB",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
