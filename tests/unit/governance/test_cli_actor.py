"""Who acted, as the audit trail records it: on AWS the authenticated identity, whatever ``--actor`` says."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from aiminer.cli.governance import Backend


def _backend(local: bool) -> Backend:
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
    return Backend(session, None, "us-east-1", {}, "released", local=local)


@mock_aws
def test_on_aws_the_actor_is_the_callers_identity_not_a_name_given(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a curator on AWS (moto's STS) who passes another curator's name
    be = _backend(local=False)
    caller = be.client("sts").get_caller_identity()["Arn"]
    # WHEN the commands ask who acts
    named, unnamed = be.actor("curator-2"), be.actor(None)
    # THEN both are the caller's ARN, and the name given is said to be unused
    assert named == unnamed == caller and caller.startswith("arn:aws:")
    assert "--actor is not used" in capsys.readouterr().err


def test_on_the_local_runtime_the_actor_is_the_name_given_or_the_user() -> None:
    be = _backend(local=True)
    assert be.actor("curator-2") == "curator-2"
    assert be.actor(None).startswith("local:")
