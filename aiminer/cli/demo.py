"""``aiminer demo``: the main job on bundled sample data, with a leak check at the end."""

from __future__ import annotations

import json
import shutil
from typing import TYPE_CHECKING

from aiminer.leakcheck import scan_tree
from aiminer.runner import RunSpec
from aiminer.samples import make_corpus

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Console


def run_demo(workdir: Path, out: Console, err: Console, yes: bool = True, pipeline: bool = True) -> int:
    """Generate samples, de-identify them, print the result and prove no injected PHI value reached the output;
    then (``pipeline``) the full tour on the local runtime (:mod:`aiminer.local.tour`)."""
    from aiminer.cli.main import print_summary, run_with_progress

    if workdir.exists():
        shutil.rmtree(workdir)
    inbox, outbox, partner = workdir / "partner-export", workdir / "outbox", workdir / "partner-private"
    out.print(f"[bold]1.[/bold] Writing sample studies with synthetic PHI to {inbox}")
    corpus = make_corpus(inbox)
    out.print(f"   {len(corpus.files)} files, {len(corpus.patients)} patients, {len(corpus.phi)} distinct PHI values")
    out.print("[bold]2.[/bold] De-identifying (aiminer deid) ...")
    spec = RunSpec(
        inputs=(inbox,),
        out_dir=outbox,
        project="DEMO-LUNG",
        site="Saint Brendan Regional Medical Center",
        crosswalk=partner / "crosswalk.sqlite",
        receipt=partner / "receipt.jsonl",
        workers=2,
        table_schema=corpus.table_schema,
    )
    summary = run_with_progress(spec)
    print_summary(summary, spec)
    out.print("[bold]3.[/bold] Receipt (first lines):")
    for line in (partner / "receipt.jsonl").read_text().splitlines()[:4]:
        out.print("   " + json.dumps(json.loads(line)))
    out.print("[bold]4.[/bold] Leak check: every output byte outside pixel data, every injected value ...")
    hits = scan_tree(outbox, corpus.phi)
    if hits:
        err.print(f"[red]LEAK[/red]: {len(hits)} injected values found in outputs")
        return 1
    files = sum(1 for p in outbox.rglob("*") if p.is_file())
    out.print(
        f"   [green]0 of {len(corpus.phi)} injected PHI values found[/green] in {files} output files "
        "(file contents and paths)."
    )
    if not pipeline:
        return 0
    out.print()
    out.print(
        "[bold]5.[/bold] The whole consortium on the local runtime (moto): every user's [bold]aiminer[/bold] "
        "command, from the IRB record to the industry partner's verified download ..."
    )
    from aiminer.local.tour import run_local_tour

    return run_local_tour(workdir / "pipeline", out, yes=yes)
