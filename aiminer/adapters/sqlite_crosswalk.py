"""A crosswalk kept in a local SQLite file (``aiminer deid --crosswalk FILE``).

SQLite gives the atomic insert-if-absent the :class:`~aiminer.crosswalk.Crosswalk` port needs across processes
(``--workers``) and machines sharing nothing but the file. The file holds PHI (original identifiers): it is
created with owner-only permissions and must stay with the academic partner (see docs/crosswalk.md).
"""

from __future__ import annotations

import errno
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
    """The crosswalk file cannot be created, opened or written. ``strerror`` says why in words a partner can act on
    (never a value from the file); ``filename`` is the crosswalk's path."""

    def __init__(self, why: str, path: Path | None = None) -> None:
        super().__init__(errno.EIO, why, None if path is None else str(path))


def _why(exc: BaseException) -> str:
    """What went wrong with the crosswalk, for the partner (SQLite's messages name no file and no value)."""
    text = str(exc).lower()
    if isinstance(exc, IsADirectoryError) or "is a directory" in text:
        return "it is a folder, not a file"
    if "not a database" in text or "malformed" in text:
        return "the file is not an aiminer crosswalk (not a SQLite database, or damaged): restore it from a backup"
    if "readonly" in text or "read-only" in text or isinstance(exc, PermissionError):
        return "the file (or its folder) is not writable by this user: a run must be able to add codes"
    if "unable to open" in text:
        return "the file cannot be opened: check the folder exists and this user may read and write it"
    if "locked" in text or "busy" in text:
        return "another process held the file locked for too long"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return exc.__class__.__name__


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
            if self.path.is_dir():
                raise IsADirectoryError(errno.EISDIR, "is a directory")
            if not os.access(self.path, os.R_OK | os.W_OK) or not os.access(self.path.parent, os.W_OK):
                # (SQLite opens a read-only file and fails at the first code a run adds, mid-run)
                raise PermissionError(errno.EACCES, "read-only")
            self._conn = sqlite3.connect(
                self.path, timeout=_BUSY_SECONDS, isolation_level=None, check_same_thread=False
            )
            self._use_wal()
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise CrosswalkFileError(_why(exc), self.path) from exc

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
        try:
            cur = self._conn.execute(
                "INSERT INTO crosswalk (kind, scope, original, value) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (kind, scope, original) DO NOTHING RETURNING value",
                (str(kind), scope, original, candidate),
            )
            row = cur.fetchone()
        except sqlite3.Error as exc:  # (a file made read-only or damaged during the run)
            raise CrosswalkFileError(_why(exc), self.path) from exc
        if row is not None:
            return str(row[0])
        stored = self.lookup(kind, scope, original)
        if stored is None:  # pragma: no cover - the row exists because the insert conflicted
            raise CrosswalkFileError("a code vanished between its insert and its read", self.path)
        return stored

    def lookup(self, kind: Kind, scope: str, original: str) -> str | None:
        """Return the stored value or ``None``."""
        try:
            row = self._conn.execute(
                "SELECT value FROM crosswalk WHERE kind = ? AND scope = ? AND original = ?",
                (str(kind), scope, original),
            ).fetchone()
        except sqlite3.Error as exc:
            raise CrosswalkFileError(_why(exc), self.path) from exc
        return None if row is None else str(row[0])

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()
