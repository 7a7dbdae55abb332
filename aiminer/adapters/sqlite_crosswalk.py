"""A crosswalk kept in a local SQLite file (``aiminer deid --crosswalk FILE``).

SQLite gives the atomic insert-if-absent the :class:`~aiminer.crosswalk.Crosswalk` port needs across processes
(``--workers``) and machines sharing nothing but the file. The file holds PHI (original identifiers): it is
created with owner-only permissions and must stay with the academic partner (see docs/crosswalk.md).
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiminer.crosswalk import Kind

_SCHEMA = """
CREATE TABLE IF NOT EXISTS crosswalk (
    kind TEXT NOT NULL,
    scope TEXT NOT NULL,
    original TEXT NOT NULL,
    value TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (kind, scope, original)
) WITHOUT ROWID;
"""


#: How long an open or a write waits for another process's lock on the file.
_BUSY_SECONDS = 60


class CrosswalkFileError(OSError):
    """The crosswalk file cannot be created or opened. Check the path and its permissions."""


class SqliteCrosswalk:
    """:class:`~aiminer.crosswalk.Crosswalk` on a SQLite file, safe for concurrent processes."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            if not self.path.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # Owner-only from the first byte: the crosswalk links codes back to patients.
                fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
                os.close(fd)
            self._conn = sqlite3.connect(
                self.path, timeout=_BUSY_SECONDS, isolation_level=None, check_same_thread=False
            )
            self._use_wal()
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise CrosswalkFileError(f"cannot open crosswalk file {self.path}: {exc.__class__.__name__}") from exc

    def _use_wal(self) -> None:
        """Put the file in WAL mode (it stays so), unless it already is. SQLite answers "database is locked" to a
        change of journal mode at once, without waiting, while another process opens the same new file (the
        workers of one run, all at their start: one run in ten failed that way), so the change is retried."""
        deadline = time.monotonic() + _BUSY_SECONDS
        while True:
            try:
                mode = self._conn.execute("PRAGMA journal_mode").fetchone()[0]
                if str(mode).lower() != "wal":
                    self._conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                contended = "locked" in str(exc) or "busy" in str(exc)
                if not contended or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def assign(self, kind: Kind, scope: str, original: str, candidate: str) -> str:
        """Insert ``candidate`` unless present (atomic across processes), then return the stored value."""
        cur = self._conn.execute(
            "INSERT INTO crosswalk (kind, scope, original, value) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (kind, scope, original) DO NOTHING RETURNING value",
            (str(kind), scope, original, candidate),
        )
        row = cur.fetchone()
        if row is not None:
            return str(row[0])
        stored = self.lookup(kind, scope, original)
        if stored is None:  # pragma: no cover - the row exists because the insert conflicted
            raise CrosswalkFileError("crosswalk row vanished between insert and read")
        return stored

    def lookup(self, kind: Kind, scope: str, original: str) -> str | None:
        """Return the stored value or ``None``."""
        row = self._conn.execute(
            "SELECT value FROM crosswalk WHERE kind = ? AND scope = ? AND original = ?",
            (str(kind), scope, original),
        ).fetchone()
        return None if row is None else str(row[0])

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()
