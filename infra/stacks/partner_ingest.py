"""The partner ingest stack: one per academic partner, deployable in the partner's own AWS account.

Landing bucket (per-site prefixes, raw PHI, expired after processing) -> S3 ObjectCreated -> SQS (+DLQ) ->
de-identify function -> repository inbound bucket (cross-account, this partner's prefix only) or quarantine.
The crosswalk table lives here and only here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3

from aiminer import topology
from infra.bundling import lambda_code
from infra.config import AcademicPartner, AppConfig, log_retention
from infra.constructs.backup import TableBackups
from infra.constructs.encrypted_queue import EncryptedQueue
from infra.constructs.function import PipelineFunction
from infra.constructs.least_privilege import Permission, managed_policy
from infra.constructs.table import SecureTable
from infra.stacks.zone import ZoneStack

if TYPE_CHECKING:
    from constructs import Construct

_OBJECTS_REASON = (
    "Object-level S3 actions need an object ARN pattern; the pattern is limited to this partner's own key "
    "prefixes, which is the narrowest scope S3 offers for keys unknown at deploy time."
)


def deidentify_role_name(prefix: str, partner_id: str) -> str:
    """Name of the de-identify function's role; the repository zone trusts exactly this role of the partner."""
    return topology.resource_name(prefix, partner_id, "deidentify_object")


class PartnerIngestStack(ZoneStack):
    """Partner zone for ``partner``. Needs only the repository's account/region (from context), no references."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: AppConfig, partner: AcademicPartner, **kwargs: Any
    ) -> None:
        qual = topology.qualifier(topology.PARTNER, partner.id)
        super().__init__(scope, construct_id, config=config, qualifier=qual, **kwargs)
        prefix, pid = config.name_prefix, partner.id
        retention = log_retention(config.log_retention_days)
        repo_account = config.repository_account or self.account
        repo_region = config.repository_region or self.region

        self.logs_bucket = self.bucket(topology.PARTNER_LOGS, encryption_key=None, access_logs=None)
        self.landing = self.bucket(
            topology.LANDING,
            encryption_key=self.keys.data,
            access_logs=self.logs_bucket.bucket,
            lifecycle_rules=[
                # Raw PHI: expire once the de-identify function tagged the object as processed...
                s3.LifecycleRule(
                    id="ExpireProcessedUploads",
                    tag_filters={topology.PROCESSED_TAG_KEY: topology.PROCESSED_TAG_VALUE},
                    expiration=cdk.Duration.days(config.landing_processed_expiration_days),
                ),
                # ...and never keep any upload longer than the backstop (DLQ alarms fire long before).
                s3.LifecycleRule(
                    id="ExpireAllUploadsBackstop",
                    expiration=cdk.Duration.days(config.landing_max_retention_days),
                ),
            ],
        )
        self.quarantine = self.bucket(
            topology.QUARANTINE, encryption_key=self.keys.data, access_logs=self.logs_bucket.bucket
        )
        site_arns = [self.landing.object_arn(f"{topology.landing_prefix(s)}*") for s in partner.sites]
        # Nothing may be written outside the enrolled sites' prefixes.
        self.landing.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="DenyWritesOutsideSitePrefixes",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["s3:PutObject"],
                not_resources=site_arns,
            )
        )

        self.landing_events = EncryptedQueue(
            self,
            "LandingEvents",
            spec=topology.LANDING_EVENTS,
            queue_name=topology.resource_name(prefix, qual, topology.LANDING_EVENTS.key),
            key=self.keys.messaging,
            visibility_timeout=cdk.Duration.seconds(6 * topology.DEIDENTIFY_OBJECT.timeout_seconds),
            alarms=self.alarms,
            dlq_alarm_threshold=config.dlq_alarm_threshold,
            age_alarm_seconds=config.queue_age_alarm_seconds,
        )
        self._notify_queue_on_upload()

        self.tables = {
            spec.key: SecureTable(
                self,
                spec.logical_id,
                spec=spec,
                table_name=topology.resource_name(prefix, qual, spec.key),
                key=self.keys.data,
            )
            for spec in topology.tables_in(topology.PARTNER)
        }
        self.backups = TableBackups(
            self,
            "Backups",
            vault_name=topology.resource_name(prefix, qual, "backups"),
            key=self.keys.data,
            tables=list(self.tables.values()),
            retention_days=config.backup_retention_days,
        )

        # The repository zone's resources, addressed by their deterministic names (no cross-stack references,
        # so this stack deploys on its own in the partner's account).
        repo_q = topology.REPOSITORY_QUALIFIER
        inbound_name = topology.bucket_name(prefix, repo_q, topology.INBOUND.role, repo_account, repo_region)
        inbound_objects = f"arn:{self.partition}:s3:::{inbound_name}/{topology.inbound_prefix(pid)}*"

        def repo_table_arn(spec: topology.TableSpec) -> str:
            name = topology.resource_name(prefix, repo_q, spec.key)
            return f"arn:{self.partition}:dynamodb:{repo_region}:{repo_account}:table/{name}"

        crosswalk = self.tables[topology.CROSSWALK.key]
        idempotency = self.tables[topology.PARTNER_IDEMPOTENCY.key]
        submissions = self.tables[topology.SUBMISSIONS.key]
        spec = topology.DEIDENTIFY_OBJECT
        self.deidentify = PipelineFunction(
            self,
            spec.logical_id,
            spec=spec,
            code=lambda_code(),
            function_name=topology.resource_name(prefix, qual, spec.name),
            role_name=deidentify_role_name(prefix, pid),
            environment={
                str(topology.LANDING.env_var): self.landing.bucket_name,
                str(topology.QUARANTINE.env_var): self.quarantine.bucket_name,
                topology.ENV_REPOSITORY_INBOUND: inbound_name,
                topology.CROSSWALK.env_var: crosswalk.table_name,
                topology.PARTNER_IDEMPOTENCY.env_var: idempotency.table_name,
                # Cross-account: DynamoDB accepts a table ARN wherever it takes a table name.
                topology.PROJECTS.env_var: repo_table_arn(topology.PROJECTS),
                topology.SITES.env_var: repo_table_arn(topology.SITES),
                topology.ENV_PARTNER_ID: pid,
                topology.ENV_PARTNER_SITES: ",".join(partner.sites),
                topology.SUBMISSIONS.env_var: submissions.table_name,
            },
            permissions=[
                Permission(
                    ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObjectTagging", "s3:PutObjectVersionTagging"],
                    site_arns,
                    wildcard_reason=_OBJECTS_REASON,
                ),
                Permission(["s3:PutObject"], [self.quarantine.object_arn("*")], wildcard_reason=_OBJECTS_REASON),
                # Large outputs go up in parts; a failed upload aborts its parts instead of leaving them billed.
                Permission(
                    ["s3:PutObject", "s3:AbortMultipartUpload"], [inbound_objects], wildcard_reason=_OBJECTS_REASON
                ),
                Permission(["dynamodb:GetItem", "dynamodb:PutItem"], [crosswalk.table_arn]),
                Permission(
                    ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                    [idempotency.table_arn],
                ),
                Permission(["dynamodb:GetItem"], [repo_table_arn(topology.PROJECTS), repo_table_arn(topology.SITES)]),
                Permission(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], [submissions.table_arn]),
                # No write to any repository table: the catalogue, audit and usage records of a submission are made
                # by the repository's validate_manifest from the inbound manifest (aiminer.governance.intake).
                Permission(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], [self.keys.data.key_arn]),
                # The repository data key encrypts the inbound bucket and the projects/sites tables. Its key ID is
                # unknown in this (possibly other) account, so the alias condition pins it.
                Permission(
                    ["kms:GenerateDataKey", "kms:Decrypt"],
                    [f"arn:{self.partition}:kms:{repo_region}:{repo_account}:key/*"],
                    {
                        "ForAnyValue:StringEquals": {
                            "kms:ResourceAliases": f"alias/{prefix}-{repo_q}-data",
                        },
                        "StringEquals": {
                            "kms:ViaService": [
                                f"s3.{repo_region}.amazonaws.com",
                                f"dynamodb.{repo_region}.amazonaws.com",
                            ]
                        },
                    },
                    wildcard_reason="The repository data key lives in the repository account and its key ID is "
                    "not known at synth; kms:ResourceAliases pins the one key and kms:ViaService limits use to "
                    "S3 and DynamoDB.",
                ),
                Permission(
                    [
                        "sqs:ReceiveMessage",
                        "sqs:DeleteMessage",
                        "sqs:ChangeMessageVisibility",
                        "sqs:GetQueueAttributes",
                    ],
                    [self.landing_events.queue.queue_arn],
                ),
                Permission(["kms:Decrypt"], [self.keys.messaging.key_arn]),
            ],
            log_key=self.keys.data,
            log_retention=retention,
            alarms=self.alarms,
        )
        lambda_.EventSourceMapping(
            self,
            "LandingEventsMapping",
            target=self.deidentify.function,
            event_source_arn=self.landing_events.queue.queue_arn,
            batch_size=10,
            max_batching_window=cdk.Duration.seconds(5),
            report_batch_item_failures=True,
            max_concurrency=spec.reserved_concurrency,
        ).node.add_dependency(self.deidentify.policy)

        self.uploader_role = self._uploader_role(prefix, partner, site_arns)
        cdk.CfnOutput(self, "LandingBucketName", value=self.landing.bucket_name)
        cdk.CfnOutput(self, "UploaderRoleArn", value=self.uploader_role.role_arn)
        cdk.CfnOutput(self, "DeidentifyRoleArn", value=self.deidentify.role.role_arn)

    def _notify_queue_on_upload(self) -> None:
        """S3 -> SQS with plain CloudFormation (no notifications custom-resource Lambda).

        The queue policy names the bucket by its deterministic ARN string, so the bucket can depend on the
        policy without a cycle; S3 checks the destination's permission when the bucket configuration is set.
        """
        queue = self.landing_events.queue
        landing_arn = f"arn:{self.partition}:s3:::{self.landing.bucket_name}"
        result = queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowLandingBucketEvents",
                principals=[iam.ServicePrincipal("s3.amazonaws.com")],
                actions=["sqs:SendMessage"],
                resources=[queue.queue_arn],
                conditions={
                    "ArnEquals": {"aws:SourceArn": landing_arn},
                    "StringEquals": {"aws:SourceAccount": self.account},
                },
            )
        )
        cfn_bucket = self.landing.bucket.node.default_child
        assert isinstance(cfn_bucket, s3.CfnBucket)
        cfn_bucket.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
            queue_configurations=[
                s3.CfnBucket.QueueConfigurationProperty(event="s3:ObjectCreated:*", queue=queue.queue_arn)
            ]
        )
        if result.policy_dependable is not None:
            cfn_bucket.node.add_dependency(result.policy_dependable)

    def _uploader_role(self, prefix: str, partner: AcademicPartner, site_arns: list[str]) -> iam.Role:
        """The academic partner's upload role: PutObject under its own sites' prefixes of the landing bucket."""
        principals: list[iam.IPrincipal] = [iam.ArnPrincipal(arn) for arn in partner.uploader_principals] or [
            iam.AccountPrincipal(partner.account or self.account)
        ]
        role = iam.Role(
            self,
            "UploaderRole",
            role_name=topology.resource_name(prefix, partner.id, "uploader"),
            assumed_by=iam.CompositePrincipal(*principals),
            description=f"Uploads for {partner.id}: its landing prefixes only",
            max_session_duration=cdk.Duration.hours(12),
        )
        managed_policy(
            self,
            "UploaderPolicy",
            role=role,
            permissions=[
                Permission(
                    ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                    site_arns,
                    wildcard_reason=_OBJECTS_REASON,
                ),
                Permission(
                    ["s3:ListBucket"],
                    [self.landing.bucket_arn],
                    {"StringLike": {"s3:prefix": [f"{topology.landing_prefix(s)}*" for s in partner.sites]}},
                ),
                # Multipart uploads to an SSE-KMS bucket need Decrypt as well as GenerateDataKey.
                Permission(
                    ["kms:GenerateDataKey", "kms:Decrypt"],
                    [self.keys.data.key_arn],
                    {"StringEquals": {"kms:ViaService": f"s3.{self.region}.amazonaws.com"}},
                ),
            ],
        )
        return role
