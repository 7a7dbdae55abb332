"""The delivery API for industry partners: API Gateway REST, IAM (SigV4) auth on every method, request
validation, throttling, KMS-encrypted access logs, X-Ray, a WAF web ACL with logging, backed by the function
that issues presigned links. Industry partner roles may invoke exactly ``POST /deliveries`` and nothing else."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from aiminer import topology
from infra.constructs.least_privilege import Permission, managed_policy
from infra.constructs.monitoring import AlarmTopic, five_minutes
from infra.nag import acknowledge

if TYPE_CHECKING:
    from collections.abc import Sequence

    from infra.config import IndustryPartner

STAGE = "v1"


class DeliveryApi(Construct):
    """``api`` (stage ``v1``), the WAF ``web_acl`` and one invoke-only role per industry partner."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api_name: str,
        handler: lambda_.IFunction,
        log_key: kms.IKey,
        log_retention: logs.RetentionDays,
        rate_limit: int,
        burst_limit: int,
        industry_partners: Sequence[IndustryPartner],
        role_name_prefix: str,
        alarms: AlarmTopic,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            encryption_key=log_key,
            retention=log_retention,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=api_name,
            description="AI MINER delivery API: presigned links under an active DUA (IAM auth).",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=cdk.RemovalPolicy.RETAIN,
            default_method_options=apigw.MethodOptions(authorization_type=apigw.AuthorizationType.IAM),
            deploy_options=apigw.StageOptions(
                stage_name=STAGE,
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=True,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # request/response bodies would carry presigned URLs
                metrics_enabled=True,
                tracing_enabled=True,
                throttling_rate_limit=rate_limit,
                throttling_burst_limit=burst_limit,
            ),
        )
        request_model = self.api.add_model(
            "DeliveryRequest",
            content_type="application/json",
            schema=apigw.JsonSchema(
                schema=apigw.JsonSchemaVersion.DRAFT4,
                type=apigw.JsonSchemaType.OBJECT,
                required=["dataset_id"],
                additional_properties=False,
                properties={
                    "dataset_id": apigw.JsonSchema(type=apigw.JsonSchemaType.STRING, max_length=128),
                    "object_keys": apigw.JsonSchema(
                        type=apigw.JsonSchemaType.ARRAY,
                        max_items=1000,
                        items=apigw.JsonSchema(type=apigw.JsonSchemaType.STRING, max_length=1024),
                    ),
                },
            ),
        )
        validator = self.api.add_request_validator(
            "BodyValidator", validate_request_body=True, validate_request_parameters=True
        )
        deliveries = self.api.root.add_resource(topology.DELIVERY_RESOURCE)
        deliveries.add_method(
            topology.DELIVERY_METHOD,
            apigw.LambdaIntegration(handler),
            request_validator=validator,
            request_models={"application/json": request_model},
        )
        self.invoke_arn = self.api.arn_for_execute_api(
            topology.DELIVERY_METHOD, f"/{topology.DELIVERY_RESOURCE}", STAGE
        )

        acknowledge(
            self.api,
            "AwsSolutions-COG4",
            "Industry partners are machine clients in their own AWS accounts; every method uses IAM (SigV4) "
            "authorization against per-partner roles instead of a Cognito user pool.",
        )
        acknowledge(
            self.api,
            "HIPAA.Security-APIGWCacheEnabledAndEncrypted",
            "Caching is deliberately off: every response is a freshly issued, audited, short-lived presigned "
            "link set for one caller and DUA; a cache would replay links without the DUA check and audit.",
        )
        acknowledge(
            self.api,
            "HIPAA.Security-APIGWSSLEnabled",
            "The only backend is a Lambda proxy integration over the AWS API (TLS, IAM); API Gateway client "
            "certificates authenticate calls to HTTP backends and have nothing to verify here.",
        )
        acknowledge(
            self.api,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]",
            "API Gateway's account-level CloudWatch role needs AWS's maintained push-to-logs policy; the role is "
            "assumable only by apigateway.amazonaws.com and is required for execution logging (APIG6).",
        )

        self._waf(api_name, log_key, log_retention)
        self.partner_roles = [self._partner_role(p, role_name_prefix) for p in industry_partners]
        alarms.alarm(
            self,
            "ServerErrorsAlarm",
            metric=self.api.metric_server_error(period=five_minutes(), statistic="Sum"),
            threshold=1,
            description="The delivery API returned 5XX responses.",
        )

    def _waf(self, api_name: str, log_key: kms.IKey, log_retention: logs.RetentionDays) -> None:
        def managed(name: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
            return wafv2.CfnWebACL.RuleProperty(
                name=name,
                priority=priority,
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS", name=name
                    )
                ),
                visibility_config=_visibility(name),
            )

        rate_limit = wafv2.CfnWebACL.RuleProperty(
            name="RateLimitPerIp",
            priority=0,
            action=wafv2.CfnWebACL.RuleActionProperty(block={}),
            statement=wafv2.CfnWebACL.StatementProperty(
                rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(limit=1000, aggregate_key_type="IP")
            ),
            visibility_config=_visibility("RateLimitPerIp"),
        )
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(f"{api_name}-waf"),
            rules=[
                rate_limit,
                managed("AWSManagedRulesCommonRuleSet", 1),
                managed("AWSManagedRulesKnownBadInputsRuleSet", 2),
            ],
        )
        wafv2.CfnWebACLAssociation(
            self,
            "WebAclAssociation",
            resource_arn=self.api.deployment_stage.stage_arn,
            web_acl_arn=self.web_acl.attr_arn,
        )
        waf_log_group_name = f"aws-waf-logs-{api_name}"  # WAF requires this prefix
        self.waf_logs = logs.LogGroup(
            self,
            "WafLogs",
            log_group_name=waf_log_group_name,
            encryption_key=log_key,
            retention=log_retention,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        waf_logging = wafv2.CfnLoggingConfiguration(
            self,
            "WafLogging",
            resource_arn=self.web_acl.attr_arn,
            # WAF wants the log group ARN without the ":*" suffix that Fn::GetAtt returns.
            log_destination_configs=[
                cdk.Stack.of(self).format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name=waf_log_group_name,
                    arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
        )
        waf_logging.node.add_dependency(self.waf_logs)

    def _partner_role(self, partner: IndustryPartner, role_name_prefix: str) -> iam.Role:
        stack = cdk.Stack.of(self)
        role = iam.Role(
            self,
            f"IndustryPartner{topology.pascal(partner.id.replace('-', '_'))}Role",
            role_name=f"{role_name_prefix}-industry-{partner.id}",
            assumed_by=iam.AccountPrincipal(partner.account or stack.account),
            description=f"Industry partner {partner.id}: may call POST /{topology.DELIVERY_RESOURCE} only",
            max_session_duration=cdk.Duration.hours(1),
        )
        managed_policy(
            self,
            f"IndustryPartner{topology.pascal(partner.id.replace('-', '_'))}Policy",
            role=role,
            permissions=[Permission(["execute-api:Invoke"], [self.invoke_arn])],
        )
        return role


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name.replace("-", ""), sampled_requests_enabled=True
    )
