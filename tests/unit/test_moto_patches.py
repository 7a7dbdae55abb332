"""aiminer.local.moto_patches on a real moto SQS queue (``mock_aws``): the retention check still drops expired
messages, and a receive no longer builds the queue's attributes for each message it returns."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sqs.models import SQSBackend, sqs_backends

from aiminer.local import moto_patches

REGION = "us-east-1"


@pytest.fixture
def sqs(in_process_moto: None) -> tuple[Any, str, SQSBackend]:
    assert moto_patches.apply()["sqs_retention_check"] is True
    client = boto3.client("sqs", region_name=REGION)
    assert client.meta.endpoint_url == f"https://sqs.{REGION}.amazonaws.com"  # mock_aws, not a moto server
    url = client.create_queue(QueueName="patched", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    return client, url, sqs_backends[DEFAULT_ACCOUNT_ID][REGION]


@pytest.fixture
def attribute_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every ``SQSBackend.get_queue_attributes`` call (its attribute names), the call moto 5.2.5 made per message."""
    calls: list[list[str]] = []
    original = SQSBackend.get_queue_attributes

    def spy(self: SQSBackend, queue_name: str, attribute_names: list[str]) -> dict[str, Any]:
        calls.append(list(attribute_names))
        return original(self, queue_name, attribute_names)

    monkeypatch.setattr(SQSBackend, "get_queue_attributes", spy)
    return calls


def test_apply_is_idempotent_and_marks_the_method() -> None:
    assert moto_patches.apply()["sqs_retention_check"] is True
    assert moto_patches.apply()["sqs_retention_check"] is True
    method = SQSBackend.is_message_valid_based_on_retention_period
    assert getattr(method, moto_patches.PATCH_MARK) is True
    assert not getattr(method.__wrapped__, moto_patches.PATCH_MARK, False)  # moto's own underneath


def test_message_past_the_retention_period_is_still_not_delivered(sqs: tuple[Any, str, SQSBackend]) -> None:
    client, url, backend = sqs
    client.send_message(QueueUrl=url, MessageBody="old")
    (old,) = backend.get_queue("patched")._messages
    old.sent_timestamp -= 61 * 1000  # sent 61 s earlier than it was: past the queue's 60 s retention
    assert client.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []) == []

    client.send_message(QueueUrl=url, MessageBody="fresh")
    fresh = backend.get_queue("patched")._messages[-1]
    fresh.sent_timestamp -= 59 * 1000  # still inside the period
    got = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    assert [m["Body"] for m in got] == ["fresh"]


def test_retention_period_set_later_is_honoured(sqs: tuple[Any, str, SQSBackend]) -> None:
    client, url, backend = sqs
    client.set_queue_attributes(QueueUrl=url, Attributes={"MessageRetentionPeriod": "300"})
    client.send_message(QueueUrl=url, MessageBody="kept")
    backend.get_queue("patched")._messages[-1].sent_timestamp -= 120 * 1000  # expired under 60 s, not under 300 s
    assert [m["Body"] for m in client.receive_message(QueueUrl=url).get("Messages", [])] == ["kept"]


def test_receive_does_not_build_queue_attributes_per_message(
    sqs: tuple[Any, str, SQSBackend], attribute_calls: list[list[str]]
) -> None:
    client, url, backend = sqs
    client.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(10)])
    attribute_calls.clear()
    got = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    assert len(got) == 10
    assert attribute_calls == []

    # the spy does see moto's own check: one get_queue_attributes call per message checked
    message = backend.get_queue("patched")._messages[0]
    unpatched = SQSBackend.is_message_valid_based_on_retention_period.__wrapped__  # type: ignore[attr-defined]
    assert unpatched(backend, "patched", message) is True
    assert attribute_calls == [["MessageRetentionPeriod"]]


# ---------------------------------------------------------------------------------------------------- DynamoDB


@pytest.fixture
def ddb(in_process_moto: None) -> Any:
    assert moto_patches.apply()["dynamodb_transaction_snapshot"] is True
    client = boto3.client("dynamodb", region_name=REGION)
    assert client.meta.endpoint_url == f"https://dynamodb.{REGION}.amazonaws.com"  # mock_aws, not a moto server
    client.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return client


def _put(key: str, value: str, condition: str | None = None) -> dict[str, Any]:
    put: dict[str, Any] = {"TableName": "t", "Item": {"pk": {"S": "p"}, "sk": {"S": key}, "v": {"S": value}}}
    if condition:
        put["ConditionExpression"] = condition
    return {"Put": put}


def _values(client: Any) -> dict[str, str]:
    return {i["sk"]["S"]: i["v"]["S"] for i in client.scan(TableName="t")["Items"]}


def test_a_transaction_still_applies_all_of_its_items(ddb: Any) -> None:
    ddb.put_item(TableName="t", Item={"pk": {"S": "p"}, "sk": {"S": "a"}, "v": {"S": "old"}, "n": {"N": "1"}})
    ddb.transact_write_items(
        TransactItems=[
            _put("b", "new", "attribute_not_exists(sk)"),
            {
                "Update": {
                    "TableName": "t",
                    "Key": {"pk": {"S": "p"}, "sk": {"S": "a"}},
                    "UpdateExpression": "SET v = :v ADD n :one",
                    "ExpressionAttributeValues": {":v": {"S": "updated"}, ":one": {"N": "1"}},
                }
            },
        ]
    )
    assert _values(ddb) == {"a": "updated", "b": "new"}


def test_a_cancelled_transaction_still_changes_nothing(ddb: Any) -> None:
    # GIVEN an item, and a transaction that writes a new item, updates the existing one in place, then fails
    ddb.put_item(TableName="t", Item={"pk": {"S": "p"}, "sk": {"S": "a"}, "v": {"S": "old"}})
    items = [
        _put("b", "new"),
        {
            "Update": {
                "TableName": "t",
                "Key": {"pk": {"S": "p"}, "sk": {"S": "a"}},
                "UpdateExpression": "SET v = :v",
                "ExpressionAttributeValues": {":v": {"S": "updated"}},
            }
        },
        _put("c", "never", "attribute_exists(sk)"),  # no item c: the condition fails and cancels the transaction
    ]
    # WHEN it runs THEN it is cancelled, and the table is exactly as before: no b, a unchanged, no c
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        ddb.transact_write_items(TransactItems=items)
    assert _values(ddb) == {"a": "old"}


def test_a_transaction_no_longer_copies_the_tables_it_touches(ddb: Any) -> None:
    from moto.dynamodb import models

    # moto's rollback copy of a whole table (once per transaction item) is what the patch replaced
    table = models.dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].tables["t"]
    assert models.copy.deepcopy(table) is table
    # every other object is still copied, as update_item's copy of one item needs
    nested = {"a": [1, 2]}
    copied = models.copy.deepcopy(nested)
    assert copied == nested and copied is not nested and copied["a"] is not nested["a"]


# ---------------------------------------------------------------------------------------- Distributed Map


def _map_run(items: list[int], tolerated: dict[str, Any]) -> dict[str, Any]:
    """Run a Distributed Map over ``items`` on moto's interpreter; the child fails for odd items."""
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Odd?",
                    "States": {
                        "Odd?": {
                            "Type": "Choice",
                            "Choices": [{"Variable": "$", "NumericEquals": 1, "Next": "Fail"}],
                            "Default": "Done",
                        },
                        "Fail": {"Type": "Fail", "Error": "ItemFailed", "Cause": "odd"},
                        "Done": {"Type": "Pass", "End": True},
                    },
                },
                **tolerated,
                "End": True,
            }
        },
    }
    name = f"dm-{uuid.uuid4().hex[:8]}"
    sfn = boto3.client("stepfunctions", region_name=REGION)
    arn = sfn.create_state_machine(
        name=name, definition=json.dumps(definition), roleArn=f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/sfn"
    )["stateMachineArn"]
    run = sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps({"items": items}))["executionArn"]
    deadline = time.monotonic() + 30
    while (execution := sfn.describe_execution(executionArn=run))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "the execution did not finish"
        time.sleep(0.05)
    return dict(execution)


@pytest.fixture
def sfn_moto(monkeypatch: pytest.MonkeyPatch, in_process_moto: None) -> None:
    assert moto_patches.apply()["map_run_failure_threshold"] is True
    monkeypatch.setenv("SF_EXECUTION_SIMULATION", "true")
    from moto.core.config import default_user_config

    monkeypatch.setitem(default_user_config, "stepfunctions", {"execute_state_machine": True})


def test_a_failed_child_fails_the_map_run_as_on_aws(sfn_moto: None) -> None:
    # GIVEN no tolerance (the default), one of three children fails: the run, the state and the execution fail
    failed = _map_run([0, 1, 0], {})
    assert (failed["status"], failed.get("error")) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    # AND without a failed child it succeeds, with every child's output
    ok = _map_run([0, 0], {})
    assert ok["status"] == "SUCCEEDED" and json.loads(ok["output"]) == [0, 0]


def test_the_tolerated_failure_thresholds_still_tolerate(sfn_moto: None) -> None:
    assert _map_run([0, 1, 0], {"ToleratedFailureCount": 1})["status"] == "SUCCEEDED"
    assert _map_run([0, 1, 0, 0], {"ToleratedFailurePercentage": 25.0})["status"] == "SUCCEEDED"
    assert _map_run([1, 1, 0, 0], {"ToleratedFailurePercentage": 25.0})["status"] == "FAILED"


@pytest.mark.parametrize(
    ("failed", "total", "count", "percentage", "fails"),
    [(0, 0, 0, 0.0, False), (0, 5, 0, 0.0, False), (1, 5, 0, 0.0, True), (1, 5, 1, 0.0, False),
     (2, 5, 1, 0.0, True), (1, 5, 0, 20.0, False), (2, 5, 0, 20.0, True), (2, 5, 1, 50.0, True),
     (2, 5, 5, 40.0, False), (3, 5, 5, 40.0, True)],
)  # fmt: skip
def test_exceeds_tolerance(failed: int, total: int, count: int, percentage: float, fails: bool) -> None:
    assert moto_patches.exceeds_tolerance(failed, total, count, percentage) is fails
