"""Presigned S3 GETs for delivery, and the delivery use case composed with the DynamoDB adapters.

Links are SigV4 presigned (``X-Amz-Expires`` is part of what is signed, so a partner cannot extend it). The
signing credentials must hold ``s3:GetObject`` on the released bucket; with temporary credentials a link also
dies when the session does, so the real lifetime is at most the expiry asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from botocore.config import Config

from aiminer.governance import usage
from aiminer.governance.delivery import DEFAULT_MAX_EXPIRY_SECONDS, DeliveryOutcome, issue_delivery
from aiminer.governance.projects import project_status

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    import boto3

    from aiminer.adapters.aws.governance_tables import AuditTable, CatalogueTable, ProjectsTable, UsageTable
    from aiminer.governance.dua import Dua

#: Client configuration for signing: SigV4 always (SigV2 links would carry an absolute ``Expires`` instead).
SIGNING_CONFIG = Config(signature_version="s3v4", s3={"addressing_style": "path"})


def signing_client(session: boto3.Session, endpoint_url: str | None = None, region: str | None = None) -> Any:
    """An S3 client that presigns with SigV4 (path-style, which also suits a loopback endpoint)."""
    return session.client("s3", endpoint_url=endpoint_url, region_name=region, config=SIGNING_CONFIG)


def signed_parameters(url: str) -> dict[str, str]:
    """The ``X-Amz-*`` query parameters of a presigned URL (algorithm, credential scope, date, expiry, headers)."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items() if k.startswith("X-Amz-")}


class S3LinkSigner:
    """Implements :class:`aiminer.governance.delivery.LinkSigner` for one bucket."""

    def __init__(self, client: Any, bucket: str) -> None:
        self._c, self._bucket = client, bucket

    def presign_get(self, key: str, expires_in: int) -> str:
        """A presigned GET for ``key`` valid ``expires_in`` seconds."""
        url: str = self._c.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=expires_in
        )
        return url


@dataclass
class DeliveryService:
    """Compose the delivery use case with the stores: load, decide, sign, then audit and meter."""

    catalogue: CatalogueTable
    audit: AuditTable
    usage: UsageTable
    signer: S3LinkSigner
    max_expiry: int = DEFAULT_MAX_EXPIRY_SECONDS
    #: the projects and sites tables: when given, a project whose IRB approval is not active is not delivered
    projects: ProjectsTable | None = None

    def deliver(
        self,
        dua: Dua,
        actor: str,
        now: datetime,
        requested_expiry: int | None = None,
        requested_keys: Iterable[str] | None = None,
    ) -> DeliveryOutcome:
        """Issue (or refuse) a delivery. The audit entry is written before anything is returned."""
        dataset = self.catalogue.get_version(dua.dataset_id, dua.dataset_version)
        current = self.catalogue.current({m.project for m in dataset.members})
        projects = self.projects

        def status_of(project_id: str) -> str | None:
            record = projects.get(project_id) if projects is not None else None
            return project_status(record, now.date()) if record is not None else None

        outcome = issue_delivery(
            dua,
            dataset,
            current,
            self.signer,
            actor,
            now,
            max_expiry=self.max_expiry,
            requested_expiry=requested_expiry,
            requested_keys=requested_keys,
            project_status_of=status_of if projects is not None else None,
        )
        self.audit.append(outcome.audit_event)
        per_project: dict[str, list[int]] = {}
        for m in outcome.delivered:
            acc = per_project.setdefault(m.project, [0, 0])
            acc[0] += 1
            acc[1] += m.size
        for project, (n, nbytes) in sorted(per_project.items()):
            self.usage.record(usage.usage_event(project, "delivered", n, nbytes, now))
        return outcome
