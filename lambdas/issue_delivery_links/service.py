"""The delivery request use case behind the API: who is calling, which DUA covers the dataset, and the answer.

Kept apart from ``handler.py`` (which only wires Powertools and the adapters) so it can be tested directly.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aiminer.governance import audit
from aiminer.governance.delivery import REFUSAL_MESSAGES
from aiminer.governance.dua import Dua, effective_refusal
from aiminer.governance.errors import GovernanceError, NotFoundError

if TYPE_CHECKING:
    from datetime import datetime

    from aiminer.adapters.aws.delivery import DeliveryService
    from aiminer.adapters.aws.governance_tables import DuasTable

_ROLE_RE = re.compile(r":assumed-role/[A-Za-z0-9+=,.@_-]+-industry-([a-z][a-z0-9-]{0,11})/")


class DeliveryRequest(BaseModel):
    """Body of ``POST /deliveries`` (the API's JSON schema says the same)."""

    model_config = ConfigDict(extra="forbid")

    dataset_id: str = Field(max_length=128)
    object_keys: list[str] | None = Field(default=None, max_length=1000)


def partner_of(caller_arn: str | None) -> str | None:
    """Industry partner ID from the caller's assumed-role ARN (role ``<prefix>-industry-<partner>``)."""
    m = _ROLE_RE.search(caller_arn or "")
    return m.group(1) if m else None


def response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    """API Gateway proxy response (never cached: it carries short-lived links)."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
        "body": json.dumps(body),
    }


def refused(reason: str, message: str | None = None, status: int = 403) -> dict[str, Any]:
    """A refusal with its machine-readable reason."""
    return response(
        status, {"refused": True, "reason": reason, "message": message or REFUSAL_MESSAGES.get(reason, reason)}
    )


def choose_dua(duas: list[Dua], dataset_id: str, version: int | None, now: datetime) -> tuple[Dua | None, str]:
    """The DUA that permits delivery of the dataset now, or (the closest one, its refusal reason)."""
    covering = [d for d in duas if d.dataset_id == dataset_id and (version is None or d.dataset_version == version)]
    if not covering:
        return None, "no_dua"
    permitted = [d for d in covering if effective_refusal(d, now.date()) is None]
    if permitted:
        return max(permitted, key=lambda d: d.dataset_version), ""
    closest = sorted(covering, key=lambda d: (d.status != "active", d.end_date), reverse=False)[0]
    return closest, str(effective_refusal(closest, now.date()))


def handle(
    body: str | None, caller_arn: str | None, duas: DuasTable, service: DeliveryService, now: datetime
) -> tuple[dict[str, Any], int]:
    """Answer one request; returns (API response, number of links issued)."""
    partner = partner_of(caller_arn)
    if partner is None:
        return refused("unknown_caller", "the caller is not an industry partner role"), 0
    try:
        req = DeliveryRequest.model_validate_json(body or "{}")
        ds_id, _, ver = req.dataset_id.partition("@")
        version = int(ver) if ver else None
    except (ValidationError, ValueError):
        return refused("invalid_request", "body must be {dataset_id, object_keys?}", 400), 0
    actor = f"partner:{partner}"
    dua, reason = choose_dua(duas.for_partner(partner), ds_id, version, now)
    if dua is None:
        service.audit.append(
            audit.event(
                audit.subject_of("partner", partner),
                "delivery_refused",
                actor,
                now,
                dataset=req.dataset_id,
                reason=reason,
            )
        )
        return refused(reason), 0
    try:
        outcome = service.deliver(dua, actor, now, requested_keys=req.object_keys)
    except NotFoundError as exc:
        return refused(exc.reason, str(exc), 404), 0
    except GovernanceError as exc:
        return refused(exc.reason, str(exc), 409), 0
    if outcome.manifest is None:
        assert outcome.refusal is not None
        return refused(outcome.refusal.reason, str(outcome.refusal)), 0
    return response(200, outcome.manifest), len(outcome.delivered)
