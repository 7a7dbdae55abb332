"""Alarm routing: one KMS-encrypted SNS topic per stack that every alarm notifies (subscribers from context)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from constructs import Construct

if TYPE_CHECKING:
    from collections.abc import Sequence


class AlarmTopic(Construct):
    """The stack's alarm topic; :meth:`alarm` creates an alarm that notifies it."""

    def __init__(
        self, scope: Construct, construct_id: str, *, topic_name: str, key: kms.IKey, emails: Sequence[str]
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "Topic", topic_name=topic_name, master_key=key, enforce_ssl=True)
        for email in emails:
            self.topic.add_subscription(subs.EmailSubscription(email))
        self._action = cw_actions.SnsAction(self.topic)

    def alarm(
        self,
        scope: Construct,
        construct_id: str,
        *,
        metric: cloudwatch.IMetric,
        threshold: float,
        description: str,
    ) -> cloudwatch.Alarm:
        """An alarm on ``metric >= threshold`` over one 5-minute period that notifies the alarm topic."""
        alarm = cloudwatch.Alarm(
            scope,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(self._action)
        return alarm


def five_minutes() -> cdk.Duration:
    """The alarm period used throughout."""
    return cdk.Duration.minutes(5)
