"""A Lambda function of the pipeline: Python on arm64, JSON logs to a KMS-encrypted log group with retention,
X-Ray active tracing, reserved concurrency, its own role with exactly the permissions it uses, and an alarm on
errors. The environment must cover exactly the keys :mod:`aiminer.topology` declares for the function."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from aiminer import topology
from infra.constructs.least_privilege import XRAY, Permission, managed_policy
from infra.constructs.monitoring import AlarmTopic, five_minutes
from infra.nag import acknowledge

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

RUNTIME = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = lambda_.Architecture.ARM_64
assert RUNTIME.name == f"python{topology.LAMBDA_PYTHON_VERSION}", "topology and CDK runtime disagree"

_VPC_REASON = (
    "The function reaches only AWS APIs (S3, DynamoDB, KMS, SQS, SNS) over TLS with IAM auth and exposes no "
    "network listener; a VPC would add interface endpoints but no control over PHI that IAM and KMS lack."
)
_DLQ_REASON = (
    "The function is never invoked asynchronously: it is driven by an SQS event source (failures redrive to the "
    "queue's DLQ), by Step Functions (Retry/Catch) or by API Gateway (synchronous), so a Lambda DLQ never fires."
)


class PipelineFunction(Construct):
    """``function`` built from a :class:`~aiminer.topology.FunctionSpec`; ``role`` is its execution role."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: topology.FunctionSpec,
        code: lambda_.Code,
        function_name: str,
        environment: Mapping[str, str],
        permissions: Sequence[Permission],
        log_key: kms.IKey,
        log_retention: logs.RetentionDays,
        alarms: AlarmTopic,
        role_name: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        missing = set(spec.env) - set(environment)
        unexpected = set(environment) - set(spec.env)
        if missing or unexpected:
            raise ValueError(f"{spec.name}: env missing {sorted(missing)}, undeclared {sorted(unexpected)}")
        self.spec = spec
        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            log_group_name=f"/aws/lambda/{function_name}",
            encryption_key=log_key,
            retention=log_retention,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.role = iam.Role(
            self,
            "Role",
            role_name=role_name,
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Execution role of {function_name}",
        )
        logs_permission = Permission(["logs:CreateLogStream", "logs:PutLogEvents"], [self.log_group.log_group_arn])
        self.policy = managed_policy(self, "Policy", role=self.role, permissions=[logs_permission, XRAY, *permissions])
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=function_name,
            description=spec.description,
            code=code,
            handler=spec.handler,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            memory_size=spec.memory_mb,
            ephemeral_storage_size=cdk.Size.mebibytes(spec.ephemeral_storage_mb),
            timeout=cdk.Duration.seconds(spec.timeout_seconds),
            reserved_concurrent_executions=spec.reserved_concurrency,
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            log_group=self.log_group,
            role=self.role.without_policy_updates(),
            environment={
                topology.ENV_SERVICE_NAME: spec.name,
                topology.ENV_METRICS_NAMESPACE: topology.METRICS_NAMESPACE,
                topology.ENV_LOG_LEVEL: "INFO",
                topology.ENV_ZONE: spec.zone,
                **environment,
            },
        )
        # The role must hold its permissions before the function (and its event source mapping) is created.
        self.function.node.add_dependency(self.policy)
        self.function_arn = self.function.function_arn
        cfn = self.function.node.default_child
        assert isinstance(cfn, cdk.CfnResource)
        acknowledge(cfn, "HIPAA.Security-LambdaInsideVPC", _VPC_REASON)
        acknowledge(cfn, "HIPAA.Security-LambdaDLQ", _DLQ_REASON)
        self.errors_alarm = alarms.alarm(
            self,
            "ErrorsAlarm",
            metric=self.function.metric_errors(period=five_minutes(), statistic="Sum"),
            threshold=1,
            description=f"{function_name} raised errors (see its JSON logs and X-Ray traces).",
        )
