"""cdk-nag wiring: the rule packs that run on every synth, and acknowledgments that always carry a reason.

cdk-nag 3.x is a CDK policy-validation plugin: findings are errors that fail ``synth`` unless acknowledged with
``Validations.of(scope).acknowledge``, one acknowledgment per finding id (``AwsSolutions-IAM5[Resource::*]``).
Acknowledge at the narrowest construct that has the finding, never on a whole stack.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks

if TYPE_CHECKING:
    from collections.abc import Iterable

    from constructs import IConstruct

_MIN_REASON = 40


def add_nag_packs(app: cdk.App) -> None:
    """Run the AWS Solutions and HIPAA Security packs on every synth of ``app``."""
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), HIPAASecurityChecks(app))


def acknowledge(scope: IConstruct, finding_id: str, reason: str) -> None:
    """Acknowledge one cdk-nag finding on ``scope`` with a specific reason (at least a sentence)."""
    if len(reason.strip()) < _MIN_REASON:
        raise ValueError(f"acknowledgment of {finding_id} needs a specific reason, got {reason!r}")
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=finding_id, reason=reason))


def flatten_cfn_reference(node: Any) -> str:
    """Flatten a resolved CloudFormation value the way cdk-nag does when it names an IAM5 finding."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return str(delimiter).join(flatten_cfn_reference(i) for i in items)
        if "Fn::Sub" in node:
            return flatten_cfn_reference(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{flatten_cfn_reference(resource)}.{flatten_cfn_reference(attribute)}>"
        if "Fn::ImportValue" in node:
            return flatten_cfn_reference(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{flatten_cfn_reference(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))


def wildcard_finding_ids(scope: IConstruct, actions: Iterable[str], resources: Iterable[str]) -> list[str]:
    """The ``AwsSolutions-IAM5[...]`` finding ids cdk-nag will raise for one allow statement."""
    stack = cdk.Stack.of(scope)
    ids = [f"AwsSolutions-IAM5[Action::{a}]" for a in actions if "*" in a]
    for resource in resources:
        flat = flatten_cfn_reference(stack.resolve(resource))
        if "*" in flat:
            ids.append(f"AwsSolutions-IAM5[Resource::{flat}]")
    return ids
