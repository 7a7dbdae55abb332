"""Catalogue items in the repository zone (PHI-free): one per de-identified object, one per completed submission.

Layout (``aiminer.topology.CATALOGUE``): partition key ``dataset_id`` = the project ID, sort key ``item`` =
``object#<inbound key>`` or ``submission#<submission id>``; ``status`` + ``updated_at`` feed the ``by_status``
index. Writes are plain puts with deterministic keys, so a replayed event rewrites the same item.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiminer.adapters.aws.governance import from_item, to_item


def now_iso() -> str:
    """UTC timestamp, ISO 8601."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class CatalogueRepository:
    """Writes catalogue items; reads them back for ``aiminer status`` and the tests."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def put_object(self, project: str, inbound_key: str, fields: dict[str, Any]) -> None:
        """The catalogue item of one de-identified object (``fields`` must be PHI-free)."""
        item = {"dataset_id": project, "item": f"object#{inbound_key}", "key": inbound_key, **fields}
        item["updated_at"] = now_iso()
        self._client.put_item(TableName=self._table, Item=to_item(item))

    def put_submission(self, project: str, submission_id: str, fields: dict[str, Any]) -> None:
        """The catalogue item of a completed submission (counts, inbound manifest key)."""
        item = {"dataset_id": project, "item": f"submission#{submission_id}", **fields, "updated_at": now_iso()}
        self._client.put_item(TableName=self._table, Item=to_item(item))

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
