"""``aiminer local up|down|status``: the local runtime (moto on loopback + the real handlers) in the background.

See docs/local-runtime.md. ``up`` returns once the runtime is ready; its state (pid, endpoint, resource names)
is in ``<state dir>/state.json`` and its log in ``<state dir>/server.log``. Everything else is in memory and
goes away with ``down``.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from aiminer.cli.target import DEFAULT_STATE_DIR, STATE_FILE, StateDirOpt, read_local_state

out = Console()
err = Console(stderr=True)

local_app = typer.Typer(
    help="Run AI MINER locally (embedded AWS look-alike on loopback, no Docker, no AWS account).",
    no_args_is_help=True,
)


def _print_state(state: dict[str, Any], state_dir: Any) -> None:
    from aiminer.local.resources import ACTIVE_PROJECT, EXPIRED_PROJECT, PARTNER_ID, SITES

    names = state.get("names", {})
    out.print(f"endpoint:  [bold]{escape(str(state['endpoint']))}[/bold] (pid {state['pid']})")
    table = Table(title="resources (named as the CDK app names them)", title_justify="left")
    table.add_column("zone")
    table.add_column("role")
    table.add_column("name", overflow="fold")
    for zone, role in (("partner", "landing"), ("partner", "quarantine"), ("repository", "inbound")):
        table.add_row(zone, f"bucket: {role}", str(names.get(role, "?")))
    table.add_row("repository", "bucket: released", str(names.get("released", "?")))
    table.add_row("partner", "queue: landing events", str(names.get("queue", "?")))
    table.add_row("repository", "state machine: QC", str(names.get("state_machine", "?")))
    out.print(table)
    out.print(
        f"seeded:    partner [bold]{PARTNER_ID}[/bold]; project [bold]{ACTIVE_PROJECT}[/bold] (IRB approved, active), "
        f"project [bold]{EXPIRED_PROJECT}[/bold] (IRB expired); site [bold]{SITES[0]}[/bold] enrolled in both, "
        f"site [bold]{SITES[1]}[/bold] in none"
    )
    out.print(f"pollers:   {'running (uploads are processed as they land)' if state.get('pollers') else 'off'}")
    out.print(f"state:     {escape(str(state_dir))}/ ({STATE_FILE}, server.log); data is in memory only")
    out.print(
        f"try:       aiminer upload DIR --project {ACTIVE_PROJECT} --site {SITES[0]} --wait   |   aiminer local down"
    )


@local_app.command("up")
def up(
    port: Annotated[int | None, typer.Option(help="TCP port on 127.0.0.1 (default: a free one).")] = None,
    pollers: Annotated[
        bool, typer.Option(help="Process landing events in the runtime (off: a test drives the handler itself).")
    ] = True,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the runtime to become ready.")] = 60.0,
    state_dir: StateDirOpt = DEFAULT_STATE_DIR,
) -> None:
    """Start the local runtime in the background and return once it is ready (idempotent: a running one is
    reused). Creates both zones' buckets, queue, tables and the QC state machine, seeds projects and sites."""
    from aiminer.local import control

    already = read_local_state(state_dir) is not None
    try:
        state = control.up(state_dir, port=port, pollers=pollers, timeout=timeout)
    except RuntimeError as exc:
        err.print(f"[red]local runtime failed to start[/red]: {escape(str(exc))}")
        raise typer.Exit(1) from exc
    out.print("[green]already running[/green]" if already else "[green]local runtime started[/green]")
    _print_state(state, state_dir)


@local_app.command("down")
def down(state_dir: StateDirOpt = DEFAULT_STATE_DIR) -> None:
    """Stop the local runtime; everything it held (objects, tables, queues) is forgotten."""
    from aiminer.local import control

    if control.down(state_dir):
        out.print("local runtime stopped; its data is gone")
    else:
        out.print("no local runtime was running")


@local_app.command("status")
def status(state_dir: StateDirOpt = DEFAULT_STATE_DIR) -> None:
    """Is the local runtime running? Endpoint, resources and queue depths. Exit code 1 when it is not running."""
    state = read_local_state(state_dir)
    if state is None:
        out.print(f"not running (no live {escape(str(state_dir / STATE_FILE))}); start it with `aiminer local up`")
        raise typer.Exit(1)
    _print_state(state, state_dir)
    try:
        from aiminer.local.resources import session_for

        endpoint = str(state["endpoint"])
        sqs = session_for(endpoint).client("sqs", endpoint_url=endpoint)
        for label, name in (("landing events", state["names"]["queue"]), ("dead letters", state["names"]["dlq"])):
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            attrs = sqs.get_queue_attributes(
                QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
            )["Attributes"]
            out.print(
                f"queue {label}: {attrs.get('ApproximateNumberOfMessages', '?')} waiting, "
                f"{attrs.get('ApproximateNumberOfMessagesNotVisible', '?')} in flight"
            )
    except Exception as exc:  # the runtime may be starting or stopping: status must still answer
        err.print(f"[yellow]queues not readable[/yellow]: {escape(type(exc).__name__)}")
