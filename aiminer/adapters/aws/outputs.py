"""Which submission owns each de-identified output key (partner zone): no submission overwrites another's object.

Output keys are deterministic (coded IDs through the crosswalk, the new SOP instance UID, a report's code stable per
content), so the same image sent twice, in one upload or in a second submission of the same export, maps to the
same inbound key. The first writer claims the key here; anyone else gets the owner back and records a duplicate
instead of overwriting (``lambdas.deidentify_object.ingest``). The de-identify function may only *write* to the
repository's inbound bucket, so it cannot look there to see who holds a key; this record is its own.

Items live in the submissions table (``aiminer.topology.SUBMISSIONS``, partner zone) under their own partition,
``submission_id = "output#<sha256 of the inbound key>"``, ``item = "owner"``, with the owning ``owner_submission``
and the ``landing_key_hash`` of the file that produced it. No submission ID has that shape
(``topology.check_submission_id``), so ``aiminer status`` and every per-submission query never see them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from aiminer.adapters.aws.catalogue import now_iso

OWNER = "owner"


@dataclass(frozen=True)
class Owner:
    """The submission, and the landing object in it, whose output an inbound key holds."""

    submission_id: str
    landing_key_hash: str


def _partition(inbound_key: str) -> str:
    return "output#" + hashlib.sha256(inbound_key.encode("utf-8", "surrogateescape")).hexdigest()


class OutputClaims:
    """Claims on inbound keys, one item per key."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _item(self, inbound_key: str, owner: Owner) -> dict[str, Any]:
        return {
            "submission_id": {"S": _partition(inbound_key)},
            "item": {"S": OWNER},
            "owner_submission": {"S": owner.submission_id},
            "landing_key_hash": {"S": owner.landing_key_hash},
            "claimed_at": {"S": now_iso()},
        }

    def claim(self, inbound_key: str, owner: Owner) -> Owner:
        """Claim ``inbound_key`` for ``owner`` if nobody holds it; return whoever holds it now (``owner`` when the
        claim was made or was its own already)."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=self._item(inbound_key, owner),
                ConditionExpression="attribute_not_exists(#i)",
                ExpressionAttributeNames={"#i": "item"},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            current = self.owner(inbound_key)
            return current if current is not None else self.claim(inbound_key, owner)
        return owner

    def take_over(self, inbound_key: str, owner: Owner, previous: Owner) -> bool:
        """Hand the key from ``previous`` to ``owner`` (the previous owner's object is gone from the inbound bucket:
        its submission was rejected, which moves objects out). ``False`` if someone else took it first."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=self._item(inbound_key, owner),
                ConditionExpression="owner_submission = :s AND landing_key_hash = :h",
                ExpressionAttributeValues={
                    ":s": {"S": previous.submission_id},
                    ":h": {"S": previous.landing_key_hash},
                },
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def owner(self, inbound_key: str) -> Owner | None:
        """Who holds ``inbound_key`` (strongly consistent), or ``None``."""
        item = self._client.get_item(
            TableName=self._table,
            Key={"submission_id": {"S": _partition(inbound_key)}, "item": {"S": OWNER}},
            ConsistentRead=True,
        ).get("Item")
        if not item:
            return None
        return Owner(item["owner_submission"]["S"], item["landing_key_hash"]["S"])
