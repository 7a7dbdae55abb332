"""The background process behind ``aiminer local up``: moto on loopback, resources, routes, pollers, state file.

State lives in ``.aiminer/local/`` (``--state-dir``): ``state.json`` (pid, endpoint, resource names) and
``server.log``. ``aiminer local down`` sends SIGTERM to the pid; everything is in memory and goes with it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
from pathlib import Path

from aiminer.local.runtime import LocalRuntime

STATE_FILE = "state.json"


def serve(state_dir: Path, port: int | None, pollers: bool) -> None:
    """Run until SIGTERM/SIGINT."""
    state_dir.mkdir(parents=True, exist_ok=True)
    rt = LocalRuntime(port=port)
    rt.start(background=pollers)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    state = {
        "pid": os.getpid(),
        "endpoint": rt.endpoint,
        "port": rt.port,
        "pollers": pollers,
        "names": json.loads(rt.names.to_json()),
        "state_machine_arn": rt.state_machine_arn,
    }
    tmp = state_dir / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps(state, indent=1))
    tmp.replace(state_dir / STATE_FILE)
    try:
        stop.wait()
    finally:
        rt.stop()
        (state_dir / STATE_FILE).unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> None:
    """``python -m aiminer.local.server --state-dir DIR [--port N] [--no-pollers]``."""
    parser = argparse.ArgumentParser(prog="aiminer-local-server")
    parser.add_argument("--state-dir", type=Path, default=Path(".aiminer/local"))
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--no-pollers", action="store_true")
    args = parser.parse_args(argv)
    serve(args.state_dir, args.port, pollers=not args.no_pollers)


if __name__ == "__main__":
    main()
