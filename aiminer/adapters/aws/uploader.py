"""Upload a folder as one submission: files first (multipart, in parallel, SHA-256 each), the manifest last.

Resumable: run the same upload again with the same submission ID and a file whose object already exists with the
same size is skipped (an S3 object exists only once its upload completed), so only what is missing is sent. The
existing objects come from one listing of the submission's prefix: the uploader role may list its own prefixes but
never read an object back. Every object carries its ``aiminer-sha256``; the de-identify function checks it.
Operating-system junk (``.DS_Store``...) is skipped and reported.

Only the export is sent: a symbolic link whose target lies outside the folder (``link -> /home/me/notes.txt``) is
skipped with a reason, never followed, and so are links to folders and anything that is not a regular file. A file
whose upload fails (unreadable, refused by S3) is reported as failed and left out of the manifest; the others go
on. Errors that would fail every file (credentials, access denied, no such bucket, no endpoint) stop the upload
before the manifest is written, so it can be resumed.

Object keys: ``<site>/<project>/<submission>/files/<relative path>``, the partner's own path, which the
de-identify function and ``aiminer status`` show back to the partner. A path segment with a control character
(newline, tab, DEL, C1), a line separator or bytes that are not UTF-8 is sent under a safe name instead
(:func:`safe_relative_path`): those characters become ``_`` and a digest of the original segment is appended, so
the key is stable across resumed uploads and two such names never collide. A path too long for an S3 key is sent
as ``_long/<digest><suffix>``.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError

from aiminer import topology
from aiminer.runner import OS_METADATA_NAMES

if TYPE_CHECKING:
    from collections.abc import Callable

SHA256_METADATA = "aiminer-sha256"
MIB = 1024 * 1024
#: S3's limit on a key's length, in UTF-8 bytes.
MAX_KEY_BYTES = 1024
#: Unicode categories never put in a key: control characters, lone surrogates (undecodable bytes), line breaks.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
#: S3 error codes that fail every file alike: stop the upload (it can be resumed) instead of failing file by file.
FATAL_S3_CODES = frozenset(
    {
        "AccessDenied",
        "AllAccessDisabled",
        "ExpiredToken",
        "InvalidAccessKeyId",
        "InvalidToken",
        "NoSuchBucket",
        "SignatureDoesNotMatch",
        "TokenRefreshRequired",
        "403",
    }
)

#: Why a file under the folder was not sent (``UploadReport.skipped``).
SKIP_REASONS = {
    "link_outside_export": "a symbolic link to a file outside the folder: not sent",
    "symlinked_folder": "a symbolic link to a folder: not followed",
    "not_a_regular_file": "a dangling link, device, socket or pipe: not sent",
}


class EmptyUploadError(ValueError):
    """The folder holds nothing to upload (no regular file once OS junk and links are set aside).

    What to do: check the folder; an empty submission would only be rejected by QC."""


def new_submission_id() -> str:
    """``sub-YYYYMMDD-<10 random hex>`` (never derived from the files)."""
    return f"sub-{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(5)}"


def sha256_file(path: Path, chunk: int = 8 * MIB) -> str:
    """SHA-256 of a file, streamed."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def _unsafe(ch: str) -> bool:
    return unicodedata.category(ch) in _UNSAFE_CATEGORIES


def safe_segment(segment: str) -> str:
    """``segment`` itself when every character may go in a key; else the unsafe characters as ``_`` plus a digest
    of the original (before the suffix), e.g. ``line\\nbreak.dcm`` -> ``line_break~3f9a0c1d2e.dcm``."""
    if not any(_unsafe(ch) for ch in segment):
        return segment
    digest = hashlib.sha256(segment.encode("utf-8", "surrogateescape")).hexdigest()[:10]
    cleaned = "".join("_" if _unsafe(ch) else ch for ch in segment)
    suffix = PurePosixPath(cleaned).suffix
    stem = cleaned[: len(cleaned) - len(suffix)] if suffix else cleaned
    return f"{stem}~{digest}{suffix}"


def safe_relative_path(rel: str, key_prefix: str = "") -> str:
    """The relative path as it goes in the key (``key_prefix`` + it stays within :data:`MAX_KEY_BYTES`)."""
    safe = "/".join(safe_segment(s) for s in rel.split("/"))
    if len((key_prefix + safe).encode("utf-8")) <= MAX_KEY_BYTES:
        return safe
    digest = hashlib.sha256(rel.encode("utf-8", "surrogateescape")).hexdigest()
    suffix = PurePosixPath(safe).suffix
    return f"_long/{digest}{suffix if len(suffix) <= 16 else ''}"


@dataclass(frozen=True)
class FileNote:
    """A file that was not sent: its path in the folder, the landing key it has (or would have) and why."""

    path: str
    key: str
    reason: str


@dataclass
class UploadReport:
    """What an upload did."""

    submission_id: str
    manifest_key: str
    uploaded: list[str] = field(default_factory=list)
    skipped_existing: list[str] = field(default_factory=list)
    skipped_junk: list[str] = field(default_factory=list)
    skipped: list[FileNote] = field(default_factory=list)  # links out of the folder, special files
    failed: list[FileNote] = field(default_factory=list)  # not in the manifest
    renamed: list[FileNote] = field(default_factory=list)  # sent under a safe key (``reason`` = the key's path)
    bytes_sent: int = 0
    manifest_written: bool = False  # not when every file failed: there is no submission to follow


@dataclass
class FolderScan:
    """What is under a folder: files to send (relative path, real path), OS junk, and what is not sent and why."""

    files: list[tuple[str, Path]] = field(default_factory=list)
    junk: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def scan_folder(root: Path) -> FolderScan:
    """Walk ``root`` (sorted, links to folders not followed) and sort every entry into sent, junk or skipped."""
    real_root = root.resolve()
    found = FolderScan()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        here = Path(dirpath)
        for name in [d for d in dirnames if (here / d).is_symlink()]:
            dirnames.remove(name)  # os.walk would not descend into it anyway; report it
            found.skipped.append(((here / name).relative_to(root).as_posix(), "symlinked_folder"))
        for name in sorted(filenames):
            path = here / name
            rel = path.relative_to(root).as_posix()
            if name in OS_METADATA_NAMES or name.startswith("._"):
                found.junk.append(rel)
                continue
            real = path.resolve() if path.is_symlink() else path
            if path.is_symlink() and not _within(real, real_root):
                found.skipped.append((rel, "link_outside_export"))
            elif real.is_file():
                found.files.append((rel, real))
            else:
                found.skipped.append((rel, "not_a_regular_file"))
    return found


def walk(root: Path) -> tuple[list[Path], list[str]]:
    """Files to send under ``root`` (sorted; their real paths) and the relative paths of skipped OS junk."""
    found = scan_folder(root)
    return [real for _, real in found.files], found.junk


def failure_reason(exc: BaseException) -> str | None:
    """A PHI-free reason for a file that could not be sent, or ``None`` when the error would fail every file.

    Never the exception's message: botocore and boto3 put the local path and the key (the partner's names) in it.
    """
    cause: BaseException | None = exc
    if not isinstance(exc, ClientError) and isinstance(exc.__context__, ClientError):
        cause = exc.__context__  # boto3's S3UploadFailedError wraps the ClientError
    if isinstance(cause, ClientError):
        code = str(cause.response.get("Error", {}).get("Code") or "unknown")
        return None if code in FATAL_S3_CODES else f"upload_failed:{code}"
    if isinstance(exc, BotoCoreError):
        return None  # no credentials, no endpoint, ...: the same for every file
    if isinstance(exc, OSError):
        return f"unreadable:{type(exc).__name__}"
    if type(exc).__name__ == "S3UploadFailedError":
        return "upload_failed"
    return None


def upload_submission(
    s3: Any,
    bucket: str,
    root: Path,
    *,
    site: str,
    project: str,
    submission_id: str | None = None,
    workers: int = 8,
    part_size: int = 8 * MIB,
    on_total: Callable[[int, int], None] | None = None,
    on_file: Callable[[int], None] | None = None,
) -> UploadReport:
    """Upload every file under ``root`` then the manifest; ``on_total(files, bytes)`` and ``on_file(bytes)``
    report progress. Raises :class:`EmptyUploadError` (nothing written) when there is nothing to send, and the
    S3/botocore error when one would fail every file (nothing more is sent, no manifest: resume later)."""
    submission_given = submission_id is not None
    submission_id = submission_id or new_submission_id()
    prefix = topology.landing_submission_prefix(site, project, submission_id)
    files_prefix = f"{prefix}{topology.SUBMISSION_FILES_FOLDER}/"
    found = scan_folder(root)
    report = UploadReport(submission_id, f"{prefix}{topology.SUBMISSION_MANIFEST_NAME}", skipped_junk=found.junk)
    report.skipped = [
        FileNote(rel, files_prefix + safe_relative_path(rel, files_prefix), why) for rel, why in found.skipped
    ]
    if not found.files:
        raise EmptyUploadError(
            f"nothing to upload: no regular file ({len(found.junk)} OS junk, {len(found.skipped)} not sent)"
        )
    sizes: dict[str, int] = {}
    for rel, real in found.files:
        try:
            sizes[rel] = real.stat().st_size
        except OSError:
            sizes[rel] = 0  # reported as failed when it is read
    if on_total:
        on_total(len(found.files), sum(sizes.values()))
    transfer = TransferConfig(multipart_threshold=part_size, multipart_chunksize=part_size, max_concurrency=4)
    entries: list[dict[str, Any]] = []
    existing = _existing_sizes(s3, bucket, files_prefix) if submission_given else {}

    def one(item: tuple[str, Path]) -> dict[str, Any]:
        rel, real = item
        key_path = safe_relative_path(rel, files_prefix)
        key = files_prefix + key_path
        base = {"path": key_path, "rel": rel, "key": key}
        try:
            digest = sha256_file(real)
            size = real.stat().st_size
            if existing.get(key) == size:  # sent by an earlier attempt (an object exists only once complete)
                return {**base, "sha256": digest, "size": size, "sent": False}
            s3.upload_file(str(real), bucket, key, ExtraArgs={"Metadata": {SHA256_METADATA: digest}}, Config=transfer)
        except Exception as exc:  # classified below: one file's failure, or everyone's
            reason = failure_reason(exc)
            if reason is None:
                raise
            return {**base, "failed": reason, "size": sizes.get(rel, 0)}
        return {**base, "sha256": digest, "size": size, "sent": True}

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for entry in pool.map(one, found.files):
            rel, key = entry.pop("rel"), entry.pop("key")
            if on_file:
                on_file(entry["size"])
            if "failed" in entry:
                report.failed.append(FileNote(rel, key, entry["failed"]))
                continue
            if entry["path"] != rel:
                report.renamed.append(FileNote(rel, key, entry["path"]))
            if entry.pop("sent"):
                report.uploaded.append(entry["path"])
                report.bytes_sent += entry["size"]
            else:
                report.skipped_existing.append(entry["path"])
            entries.append(entry)
    if not entries:
        return report
    manifest = {
        "submission_id": submission_id,
        "project": project,
        "site": site,
        "created_at": datetime.now(UTC).isoformat(),
        "files": sorted(entries, key=lambda e: e["path"]),
    }
    s3.put_object(
        Bucket=bucket,
        Key=report.manifest_key,
        Body=json.dumps(manifest, indent=1).encode(),
        ContentType="application/json",
    )
    report.manifest_written = True
    return report


def _existing_sizes(s3: Any, bucket: str, prefix: str) -> dict[str, int]:
    """Keys already under ``prefix`` with their sizes, to resume a submission.

    A listing, not a HEAD per file: the uploader role may list its own prefixes (``s3:prefix`` condition) but not
    read objects back (the landing zone is a drop box). Without the listing permission nothing is skipped.
    """
    sizes: dict[str, int] = {}
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            sizes.update({o["Key"]: int(o["Size"]) for o in page.get("Contents", [])})
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("AccessDenied", "403"):
            raise
    return sizes
