"""What every zone's stack starts with: its KMS keys, its alarm topic and a way to make its buckets alike."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aws_cdk as cdk

from aiminer import topology
from infra.constructs.keys import ZoneKeys
from infra.constructs.monitoring import AlarmTopic
from infra.constructs.secure_bucket import SecureBucket

if TYPE_CHECKING:
    from constructs import Construct

    from infra.config import AppConfig


class ZoneStack(cdk.Stack):
    """A zone (a partner's or the repository): keys and alarms made in the stack's own scope, so their logical IDs
    are ``Keys`` and ``Alarms`` in every zone, and buckets named by ``topology`` with the zone's retention."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: AppConfig, qualifier: str, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        self.qualifier = qualifier
        self.keys = ZoneKeys(self, "Keys", alias_base=f"{config.name_prefix}-{qualifier}")
        self.alarms = AlarmTopic(
            self,
            "Alarms",
            topic_name=topology.resource_name(config.name_prefix, qualifier, topology.ALARMS_TOPIC_KEY),
            key=self.keys.messaging,
            emails=config.alarm_emails,
        )

    def bucket(self, spec: topology.BucketSpec, **extra: Any) -> SecureBucket:
        """The zone's bucket for ``spec`` (its name from ``topology``; ``extra`` as for ``SecureBucket``)."""
        return SecureBucket(
            self,
            spec.logical_id,
            spec=spec,
            bucket_name=topology.bucket_name(
                self.config.name_prefix, self.qualifier, spec.role, self.account, self.region
            ),
            noncurrent_version_expiration_days=self.config.noncurrent_version_expiration_days,
            **extra,
        )
