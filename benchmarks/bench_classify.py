"""Section-classifier throughput, end to end: section texts in, labels out, tokenising included.

    python benchmarks/bench_classify.py [--sections N] [--json PATH]

The sections are every section of the corpus cards (../shared/corpus/cards), repeated until
there are N (default 60,000). Each way of running is timed over all N after a warm-up on 2,000:
the headings-plus-keywords baseline, the numpy path the single-repo audit uses, torch on the CPU
in one process, torch on the CPU with tokenising spread over every core, and — when torch sees a
CUDA device — torch on the GPU fed by every core, with its agreement with the CPU checked on the
same sections (largest probability difference, share of sections with different labels).
Prints a table and writes JSON (default results/classify.json); always exits 0.
Goals (issue #4): 5,000 sections/s on the 2-core CPU; 70,000 on one H100.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
from rich.console import Console
from rich.table import Table

from auditors.card import parse_card
from auditors.classifier.baseline import baseline_labels
from auditors.classifier.model import Array, probabilities, shipped_weights
from auditors.classifier.predict import labels_from
from auditors.classifier.sectioning import CardSection, split_card
from tracker.classifier.inference import TorchClassifier

ROOT = Path(__file__).resolve().parents[1]
CARDS = ROOT.parent / "shared" / "corpus" / "cards"
DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "classify.json"
GOAL_CPU, GOAL_GPU = 5_000, 70_000


def corpus_sections(n: int) -> list[CardSection]:
    units: list[CardSection] = []
    for path in sorted(CARDS.glob("*.md")):
        units += split_card(parse_card(path.read_text(encoding="utf-8", errors="replace")))
    return [units[i % len(units)] for i in range(n)]


def timed(
    run: Callable[[list[str], list[str]], object], texts: list[str], heads: list[str]
) -> float:
    run(texts[:6144], heads[:6144])  # warm-up: imports, worker pools (3 batches), kernels
    start = time.perf_counter()
    run(texts, heads)
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sections", type=int, default=60_000)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args()
    torch.set_num_threads(1)
    weights = shipped_weights()
    sections = corpus_sections(args.sections)
    texts, heads = [s.body for s in sections], [s.context for s in sections]
    cores = os.cpu_count() or 1
    rows: list[dict[str, object]] = []

    def record(name: str, device: str, workers: int, rate: float, goal: int | None) -> None:
        rows.append(
            {"how": name, "device": device, "processes": workers, "sections_per_s": rate,
             "goal": goal}
        )  # fmt: skip

    cpu_name = platform.processor() or platform.machine()
    rate = timed(lambda t, h: [baseline_labels(s) for s in sections[: len(t)]], texts, heads)
    record("baseline (headings + keywords)", cpu_name, 1, rate, None)
    rate = timed(lambda t, h: probabilities(weights, t, h), texts, heads)
    record("numpy, as in the single-repo audit", cpu_name, 1, rate, None)
    with TorchClassifier(weights, torch.device("cpu"), 2048, workers=1) as one:
        record("torch CPU", cpu_name, 1, timed(one.probabilities, texts, heads), None)
        cpu_probs = one.probabilities(texts, heads)
    with TorchClassifier(weights, torch.device("cpu"), 2048, workers=cores) as many:
        rate = timed(many.probabilities, texts, heads)
        record("torch CPU, tokenising on every core", cpu_name, cores, rate, GOAL_CPU)
    agreement: dict[str, object] = {}
    if torch.cuda.is_available():
        gpu_name = torch.cuda.get_device_name(0)
        with TorchClassifier(weights, torch.device("cuda"), 8192, workers=cores) as gpu:
            rate = timed(gpu.probabilities, texts, heads)
            record(
                "torch GPU (bf16 MLP), tokenising on every core", gpu_name, cores, rate, GOAL_GPU
            )
            gpu_probs = gpu.probabilities(texts, heads)
        agreement = compare(cpu_probs, gpu_probs, weights.thresholds)
    table = Table(title=f"Section classifier throughput, {len(texts):,} corpus sections")
    for col in ("how", "device", "processes", "sections/s", "goal"):
        table.add_column(col)
    for r in rows:
        goal = r["goal"]
        table.add_row(
            str(r["how"]), str(r["device"]), str(r["processes"]),
            f"{r['sections_per_s']:,.0f}", f"{goal:,}" if goal else "",
        )  # fmt: skip
    console = Console()
    console.print(table)
    if agreement:
        console.print(f"GPU vs CPU: {agreement}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": {"cpus": cores, "python": platform.python_version(),
                            "torch": torch.__version__},
                "model_version": weights.version,
                "sections": len(texts),
                "results": rows,
                "gpu_vs_cpu": agreement,
            },
            indent=2,
        ) + "\n",
        encoding="utf-8",
    )  # fmt: skip


def compare(cpu: Array, gpu: Array, thresholds: Array) -> dict[str, object]:
    differ = sum(
        labels_from(a, thresholds) != labels_from(b, thresholds)
        for a, b in zip(cpu, gpu, strict=True)
    )
    return {"max_abs_diff": float(np.abs(cpu - gpu).max()), "sections_with_other_labels": differ}


if __name__ == "__main__":
    main()
