"""`tracker licenses identify|list`: what license a file is, and which licenses we know."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from auditors.report import Identification
from tracker.cli.options import ListFormat, ListFormatOpt, ThresholdOpt

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
