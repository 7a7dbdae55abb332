"""Start the QC state machine for a submission manifest.

On AWS nothing calls this: the repository zone's EventBridge rule starts one execution per ``manifest.json``
written to the inbound bucket. moto drops EventBridge -> Step Functions targets, so the local runtime routes the
inbound bucket's manifest events through an SQS queue and calls :func:`start_for_manifest` with the same input
the rule builds (``bucket``, ``key``, ``version_id``).
"""

from __future__ import annotations

import hashlib
from typing import Any

from botocore.exceptions import ClientError


def execution_name(key: str, version_id: str | None) -> str:
    """Deterministic execution name (<= 80 chars): the same manifest version never starts twice."""
    return "qc-" + hashlib.sha256(f"{key}\n{version_id or ''}".encode()).hexdigest()[:60]


def start_for_manifest(client: Any, state_machine_arn: str, bucket: str, key: str, version_id: str | None) -> str:
    """Start (or find, if already started) the execution for one manifest version; return its ARN."""
    import json

    name = execution_name(key, version_id)
    payload = json.dumps({"bucket": bucket, "key": key, "version_id": version_id})
    try:
        return str(client.start_execution(stateMachineArn=state_machine_arn, name=name, input=payload)["executionArn"])
    except ClientError as exc:
        if exc.response["Error"].get("Code") != "ExecutionAlreadyExists":
            raise
        prefix = state_machine_arn.replace(":stateMachine:", ":execution:")
        return f"{prefix}:{name}"
