"""Catalogue items in the repository zone (PHI-free): one per de-identified object, one per completed submission.

Layout (``aiminer.topology.CATALOGUE``): partition key ``dataset_id`` = the project ID, sort key ``item`` =
``object#<inbound key>`` or ``submission#<submission id>``; ``status`` + ``updated_at`` feed the ``by_status``
index. The repository's ``validate_manifest`` creates the items from a partner's inbound manifest
(:meth:`CatalogueRepository.add_object`: a replay keeps the item as it is); the QC workflow moves their status
``received -> qc_passed|qc_failed -> awaiting_review -> released|rejected`` (:meth:`CatalogueRepository.set_object`,
:meth:`CatalogueRepository.set_submission`).

An object item belongs to the submission that created it (``submission_id``) for good: another submission naming
the same key (the same coded object sent again) never replaces it (:class:`ObjectOwnedError`), and a workflow step
that changes an object's status names its submission (``owner``), so one submission's review can never change, let
alone withdraw, an object released under another.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from aiminer.adapters.aws.governance import from_item, to_item


def now_iso() -> str:
    """UTC timestamp, ISO 8601."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class ObjectOwnedError(Exception):
    """The object's item belongs to another submission (the message is that submission's ID, PHI-free)."""

    def __init__(self, submission_id: str) -> None:
        super().__init__(submission_id)
        self.submission_id = submission_id


class CatalogueRepository:
    """Creates object items (``validate_manifest``), updates the status of objects and submissions (the QC
    workflow: updates, never full rewrites), and reads items back (``aiminer status``, the tests)."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add_object(self, project: str, inbound_key: str, fields: dict[str, Any]) -> bool:
        """Create the item of an object of the submission ``fields["submission_id"]`` being validated; ``False``
        when that submission's item is there already (validated before: what QC set since is kept). Raises
        :class:`ObjectOwnedError` when another submission's item is there: it is never replaced (it may be
        released, and a later submission's review must not touch it)."""
        sid = str(fields["submission_id"])
        item = {"dataset_id": project, "item": f"object#{inbound_key}", "key": inbound_key, **fields}
        item["updated_at"] = now_iso()
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item(item),
                ConditionExpression="attribute_not_exists(#i)",
                ExpressionAttributeNames={"#i": "item"},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            owner = str((self.obj(project, inbound_key) or {}).get("submission_id") or "")
            if owner and owner != sid:
                raise ObjectOwnedError(owner) from exc
            return False
        return True

    def items(self, project: str, prefix: str = "") -> list[dict[str, Any]]:
        """Every item of a project whose sort key starts with ``prefix`` (paginated query)."""
        out: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "dataset_id = :d AND begins_with(#i, :p)",
            "ExpressionAttributeNames": {"#i": "item"},
            "ExpressionAttributeValues": {":d": {"S": project}, ":p": {"S": prefix}},
        }
        while True:
            resp = self._client.query(**kwargs)
            out.extend(from_item(i) for i in resp.get("Items", []))
            if "LastEvaluatedKey" not in resp:
                return out
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def _update(
        self, project: str, item: str, fields: dict[str, Any], must_exist: bool, owner: str | None = None
    ) -> None:
        fields = {**fields, "updated_at": now_iso()}
        names = {f"#k{i}": k for i, k in enumerate(fields)}
        values = {f":v{i}": to_item({"v": v})["v"] for i, v in enumerate(fields.values())}
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "Key": {"dataset_id": {"S": project}, "item": {"S": item}},
            "UpdateExpression": "SET " + ", ".join(f"#k{i} = :v{i}" for i in range(len(fields))),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        if must_exist:
            kwargs["ConditionExpression"] = "attribute_exists(dataset_id)"
        if owner is not None:
            kwargs["ConditionExpression"] = "attribute_exists(dataset_id) AND submission_id = :owner"
            values[":owner"] = {"S": owner}
        self._client.update_item(**kwargs)

    def submission(self, project: str, submission_id: str) -> dict[str, Any] | None:
        """The submission item, or ``None``."""
        return self._get(project, f"submission#{submission_id}")

    def obj(self, project: str, key: str) -> dict[str, Any] | None:
        """An object item, or ``None``."""
        return self._get(project, f"object#{key}")

    def _get(self, project: str, item: str) -> dict[str, Any] | None:
        raw = self._client.get_item(
            TableName=self._table,
            Key={"dataset_id": {"S": project}, "item": {"S": item}},
            ConsistentRead=True,
        ).get("Item")
        return from_item(raw) if raw else None

    def set_submission(self, project: str, submission_id: str, status: str, **fields: Any) -> None:
        """Set the submission's status (and PHI-free fields such as ``reason``, ``report_key``)."""
        self._update(project, f"submission#{submission_id}", {"status": status, **fields}, must_exist=False)

    def set_object(self, project: str, key: str, status: str, *, owner: str | None = None, **fields: Any) -> None:
        """Set an object's status; the item must exist (ingest created it) and, with ``owner``, belong to that
        submission (else ``ConditionalCheckFailedException``)."""
        self._update(project, f"object#{key}", {"status": status, **fields}, must_exist=True, owner=owner)
