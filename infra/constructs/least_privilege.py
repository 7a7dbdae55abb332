"""Least-privilege IAM: explicit statements in a customer-managed policy, never ``grant_*`` side effects.

Every role in the app gets exactly the statements listed here, attached as one ``AWS::IAM::ManagedPolicy``
(no inline policies). CDK constructs receive the role through ``Role.without_policy_updates()`` so they cannot
add statements behind our back. A statement whose resource or action contains ``*`` must carry a
``wildcard_reason``; it becomes the cdk-nag acknowledgment of exactly the findings that statement causes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aws_cdk import aws_iam as iam

from infra.nag import acknowledge, wildcard_finding_ids

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from constructs import Construct


@dataclass(frozen=True)
class Permission:
    """One allow statement."""

    actions: Sequence[str]
    resources: Sequence[str]
    conditions: Mapping[str, Any] | None = None
    wildcard_reason: str | None = None


XRAY = Permission(
    ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
    ["*"],
    wildcard_reason="X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (Resource *).",
)


@dataclass
class _Reasons:
    by_id: dict[str, list[str]] = field(default_factory=dict)

    def add(self, finding_id: str, reason: str) -> None:
        reasons = self.by_id.setdefault(finding_id, [])
        if reason not in reasons:
            reasons.append(reason)


def managed_policy(
    scope: Construct, construct_id: str, *, role: iam.IRole, permissions: Sequence[Permission]
) -> iam.ManagedPolicy:
    """Attach ``permissions`` to ``role`` as one managed policy and acknowledge each reasoned wildcard."""
    statements = [
        iam.PolicyStatement(
            actions=list(p.actions),
            resources=list(p.resources),
            conditions=dict(p.conditions) if p.conditions else None,
        )
        for p in permissions
    ]
    policy = iam.ManagedPolicy(scope, construct_id, statements=statements, roles=[role])
    reasons = _Reasons()
    for permission in permissions:
        for finding_id in wildcard_finding_ids(policy, permission.actions, permission.resources):
            if not permission.wildcard_reason:
                raise ValueError(f"{construct_id}: {finding_id} needs a wildcard_reason")
            reasons.add(finding_id, permission.wildcard_reason)
    for finding_id, texts in reasons.by_id.items():
        acknowledge(policy, finding_id, " ".join(texts))
    return policy
