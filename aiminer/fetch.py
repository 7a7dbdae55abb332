"""``aiminer fetch``: an industry partner's download of a delivery manifest.

Parallel across objects; resumable (bytes land in ``<file>.part`` and a rerun continues with an HTTP ``Range``
request); large objects are fetched in ranged chunks; every file's SHA-256 is checked against the manifest before
it gets its final name; failures are reported per object (and written to ``.aiminer-fetch-report.json``), and
running the same command again retries only what is missing. Standard library only (plain HTTPS GETs).
"""

from __future__ import annotations

import csv
import hashlib
import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

REPORT_NAME = ".aiminer-fetch-report.json"
DEFAULT_CHUNK = 8 * 1024 * 1024
DEFAULT_LARGE = 64 * 1024 * 1024
_BLOCK = 1024 * 1024


class FetchError(Exception):
    """One object could not be fetched; ``reason`` is machine-readable, ``retryable`` says if a rerun may help."""

    def __init__(self, reason: str, message: str, retryable: bool) -> None:
        super().__init__(message)
        self.reason, self.retryable = reason, retryable


@dataclass(frozen=True)
class FetchItem:
    """One manifest row."""

    path: str
    size: int
    sha256: str
    url: str
    expires_at: str = ""


@dataclass
class FetchResult:
    """What happened to one object."""

    path: str
    status: str  # downloaded | verified (already there) | failed
    reason: str = ""
    message: str = ""
    bytes: int = 0


@dataclass
class FetchReport:
    """The whole run."""

    results: list[FetchResult] = field(default_factory=list)

    @property
    def failed(self) -> list[FetchResult]:
        """Objects that did not end verified."""
        return [r for r in self.results if r.status == "failed"]

    @property
    def ok(self) -> bool:
        """True when every object is present and verified."""
        return not self.failed

    def to_json(self) -> str:
        """Machine-readable report."""
        return json.dumps({"ok": self.ok, "results": [asdict(r) for r in self.results]}, indent=1)


def load_manifest(path: Path) -> list[FetchItem]:
    """Read a delivery manifest (``.json`` from ``aiminer deliver`` / the API, or its ``.csv``)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".csv":
        rows: list[dict[str, Any]] = list(csv.DictReader(text.splitlines()))
    else:
        rows = list(json.loads(text)["objects"])
    items = [
        FetchItem(str(r["path"]), int(r["size"]), str(r["sha256"]).lower(), str(r["url"]), str(r.get("expires_at", "")))
        for r in rows
    ]
    for it in items:
        safe_relative(it.path)
    return items


def safe_relative(path: str) -> PurePosixPath:
    """A manifest path as a relative path that cannot leave the download folder."""
    p = PurePosixPath(path)
    if not path or "\\" in path or p.is_absolute() or any(part in ("", ".", "..") for part in path.split("/")):
        raise ValueError(f"unsafe path in manifest: {path!r}")
    return p


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_BLOCK):
            h.update(block)
    return h.hexdigest()


def _expired(item: FetchItem, now: datetime) -> bool:
    if not item.expires_at:
        return False
    try:
        return datetime.fromisoformat(item.expires_at) <= now
    except ValueError:
        return False


class Fetcher:
    """Downloads manifest items into ``dest``. ``on_bytes(n)`` reports progress (thread-safe callers only)."""

    def __init__(
        self,
        dest: Path,
        workers: int = 4,
        retries: int = 3,
        chunk_size: int = DEFAULT_CHUNK,
        large_threshold: int = DEFAULT_LARGE,
        timeout: float = 60.0,
        on_bytes: Callable[[int], None] | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.dest, self.workers, self.retries = dest, max(1, workers), max(0, retries)
        self.chunk_size, self.large_threshold, self.timeout = chunk_size, large_threshold, timeout
        self._on_bytes, self._now = on_bytes, now
        self._lock = threading.Lock()

    def _progress(self, n: int) -> None:
        if self._on_bytes and n:
            with self._lock:
                self._on_bytes(n)

    def run(self, items: list[FetchItem]) -> FetchReport:
        """Fetch every item (in parallel) and write the report next to the files."""
        self.dest.mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="fetch") as pool:
            results = list(pool.map(self.fetch_one, items))
        report = FetchReport(results)
        (self.dest / REPORT_NAME).write_text(report.to_json(), encoding="utf-8")
        return report

    def fetch_one(self, item: FetchItem) -> FetchResult:
        """Fetch, resume or verify one object; never raises."""
        final = self.dest / safe_relative(item.path)
        part = final.with_name(final.name + ".part")
        if final.exists() and final.stat().st_size == item.size and _sha256_file(final) == item.sha256:
            self._progress(item.size)
            return FetchResult(item.path, "verified", bytes=item.size)
        final.parent.mkdir(parents=True, exist_ok=True)
        attempt = 0
        while True:
            try:
                if _expired(item, self._now()):
                    raise FetchError("link_expired", "the link has expired: ask for a new delivery", False)
                self._download(item, part)
                digest = _sha256_file(part)
                if digest != item.sha256:
                    part.unlink()
                    raise FetchError("sha256_mismatch", "content does not match the manifest's SHA-256", True)
                part.replace(final)
                return FetchResult(item.path, "downloaded", bytes=item.size)
            except FetchError as exc:
                if not exc.retryable or attempt >= self.retries:
                    return FetchResult(item.path, "failed", exc.reason, str(exc))
            attempt += 1
            time.sleep(min(0.2 * 2**attempt, 5.0))

    def _download(self, item: FetchItem, part: Path) -> None:
        offset = part.stat().st_size if part.exists() else 0
        if offset > item.size:
            part.unlink()
            offset = 0
        self._progress(offset)
        ranged = offset > 0 or item.size > self.large_threshold
        while offset < item.size or (item.size == 0 and not part.exists()):
            if not ranged:
                self._get(item.url, None, part, append=False)
                if part.stat().st_size < item.size:  # connection dropped: keep the .part, resume with a range
                    raise FetchError("short_read", "the transfer was interrupted", True)
                return
            end = min(offset + self.chunk_size, item.size) - 1
            got = self._get(item.url, (offset, end), part, append=True)
            if got == 0:
                raise FetchError("short_read", "the server sent no bytes", True)
            offset += got

    def _get(self, url: str, rng: tuple[int, int] | None, part: Path, append: bool) -> int:
        headers = {"Range": f"bytes={rng[0]}-{rng[1]}"} if rng else {}
        req = urllib.request.Request(url, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                if rng and resp.status != 206:
                    append, rng = False, None  # the server ignored the range: start over with the full body
                written = 0
                with part.open("ab" if append else "wb") as f:
                    while block := resp.read(_BLOCK):
                        f.write(block)
                        written += len(block)
                        self._progress(len(block))
                return written
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                raise FetchError("forbidden", f"HTTP {exc.code}: link expired, revoked or tampered", False) from exc
            if exc.code == 404:
                raise FetchError("not_found", "HTTP 404: object not found", False) from exc
            if exc.code == 416:
                part.unlink(missing_ok=True)
                raise FetchError("bad_range", "HTTP 416: restarting the object", True) from exc
            raise FetchError("http_error", f"HTTP {exc.code}", exc.code >= 500 or exc.code == 429) from exc
        except (urllib.error.URLError, http.client.HTTPException, TimeoutError, OSError) as exc:
            raise FetchError("network_error", f"{exc.__class__.__name__}: {exc}", True) from exc
