"""S3 object store: ranged reads as a seekable read-only stream, and a bounded-memory multipart writer.

Large objects never sit in memory: :class:`S3RangeReader` fetches ``chunk_size`` bytes per ranged GET (pinned to
one object version or ETag, so the object cannot change under the reader), and :func:`upload_stream` sends a
file-like in ``part_size`` parts. Memory per object is about one chunk plus one part.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from aiminer.adapters.aws import AdapterError, ObjectReadError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
else:
    S3Client = Any

MIB = 1024 * 1024
#: S3's minimum part size (except the last part) is 5 MiB; 8 MiB matches the CLI's default.
DEFAULT_PART_SIZE = 8 * MIB
DEFAULT_CHUNK_SIZE = 8 * MIB


#: Error codes of an object (version) that does not exist: HEAD answers a bare status, GET and copy a code.
NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NoSuchVersion", "NotFound"})


#: Error codes of a request that may well succeed when retried (throttling, server-side errors).
TRANSIENT_CODES = frozenset(
    {"SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout", "Throttling", "ThrottlingException"}
    | {"ProvisionedThroughputExceededException", "RequestLimitExceeded", "TooManyRequestsException"}
)


def is_not_found(exc: ClientError) -> bool:
    """The object (or that version of it) does not exist."""
    return str(exc.response.get("Error", {}).get("Code")) in NOT_FOUND_CODES


def _precondition_failed(exc: ClientError) -> bool:
    """A conditional write found the key there (``If-None-Match: *``)."""
    return exc.response.get("Error", {}).get("Code") in ("PreconditionFailed", "412")


def is_transient(exc: ClientError) -> bool:
    """Throttling or a server-side error: retry the work rather than blame the data."""
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    return str(exc.response.get("Error", {}).get("Code")) in TRANSIENT_CODES or status >= 500 or status == 429


class S3RangeReader(io.RawIOBase):
    """A seekable, read-only stream over one S3 object version, backed by ranged GETs of ``chunk_size``."""

    def __init__(
        self,
        client: S3Client,
        bucket: str,
        key: str,
        *,
        version_id: str | None = None,
        size: int | None = None,
        etag: str | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> None:
        super().__init__()
        self._client, self._bucket, self._key = client, bucket, key
        self._version_id, self._etag = version_id, etag
        self._chunk_size = chunk_size
        if size is None:
            head = client.head_object(**self._object_args())
            size = int(head["ContentLength"])
            self._etag = self._etag or head.get("ETag")
        self.size = size
        self._pos = 0
        self._buf_start = 0
        self._buf = b""
        self.requests = 0
        # SHA-256 of the object, fed as the reader passes its high-water mark (short seeks back are free).
        self._sha = hashlib.sha256()
        self._hashed = 0

    def _object_args(self) -> dict[str, str]:
        args = {"Bucket": self._bucket, "Key": self._key}
        if self._version_id:
            args["VersionId"] = self._version_id
        return args

    def readable(self) -> bool:
        """Always readable."""
        return True

    def seekable(self) -> bool:
        """Seeks are cheap: they only move the position."""
        return True

    def tell(self) -> int:
        """Current position."""
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move the position (no request is made)."""
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = self.size + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if pos < 0:
            raise ValueError("negative seek position")
        self._pos = pos
        return pos

    def _fill(self, pos: int) -> None:
        end = min(self.size, pos + self._chunk_size) - 1
        args: dict[str, Any] = {**self._object_args(), "Range": f"bytes={pos}-{end}"}
        if self._etag and not self._version_id:
            args["IfMatch"] = self._etag
        try:
            resp = self._client.get_object(**args)
            self._buf = resp["Body"].read()
        except ClientError as exc:
            raise ObjectReadError(f"ranged GET failed: {exc.response['Error'].get('Code', 'unknown')}") from exc
        except (BotoCoreError, OSError) as exc:  # timeouts, dropped connections, truncated bodies
            raise ObjectReadError(f"ranged GET failed: {type(exc).__name__}") from exc
        self.requests += 1
        self._buf_start = pos

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` from the current position; 0 at the end of the object."""
        view = memoryview(buffer).cast("B")
        if self._pos >= self.size or len(view) == 0:
            return 0
        offset = self._pos - self._buf_start
        if not (0 <= offset < len(self._buf)):
            self._fill(self._pos)
            offset = 0
        n = min(len(view), len(self._buf) - offset)
        view[:n] = self._buf[offset : offset + n]
        start = self._pos
        if start <= self._hashed < start + n:
            self._sha.update(view[self._hashed - start : n])
            self._hashed = start + n
        self._pos += n
        return n

    def sha256(self) -> str:
        """SHA-256 of the whole object; reads whatever the consumer skipped (usually nothing)."""
        while self._hashed < self.size:
            self.seek(self._hashed)
            if not self.read(self._chunk_size):
                break
        return self._sha.hexdigest()

    def read(self, size: int = -1) -> bytes:
        """Read ``size`` bytes (all remaining when negative), issuing as few ranged GETs as needed."""
        if size is None or size < 0:
            size = self.size - self._pos
        out = bytearray()
        chunk = bytearray(min(size, self._chunk_size) or 1)
        while len(out) < size:
            view = memoryview(chunk)[: min(len(chunk), size - len(out))]
            n = self.readinto(view)
            if n == 0:
                break
            out += view[:n]
        return bytes(out)


class HashingWriter(io.RawIOBase):
    """Wrap a writable stream; count bytes and compute SHA-256 of everything written."""

    def __init__(self, inner: IO[bytes]) -> None:
        super().__init__()
        self._inner = inner
        self._sha = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        """Always writable."""
        return True

    def tell(self) -> int:
        """Bytes written so far (writers such as pydicom measure lengths with ``tell``)."""
        return self.size

    def write(self, data: Any) -> int:
        """Write through, hashing on the way."""
        view = memoryview(data).cast("B")
        self._sha.update(view)
        self._inner.write(view)
        self.size += len(view)
        return len(view)

    @property
    def sha256(self) -> str:
        """Hex digest so far."""
        return self._sha.hexdigest()


@dataclass(frozen=True)
class Written:
    """Where an object went and what it holds."""

    bucket: str
    key: str
    size: int
    parts: int


def upload_stream(
    client: S3Client,
    bucket: str,
    key: str,
    src: IO[bytes],
    *,
    part_size: int = DEFAULT_PART_SIZE,
    metadata: dict[str, str] | None = None,
    content_type: str = "application/octet-stream",
    if_absent: bool = False,
) -> Written | None:
    """Send ``src`` (read from its current position) to ``bucket/key``: one PUT if it fits one part, else multipart.

    Memory is one part. A failed multipart upload is aborted, so no orphan parts are left (the bucket's
    lifecycle also aborts incomplete uploads). With ``if_absent`` the write is conditional (``If-None-Match: *`` on
    the PUT or on completing the multipart upload; it needs no read permission): ``None`` when the key exists, which
    is kept as it is.
    """
    extra: dict[str, Any] = {"ContentType": content_type, "Metadata": metadata or {}}
    condition = {"IfNoneMatch": "*"} if if_absent else {}
    first = src.read(part_size)
    if len(first) < part_size:
        try:
            client.put_object(Bucket=bucket, Key=key, Body=first, **extra, **condition)
        except ClientError as exc:
            if if_absent and _precondition_failed(exc):
                return None
            raise AdapterError(f"PUT failed: {exc.response['Error'].get('Code', 'unknown')}") from exc
        return Written(bucket, key, len(first), 1)
    upload_id = client.create_multipart_upload(Bucket=bucket, Key=key, **extra)["UploadId"]
    parts: list[dict[str, Any]] = []
    size = 0
    try:
        data = first
        while data:
            number = len(parts) + 1
            etag = client.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data)["ETag"]
            parts.append({"PartNumber": number, "ETag": etag})
            size += len(data)
            data = src.read(part_size)
        client.complete_multipart_upload(
            Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}, **condition
        )
    except BaseException as exc:
        client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
        if isinstance(exc, ClientError) and if_absent and _precondition_failed(exc):
            return None
        if isinstance(exc, ClientError):
            raise AdapterError(f"multipart upload failed: {exc.response['Error'].get('Code', 'unknown')}") from exc
        raise
    return Written(bucket, key, size, len(parts))


class S3ObjectStore:
    """The few S3 operations the ingest use case needs, on one client."""

    def __init__(self, client: S3Client, part_size: int = DEFAULT_PART_SIZE) -> None:
        self.client = client
        self.part_size = part_size

    def open(
        self, bucket: str, key: str, *, version_id: str | None, size: int | None, etag: str | None
    ) -> S3RangeReader:
        """A seekable stream over one object version."""
        return S3RangeReader(self.client, bucket, key, version_id=version_id, size=size, etag=etag)

    def put_stream(
        self, bucket: str, key: str, src: IO[bytes], metadata: dict[str, str] | None = None, *, if_absent: bool = False
    ) -> Written | None:
        """Upload ``src`` (multipart when large); with ``if_absent``, only if the key does not exist (else ``None``)."""
        return upload_stream(
            self.client, bucket, key, src, part_size=self.part_size, metadata=metadata, if_absent=if_absent
        )

    def put_bytes(
        self, bucket: str, key: str, data: bytes, content_type: str = "application/json", *, if_absent: bool = False
    ) -> bool:
        """Small objects (manifests). With ``if_absent`` the write is conditional (``If-None-Match: *``, which needs no
        read permission): an existing object is kept and ``False`` returned, so a retry writes no second version."""
        extra = {"IfNoneMatch": "*"} if if_absent else {}
        try:
            self.client.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type, **extra)
        except ClientError as exc:
            if if_absent and _precondition_failed(exc):
                return False
            raise
        return True

    def get_bytes(self, bucket: str, key: str, version_id: str | None = None) -> bytes:
        """Read a small object whole."""
        args = {"Bucket": bucket, "Key": key}
        if version_id:
            args["VersionId"] = version_id
        return bytes(self.client.get_object(**args)["Body"].read())

    def copy(self, src_bucket: str, src_key: str, version_id: str | None, dst_bucket: str, dst_key: str) -> None:
        """Server-side copy (managed: multipart copy for large objects), e.g. into quarantine."""
        source: dict[str, str] = {"Bucket": src_bucket, "Key": src_key}
        if version_id:
            source["VersionId"] = version_id
        self.client.copy(source, dst_bucket, dst_key)

    def tag_processed(self, bucket: str, key: str, version_id: str | None, tag: tuple[str, str]) -> None:
        """Tag a landing object as processed so the lifecycle rule expires it."""
        args: dict[str, Any] = {"Bucket": bucket, "Key": key, "Tagging": {"TagSet": [{"Key": tag[0], "Value": tag[1]}]}}
        if version_id:
            args["VersionId"] = version_id
        self.client.put_object_tagging(**args)
