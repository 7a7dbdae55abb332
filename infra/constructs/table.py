"""A DynamoDB table from a :class:`~aiminer.topology.TableSpec`: on-demand, customer-managed KMS key, PITR,
deletion protection, TTL where the spec has one, GSIs, retained on stack deletion."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

if TYPE_CHECKING:
    from aiminer import topology

_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}


def _attr(key: topology.KeyAttribute) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=key.name, type=_TYPES[key.type])


class SecureTable(Construct):
    """``table`` plus its ARN string (deterministic, usable in cross-account policies)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: topology.TableSpec,
        table_name: str,
        key: kms.IKey,
        resource_policy: iam.PolicyDocument | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.spec = spec
        self.table_name = table_name
        self.table = dynamodb.Table(
            self,
            "Table",
            table_name=table_name,
            partition_key=_attr(spec.partition_key),
            sort_key=_attr(spec.sort_key) if spec.sort_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=True,
            time_to_live_attribute=spec.ttl_attribute,
            resource_policy=resource_policy,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        for gsi in spec.gsis:
            self.table.add_global_secondary_index(
                index_name=gsi.name,
                partition_key=_attr(gsi.partition_key),
                sort_key=_attr(gsi.sort_key) if gsi.sort_key else None,
                projection_type=dynamodb.ProjectionType.ALL,
            )
        stack = cdk.Stack.of(self)
        self.table_arn = stack.format_arn(service="dynamodb", resource="table", resource_name=table_name)

    def index_arn(self, index_name: str) -> str:
        """ARN of one GSI of this table."""
        names = [g.name for g in self.spec.gsis]
        if index_name not in names:
            raise ValueError(f"{self.spec.key} has no index {index_name!r} (has {names})")
        return f"{self.table_arn}/index/{index_name}"
