"""AWS Backup for a zone's tables: a vault encrypted with the data key and a daily plan (HIPAA contingency plan,
164.308(a)(7)); complements PITR with copies that survive table deletion."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_backup as backup
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.nag import acknowledge

if TYPE_CHECKING:
    from collections.abc import Sequence

    from infra.constructs.table import SecureTable


class TableBackups(Construct):
    """Daily backups of ``tables``, kept ``retention_days``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vault_name: str,
        key: kms.IKey,
        tables: Sequence[SecureTable],
        retention_days: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self.vault = backup.BackupVault(
            self, "Vault", backup_vault_name=vault_name, encryption_key=key, removal_policy=cdk.RemovalPolicy.RETAIN
        )
        self.plan = backup.BackupPlan(self, "Plan", backup_vault=self.vault)
        self.plan.add_rule(
            backup.BackupPlanRule(
                rule_name="Daily",
                schedule_expression=events.Schedule.cron(hour="3", minute="0"),
                delete_after=cdk.Duration.days(retention_days),
            )
        )
        selection = self.plan.add_selection(
            "Tables", resources=[backup.BackupResource.from_dynamo_db_table(t.table) for t in tables]
        )
        acknowledge(
            selection,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSBackupServiceRolePolicyForBackup]",
            "AWS Backup's service role needs AWS's maintained backup policy; AWS updates it as DynamoDB backup "
            "APIs change, and the role is assumable only by backup.amazonaws.com.",
        )
