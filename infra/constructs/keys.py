"""Customer-managed KMS keys of one zone, with rotation.

Two keys per zone instead of one (a documented deviation): the **data key** encrypts buckets, tables, log
groups, backups and the state machine; the **messaging key** encrypts queues and topics. Queues need their own
key because a key shared by a bucket and the queue it notifies puts S3, SQS and KMS in a dependency cycle, and
the services that publish to queues and topics (S3, CloudWatch, EventBridge) get key-policy grants on the
messaging key only, never on the key that protects data.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

_DATA_KEY_LOGS_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:DescribeKey",
]


class ZoneKeys(Construct):
    """The data key and the messaging key of one zone (aliases ``alias/<prefix>-<qualifier>-data|messaging``)."""

    def __init__(self, scope: Construct, construct_id: str, *, alias_base: str) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.data_alias = f"alias/{alias_base}-data"
        self.data = kms.Key(
            self,
            "DataKey",
            alias=self.data_alias,
            description="AI MINER data key: buckets, tables, log groups, backups, state machine",
            enable_key_rotation=True,
            pending_window=cdk.Duration.days(30),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        # CloudWatch Logs encrypts this account's log groups with the data key.
        self.data.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchLogsOfThisAccount",
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=_DATA_KEY_LOGS_ACTIONS,
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:*"
                        )
                    }
                },
            )
        )
        self.messaging = kms.Key(
            self,
            "MessagingKey",
            alias=f"alias/{alias_base}-messaging",
            description="AI MINER messaging key: SQS queues and SNS topics",
            enable_key_rotation=True,
            pending_window=cdk.Duration.days(30),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        # Services that publish into encrypted queues/topics of this account.
        for sid, service in (
            ("AllowS3EventNotifications", "s3.amazonaws.com"),
            ("AllowCloudWatchAlarms", "cloudwatch.amazonaws.com"),
            ("AllowEventBridgeDeadLetters", "events.amazonaws.com"),
        ):
            self.messaging.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=sid,
                    principals=[iam.ServicePrincipal(service)],
                    actions=["kms:GenerateDataKey", "kms:Decrypt"],
                    resources=["*"],
                    conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
                )
            )
