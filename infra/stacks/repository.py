"""The repository stack (AI MINER's zone): de-identified data only.

Inbound bucket (partners write to their own prefix, cross-account) -> manifest event -> QC + approval state
machine -> released bucket; catalogue, projects/IRB, sites, DUAs, audit trail, usage ledger, idempotency and
review-token tables; SNS notifications; the delivery API for industry partners.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from aiminer import topology
from infra.bundling import lambda_code
from infra.config import AppConfig, log_retention
from infra.constructs.backup import TableBackups
from infra.constructs.delivery_api import DeliveryApi
from infra.constructs.function import PipelineFunction
from infra.constructs.least_privilege import Permission
from infra.constructs.monitoring import AlarmTopic
from infra.constructs.table import SecureTable
from infra.constructs.workflow import QcApprovalWorkflow
from infra.stacks.partner_ingest import deidentify_role_name
from infra.stacks.zone import ZoneStack

if TYPE_CHECKING:
    from constructs import Construct

_OBJECTS_REASON = (
    "Object-level S3 actions need an object ARN pattern; keys are submission-specific and unknown at deploy "
    "time, so the pattern covers this one bucket's objects and nothing else."
)
_TABLE_KMS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
#: Denied to every principal on the append-only tables (audit trail, usage ledger).
APPEND_ONLY_DENIED_ACTIONS = (
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
)


class RepositoryStack(ZoneStack):
    """Repository zone; partner accounts come from ``config.partners`` (cross-account grants by role ARN)."""

    def __init__(self, scope: Construct, construct_id: str, *, config: AppConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, config=config, qualifier=topology.REPOSITORY_QUALIFIER, **kwargs)
        prefix = config.name_prefix
        qual = topology.REPOSITORY_QUALIFIER
        retention = log_retention(config.log_retention_days)

        self.logs_bucket = self.bucket(topology.REPOSITORY_LOGS, encryption_key=None, access_logs=None)
        log_target = self.logs_bucket.bucket
        self.inbound = self.bucket(topology.INBOUND, encryption_key=self.keys.data, access_logs=log_target)
        self.released = self.bucket(topology.RELEASED, encryption_key=self.keys.data, access_logs=log_target)
        self.reports = self.bucket(
            topology.QC_REPORTS,
            encryption_key=self.keys.data,
            access_logs=log_target,
            lifecycle_rules=[
                s3.LifecycleRule(id="ExpireOldReports", expiration=cdk.Duration.days(config.qc_report_retention_days))
            ],
        )
        # Manifest events go to EventBridge (plain CloudFormation, no notifications custom resource).
        cfn_inbound = self.inbound.bucket.node.default_child
        assert isinstance(cfn_inbound, s3.CfnBucket)
        cfn_inbound.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
            event_bridge_configuration=s3.CfnBucket.EventBridgeConfigurationProperty(event_bridge_enabled=True)
        )
        self._grant_partners()

        self.tables = {
            spec.key: SecureTable(
                self,
                spec.logical_id,
                spec=spec,
                table_name=topology.resource_name(prefix, qual, spec.key),
                key=self.keys.data,
                resource_policy=self._table_policy(spec),
            )
            for spec in topology.tables_in(topology.REPOSITORY)
        }
        self.backups = TableBackups(
            self,
            "Backups",
            vault_name=topology.resource_name(prefix, qual, "backups"),
            key=self.keys.data,
            tables=list(self.tables.values()),
            retention_days=config.backup_retention_days,
        )
        self.notifications = AlarmTopic(
            self,
            "Notifications",
            topic_name=topology.resource_name(prefix, qual, topology.NOTIFICATIONS_TOPIC_KEY),
            key=self.keys.messaging,
            emails=(),
        )

        code = lambda_code()
        self.functions: dict[str, PipelineFunction] = {}
        for spec in topology.functions_in(topology.REPOSITORY):
            self.functions[spec.name] = PipelineFunction(
                self,
                spec.logical_id,
                spec=spec,
                code=code,
                function_name=topology.resource_name(prefix, qual, spec.name),
                environment=self._environment(spec),
                permissions=self._permissions(spec),
                log_key=self.keys.data,
                log_retention=retention,
                alarms=self.alarms,
            )

        self.workflow = QcApprovalWorkflow(
            self,
            "QcApproval",
            state_machine_name=topology.resource_name(prefix, qual, topology.QC_STATE_MACHINE_KEY),
            function_arns={name: f.function_arn for name, f in self.functions.items()},
            notifications_topic_arn=self.notifications.topic.topic_arn,
            data_key=self.keys.data,
            messaging_key=self.keys.messaging,
            log_retention=retention,
            inbound_bucket_name=self.inbound.bucket_name,
            reports_bucket=self.reports.bucket,
            alarms=self.alarms,
            review_timeout_seconds=self.config.review_timeout_seconds,
        )
        self.delivery = DeliveryApi(
            self,
            "DeliveryApi",
            api_name=topology.resource_name(prefix, qual, topology.DELIVERY_API_KEY),
            handler=self.functions[topology.ISSUE_DELIVERY_LINKS.name].function,
            log_key=self.keys.data,
            log_retention=retention,
            rate_limit=config.api_throttle_rate_limit,
            burst_limit=config.api_throttle_burst_limit,
            industry_partners=config.industry_partners,
            role_name_prefix=prefix,
            alarms=self.alarms,
        )
        cdk.CfnOutput(self, "InboundBucketName", value=self.inbound.bucket_name)
        cdk.CfnOutput(self, "StateMachineArn", value=self.workflow.state_machine_arn)
        cdk.CfnOutput(self, "DeliveryApiUrl", value=self.delivery.api.url)

    # ----------------------------------------------------------------------------------------------------------

    def _partner_role_arn(self, partner_id: str, account: str | None) -> str:
        name = deidentify_role_name(self.config.name_prefix, partner_id)
        return f"arn:{self.partition}:iam::{account or self.account}:role/{name}"

    def _grant_partners(self) -> None:
        """Each partner's de-identify role may write only under ``<partner>/`` of the inbound bucket.

        The principal is the partner's account with an ``aws:PrincipalArn`` condition rather than the role ARN
        itself: S3 and KMS reject policies naming roles that do not exist yet, and the partner stack may be
        deployed later, in another account.
        """
        for partner in self.config.partners:
            account = partner.account or self.account
            condition = {"StringEquals": {"aws:PrincipalArn": self._partner_role_arn(partner.id, partner.account)}}
            self.inbound.bucket.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=f"PartnerWrite{topology.pascal(partner.id.replace('-', '_'))}",
                    principals=[iam.AccountPrincipal(account)],
                    actions=["s3:PutObject", "s3:AbortMultipartUpload"],
                    resources=[self.inbound.object_arn(f"{topology.inbound_prefix(partner.id)}*")],
                    conditions=condition,
                )
            )
            self.keys.data.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=f"PartnerUse{topology.pascal(partner.id.replace('-', '_'))}",
                    principals=[iam.AccountPrincipal(account)],
                    actions=["kms:GenerateDataKey", "kms:Decrypt"],
                    resources=["*"],
                    conditions={
                        **condition,
                        "StringEqualsIfExists": {
                            "kms:ViaService": [
                                f"s3.{self.region}.amazonaws.com",
                                f"dynamodb.{self.region}.amazonaws.com",
                            ]
                        },
                    },
                )
            )

    def _table_policy(self, spec: topology.TableSpec) -> iam.PolicyDocument | None:
        """Resource policy of a repository table.

        * projects, sites: partners' de-identify functions read them cross-account (GetItem only); no partner
          writes any repository table (validate_manifest records what a submission's manifest reports);
        * audit, usage: append-only for everyone. An explicit deny of every item update and delete (and of
          BatchWriteItem, which can delete, and of PartiQL writes) overrides any grant, an administrator's too;
          and no principal of another account may write them at all (``OwnAccountOnly``), whatever its own
          policies say. IAM cannot require a condition on PutItem, so the writers here use conditional puts
          (``attribute_not_exists``) and hold no other write action.
        """
        table_arn = self.format_arn(
            service="dynamodb",
            resource="table",
            resource_name=topology.resource_name(self.config.name_prefix, topology.REPOSITORY_QUALIFIER, spec.key),
        )
        statements: list[iam.PolicyStatement] = []
        if spec in (topology.PROJECTS, topology.SITES):
            statements += [
                iam.PolicyStatement(
                    sid=f"PartnerRead{topology.pascal(p.id.replace('-', '_'))}",
                    principals=[iam.AccountPrincipal(p.account or self.account)],
                    actions=["dynamodb:GetItem"],
                    resources=[table_arn],
                    conditions={"StringEquals": {"aws:PrincipalArn": self._partner_role_arn(p.id, p.account)}},
                )
                for p in self.config.partners
            ]
        if spec in (topology.AUDIT, topology.USAGE):
            statements += [
                iam.PolicyStatement(
                    sid="AppendOnly",
                    effect=iam.Effect.DENY,
                    principals=[iam.AnyPrincipal()],
                    actions=list(APPEND_ONLY_DENIED_ACTIONS),
                    resources=[table_arn],
                ),
                iam.PolicyStatement(
                    sid="OwnAccountOnly",
                    effect=iam.Effect.DENY,
                    principals=[iam.AnyPrincipal()],
                    actions=["dynamodb:PutItem", *APPEND_ONLY_DENIED_ACTIONS],
                    resources=[table_arn],
                    conditions={"StringNotEquals": {"aws:PrincipalAccount": self.account}},
                ),
            ]
        return iam.PolicyDocument(statements=statements) if statements else None

    def _environment(self, spec: topology.FunctionSpec) -> dict[str, str]:
        values: dict[str, str] = {
            str(b.spec.env_var): b.bucket_name for b in (self.inbound, self.released, self.reports) if b.spec.env_var
        }
        values.update({t.spec.env_var: t.table_name for t in self.tables.values()})
        values[topology.ENV_NOTIFICATIONS_TOPIC] = self.notifications.topic.topic_arn
        values[topology.ENV_LINK_EXPIRY] = str(self.config.link_expiry_seconds)
        values[topology.ENV_REVIEW_TIMEOUT] = str(self.config.review_timeout_seconds)
        return {key: values[key] for key in spec.env}

    def _permissions(self, spec: topology.FunctionSpec) -> list[Permission]:
        t = {k: v.table_arn for k, v in self.tables.items()}
        data_key = self.keys.data.key_arn
        inbound_read = Permission(["s3:GetObject"], [self.inbound.object_arn()], wildcard_reason=_OBJECTS_REASON)
        reports_read = Permission(["s3:GetObject"], [self.reports.object_arn()], wildcard_reason=_OBJECTS_REASON)
        audit_write = Permission(["dynamodb:PutItem"], [t[topology.AUDIT.key]])
        usage_write = Permission(["dynamodb:PutItem"], [t[topology.USAGE.key]])
        idempotency = Permission(
            ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
            [t[topology.REPOSITORY_IDEMPOTENCY.key]],
        )
        catalogue = t[topology.CATALOGUE.key]
        by_name: dict[str, list[Permission]] = {
            topology.VALIDATE_MANIFEST.name: [
                inbound_read,
                Permission(["s3:ListBucket"], [self.inbound.bucket_arn]),
                # The validated object list (the QC Map's ItemReader source) goes to the QC reports bucket.
                Permission(["s3:PutObject"], [self.reports.object_arn()], wildcard_reason=_OBJECTS_REASON),
                # Creates the catalogue, audit and usage records of a submission (aiminer.governance.intake).
                Permission(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], [catalogue]),
                usage_write,
                audit_write,
                Permission(_TABLE_KMS, [data_key]),
            ],
            topology.QC_CHECK_OBJECT.name: [
                inbound_read,
                # The result and the thumbnail go to the QC reports bucket (none of it enters the workflow's state).
                Permission(["s3:PutObject"], [self.reports.object_arn()], wildcard_reason=_OBJECTS_REASON),
                audit_write,
                Permission(_TABLE_KMS, [data_key]),
            ],
            topology.BUILD_QC_REPORT.name: [
                inbound_read,
                Permission(
                    ["s3:GetObject", "s3:PutObject"], [self.reports.object_arn()], wildcard_reason=_OBJECTS_REASON
                ),
                Permission(["dynamodb:GetItem", "dynamodb:UpdateItem"], [catalogue]),
                Permission(_TABLE_KMS, [data_key]),
            ],
            topology.RECORD_REVIEW_TOKEN.name: [
                Permission(["dynamodb:PutItem"], [t[topology.REVIEW_TOKENS.key]]),
                Permission(["s3:GetObject"], [self.reports.object_arn()], wildcard_reason=_OBJECTS_REASON),
                Permission(["sns:Publish"], [self.notifications.topic.topic_arn]),
                Permission(["kms:GenerateDataKey", "kms:Decrypt"], [self.keys.messaging.key_arn]),
                Permission(_TABLE_KMS, [data_key]),
            ],
            topology.RELEASE_SUBMISSION.name: [
                inbound_read,
                reports_read,  # the validated object list
                Permission(["s3:PutObject"], [self.released.object_arn()], wildcard_reason=_OBJECTS_REASON),
                Permission(["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query"], [catalogue]),
                idempotency,
                audit_write,
                Permission(_TABLE_KMS, [data_key]),
            ],
            topology.REJECT_SUBMISSION.name: [
                # Rejected objects move to the inbound bucket's quarantine/ prefix, tagged with the reason.
                Permission(
                    ["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject"],
                    [self.inbound.object_arn()],
                    wildcard_reason=_OBJECTS_REASON,
                ),
                reports_read,  # the validated object list
                Permission(["dynamodb:GetItem", "dynamodb:UpdateItem"], [catalogue]),
                usage_write,  # `deleted` events: rejected objects leave the stored data
                audit_write,
                Permission(_TABLE_KMS, [data_key]),
            ],
            topology.ISSUE_DELIVERY_LINKS.name: [
                # Presigned GETs are signed with this role's credentials, so it must hold GetObject itself.
                Permission(["s3:GetObject"], [self.released.object_arn()], wildcard_reason=_OBJECTS_REASON),
                Permission(["dynamodb:GetItem", "dynamodb:Query"], [catalogue]),
                Permission(
                    ["dynamodb:GetItem", "dynamodb:Query"],
                    [t[topology.DUAS.key], self.tables[topology.DUAS.key].index_arn("by_dataset")],
                ),
                # each project's IRB status: a suspended or expired project's data is refused, whatever the DUA
                Permission(["dynamodb:GetItem"], [t[topology.PROJECTS.key]]),
                usage_write,
                idempotency,
                audit_write,
                Permission(_TABLE_KMS, [data_key]),
            ],
        }
        return by_name[spec.name]
