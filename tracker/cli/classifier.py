"""`tracker train | eval-classifier | sections | classify`: the section classifier's commands."""

from __future__ import annotations

import json
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tracker.cli.options import DbOpt

CorpusOpt = Annotated[
    Path,
    typer.Option(help="The corpus (cards/ and licenses/) the weak labels come from."),
]
EvalSetOpt = Annotated[
    Path,
    typer.Option("--eval-set", help="Hand-labelled evaluation sections (kept out of training)."),
]
HandOpt = Annotated[Path, typer.Option("--hand-labelled", help="Hand-labelled training sections.")]
DEFAULT_CORPUS = Path("../shared/corpus")
DEFAULT_EVAL = Path("data/sections/eval.jsonl")
DEFAULT_HAND = Path("data/sections/train-labelled.jsonl")
DEFAULT_SECOND = Path("data/sections/eval-second-reader.jsonl")


def _need(path: Path, what: str) -> Path:
    from tracker.errors import ConfigError

    if not path.exists():
        raise ConfigError(f"{path}: {what} not found")
    return path


def train_command(
    corpus: CorpusOpt = DEFAULT_CORPUS,
    eval_set: EvalSetOpt = DEFAULT_EVAL,
    hand_labelled: HandOpt = DEFAULT_HAND,
    out: Annotated[Path, typer.Option(help="Where the weights go.")] = Path("data/classifier"),
) -> None:
    """Train the section classifier and write its weights (reproducible: fixed seeds, CPU).

    Example: tracker train --corpus ../shared/corpus --out data/classifier
    """
    from rich.console import Console
    from rich.progress import Progress

    from auditors.classifier.model import load_weights
    from tracker.classifier.train import TrainConfig, train, training_data

    _need(corpus / "cards", "corpus cards folder")
    data = training_data(
        corpus, _need(eval_set, "evaluation set"), _need(hand_labelled, "hand-labelled set")
    )
    with Progress(transient=True, console=Console(stderr=True)) as progress:
        task = progress.add_task("training", total=None)

        def step(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        weights = train(data, TrainConfig(), progress=step)
    weights.save(out)
    saved = load_weights(out)
    typer.echo(
        f"trained on {len(data.examples(1))} examples; weights {saved.version} written to {out}"
    )


def eval_command(
    corpus: CorpusOpt = DEFAULT_CORPUS,
    eval_set: EvalSetOpt = DEFAULT_EVAL,
    out: Annotated[
        Path, typer.Option(help="Markdown report; a .json with the same figures goes beside it.")
    ] = Path("docs/classifier-eval.md"),
    second_reader: Annotated[
        Path | None,
        typer.Option(help="An independent second reading of the evaluation set, for agreement."),
    ] = DEFAULT_SECOND,
) -> None:
    """Score the shipped classifier and the headings-plus-keywords baseline on the
    hand-labelled set: per-label precision, recall and F1, side by side.

    Example: tracker eval-classifier --out docs/classifier-eval.md
    """
    from auditors.classifier.model import load_weights
    from tracker.classifier.evaluate import evaluate, load_labelled
    from tracker.classifier.report import markdown_report

    rows = load_labelled(_need(eval_set, "evaluation set"), _need(corpus / "cards", "corpus"))
    second = second_reader if second_reader and second_reader.exists() else None
    report = evaluate(load_weights(), rows, second)
    summary = report.summary()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(markdown_report(summary), encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    macro = summary["macro_f1"]
    assert isinstance(macro, dict)
    typer.echo(
        f"macro-F1 classifier {macro['classifier']:.3f}, baseline {macro['baseline']:.3f} "
        f"on {len(rows)} sections; report in {out}"
    )


class SectionsFormat(StrEnum):
    table = "table"
    json = "json"


def sections_command(
    path: Annotated[Path, typer.Argument(help="A model card, or a repo folder holding one.")],
    fmt: Annotated[
        SectionsFormat, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)
    ] = SectionsFormat.table,
    baseline: Annotated[
        bool, typer.Option("--baseline", help="Label by headings and keywords instead.")
    ] = False,
) -> None:
    """Show a card's sections as the classifier sees them: heading, first line, probabilities.

    Example: tracker sections ./my-model/README.md --format json
    """
    from auditors.card import parse_card
    from auditors.classifier.reading import read_card
    from tracker.errors import TargetNotFound
    from tracker.local import load_local

    card = load_local(str(path)).card_file  # the audit's own way of finding the card
    if card is None or card.text is None:
        raise TargetNotFound(str(path), "no README.md or MODEL_CARD.md to read")
    card_path = path / card.path if path.is_dir() else path
    reading = read_card(parse_card(card.text), use_classifier=not baseline)
    if reading.note:
        typer.echo(f"note: {reading.note}", err=True)
    rows = [
        {
            "index": s.section.index,
            "line": s.section.line,
            "heading": s.section.context,
            "first_line": s.section.first_line,
            "labels": sorted(s.labels),
            "probabilities": (
                {k: round(v, 4) for k, v in s.probabilities.items()} if s.probabilities else None
            ),
        }
        for s in reading.sections
    ]
    if fmt is SectionsFormat.json:
        doc = {"card": str(card_path), "read_by": reading.method, "sections": rows}
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{card_path} — read by {reading.method}")
    for column in ("line", "heading", "first line", "labels"):
        table.add_column(column)
    for r in rows:
        probs = r["probabilities"]
        labels = r["labels"]
        assert isinstance(labels, list)
        shown = ", ".join(_shown(name, probs) for name in labels)
        table.add_row(str(r["line"]), str(r["heading"]), str(r["first_line"])[:60], shown)
    Console().print(table)


def _shown(label: str, probs: object) -> str:
    """ "how_to_use 0.97"; `other` alone when it stands for "none of the labels"."""
    if not isinstance(probs, dict) or (label == "other" and probs[label] < 0.5):
        return label
    return f"{label} {probs[label]:.2f}"


class Device(StrEnum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


def classify_command(
    db: DbOpt = None,
    device: Annotated[
        Device, typer.Option(help="Where to run the model (auto: CUDA when present).")
    ] = Device.auto,
    batch_size: Annotated[int, typer.Option(min=1, help="Sections per batch.")] = 2048,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Processes that tokenise. [default: the number of CPUs]"),
    ] = None,
    bf16: Annotated[
        bool,
        typer.Option(
            "--bf16", help="On CUDA, run the MLP in bfloat16 (mixed precision; float32 otherwise)."
        ),
    ] = False,
) -> None:
    """Classify every section of every card text in the database not yet read by this model.

    Resumable: texts are written in transactions of a few hundred; a run that stops leaves
    them complete and the next run goes on from there.

    Example: tracker classify --device cuda
    """
    from rich.console import Console
    from rich.progress import Progress

    from auditors.classifier.model import shipped_weights
    from tracker.classifier.inference import TorchClassifier, pick_device
    from tracker.classifier.store import classify_database, count_unclassified
    from tracker.db.engine import database_url, make_engine, upgrade_to_head

    weights = shipped_weights()
    classifier = TorchClassifier(
        weights,
        pick_device(device.value),
        batch_size,
        workers or os.cpu_count() or 1,
        precision="bf16" if bf16 else "fp32",
    )
    engine = make_engine(database_url(db))
    try:
        upgrade_to_head(engine)
        todo = count_unclassified(engine, weights.version)
        with Progress(transient=True, console=Console(stderr=True)) as progress:
            task = progress.add_task(f"classifying on {classifier.device}", total=todo)

            def step(texts: int, sections: int) -> None:
                progress.update(task, completed=texts)

            stats = classify_database(engine, classifier, progress=step)
    finally:
        classifier.close()
        engine.dispose()
    labelled = stats.labelled or {}
    top = ", ".join(f"{k} {v}" for k, v in sorted(labelled.items(), key=lambda kv: -kv[1]) if v)
    typer.echo(
        f"classified {stats.sections} sections of {stats.texts} cards with model "
        f"{weights.version} on {classifier.device}" + (f" ({top})" if top else "")
    )
