"""License-identification accuracy and speed, ours beside ScanCode Toolkit, by category.

    python benchmarks/bench_license_id.py [--json PATH] [--scancode BIN]

Runs `auditors.licenses.identify_text` (license-file categories) and `identify_card` (card
categories) on every case from `license_cases.build_cases`, in-process after a warm-up, and once
in a fresh process for the cold-start time. ScanCode's column comes from the recorded run in
`results/scancode-*.json` unless `--scancode` names a binary to run live. Prints a table and our
misses, writes JSON (default `results/license_id.json`), and always exits 0: it is a measurement.

A case is right when the top identification (highest confidence, first on ties) names the
expected id or an accepted one; for `attachment-only` also when the expected id is among the top
identification's `alternatives`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scancode_peer  # noqa: E402
from license_cases import (  # noqa: E402
    CATEGORIES,
    Case,
    build_cases,
    default_shared_dir,
    load_kb_ids,
    make_canonical,
)
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "license_id.json"
GOAL_ACCURACY = 0.95
GOAL_SPEEDUP = 10.0
COLD_CASE = "whole/licenses/creativeml-openrail-m"
MAX_MISSES_SHOWN = 60

Identify = Callable[..., Sequence[Any]]


@dataclass(frozen=True)
class OurResult:
    id: str
    category: str
    expected: str
    accept: tuple[str, ...]
    got: str | None
    confidence: float | None
    method: str | None
    alternatives: tuple[str, ...]
    right: bool
    ms: float
    error: str | None = None


def load_identifier() -> tuple[Identify, Identify] | str:
    """Our two entry points, or a message saying why they cannot be imported."""
    sys.path.insert(0, str(ROOT))
    try:
        from auditors.licenses import identify_card, identify_text
    except Exception as exc:  # ImportError, or an error inside the package while it is written
        return (
            f"cannot import identify_text/identify_card from auditors.licenses "
            f"({type(exc).__name__}: {exc}); our columns are left empty"
        )
    try:  # a probe call: the package may import yet fail to load its knowledge base
        identify_text("MIT License", path="LICENSE")
    except Exception as exc:
        return (
            f"auditors.licenses.identify_text raised on a probe call "
            f"({type(exc).__name__}: {exc}); our columns are left empty"
        )
    return identify_text, identify_card


def top_identification(found: Sequence[Any]) -> Any | None:
    return max(found, key=lambda i: i.confidence, default=None)  # max keeps the first on ties


def run_case(
    case: Case, identify_text: Identify, identify_card: Identify, canonical: Callable[[str], str]
) -> OurResult:
    fn = identify_card if case.is_card else identify_text
    start = time.perf_counter()
    try:
        found, error = fn(case.text, path=case.filename), None
    except Exception as exc:  # a crash on one case is a miss, not the end of the benchmark
        found, error = [], f"{type(exc).__name__}: {exc}"
    ms = (time.perf_counter() - start) * 1000
    top = top_identification(found)
    got = canonical(top.license_id) if top is not None else None
    alternatives = tuple(canonical(a) for a in (getattr(top, "alternatives", None) or ()))
    right = got in case.answers or (
        case.category == "attachment-only" and case.expected in alternatives
    )
    return OurResult(
        case.id,
        case.category,
        case.expected,
        case.accept,
        got,
        round(top.confidence, 4) if top is not None else None,
        getattr(top, "method", None),
        alternatives,
        right,
        round(ms, 3),
        error,
    )


def run_ours(
    cases: list[Case], identify_text: Identify, identify_card: Identify
) -> list[OurResult]:
    canonical = make_canonical(load_kb_ids())
    warm_text = next((c for c in cases if not c.is_card), None)
    warm_card = next((c for c in cases if c.is_card), None)
    for case in (warm_text, warm_card):  # load indexes and caches before timing
        if case is not None:
            run_case(case, identify_text, identify_card, canonical)
    return [run_case(c, identify_text, identify_card, canonical) for c in cases]


_COLD_CODE = """
import sys, time
t = time.perf_counter()
from auditors.licenses import identify_text
found = identify_text(open(sys.argv[1], encoding="utf-8").read(), path="LICENSE.txt")
top = max(found, key=lambda i: i.confidence, default=None)
print(round(time.perf_counter() - t, 4), top.license_id if top else None)
"""


def cold_start(case: Case, repeat: int = 3) -> dict[str, Any]:
    """Wall time of a fresh Python process that imports us and identifies one license file."""
    runs, inner, answer = [], [], None
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        path = Path(tmp) / case.filename
        path.write_text(case.text, encoding="utf-8")
        for _ in range(repeat):
            start = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-c", _COLD_CODE, str(path)],
                capture_output=True,
                text=True,
                cwd=ROOT,
            )
            runs.append(round(time.perf_counter() - start, 3))
            if proc.returncode != 0:
                lines = proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"]
                return {"case": case.id, "error": lines[-1]}
            seconds, answer = proc.stdout.split()
            inner.append(float(seconds))
    return {
        "case": case.id,
        "runs_s": runs,
        "median_s": statistics.median(runs),
        "import_and_identify_s": statistics.median(inner),
        "answer": answer,
    }


# ---------------------------------------------------------------------------------------------
# Summaries


def summarize_ours(results: list[OurResult]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for category in (*CATEGORIES, "total"):
        rows = [r for r in results if category in ("total", r.category)]
        if rows:
            right = sum(r.right for r in rows)
            out[category] = {
                "cases": len(rows),
                "right": right,
                "accuracy": round(right / len(rows), 4),
                "ms_per_file": round(statistics.mean(r.ms for r in rows), 3),
            }
    return out


def summarize_scancode(
    results: list[scancode_peer.PeerResult],
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for category in (*CATEGORIES, "total"):
        rows = [r for r in results if category in ("total", r.category)]
        scored = [r for r in rows if not r.stale]
        if not rows:
            continue
        times = [r.scan_s for r in scored if r.scan_s is not None]
        right = sum(r.right for r in scored)
        out[category] = {
            "cases": len(rows),
            "scored": len(scored),
            "right": right,
            "accuracy": round(right / len(scored), 4) if scored else None,
            "right_any": sum(r.right_any for r in scored),
            "s_per_file": round(statistics.mean(times), 4) if times else None,
        }
    return out


def _pct(summary: dict[str, Any] | None) -> str:
    if not summary or summary.get("accuracy") is None:
        return "n/a"
    of = summary.get("scored", summary["cases"])
    return f"{summary['accuracy'] * 100:.1f} % ({summary['right']}/{of})"


def render(
    console: Console,
    ours: dict[str, dict[str, Any]] | None,
    peer: dict[str, dict[str, Any]] | None,
    peer_meta: dict[str, Any] | None,
    cold: dict[str, Any] | None,
) -> None:
    label = "ScanCode: not available"
    if peer_meta:
        how = "live run" if peer_meta["source"] == "live" else "recorded run"
        label = (
            f"ScanCode {peer_meta['version']}: {how}, {peer_meta['date']} ({peer_meta['machine']})"
        )
    table = Table(title="License identification by category", caption=label)
    for name, justify in (
        ("category", "left"),
        ("cases", "right"),
        ("ours accuracy", "right"),
        ("ours ms/file", "right"),
        ("ScanCode accuracy", "right"),
        ("ScanCode s/file", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    shown = [c for c in (*CATEGORIES, "total") if (ours or {}).get(c) or (peer or {}).get(c)]
    for n, category in enumerate(shown):
        o = (ours or {}).get(category)
        p = (peer or {}).get(category)
        cases = (o or p or {}).get("cases", 0)
        mark = ""
        if o and category != "total":
            mark = " ✓" if o["accuracy"] >= GOAL_ACCURACY else " ✗"
        peer_s = p.get("s_per_file") if p else None
        table.add_row(
            category,
            str(cases),
            _pct(o) + mark,
            f"{o['ms_per_file']:.2f}" if o else "n/a",
            _pct(p),
            f"{peer_s:.3f}" if peer_s is not None else "n/a",
            end_section=n == len(shown) - 2,
        )
    console.print(table)
    console.print(
        "ms/file (ours): wall time per case in this process after a warm-up. s/file (ScanCode): "
        "its own per-file scan timing (--timing), index loading and start-up excluded."
    )
    if peer_meta:
        single = peer_meta.get("single_file") or {}
        console.print(
            f"ScanCode whole run: {peer_meta['files']} files in {peer_meta['wall_s']} s with "
            f"-n {peer_meta['processes']} = {peer_meta['files_per_s']} files/s "
            f"(peak RSS {peer_meta.get('peak_rss_mb')} MB); one file in a fresh process: "
            f"{single.get('median_s')} s (runs {single.get('runs_s')}), "
            f"peak RSS {single.get('peak_rss_mb')} MB."
        )
    if cold and "median_s" in cold:
        line = f"Cold start, ours: {cold['median_s']} s for one file in a fresh process"
        line += f" (import + identify {cold['import_and_identify_s']} s; answer {cold['answer']})"
        single_s = ((peer_meta or {}).get("single_file") or {}).get("median_s")
        if single_s:
            ratio = single_s / cold["median_s"]
            verdict = "met" if ratio >= GOAL_SPEEDUP else "not met"
            line += f"; ScanCode {single_s} s: {ratio:.1f}x faster (goal 10x: {verdict})"
        console.print(line + ".")
    elif cold:
        console.print(f"Cold start, ours: failed: {cold.get('error')}")


def render_misses(console: Console, results: list[OurResult]) -> None:
    misses = [r for r in results if not r.right]
    if not misses:
        console.print("Our misses: none.")
        return
    table = Table(title=f"Our misses ({len(misses)})")
    for name in ("case", "expected", "got", "confidence", "method"):
        table.add_column(name, overflow="fold")
    for r in misses[:MAX_MISSES_SHOWN]:
        expected = r.expected + (f" (or {', '.join(r.accept)})" if r.accept else "")
        got = r.got or (f"error: {r.error}" if r.error else "nothing")
        conf = f"{r.confidence:.2f}" if r.confidence is not None else ""
        table.add_row(r.id, expected, got, conf, r.method or "")
    console.print(table)
    if len(misses) > MAX_MISSES_SHOWN:
        console.print(f"... and {len(misses) - MAX_MISSES_SHOWN} more in the JSON output.")


# ---------------------------------------------------------------------------------------------


def peer_results(
    cases: list[Case], scancode_bin: str | None, console: Console
) -> tuple[list[scancode_peer.PeerResult] | None, dict[str, Any] | None]:
    if scancode_bin:
        console.print(f"running ScanCode live ({scancode_bin}) on {len(cases)} files ...")
        recorded = scancode_peer.measure(scancode_bin, cases, processes=2, repeat=1)
        source = "live"
    else:
        recorded = scancode_peer.load_recorded()
        source = "recorded"
    if recorded is None:
        return None, None
    meta = {k: v for k, v in recorded.items() if k != "cases"}
    meta["source"] = source
    return scancode_peer.score(cases, recorded), meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write JSON")
    parser.add_argument("--scancode", help="run this ScanCode binary live instead of the record")
    parser.add_argument("--shared", type=Path, help="shared dir (default ../shared, GENAI_SHARED)")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold-start runs")
    args = parser.parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 140)  # wide tables in CI logs
    cases = build_cases(args.shared or default_shared_dir())

    identifier = load_identifier()
    ours_results: list[OurResult] = []
    cold = None
    error = identifier if isinstance(identifier, str) else None
    if error:
        console.print(f"[bold red]Our identifier is not available:[/] {error}")
    else:
        identify_text, identify_card = identifier
        ours_results = run_ours(cases, identify_text, identify_card)
        if not args.no_cold:
            cold = cold_start(next(c for c in cases if c.id == COLD_CASE))
    peer, peer_meta = peer_results(cases, args.scancode, console)

    ours_summary = summarize_ours(ours_results) if ours_results else None
    peer_summary = summarize_scancode(peer) if peer else None
    render(console, ours_summary, peer_summary, peer_meta, cold)
    if ours_results:
        render_misses(console, ours_results)

    payload = {
        "schema_version": 1,
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "python": platform.python_version(),
        "cases": len(cases),
        "goals": {"accuracy_per_category": GOAL_ACCURACY, "speedup_vs_scancode": GOAL_SPEEDUP},
        "ours": {
            "available": error is None,
            "error": error,
            "categories": ours_summary,
            "cold_start": cold,
            "results": [asdict(r) for r in ours_results],
        },
        "scancode": {
            **(peer_meta or {"source": None}),
            "categories": peer_summary,
            "misses": [asdict(r) for r in (peer or []) if not r.right and not r.stale],
        },
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", "utf-8")
    console.print(f"JSON written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
