"""Delivery: which objects a DUA may receive right now, link expiry, and the delivery manifest (JSON + CSV).

The signer is a port (``LinkSigner``); the AWS adapter signs presigned S3 GETs. Nothing is signed unless every
rule passes, and both issuance and refusal are audited by the caller (``issue_delivery`` returns the events).
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qs, urlsplit

from aiminer.governance import audit
from aiminer.governance._dates import iso
from aiminer.governance.catalogue import RELEASED, CatalogueItem, DatasetMember, DatasetVersion
from aiminer.governance.dua import Dua, effective_refusal
from aiminer.governance.errors import DeliveryRefusedError, InvalidRecordError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

#: Default (and ceiling unless configured otherwise) lifetime of a presigned link: one hour.
DEFAULT_MAX_EXPIRY_SECONDS = 3600
#: SigV4 presigned URLs cannot live longer than 7 days.
SIGV4_MAX_EXPIRY_SECONDS = 7 * 24 * 3600
MANIFEST_FORMAT = "aiminer-delivery-manifest/1"
CSV_COLUMNS = ("path", "size", "sha256", "url", "expires_at")

REFUSAL_MESSAGES: dict[str, str] = {
    "dua_draft": "the DUA has not been activated",
    "dua_suspended": "the DUA is suspended",
    "dua_expired": "the DUA has expired",
    "dua_revoked": "the DUA has been revoked",
    "dua_not_started": "the DUA's start date has not come yet",
    "dua_ended": "the DUA's end date has passed",
    "dataset_mismatch": "the dataset version is not the one the DUA covers",
    "object_not_in_dataset": "an object requested is not in the DUA's dataset",
    "object_not_released": "an object of the dataset is no longer released",
    "no_dua": "no active DUA covers this dataset for this partner",
    "project_suspended": "a project of the dataset has its IRB approval suspended",
    "project_expired": "a project of the dataset has an expired IRB approval",
    "project_not_approved": "a project of the dataset has no IRB approval",
}


class LinkSigner(Protocol):
    """Port: a presigned GET URL for ``key`` valid for ``expires_in`` seconds from now."""

    def presign_get(self, key: str, expires_in: int) -> str:
        """Sign and return the URL."""


def effective_expiry(requested: int | None, maximum: int = DEFAULT_MAX_EXPIRY_SECONDS) -> int:
    """The lifetime a link gets: ``requested`` capped at ``maximum`` (``maximum`` when nothing is requested)."""
    if not 1 <= maximum <= SIGV4_MAX_EXPIRY_SECONDS:
        raise InvalidRecordError(f"the configured maximum expiry must be 1..{SIGV4_MAX_EXPIRY_SECONDS} s")
    if requested is None:
        return maximum
    if requested < 1:
        raise InvalidRecordError("expiry must be at least 1 second", "invalid_expiry")
    return min(requested, maximum)


def check_delivery(
    dua: Dua,
    dataset: DatasetVersion,
    current: dict[str, CatalogueItem],
    today: datetime,
    requested_keys: Iterable[str] | None = None,
    project_status_of: Callable[[str], str | None] | None = None,
) -> list[DatasetMember]:
    """The members to deliver, or :class:`DeliveryRefusedError` with the first reason that applies.

    ``current`` maps catalogue keys (``DatasetMember.source_key``) to today's catalogue items: an object withdrawn
    since the freeze is refused. ``project_status_of`` says a project's IRB status today (``active``, ``suspended``,
    ``expired``, ``not_approved``; ``None`` when there is no record): data of a project whose IRB approval is no
    longer active is not shared, whatever the DUA says (red team 12).
    """
    reason = effective_refusal(dua, today.date())
    if reason:
        raise DeliveryRefusedError(f"DUA {dua.dua_id}: {REFUSAL_MESSAGES.get(reason, reason)}", reason)
    if project_status_of is not None:
        for project in sorted({m.project for m in dataset.members}):
            status = project_status_of(project)
            if status not in (None, "active"):
                code = f"project_{status}"
                raise DeliveryRefusedError(f"project {project}: {REFUSAL_MESSAGES.get(code, code)}", code)
    if (dataset.dataset_id, dataset.version) != (dua.dataset_id, dua.dataset_version):
        raise DeliveryRefusedError(f"DUA {dua.dua_id} covers {dua.dataset_ref}, not {dataset.ref}", "dataset_mismatch")
    by_key = {m.key: m for m in dataset.members}
    if requested_keys is None:
        chosen = list(dataset.members)
    else:
        wanted = list(dict.fromkeys(requested_keys))
        outside = [k for k in wanted if k not in by_key]
        if outside:
            raise DeliveryRefusedError(
                f"{len(outside)} requested object(s) are not in {dataset.ref}", "object_not_in_dataset"
            )
        chosen = [by_key[k] for k in wanted]
    withdrawn = [m.key for m in chosen if (c := current.get(m.source_key)) is None or c.status != RELEASED]
    if withdrawn:
        raise DeliveryRefusedError(f"{len(withdrawn)} object(s) are not released", "object_not_released")
    if not chosen:
        raise DeliveryRefusedError("nothing to deliver", "object_not_in_dataset")
    return chosen


@dataclass(frozen=True)
class SignedExpiry:
    """What a SigV4 presigned URL says about its own lifetime."""

    signed_at: datetime
    expires_in: int

    @property
    def expires_at(self) -> datetime:
        """Moment the link stops working (on S3; moto does not enforce it)."""
        return self.signed_at + timedelta(seconds=self.expires_in)


def signed_expiry(url: str) -> SignedExpiry:
    """Parse ``X-Amz-Date`` and ``X-Amz-Expires`` out of a SigV4 presigned URL."""
    q = parse_qs(urlsplit(url).query)
    try:
        signed_at = datetime.strptime(q["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        return SignedExpiry(signed_at, int(q["X-Amz-Expires"][0]))
    except (KeyError, IndexError, ValueError) as exc:
        raise InvalidRecordError("not a SigV4 presigned URL", "not_presigned") from exc


def new_delivery_id() -> str:
    """Random delivery ID."""
    return "DLV-" + secrets.token_hex(8).upper()


def build_manifest(
    delivery_id: str,
    dua: Dua,
    dataset: DatasetVersion,
    links: list[tuple[DatasetMember, str]],
    issued_at: datetime,
    expiry_seconds: int,
) -> dict[str, Any]:
    """The JSON manifest a partner downloads with ``aiminer fetch``."""
    expires_at = iso(issued_at + timedelta(seconds=expiry_seconds))
    return {
        "format": MANIFEST_FORMAT,
        "delivery_id": delivery_id,
        "dua_id": dua.dua_id,
        "partner_id": dua.partner_id,
        "dataset": dataset.ref,
        "dataset_digest": dataset.digest,
        "issued_at": iso(issued_at),
        "expiry_seconds": expiry_seconds,
        "expires_at": expires_at,
        "count": len(links),
        "total_bytes": sum(m.size for m, _ in links),
        "objects": [
            {"path": m.key, "size": m.size, "sha256": m.sha256, "url": url, "expires_at": expires_at}
            for m, url in links
        ],
    }


def manifest_csv(manifest: dict[str, Any]) -> str:
    """The same manifest as CSV (one row per object)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for obj in manifest["objects"]:
        writer.writerow(obj)
    return buf.getvalue()


@dataclass(frozen=True)
class DeliveryOutcome:
    """What ``issue_delivery`` decided: the manifest (``None`` when refused) and the records to write."""

    manifest: dict[str, Any] | None
    audit_event: audit.AuditEvent
    delivered: tuple[DatasetMember, ...] = ()
    refusal: DeliveryRefusedError | None = None


def issue_delivery(
    dua: Dua,
    dataset: DatasetVersion,
    current: dict[str, CatalogueItem],
    signer: LinkSigner,
    actor: str,
    now: datetime,
    max_expiry: int = DEFAULT_MAX_EXPIRY_SECONDS,
    requested_expiry: int | None = None,
    requested_keys: Iterable[str] | None = None,
    new_id: Callable[[], str] = new_delivery_id,
    project_status_of: Callable[[str], str | None] | None = None,
) -> DeliveryOutcome:
    """The delivery use case: check, sign one link per object, build the manifest and the audit event.

    A refusal is returned (not raised) together with its audit event, so the caller records it before
    reporting it. Each link's expiry is capped at ``max_expiry``.
    """
    delivery_id = new_id()
    subject = audit.subject_of("dua", dua.dua_id)
    try:
        members = check_delivery(dua, dataset, current, now, requested_keys, project_status_of)
    except DeliveryRefusedError as exc:
        ev = audit.event(
            subject, "delivery_refused", actor, now, delivery_id=delivery_id, dataset=dataset.ref, reason=exc.reason
        )
        return DeliveryOutcome(None, ev, (), exc)
    expiry = effective_expiry(requested_expiry, max_expiry)
    links = [(m, signer.presign_get(m.key, expiry)) for m in members]
    manifest = build_manifest(delivery_id, dua, dataset, links, now, expiry)
    ev = audit.event(
        subject,
        "delivery_issued",
        actor,
        now,
        delivery_id=delivery_id,
        partner_id=dua.partner_id,
        dataset=dataset.ref,
        objects=[m.key for m in members],
        expiry_seconds=expiry,
        expires_at=manifest["expires_at"],
    )
    return DeliveryOutcome(manifest, ev, tuple(members))
