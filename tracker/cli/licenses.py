"""`tracker licenses identify|list`: what license a file is, and which licenses we know."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from auditors.report import Identification
from tracker.cli.options import DbOpt, ListFormat, ListFormatOpt, ThresholdOpt

app = typer.Typer(
    help="Identify license files and list the license knowledge base.", no_args_is_help=True
)


@app.command("identify")
def identify_command(
    files: Annotated[list[Path], typer.Argument(help="License files or model cards.")],
    fmt: ListFormatOpt = ListFormat.text,
    threshold: ThresholdOpt = 0.6,
) -> None:
    """Identify the license(s) in each file: id, confidence, method and matched lines.

    Files named README*/*.md with YAML front matter are read as model cards (metadata, prose and
    embedded license text); anything else as a license text.

    Example: tracker licenses identify LICENSE README.md --format json
    """
    from auditors.formats.json_format import identification_dict
    from auditors.licenses import identify_card, identify_text
    from tracker.local import load_card_file

    results: list[dict[str, Any]] = []
    for path in files:
        view = load_card_file(path)
        text = view.files[path.name].text or ""
        is_card = path.suffix.lower() == ".md" and (
            path.name.lower().startswith("readme") or text.lstrip().startswith("---")
        )
        found = (identify_card if is_card else identify_text)(text, str(path), threshold=threshold)
        result: dict[str, Any] = {
            "file": str(path),
            "as": "card" if is_card else "license",
            "identifications": [identification_dict(i) for i in found],
        }
        variant = None if is_card else _variant_analysis(text, str(path), found)
        if variant is not None:
            result["rail_analysis"] = variant
        results.append(result)
    if fmt is ListFormat.json:
        typer.echo(json.dumps(results, indent=2))
        return
    for r in results:
        idents = r["identifications"]
        if not idents:
            typer.echo(f"{r['file']}: no license identified")
        for i in idents:
            lines = f" lines {i['line_start']}-{i['line_end']}" if i["line_start"] else ""
            alt = f" (or {', '.join(i['alternatives'])})" if i["alternatives"] else ""
            typer.echo(f"{r['file']}: {i['id']}{alt} {i['confidence']:.0%} by {i['method']}{lines}")
        if "rail_analysis" in r:
            a = r["rail_analysis"]
            missing = [x["id"] for x in a["restrictions"] if x["status"] == "missing"]
            weak = [x["id"] for x in a["restrictions"] if x["status"] == "weakened"]
            gone = sorted({c["id"] for c in a["clauses"] if c["status"] == "missing"})
            typer.echo(
                f"  compared with {a['reference']}: restrictions missing "
                f"{', '.join(missing) or '-'}; weakened {', '.join(weak) or '-'}; "
                f"clauses missing {', '.join(gone) or '-'}"
            )


def _variant_analysis(text: str, path: str, found: list[Identification]) -> dict[str, Any] | None:
    """Clause-by-clause comparison of a modified RAIL text with the RAIL it was adapted from."""
    from auditors.formats.json_format import rail_dict
    from auditors.knowledge import load_knowledge_base
    from auditors.licenses import analyse_rail

    if not found:
        return None
    kb = load_knowledge_base()
    info = kb.license(found[0].license_id)
    if info is None or info.family != "rail" or info.variant_of is None:
        return None
    analysis = analyse_rail(text, path, info.variant_of, kb, found[0].confidence)
    return rail_dict(analysis) if analysis is not None else None


@app.command("list")
def list_command(fmt: ListFormatOpt = ListFormat.text) -> None:
    """List the licenses in the knowledge base with family, commercial use and duties.

    Example: tracker licenses list --format json
    """
    from auditors.knowledge import load_knowledge_base

    kb = load_knowledge_base()
    rows = [
        {
            "id": lic.id,
            "name": lic.name,
            "spdx": lic.spdx,
            "family": lic.family,
            "hub_id": lic.hub_id,
            "commercial_use": lic.commercial_use,
            "duties": [d.kind for d in lic.duties],
        }
        for lic in kb.licenses.values()
    ]
    if fmt is ListFormat.json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for lic in kb.licenses.values():
        duties = ", ".join(d.kind for d in lic.duties)
        typer.echo(f"{lic.id:<40} {lic.family:<15} commercial={lic.commercial_use:<8} {duties}")


@app.command("unknown")
def unknown_command(
    fmt: ListFormatOpt = ListFormat.text,
    threshold: Annotated[
        float,
        typer.Option(min=0.05, max=1.0, help="Jaccard similarity that puts two texts together."),
    ] = 0.5,
    db: DbOpt = None,
) -> None:
    """Cluster the license texts in the database that no known license explains.

    Bespoke licenses and modified RAILs, grouped by similarity: each cluster's size, a
    representative text, the nearest known license and how the representative differs.

    Example: tracker licenses unknown --db tracker.db --format json
    """
    from tracker.db.engine import database_url, make_engine
    from tracker.long_tail import unknown_licenses

    engine = make_engine(database_url(db))
    try:
        tail = unknown_licenses(engine, threshold)
    finally:
        engine.dispose()
    clusters: list[dict[str, Any]] = [
        {
            "artifacts": c.artifacts,
            "texts": len(c.members),
            "representative": {
                "sha256": c.representative.digest,
                "why_unknown": tail.reasons[c.representative.digest],
                "first_line": next(
                    (ln.strip() for ln in c.representative.text.splitlines() if ln.strip()), ""
                )[:120],
                "artifacts": list(c.representative.artifacts[:5]),
            },
            "nearest": None
            if c.nearest is None
            else {"license": c.nearest.license_id, "containment": c.nearest.containment},
            "differences": c.differences,
        }
        for c in tail.clusters
    ]
    if fmt is ListFormat.json:
        typer.echo(json.dumps({"texts_read": tail.texts_read, "clusters": clusters}, indent=2))
        return
    typer.echo(
        f"{len(clusters)} clusters of unknown license texts "
        f"(of {tail.texts_read} distinct license texts read)"
    )
    for n, c in enumerate(clusters, start=1):
        rep, near = c["representative"], c["nearest"]
        typer.echo(f"\n{n}. {c['artifacts']} artifacts, {c['texts']} texts: {rep['why_unknown']}")
        typer.echo(f"   representative {rep['sha256'][:12]}: {rep['first_line']}")
        typer.echo(f"   shipped by {', '.join(rep['artifacts'])}")
        if near:
            typer.echo(f"   nearest known: {near['license']} (containment {near['containment']})")
        for d in c["differences"]:
            typer.echo(f"   - {d}")
