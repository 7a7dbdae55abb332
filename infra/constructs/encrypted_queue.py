"""An SQS queue encrypted with the zone's messaging key, TLS-only, with a dead-letter queue and alarms on
DLQ depth and on the age of the oldest message."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.monitoring import AlarmTopic, five_minutes

if TYPE_CHECKING:
    from aiminer import topology


class EncryptedQueue(Construct):
    """``queue`` (with redrive to ``dlq`` after ``spec.max_receive_count`` receives) and its two alarms."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: topology.QueueSpec,
        queue_name: str,
        key: kms.IKey,
        visibility_timeout: cdk.Duration,
        alarms: AlarmTopic,
        dlq_alarm_threshold: int,
        age_alarm_seconds: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dlq = sqs.Queue(
            self,
            "DeadLetterQueue",
            queue_name=f"{queue_name}-dlq",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            queue_name=queue_name,
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            visibility_timeout=visibility_timeout,
            retention_period=cdk.Duration.days(14),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=spec.max_receive_count, queue=self.dlq),
        )
        self.dlq_alarm = alarms.alarm(
            self,
            "DeadLetterAlarm",
            metric=self.dlq.metric_approximate_number_of_messages_visible(period=five_minutes(), statistic="Maximum"),
            threshold=dlq_alarm_threshold,
            description=f"Messages in {queue_name}-dlq: events that failed {spec.max_receive_count} times. "
            "Inspect, fix, then redrive (docs/deploy.md).",
        )
        self.age_alarm = alarms.alarm(
            self,
            "OldestMessageAlarm",
            metric=self.queue.metric_approximate_age_of_oldest_message(period=five_minutes(), statistic="Maximum"),
            threshold=age_alarm_seconds,
            description=f"Oldest message in {queue_name} is older than {age_alarm_seconds} s: processing is stuck.",
        )
