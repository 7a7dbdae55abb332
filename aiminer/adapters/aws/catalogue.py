"""Catalogue items in the repository zone (PHI-free): one per de-identified object, one per completed submission.

Layout (``aiminer.topology.CATALOGUE``): partition key ``dataset_id`` = the project ID, sort key ``item`` =
``object#<inbound key>`` or ``submission#<submission id>``; ``status`` + ``updated_at`` feed the ``by_status``
index. The repository's ``validate_manifest`` creates the items from a partner's inbound manifest
(:meth:`CatalogueRepository.add_object`: a replay keeps the item as it is); the QC workflow updates them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from aiminer.adapters.aws.governance import from_item, to_item


def now_iso() -> str:
    """UTC timestamp, ISO 8601."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class CatalogueRepository:
    """Creates object items (``validate_manifest``); reads items back for ``aiminer status`` and the tests."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add_object(self, project: str, inbound_key: str, fields: dict[str, Any]) -> bool:
        """Create the item of an object of the submission ``fields["submission_id"]`` being validated; ``False``
        when that submission's item is there already (validated before: what QC set since is kept). An item of
        another submission is replaced: the same coded object uploaded again is named by the newest submission."""
        item = {"dataset_id": project, "item": f"object#{inbound_key}", "key": inbound_key, **fields}
        item["updated_at"] = now_iso()
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item(item),
                ConditionExpression="attribute_not_exists(#i) OR submission_id <> :s",
                ExpressionAttributeNames={"#i": "item"},
                ExpressionAttributeValues={":s": {"S": str(fields["submission_id"])}},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
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
