"""A secure S3 bucket: KMS (or SSE-S3 for the access-log bucket), TLS-only, no public access, versioned,
ownership enforced, server access logging and lifecycle rules, retained on stack deletion."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.nag import acknowledge

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aiminer import topology

_REPLICATION_REASON = (
    "Cross-region replication is a per-deployment disaster-recovery decision (a second region must also be "
    "covered by the BAA); versioning, noncurrent-version retention and retained buckets protect the data here."
)


class SecureBucket(Construct):
    """One bucket role of a zone (see :data:`aiminer.topology.BUCKETS`); ``bucket`` is the L2 bucket."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: topology.BucketSpec,
        bucket_name: str,
        encryption_key: kms.IKey | None,
        access_logs: s3.IBucket | None,
        noncurrent_version_expiration_days: int,
        lifecycle_rules: Sequence[s3.LifecycleRule] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self.spec = spec
        self.bucket_name = bucket_name
        rules = [
            s3.LifecycleRule(
                id="ExpireNoncurrentVersions",
                noncurrent_version_expiration=cdk.Duration.days(noncurrent_version_expiration_days),
                abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                expired_object_delete_marker=True,
            ),
            *lifecycle_rules,
        ]
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=bucket_name,
            encryption=s3.BucketEncryption.KMS if encryption_key else s3.BucketEncryption.S3_MANAGED,
            encryption_key=encryption_key,
            bucket_key_enabled=encryption_key is not None,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix=f"{spec.role}/" if access_logs else None,
            lifecycle_rules=rules,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.bucket_arn = self.bucket.bucket_arn
        acknowledge(self.bucket, "HIPAA.Security-S3BucketReplicationEnabled", _REPLICATION_REASON)
        if access_logs is None:
            reason = (
                "This is the server-access-log target bucket; logging it into itself would loop, and the logs "
                "it holds are the access audit for every other bucket of the zone."
            )
            acknowledge(self.bucket, "AwsSolutions-S1", reason)
            acknowledge(self.bucket, "HIPAA.Security-S3BucketLoggingEnabled", reason)
        if encryption_key is None:
            acknowledge(
                self.bucket,
                "HIPAA.Security-S3DefaultEncryptionKMS",
                "S3 server access logging only delivers to buckets with SSE-S3 default encryption (SSE-KMS "
                "targets are unsupported); the log bucket holds no PHI (keys never contain PHI).",
            )

    def object_arn(self, key_pattern: str = "*") -> str:
        """ARN of objects in this bucket matching ``key_pattern`` (e.g. ``site-1/*``)."""
        return self.bucket.arn_for_objects(key_pattern)
