"""Compose the CDK app: one repository stack and one partner ingest stack per academic partner (from context),
tagged, with the cdk-nag packs attached."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk

from aiminer import topology
from infra.config import AppConfig
from infra.nag import add_nag_packs
from infra.stacks.partner_ingest import PartnerIngestStack
from infra.stacks.repository import RepositoryStack


@dataclass(frozen=True)
class Stacks:
    """The stacks of one app."""

    repository: RepositoryStack
    partners: dict[str, PartnerIngestStack]


def repository_stack_name(prefix: str) -> str:
    """CloudFormation stack name of the repository zone."""
    return f"{prefix}-repository"


def partner_stack_name(prefix: str, partner_id: str) -> str:
    """CloudFormation stack name of one partner zone."""
    return f"{prefix}-partner-{partner_id}"


def build_app(app: cdk.App) -> Stacks:
    """Add every stack to ``app`` from its context; cdk-nag runs when the app synthesizes."""
    config = AppConfig.from_context(app.node)
    repository = RepositoryStack(
        app,
        repository_stack_name(config.name_prefix),
        config=config,
        env=_env(config.repository_account, config.repository_region),
        description="AI MINER repository zone: QC, approval, catalogue, delivery (de-identified data only)",
    )
    partners = {
        p.id: PartnerIngestStack(
            app,
            partner_stack_name(config.name_prefix, p.id),
            config=config,
            partner=p,
            env=_env(p.account, config.repository_region),
            description=f"AI MINER partner ingest zone for {p.id}: landing, de-identification, crosswalk (PHI)",
        )
        for p in config.partners
    }
    for stack in (repository, *partners.values()):
        cdk.Tags.of(stack).add("project", "aiminer")
        cdk.Tags.of(stack).add("data-classification", "phi" if stack in partners.values() else "deidentified")
    cdk.Tags.of(repository).add("zone", topology.REPOSITORY)
    for stack in partners.values():
        cdk.Tags.of(stack).add("zone", topology.PARTNER)
    add_nag_packs(app)
    return Stacks(repository=repository, partners=partners)


def _env(account: str | None, region: str | None) -> cdk.Environment | None:
    """An explicit environment when context names one; otherwise environment-agnostic (the CLI's account)."""
    if account is None and region is None:
        return None
    return cdk.Environment(account=account, region=region)
