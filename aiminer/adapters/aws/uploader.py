"""Upload a folder as one submission: files first (multipart, in parallel, SHA-256 each), the manifest last.

Resumable: run the same upload again with the same submission ID and a file whose object already exists with the
same size is skipped (an S3 object exists only once its upload completed), so only what is missing is sent. The
existing objects come from one listing of the submission's prefix: the uploader role may list its own prefixes but
never read an object back. Every object carries its ``aiminer-sha256``; the de-identify function checks it.
Operating-system junk (``.DS_Store``...) is skipped and reported.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from aiminer import topology
from aiminer.runner import OS_METADATA_NAMES

if TYPE_CHECKING:
    from collections.abc import Callable

SHA256_METADATA = "aiminer-sha256"
MIB = 1024 * 1024


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


@dataclass
class UploadReport:
    """What an upload did."""

    submission_id: str
    manifest_key: str
    uploaded: list[str] = field(default_factory=list)
    skipped_existing: list[str] = field(default_factory=list)
    skipped_junk: list[str] = field(default_factory=list)
    bytes_sent: int = 0


def walk(root: Path) -> tuple[list[Path], list[str]]:
    """Regular files under ``root`` (sorted) and the relative paths of skipped OS junk."""
    files: list[Path] = []
    junk: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if name in OS_METADATA_NAMES or name.startswith("._"):
                junk.append(path.relative_to(root).as_posix())
            elif path.is_file():
                files.append(path)
    return files, junk


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
    report progress."""
    submission_given = submission_id is not None
    submission_id = submission_id or new_submission_id()
    prefix = topology.landing_submission_prefix(site, project, submission_id)
    files, junk = walk(root)
    report = UploadReport(submission_id, f"{prefix}{topology.SUBMISSION_MANIFEST_NAME}", skipped_junk=junk)
    if on_total:
        on_total(len(files), sum(p.stat().st_size for p in files))
    transfer = TransferConfig(multipart_threshold=part_size, multipart_chunksize=part_size, max_concurrency=4)
    entries: list[dict[str, Any]] = []
    existing = _existing_sizes(s3, bucket, f"{prefix}{topology.SUBMISSION_FILES_FOLDER}/") if submission_given else {}

    def one(path: Path) -> dict[str, Any]:
        rel = path.relative_to(root).as_posix()
        digest = sha256_file(path)
        size = path.stat().st_size
        key = f"{prefix}{topology.SUBMISSION_FILES_FOLDER}/{rel}"
        if existing.get(key) == size:  # sent by an earlier attempt (an object exists only once complete)
            return {"path": rel, "sha256": digest, "size": size, "sent": False}
        s3.upload_file(str(path), bucket, key, ExtraArgs={"Metadata": {SHA256_METADATA: digest}}, Config=transfer)
        return {"path": rel, "sha256": digest, "size": size, "sent": True}

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for entry in pool.map(one, files):
            (report.uploaded if entry.pop("sent") else report.skipped_existing).append(entry["path"])
            if entry["path"] in report.uploaded:
                report.bytes_sent += entry["size"]
            entries.append(entry)
            if on_file:
                on_file(entry["size"])
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
