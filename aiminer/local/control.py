"""Start, find and stop the background local runtime (``aiminer local up|down|status``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from aiminer.local.server import STATE_FILE

DEFAULT_STATE_DIR = Path(".aiminer/local")


def read_state(state_dir: Path = DEFAULT_STATE_DIR) -> dict[str, Any] | None:
    """The running runtime's state, or ``None``."""
    path = state_dir / STATE_FILE
    if not path.exists():
        return None
    state: dict[str, Any] = json.loads(path.read_text())
    try:
        os.kill(int(state["pid"]), 0)
    except OSError:
        return None
    return state


def up(
    state_dir: Path = DEFAULT_STATE_DIR, port: int | None = None, pollers: bool = True, timeout: float = 60.0
) -> dict[str, Any]:
    """Start the runtime in the background (idempotent) and wait until it is ready."""
    existing = read_state(state_dir)
    if existing:
        return existing
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / STATE_FILE).unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "aiminer.local.server", "--state-dir", str(state_dir)]
    if port:
        cmd += ["--port", str(port)]
    if not pollers:
        cmd.append("--no-pollers")
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)}
    with (state_dir / "server.log").open("ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=log, start_new_session=True, env=env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = read_state(state_dir)
        if state:
            return state
        if proc.poll() is not None:
            raise RuntimeError(f"local runtime exited early; see {state_dir / 'server.log'}")
        time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("local runtime did not become ready in time")


def down(state_dir: Path = DEFAULT_STATE_DIR, timeout: float = 15.0) -> bool:
    """Stop the runtime started by :func:`up`; ``False`` if none was running."""
    state = read_state(state_dir)
    if state is None:
        return False
    pid = int(state["pid"])
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:  # reap it if this process started it (a zombie still answers kill(pid, 0))
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                break
        except ChildProcessError:
            pass
        try:
            os.kill(pid, 0)
        except OSError:
            break
        time.sleep(0.1)
    (state_dir / STATE_FILE).unlink(missing_ok=True)
    return True
