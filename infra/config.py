"""Deployment configuration read from CDK context (``cdk.json`` or ``-c key=value``), with documented defaults.

The keys and defaults live in :data:`aiminer.topology.DEFAULT_CONFIG`; docs/deploy.md explains each one. No
account IDs or secrets are hard-coded: accounts come only from context.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_cdk import aws_logs as logs

from aiminer import topology

if TYPE_CHECKING:
    from constructs import Node


@dataclass(frozen=True)
class AcademicPartner:
    """An academic partner: its ID, optional own AWS account, enrolled sites and who may upload."""

    id: str
    account: str | None
    sites: tuple[str, ...]
    uploader_principals: tuple[str, ...]


@dataclass(frozen=True)
class IndustryPartner:
    """An industry partner: its ID and the AWS account whose principals may call the delivery API."""

    id: str
    account: str | None


@dataclass(frozen=True)
class AppConfig:
    """Everything ``app.py`` needs, validated."""

    name_prefix: str
    repository_account: str | None
    repository_region: str | None
    partners: tuple[AcademicPartner, ...]
    industry_partners: tuple[IndustryPartner, ...]
    log_retention_days: int
    landing_processed_expiration_days: int
    landing_max_retention_days: int
    noncurrent_version_expiration_days: int
    qc_report_retention_days: int
    link_expiry_seconds: int
    alarm_emails: tuple[str, ...]
    dlq_alarm_threshold: int
    queue_age_alarm_seconds: int
    api_throttle_rate_limit: int
    api_throttle_burst_limit: int
    backup_retention_days: int
    review_timeout_seconds: int = 7 * 24 * 3600

    @classmethod
    def from_context(cls, node: Node) -> AppConfig:
        """Read every key of :data:`~aiminer.topology.DEFAULT_CONFIG` from context, falling back to defaults."""
        raw = {key: _context(node, key, default) for key, default in topology.DEFAULT_CONFIG.items()}
        return cls.from_mapping(raw)

    @classmethod
    def from_mapping(cls, raw: dict[str, Any]) -> AppConfig:
        """Build and validate from a plain mapping of context keys."""
        partners = tuple(
            AcademicPartner(
                id=topology.check_id("partner", p["id"]),
                account=_account(p.get("account")),
                sites=tuple(topology.check_id("site", s) for s in p.get("sites", [])),
                uploader_principals=tuple(p.get("uploaderPrincipals", [])),
            )
            for p in raw["partners"]
        )
        for p in partners:
            if not p.sites:
                raise ValueError(f"partner {p.id!r} needs at least one site in 'sites'")
        if any(p.account for p in partners) and not raw["repositoryAccount"]:
            raise ValueError("set 'repositoryAccount' when a partner deploys in its own account")
        if len({p.id for p in partners}) != len(partners):
            raise ValueError("partner IDs must be unique")
        industry = tuple(
            IndustryPartner(id=topology.check_id("industry partner", p["id"]), account=_account(p.get("account")))
            for p in raw["industryPartners"]
        )
        days = int(raw["landingProcessedExpirationDays"])
        if not 1 <= days <= int(raw["landingMaxRetentionDays"]):
            raise ValueError("landingProcessedExpirationDays must be between 1 and landingMaxRetentionDays")
        expiry = int(raw["linkExpirySeconds"])
        if not 60 <= expiry <= 12 * 3600:
            raise ValueError("linkExpirySeconds must be between 60 and 43200 (short-lived links)")
        review_timeout = int(raw.get("reviewTimeoutSeconds", 7 * 24 * 3600))
        if not 60 <= review_timeout <= 365 * 24 * 3600:
            raise ValueError("reviewTimeoutSeconds must be between 60 and one year (Step Functions' limit)")
        return cls(
            name_prefix=topology.check_prefix(str(raw["namePrefix"])),
            repository_account=_account(raw["repositoryAccount"]),
            repository_region=raw["repositoryRegion"] or None,
            partners=partners,
            industry_partners=industry,
            log_retention_days=int(raw["logRetentionDays"]),
            landing_processed_expiration_days=days,
            landing_max_retention_days=int(raw["landingMaxRetentionDays"]),
            noncurrent_version_expiration_days=int(raw["noncurrentVersionExpirationDays"]),
            qc_report_retention_days=int(raw["qcReportRetentionDays"]),
            link_expiry_seconds=expiry,
            alarm_emails=tuple(raw["alarmEmails"]),
            dlq_alarm_threshold=int(raw["dlqAlarmThreshold"]),
            queue_age_alarm_seconds=int(raw["queueAgeAlarmSeconds"]),
            api_throttle_rate_limit=int(raw["apiThrottleRateLimit"]),
            api_throttle_burst_limit=int(raw["apiThrottleBurstLimit"]),
            backup_retention_days=int(raw["backupRetentionDays"]),
            review_timeout_seconds=review_timeout,
        )


def _context(node: Node, key: str, default: object) -> Any:
    value = node.try_get_context(key)
    if value is None:
        return default
    # `-c partners='[...]'` on the command line arrives as a string.
    if isinstance(default, list | dict) and isinstance(value, str):
        return json.loads(value)
    return value


def _account(value: object) -> str | None:
    if value in (None, ""):
        return None
    text = str(value)
    if not (text.isdigit() and len(text) == 12):
        raise ValueError(f"AWS account IDs are 12 digits, got {text!r}")
    return text


_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


def log_retention(days: int) -> logs.RetentionDays:
    """The CloudWatch Logs retention setting for ``days`` (one of the values CloudWatch Logs accepts)."""
    if days not in _RETENTION_DAYS:
        raise ValueError(f"logRetentionDays must be one of {_RETENTION_DAYS}, got {days}")
    return list(logs.RetentionDays)[_RETENTION_DAYS.index(days)]
