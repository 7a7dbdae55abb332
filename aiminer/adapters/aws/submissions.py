"""Submissions in the partner zone: which files an upload holds and what happened to each.

An upload is a submission: files under ``<site>/<project>/<submission>/files/`` of the landing bucket and,
written last, a manifest ``<site>/<project>/<submission>/aiminer-submission.json`` listing every file's relative
path, size and SHA-256. Items (``aiminer.topology.SUBMISSIONS``, partner zone only because they name original
keys) under partition key ``submission_id``:

* ``item = "summary"``: ``expected`` (set from the manifest), counters ``accounted``, ``deidentified``,
  ``quarantined``, ``rejected``, and ``completed_at`` once every file is accounted for;
* ``item = "file#<sha256 of the landing key>"``: the landing key, relative path, status, reason, output key;
* ``item = "manifest"``: the manifest's landing key and file count.

Counting is exactly-once per landing key: the file item is created with ``attribute_not_exists`` and, in the same
transaction, ``accounted`` is incremented (two separate writes would lose the count for good when the function
failed between them: the retry finds the item and does not count again). Completion is claimed with a
conditional update, so exactly one worker writes the submission's inbound manifest whatever the order of events.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from aiminer.adapters.aws.catalogue import now_iso
from aiminer.adapters.aws.governance import from_item, to_item

SUMMARY = "summary"
MANIFEST = "manifest"


def key_hash(key: str) -> str:
    """SHA-256 of an object key: how logs, quarantine keys and file items name a landing object."""
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def file_item(landing_key: str) -> str:
    """Sort key of a file's item."""
    return f"file#{key_hash(landing_key)}"


@dataclass(frozen=True)
class Progress:
    """The summary after an update."""

    expected: int | None
    accounted: int
    completed: bool
    published: bool = False  # the PHI-free inbound manifest was written (QC can start)

    @property
    def complete(self) -> bool:
        """Every expected file is accounted for."""
        return self.expected is not None and self.accounted >= self.expected


def _is_conditional(exc: ClientError) -> bool:
    return exc.response["Error"].get("Code") == "ConditionalCheckFailedException"


def _file_counted_before(exc: ClientError) -> bool:
    """The counting transaction was cancelled because the file's item exists (its first item's condition)."""
    if exc.response["Error"].get("Code") != "TransactionCanceledException":
        return False
    reasons = exc.response.get("CancellationReasons") or []
    return bool(reasons) and reasons[0].get("Code") == "ConditionalCheckFailed"


class SubmissionRepository:
    """The submissions table."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _progress(self, attrs: dict[str, Any]) -> Progress:
        d = from_item(attrs)
        expected = d.get("expected")
        return Progress(
            None if expected is None else int(expected),
            int(d.get("accounted", 0)),
            "completed_at" in d,
            "inbound_manifest_key" in d,
        )

    def progress(self, submission_id: str) -> Progress | None:
        """The current summary (None before any file or manifest was seen)."""
        resp = self._client.get_item(
            TableName=self._table,
            Key={"submission_id": {"S": submission_id}, "item": {"S": SUMMARY}},
            ConsistentRead=True,
        )
        return self._progress(resp["Item"]) if "Item" in resp else None

    def record_file(self, submission_id: str, landing_key: str, fields: dict[str, Any]) -> Progress | None:
        """Store a file's outcome; count it once per landing key. Returns the new summary, or ``None`` if the
        file had been counted before (a replay or a re-upload of the same key)."""
        item = {"submission_id": submission_id, "item": file_item(landing_key), "landing_key": landing_key}
        item.update(fields, updated_at=now_iso())
        status = str(fields.get("status", "unknown"))
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": to_item(item),
                            "ConditionExpression": "attribute_not_exists(#i)",
                            "ExpressionAttributeNames": {"#i": "item"},
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": {"submission_id": {"S": submission_id}, "item": {"S": SUMMARY}},
                            # status names are not reserved words
                            "UpdateExpression": "ADD accounted :one, #s :one SET updated_at = :now",
                            "ExpressionAttributeNames": {"#s": status},
                            "ExpressionAttributeValues": {":one": {"N": "1"}, ":now": {"S": now_iso()}},
                        }
                    },
                ]
            )
        except ClientError as exc:
            if not _file_counted_before(exc):
                raise
            self._client.put_item(TableName=self._table, Item=to_item(item))  # latest outcome wins, not recounted
            return None
        return self.progress(submission_id)

    def record_manifest(self, submission_id: str, landing_key: str, expected: int, meta: dict[str, Any]) -> Progress:
        """Store the manifest and the number of files expected."""
        self._client.put_item(
            TableName=self._table,
            Item=to_item(
                {
                    "submission_id": submission_id,
                    "item": MANIFEST,
                    "landing_key": landing_key,
                    "files": expected,
                    # When the partner's manifest arrived (the upload's time in the audit trail).
                    **({"uploaded_at": meta["uploaded_at"]} if meta.get("uploaded_at") else {}),
                    "updated_at": now_iso(),
                }
            ),
        )
        resp = self._client.update_item(
            TableName=self._table,
            Key={"submission_id": {"S": submission_id}, "item": {"S": SUMMARY}},
            UpdateExpression="SET expected = :n, updated_at = :now, partner_id = :p, #site = :s, #project = :j "
            "ADD accounted :zero",
            ExpressionAttributeNames={"#site": "site", "#project": "project"},
            ExpressionAttributeValues={
                ":n": {"N": str(expected)},
                ":now": {"S": now_iso()},
                ":p": {"S": meta["partner_id"]},
                ":s": {"S": meta["site"]},
                ":j": {"S": meta["project"]},
                ":zero": {"N": "0"},
            },
            ReturnValues="ALL_NEW",
        )
        return self._progress(resp["Attributes"])

    def claim_completion(self, submission_id: str) -> bool:
        """Mark the submission complete; ``True`` for exactly one caller."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"submission_id": {"S": submission_id}, "item": {"S": SUMMARY}},
                UpdateExpression="SET completed_at = :now",
                ConditionExpression="attribute_not_exists(completed_at) AND accounted >= expected",
                ExpressionAttributeValues={":now": {"S": now_iso()}},
            )
        except ClientError as exc:
            if _is_conditional(exc):
                return False
            raise
        return True

    def set_summary(self, submission_id: str, fields: dict[str, Any]) -> None:
        """Add fields to the summary (e.g. the inbound manifest key)."""
        names = {f"#k{i}": k for i, k in enumerate(fields)}
        values = {f":v{i}": to_item({"v": v})["v"] for i, v in enumerate(fields.values())}
        self._client.update_item(
            TableName=self._table,
            Key={"submission_id": {"S": submission_id}, "item": {"S": SUMMARY}},
            UpdateExpression="SET " + ", ".join(f"#k{i} = :v{i}" for i in range(len(fields))),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def get(self, submission_id: str, item: str) -> dict[str, Any] | None:
        """One item, strongly consistent."""
        resp = self._client.get_item(
            TableName=self._table,
            Key={"submission_id": {"S": submission_id}, "item": {"S": item}},
            ConsistentRead=True,
        )
        return from_item(resp["Item"]) if "Item" in resp else None

    def items(self, submission_id: str) -> list[dict[str, Any]]:
        """Every item of a submission (for ``aiminer status``; the function itself never queries)."""
        out: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "submission_id = :s",
            "ExpressionAttributeValues": {":s": {"S": submission_id}},
            "ConsistentRead": True,
        }
        while True:
            resp = self._client.query(**kwargs)
            out.extend(from_item(i) for i in resp.get("Items", []))
            if "LastEvaluatedKey" not in resp:
                return out
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
