"""Issue short-lived presigned GET links with a checksum manifest under an active DUA (``POST /deliveries``).

Thin: settings and adapters are built once per container (:func:`dependencies`); :func:`service.handle`
decides. The caller is the industry partner's IAM role (API Gateway IAM auth); the response body carries links,
so nothing here logs it.
"""

from __future__ import annotations

import functools
import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent, event_source

from aiminer.adapters.aws.delivery import SIGNING_CONFIG, DeliveryService, S3LinkSigner
from aiminer.adapters.aws.governance_tables import AuditTable, CatalogueTable, DuasTable, ProjectsTable, UsageTable
from lambdas.issue_delivery_links.service import handle
from lambdas.issue_delivery_links.settings import IssueDeliveryLinksSettings
from lambdas.shared.observability import MetricUnit, logger, metrics, tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@functools.cache
def dependencies() -> tuple[DuasTable, DeliveryService]:
    """Settings and adapters, built once per container on first use (importing the module needs no env)."""
    settings = IssueDeliveryLinksSettings.model_validate(os.environ)
    ddb = boto3.client("dynamodb")
    service = DeliveryService(
        CatalogueTable(ddb, settings.CATALOGUE_TABLE),
        AuditTable(ddb, settings.AUDIT_TABLE),
        UsageTable(ddb, settings.USAGE_TABLE),
        S3LinkSigner(boto3.client("s3", config=SIGNING_CONFIG), settings.RELEASED_BUCKET),
        max_expiry=settings.LINK_EXPIRY_SECONDS,
        projects=ProjectsTable(ddb, settings.PROJECTS_TABLE),  # IRB status only: no sites table
    )
    return DuasTable(ddb, settings.DUAS_TABLE), service


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
@event_source(data_class=APIGatewayProxyEvent)
def handler(event: APIGatewayProxyEvent, context: LambdaContext) -> dict[str, Any]:
    """Lambda entry point."""
    duas, service = dependencies()
    caller = event.request_context.identity.user_arn
    result, issued = handle(event.body, caller, duas, service, datetime.now(UTC))
    if issued:
        metrics.add_metric(name="DeliveryLinksIssued", unit=MetricUnit.Count, value=issued)
    else:
        metrics.add_metric(name="DeliveriesRefused", unit=MetricUnit.Count, value=1)
    logger.info("delivery request answered", extra={"status": result["statusCode"], "links": issued})
    return result
