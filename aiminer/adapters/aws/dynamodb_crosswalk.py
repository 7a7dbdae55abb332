"""The partner zone's crosswalk on DynamoDB: atomic insert-if-absent with a conditional put.

Item layout (``aiminer.topology.CROSSWALK``): partition key ``kind_scope`` = ``"<kind>#<project>/<site>"``, sort
key ``original`` (the original identifier: PHI, which is why the table exists only in the partner zone), and
``value`` (the random code). Two concurrent Lambdas assigning a code to the same original both try
``PutItem ... attribute_not_exists``; the loser reads the winner's value with a strongly consistent GET.

Any other failure is :class:`~aiminer.adapters.aws.DependencyUnavailableError`: the engine calls the crosswalk in
the middle of de-identifying, and must let a throttle or an outage be retried rather than take it for bad data.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from aiminer.adapters.aws import AdapterError, DependencyUnavailableError

if TYPE_CHECKING:
    from aiminer.crosswalk import Kind


def _pk(kind: Kind, scope: str) -> str:
    return f"{kind}#{scope}"


class DynamoDbCrosswalk:
    """:class:`~aiminer.crosswalk.Crosswalk` on the partner zone's crosswalk table."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self.conflicts = 0

    def assign(self, kind: Kind, scope: str, original: str, candidate: str) -> str:
        """Store ``candidate`` unless a value exists (conditional put); return the stored value."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    "kind_scope": {"S": _pk(kind, scope)},
                    "original": {"S": original},
                    "value": {"S": candidate},
                    "created_at": {"S": datetime.now(UTC).isoformat()},
                },
                ConditionExpression="attribute_not_exists(kind_scope)",
            )
        except BotoCoreError as exc:
            raise DependencyUnavailableError(f"crosswalk write failed: {type(exc).__name__}") from exc
        except ClientError as exc:
            if exc.response["Error"].get("Code") != "ConditionalCheckFailedException":
                raise DependencyUnavailableError(
                    f"crosswalk write failed: {exc.response['Error'].get('Code')}"
                ) from exc
            self.conflicts += 1
            stored = self.lookup(kind, scope, original)
            if stored is None:  # pragma: no cover - the item exists because the condition failed
                raise AdapterError("crosswalk item vanished between conditional put and read") from exc
            return stored
        return candidate

    def lookup(self, kind: Kind, scope: str, original: str) -> str | None:
        """The stored value (strongly consistent read), or ``None``."""
        try:
            resp = self._client.get_item(
                TableName=self._table,
                Key={"kind_scope": {"S": _pk(kind, scope)}, "original": {"S": original}},
                ConsistentRead=True,
            )
        except BotoCoreError as exc:
            raise DependencyUnavailableError(f"crosswalk read failed: {type(exc).__name__}") from exc
        except ClientError as exc:
            raise DependencyUnavailableError(f"crosswalk read failed: {exc.response['Error'].get('Code')}") from exc
        item = resp.get("Item")
        return None if item is None else str(item["value"]["S"])
