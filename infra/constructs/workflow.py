"""The QC + approval state machine, loaded from ``infra/asl/qc_approval.asl.json`` with definition substitutions.

The ASL file is the single definition that AWS and the local runtime both run: CDK fills ``${...}`` with real
ARNs here; the local runtime fills the same keys (:data:`aiminer.topology.QC_ASL_SUBSTITUTION_KEYS`) with moto
ARNs through :func:`aiminer.topology.render_asl`. Logging (level ALL, without execution data, so no payload ever
reaches the logs), X-Ray tracing and encryption with the zone's data key are on. A rule on the repository
inbound bucket's EventBridge events starts one execution per submission manifest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from aiminer import topology
from infra.bundling import REPO_ROOT
from infra.constructs.least_privilege import XRAY, Permission, managed_policy
from infra.constructs.monitoring import AlarmTopic, five_minutes
from infra.nag import acknowledge

if TYPE_CHECKING:
    from collections.abc import Mapping

ASL_PATH = REPO_ROOT / topology.QC_APPROVAL_ASL


class QcApprovalWorkflow(Construct):
    """``state_machine`` and the EventBridge rule that starts it when a manifest lands in the inbound bucket."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        state_machine_name: str,
        function_arns: Mapping[str, str],
        notifications_topic_arn: str,
        data_key: kms.IKey,
        messaging_key: kms.IKey,
        log_retention: logs.RetentionDays,
        inbound_bucket_name: str,
        reports_bucket: s3.IBucket,
        alarms: AlarmTopic,
        review_timeout_seconds: int,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        substitutions = {spec.asl_substitution_key: function_arns[spec.name] for spec in topology.QC_WORKFLOW_FUNCTIONS}
        substitutions[topology.NOTIFICATIONS_TOPIC_SUBSTITUTION] = notifications_topic_arn
        substitutions[topology.REVIEW_TIMEOUT_SUBSTITUTION] = str(review_timeout_seconds)
        substitutions[topology.QC_REPORTS_BUCKET_SUBSTITUTION] = reports_bucket.bucket_name
        if sorted(substitutions) != sorted(topology.QC_ASL_SUBSTITUTION_KEYS):
            raise ValueError("ASL substitutions differ from aiminer.topology.QC_ASL_SUBSTITUTION_KEYS")

        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            log_group_name=f"/aws/vendedlogs/states/{state_machine_name}",
            encryption_key=data_key,
            retention=log_retention,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("states.amazonaws.com"))
        state_machine_arn = stack.format_arn(
            service="states",
            resource="stateMachine",
            resource_name=state_machine_name,
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        execution_arn = stack.format_arn(
            service="states",
            resource="execution",
            resource_name=state_machine_name,
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        self.policy = managed_policy(
            self,
            "Policy",
            role=self.role,
            permissions=[
                Permission(["lambda:InvokeFunction"], [function_arns[s.name] for s in topology.QC_WORKFLOW_FUNCTIONS]),
                Permission(["sns:Publish"], [notifications_topic_arn]),
                # The QC Map is a Distributed Map: it runs each item as a child execution of this state machine,
                Permission(["states:StartExecution"], [state_machine_arn]),
                Permission(
                    ["states:DescribeExecution", "states:StopExecution"],
                    [f"{execution_arn}:*", f"{execution_arn}/*"],
                    wildcard_reason="The Distributed Map's child executions of this state machine (names chosen by "
                    "Step Functions per map run); nothing outside this state machine.",
                ),
                # reads the validated object list (ItemReader) and writes the map run's record (ResultWriter),
                Permission(
                    ["s3:GetObject"],
                    [reports_bucket.arn_for_objects("*/qc/objects.json")],
                    wildcard_reason="The validated object list of any submission (<partner>/<project>/<submission>/"
                    "qc/objects.json); submissions are unknown at deploy time.",
                ),
                Permission(
                    ["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"],
                    [reports_bucket.arn_for_objects(f"{topology.QC_MAP_RUNS_PREFIX}/*")],
                    wildcard_reason="Map-run records are written below one prefix under names Step Functions chooses.",
                ),
                # in the bucket the data key encrypts (through S3 only).
                Permission(
                    ["kms:Decrypt", "kms:GenerateDataKey"],
                    [data_key.key_arn],
                    {"StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}},
                ),
                Permission(["kms:GenerateDataKey", "kms:Decrypt"], [messaging_key.key_arn]),
                # State machine encryption (what CDK would add for CustomerManagedEncryptionConfiguration).
                Permission(
                    ["kms:Decrypt", "kms:GenerateDataKey"],
                    [data_key.key_arn],
                    {"StringEquals": {"kms:EncryptionContext:aws:states:stateMachineArn": state_machine_arn}},
                ),
                Permission(
                    ["kms:GenerateDataKey"],
                    [data_key.key_arn],
                    {
                        "StringEquals": {
                            "kms:EncryptionContext:SourceArn": stack.format_arn(
                                service="logs", resource="*", arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME
                            )
                        }
                    },
                ),
                Permission(
                    [
                        "logs:CreateLogDelivery",
                        "logs:GetLogDelivery",
                        "logs:UpdateLogDelivery",
                        "logs:DeleteLogDelivery",
                        "logs:ListLogDeliveries",
                        "logs:PutResourcePolicy",
                        "logs:DescribeResourcePolicies",
                        "logs:DescribeLogGroups",
                    ],
                    ["*"],
                    wildcard_reason="CloudWatch Logs vended-log delivery APIs used by Step Functions logging "
                    "support no resource-level permissions (AWS documents Resource *).",
                ),
                XRAY,
            ],
        )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=state_machine_name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            # Inline (not an S3 asset) so the template carries the exact ASL the local runtime loads.
            definition_body=sfn.DefinitionBody.from_string(ASL_PATH.read_text(encoding="utf-8")),
            definition_substitutions=substitutions,
            role=self.role.without_policy_updates(),
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
            tracing_enabled=True,
            encryption_configuration=sfn.CustomerManagedEncryptionConfiguration(data_key),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.state_machine.node.add_dependency(self.policy)
        self.state_machine_arn = self.state_machine.state_machine_arn

        for metric_id, metric, what in (
            ("FailedAlarm", self.state_machine.metric_failed(period=five_minutes()), "failed"),
            ("TimedOutAlarm", self.state_machine.metric_timed_out(period=five_minutes()), "timed out"),
        ):
            alarms.alarm(
                self,
                metric_id,
                metric=metric,
                threshold=1,
                description=f"A QC execution {what}: an unnamed error escaped the rejection path.",
            )

        self._start_on_manifest(inbound_bucket_name, messaging_key, alarms)

    def _start_on_manifest(self, inbound_bucket_name: str, key: kms.IKey, alarms: AlarmTopic) -> None:
        self.start_dlq = sqs.Queue(
            self,
            "StartDeadLetterQueue",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        acknowledge(
            self.start_dlq,
            "AwsSolutions-SQS3",
            "This queue is the dead-letter queue of the EventBridge rule that starts QC executions; a DLQ of a "
            "DLQ would only move the same undelivered events again. Its depth is alarmed.",
        )
        alarms.alarm(
            self,
            "StartDeadLetterAlarm",
            metric=self.start_dlq.metric_approximate_number_of_messages_visible(
                period=five_minutes(), statistic="Maximum"
            ),
            threshold=1,
            description="A manifest event could not start the QC state machine (see the rule's DLQ).",
        )
        events_role = iam.Role(self, "StartRole", assumed_by=iam.ServicePrincipal("events.amazonaws.com"))
        managed_policy(
            self,
            "StartPolicy",
            role=events_role,
            permissions=[Permission(["states:StartExecution"], [self.state_machine_arn])],
        )
        self.rule = events.Rule(
            self,
            "StartOnManifest",
            description="Start QC when a submission manifest is written to the repository inbound bucket.",
            event_pattern=events.EventPattern(
                source=["aws.s3"],
                detail_type=["Object Created"],
                detail={
                    "bucket": {"name": [inbound_bucket_name]},
                    "object": {"key": events.Match.suffix(topology.MANIFEST_SUFFIX)},
                },
            ),
        )
        self.rule.add_target(
            targets.SfnStateMachine(
                self.state_machine,
                role=events_role.without_policy_updates(),
                dead_letter_queue=self.start_dlq,
                retry_attempts=10,
                max_event_age=cdk.Duration.hours(24),
                input=events.RuleTargetInput.from_object(
                    {
                        "bucket": events.EventField.from_path("$.detail.bucket.name"),
                        "key": events.EventField.from_path("$.detail.object.key"),
                        "version_id": events.EventField.from_path("$.detail.object.version-id"),
                    }
                ),
            )
        )
