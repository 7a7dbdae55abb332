"""QC review records in the repository zone: pending approval tokens and the QC files of a submission.

Review tokens (``aiminer.topology.REVIEW_TOKENS``): one item per submission awaiting a curator, partition key
``submission_id``: the Step Functions task token, the project, where the QC report is, its verdict and
``expires_at`` (epoch seconds, the table's TTL attribute) = when the approval step times out. A new QC run of the
same submission replaces the item. A decided token is deleted by the command that decided it; a timed-out one is
hidden by :meth:`ReviewTokens.pending` and removed by TTL.

The catalogue status the workflow sets (``received -> qc_passed|qc_failed -> awaiting_review -> released|rejected``)
goes through :class:`aiminer.adapters.aws.catalogue.CatalogueRepository`, the catalogue's one adapter.
Everything here is PHI-free: coded IDs, object keys of de-identified objects, reasons.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import ClientError

from aiminer.adapters.aws.governance import from_item, to_item
from aiminer.adapters.aws.submissions import key_hash

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

#: Error name the curator's ``reject`` sends with SendTaskFailure (caught into the rejection path).
REVIEW_REJECTED_ERROR = "ReviewRejectedError"
#: Prefix of rejected objects in the inbound bucket (partners can only write below ``<partner>/``).
QUARANTINE_PREFIX = "quarantine/"
#: Concurrent S3 reads when a QC step reads back a submission's results or thumbnails.
FETCH_THREADS = 8
_T = TypeVar("_T")


def report_key(partner_id: str, project: str, submission_id: str) -> str:
    """Key of a submission's QC report page in the QC reports bucket."""
    return f"{partner_id}/{project}/{submission_id}/qc/report.html"


def thumbnail_key(partner_id: str, project: str, submission_id: str, object_hash: str) -> str:
    """Key of one object's first-frame thumbnail in the QC reports bucket (hash of the object key)."""
    return f"{partner_id}/{project}/{submission_id}/qc/{object_hash}.png"


def qc_objects_key(partner_id: str, project: str, submission_id: str) -> str:
    """Key of a submission's validated object list (a JSON array, the QC Map's ItemReader source)."""
    return f"{partner_id}/{project}/{submission_id}/qc/objects.json"


def qc_result_key(partner_id: str, project: str, submission_id: str, object_key: str) -> str:
    """Key of one object's QC result (JSON) in the QC reports bucket (hash of the object key)."""
    return f"{partner_id}/{project}/{submission_id}/qc/results/{key_hash(object_key)}.json"


class QcFiles:
    """What QC keeps per submission in the QC reports bucket, so no list of objects travels in the workflow's
    state (Step Functions caps it at 256 KB, about 1,000 objects): the validated object list, which the QC Map
    reads with its ItemReader and Release and Reject read back, and one result file per checked object, which
    BuildQcReport reads. All PHI-free: coded keys, kinds, digests, finding codes."""

    def __init__(self, client: Any, bucket: str) -> None:
        self._c, self.bucket = client, bucket

    def put_objects(
        self, partner_id: str, project: str, submission_id: str, objects: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """Store the validated object list; return the reference the workflow carries instead of the list."""
        key = qc_objects_key(partner_id, project, submission_id)
        self._put(key, objects)
        return {"bucket": self.bucket, "key": key, "count": len(objects)}

    def objects(self, ref: dict[str, Any]) -> list[dict[str, Any]]:
        """The validated object list a reference (:meth:`put_objects`) points at; always from this bucket."""
        return list(self._get(str(ref["key"])) or [])

    def put_result(self, partner_id: str, project: str, submission_id: str, result: dict[str, Any]) -> str:
        """Store one object's QC result (a retry overwrites it with the same content); return its key."""
        key = qc_result_key(partner_id, project, submission_id, str(result["key"]))
        self._put(key, result)
        return key

    def results(
        self, partner_id: str, project: str, submission_id: str, object_keys: Iterable[str]
    ) -> dict[str, dict[str, Any] | None]:
        """Each object's stored result (``None`` where there is none), fetched a few at a time."""
        return _each(lambda k: self._get(qc_result_key(partner_id, project, submission_id, k)), object_keys)

    def thumbnails(self, keys: Iterable[str]) -> dict[str, bytes | None]:
        """The bytes of each thumbnail (``None`` where it cannot be read: the page shows that row without an
        image), fetched a few at a time."""
        return _each(self._thumbnail, keys)

    def _thumbnail(self, key: str) -> bytes | None:
        try:
            return bytes(self._c.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        except ClientError:
            return None

    def _put(self, key: str, value: Any) -> None:
        body = json.dumps(value, separators=(",", ":"), sort_keys=True).encode()
        self._c.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="application/json")

    def _get(self, key: str) -> Any:
        try:
            return json.loads(self._c.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return None
            raise


def _each(fetch: Callable[[str], _T], keys: Iterable[str]) -> dict[str, _T]:
    """``fetch`` of every key, :data:`FETCH_THREADS` at a time (S3 reads of a submission's QC files)."""
    from concurrent.futures import ThreadPoolExecutor

    keys = list(keys)
    with ThreadPoolExecutor(max_workers=FETCH_THREADS) as pool:
        return dict(zip(keys, pool.map(fetch, keys), strict=True))


@dataclass(frozen=True)
class PendingReview:
    """A submission awaiting a curator's decision."""

    submission_id: str
    project: str
    task_token: str
    report_bucket: str
    report_key: str
    passed: bool
    objects: int
    failed: int
    created_at: str
    expires_at: int

    @classmethod
    def from_record(cls, d: dict[str, Any]) -> PendingReview:
        """Reader for a stored item."""
        return cls(
            submission_id=str(d["submission_id"]),
            project=str(d.get("project", "")),
            task_token=str(d["task_token"]),
            report_bucket=str(d.get("report_bucket", "")),
            report_key=str(d.get("report_key", "")),
            passed=bool(d.get("passed", False)),
            objects=int(d.get("objects", 0)),
            failed=int(d.get("failed", 0)),
            created_at=str(d.get("created_at", "")),
            expires_at=int(d.get("expires_at", 0)),
        )

    def public(self) -> dict[str, Any]:
        """Everything but the task token (for listings)."""
        return {
            "submission_id": self.submission_id,
            "project": self.project,
            "verdict": "passed" if self.passed else "failed",
            "objects": self.objects,
            "failed": self.failed,
            "report": f"s3://{self.report_bucket}/{self.report_key}",
            "created_at": self.created_at,
            "expires_at": self.expires_at,
        }


class ReviewTokens:
    """The review tokens table."""

    def __init__(self, client: Any, table: str) -> None:
        self._c, self._t = client, table

    def put(self, review: PendingReview) -> None:
        """Store (or replace) the pending review of a submission."""
        item = {
            "submission_id": review.submission_id,
            "project": review.project,
            "task_token": review.task_token,
            "report_bucket": review.report_bucket,
            "report_key": review.report_key,
            "passed": review.passed,
            "objects": review.objects,
            "failed": review.failed,
            "created_at": review.created_at,
            "expires_at": review.expires_at,
        }
        self._c.put_item(TableName=self._t, Item=to_item(item))

    def get(self, submission_id: str, now: float | None = None) -> PendingReview | None:
        """The pending review of a submission, or ``None`` (also when it expired but TTL has not removed it)."""
        raw = self._c.get_item(TableName=self._t, Key={"submission_id": {"S": submission_id}}, ConsistentRead=True).get(
            "Item"
        )
        if not raw:
            return None
        review = PendingReview.from_record(from_item(raw))
        return review if review.expires_at > (now or time.time()) else None

    def pending(self, now: float | None = None) -> list[PendingReview]:
        """Every unexpired pending review, oldest first (a scan: the table holds only open reviews)."""
        out: list[PendingReview] = []
        kwargs: dict[str, Any] = {"TableName": self._t}
        while True:
            resp = self._c.scan(**kwargs)
            out.extend(PendingReview.from_record(from_item(i)) for i in resp.get("Items", []))
            if "LastEvaluatedKey" not in resp:
                break
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
        limit = now or time.time()
        return sorted((r for r in out if r.expires_at > limit), key=lambda r: r.created_at)

    def delete(self, submission_id: str, task_token: str) -> bool:
        """Remove a decided review, only if it still holds ``task_token``; ``False`` if it changed or is gone."""
        try:
            self._c.delete_item(
                TableName=self._t,
                Key={"submission_id": {"S": submission_id}},
                ConditionExpression="task_token = :t",
                ExpressionAttributeValues={":t": {"S": task_token}},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True
