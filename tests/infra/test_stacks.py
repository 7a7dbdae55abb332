"""Template tests: every security property of issue 4, asserted on one synthesis of the whole app.

The app is synthesized once per module (``synth`` fixture in conftest) with two academic partners (one in its
own account) and one industry partner; cdk-nag runs during that synthesis.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from aiminer import topology
from infra.nag import flatten_cfn_reference
from tests.infra.conftest import INDUSTRY_ACCOUNT, PARTNER_ACCOUNT, REPO_ROOT, Synth

pytestmark = pytest.mark.infra

REPO = "aiminer-repository"
PARTNERS = {"uni-a": "aiminer-partner-uni-a", "uni-b": "aiminer-partner-uni-b"}
ALL_STACKS = (REPO, *PARTNERS.values())


# ------------------------------------------------------------------------------------------------- helpers


def resources(synth: Synth, stack: str, type_: str) -> dict[str, dict[str, Any]]:
    """Logical ID -> Properties of every resource of ``type_`` in ``stack``."""
    return {
        lid: r.get("Properties", {}) for lid, r in synth.templates[stack]["Resources"].items() if r["Type"] == type_
    }


def flat(value: Any) -> str:
    """A CloudFormation value as one string (joins flattened, refs as ``<LogicalId>``)."""
    return flatten_cfn_reference(value)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(policy_document: dict[str, Any]) -> list[dict[str, Any]]:
    return list(policy_document["Statement"])


def function_by_name(synth: Synth, stack: str, name: str) -> tuple[str, dict[str, Any]]:
    for lid, props in resources(synth, stack, "AWS::Lambda::Function").items():
        if props["FunctionName"].endswith(name.replace("_", "-")):
            return lid, props
    raise AssertionError(f"no function {name} in {stack}")


def policy_for_role(synth: Synth, stack: str, role_logical_id: str) -> list[dict[str, Any]]:
    """All statements of the managed policies attached to one role."""
    found = [
        s
        for props in resources(synth, stack, "AWS::IAM::ManagedPolicy").values()
        if {"Ref": role_logical_id} in props.get("Roles", [])
        for s in statements(props["PolicyDocument"])
    ]
    assert found, f"no managed policy attached to {role_logical_id}"
    return found


def function_statements(synth: Synth, stack: str, name: str) -> list[dict[str, Any]]:
    _, props = function_by_name(synth, stack, name)
    return policy_for_role(synth, stack, props["Role"]["Fn::GetAtt"][0])


def actions_of(stmts: list[dict[str, Any]]) -> set[str]:
    return {a for s in stmts for a in as_list(s["Action"])}


def asl(synth: Synth) -> dict[str, Any]:
    (sm,) = resources(synth, REPO, "AWS::StepFunctions::StateMachine").values()
    definition = sm["DefinitionString"]
    assert isinstance(definition, str), "the ASL must be inline so the template carries the exact definition"
    return json.loads(definition)


# ------------------------------------------------------------------------------------------------- cdk-nag


def test_cdk_nag_reports_zero_unacknowledged_findings(synth: Synth) -> None:
    # GIVEN the app synthesized with the AWS Solutions and HIPAA Security packs (synth raises on errors)
    # THEN the policy-validation report lists no violation of any pack
    violations = [
        (report["pluginName"], v["ruleName"], [c["constructPath"] for c in v["violatingConstructs"]])
        for report in synth.validation_report["pluginReports"]
        for v in report.get("violations", [])
    ]
    assert violations == []


def acknowledgments(synth: Synth) -> list[tuple[str, str, str]]:
    """(stack, construct path, finding id, reason) for every cdk-nag acknowledgment in the assembly."""
    found = []
    for stack, metadata in synth.metadata.items():
        for path, entries in metadata.items():
            for entry in entries:
                if entry["type"] == "aws:cdk:acknowledged-rules":
                    for finding, reason in entry["data"].items():
                        found.append((f"{stack}:{path}", finding.removeprefix("Annotation::"), reason))
    return found


def test_every_acknowledgment_is_specific_reasoned_and_documented(synth: Synth) -> None:
    acks = acknowledgments(synth)
    docs = (REPO_ROOT / "docs" / "infrastructure.md").read_text()
    # GIVEN acknowledgments exist (the packs do flag things we cannot fix)
    assert len(acks) > 10
    for where, finding, reason in acks:
        # THEN each names one finding (never a bare IAM5/IAM4 rule, which would hide every wildcard)...
        assert finding.startswith(("AwsSolutions-", "HIPAA.Security-")), where
        if finding.startswith(("AwsSolutions-IAM5", "AwsSolutions-IAM4")):
            assert re.fullmatch(r"AwsSolutions-IAM[45]\[.+\]", finding), (where, finding)
        # ...carries a specific reason...
        assert len(reason) >= 40, (where, finding, reason)
        # ...and its rule is listed in docs/infrastructure.md
        assert finding.split("[")[0] in docs, f"{finding} is not documented in docs/infrastructure.md"


def test_acknowledgments_are_never_stack_wide(synth: Synth) -> None:
    for where, finding, _ in acknowledgments(synth):
        path = where.split(":", 1)[1]
        assert path.count("/") >= 2, f"{finding} acknowledged on a whole stack ({path})"


# ------------------------------------------------------------------------------------------------- KMS


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_two_customer_managed_keys_with_rotation_per_zone(synth: Synth, stack: str) -> None:
    keys = resources(synth, stack, "AWS::KMS::Key")
    assert len(keys) == 2
    assert all(k["EnableKeyRotation"] is True for k in keys.values())
    aliases = {a["AliasName"] for a in resources(synth, stack, "AWS::KMS::Alias").values()}
    assert any(a.endswith("-data") for a in aliases) and any(a.endswith("-messaging") for a in aliases)
    for lid in keys:
        assert synth.templates[stack]["Resources"][lid]["DeletionPolicy"] == "Retain"


def _key_ids(synth: Synth, stack: str) -> dict[str, str]:
    """'data'/'messaging' -> logical ID of the key."""
    out = {}
    for lid, props in resources(synth, stack, "AWS::KMS::Alias").items():
        kind = "data" if props["AliasName"].endswith("-data") else "messaging"
        out[kind] = props["TargetKeyId"]["Fn::GetAtt"][0]
        assert lid
    return out


# ------------------------------------------------------------------------------------------------- S3


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_buckets_are_private_versioned_owner_enforced_logged_and_expire_old_versions(synth: Synth, stack: str) -> None:
    buckets = resources(synth, stack, "AWS::S3::Bucket")
    expected_roles = {b.role for b in topology.buckets_in(topology.REPOSITORY if stack == REPO else topology.PARTNER)}
    assert len(buckets) == len(expected_roles)
    data_key = _key_ids(synth, stack)["data"]
    log_buckets = []
    for lid, b in buckets.items():
        assert b["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert b["VersioningConfiguration"] == {"Status": "Enabled"}
        assert b["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
        rules = b["LifecycleConfiguration"]["Rules"]
        assert any("NoncurrentVersionExpiration" in r for r in rules)
        assert synth.templates[stack]["Resources"][lid]["DeletionPolicy"] == "Retain"
        sse = b["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
        if "LoggingConfiguration" in b:
            # Every data bucket: SSE-KMS with the zone's data key
            assert sse["SSEAlgorithm"] == "aws:kms"
            assert sse["KMSMasterKeyID"] == {"Fn::GetAtt": [data_key, "Arn"]}
        else:
            log_buckets.append(lid)
            assert sse["SSEAlgorithm"] == "AES256"  # S3 server access logs cannot target SSE-KMS buckets
    # Exactly one unlogged bucket: the access-log target of all the others
    assert len(log_buckets) == 1
    for b in buckets.values():
        if "LoggingConfiguration" in b:
            assert b["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": log_buckets[0]}


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_every_bucket_policy_denies_non_tls(synth: Synth, stack: str) -> None:
    buckets = resources(synth, stack, "AWS::S3::Bucket")
    policies = resources(synth, stack, "AWS::S3::BucketPolicy")
    covered = set()
    for p in policies.values():
        for s in statements(p["PolicyDocument"]):
            if s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false":
                assert s["Action"] == "s3:*"
                covered.add(p["Bucket"]["Ref"])
    assert covered == set(buckets)


def test_landing_bucket_expires_processed_phi_and_has_a_backstop(synth: Synth) -> None:
    for stack in PARTNERS.values():
        (landing,) = [
            b for b in resources(synth, stack, "AWS::S3::Bucket").values() if "-landing-" in flat(b["BucketName"])
        ]
        rules = {r["Id"]: r for r in landing["LifecycleConfiguration"]["Rules"]}
        processed = rules["ExpireProcessedUploads"]
        assert processed["TagFilters"] == [{"Key": topology.PROCESSED_TAG_KEY, "Value": topology.PROCESSED_TAG_VALUE}]
        assert processed["ExpirationInDays"] == 1
        assert rules["ExpireAllUploadsBackstop"]["ExpirationInDays"] == 30


def test_landing_bucket_notifies_its_queue_without_a_custom_resource(synth: Synth) -> None:
    for stack in PARTNERS.values():
        (landing,) = [
            b for b in resources(synth, stack, "AWS::S3::Bucket").values() if "-landing-" in flat(b["BucketName"])
        ]
        (config,) = landing["NotificationConfiguration"]["QueueConfigurations"]
        assert config["Event"] == "s3:ObjectCreated:*"
        queue_lid = config["Queue"]["Fn::GetAtt"][0]
        assert "LandingEventsQueue" in queue_lid
        assert not [r for r in synth.templates[stack]["Resources"].values() if r["Type"].startswith("Custom::")]


def test_landing_bucket_denies_writes_outside_site_prefixes(synth: Synth) -> None:
    policies = resources(synth, PARTNERS["uni-a"], "AWS::S3::BucketPolicy")
    denies = [
        s
        for p in policies.values()
        for s in statements(p["PolicyDocument"])
        if s.get("Sid") == "DenyWritesOutsideSitePrefixes"
    ]
    (deny,) = denies
    assert deny["Effect"] == "Deny" and deny["Action"] == "s3:PutObject"
    assert sorted(flat(r).rsplit(">", 1)[1] for r in deny["NotResource"]) == ["/site-1/*", "/site-2/*"]


def test_partners_may_write_only_their_own_prefix_of_the_inbound_bucket(synth: Synth) -> None:
    policies = resources(synth, REPO, "AWS::S3::BucketPolicy")
    allows = [s for p in policies.values() for s in statements(p["PolicyDocument"]) if s["Effect"] == "Allow"]
    partner_allows = {s["Sid"]: s for s in allows if s.get("Sid", "").startswith("PartnerWrite")}
    assert set(partner_allows) == {"PartnerWriteUniA", "PartnerWriteUniB"}
    b = partner_allows["PartnerWriteUniB"]
    assert set(as_list(b["Action"])) == {"s3:PutObject", "s3:AbortMultipartUpload"}  # large outputs go up in parts
    assert flat(b["Resource"]).endswith("/uni-b/*")
    assert PARTNER_ACCOUNT in flat(b["Principal"]["AWS"])
    assert flat(b["Condition"]["StringEquals"]["aws:PrincipalArn"]).endswith(
        f":iam::{PARTNER_ACCOUNT}:role/aiminer-uni-b-deidentify-object"
    )


def test_inbound_bucket_sends_events_to_eventbridge_for_the_workflow(synth: Synth) -> None:
    (inbound,) = [b for b in resources(synth, REPO, "AWS::S3::Bucket").values() if "-inbound-" in flat(b["BucketName"])]
    assert inbound["NotificationConfiguration"] == {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}
    (rule,) = resources(synth, REPO, "AWS::Events::Rule").values()
    assert rule["EventPattern"]["detail"]["object"]["key"] == [{"suffix": topology.MANIFEST_SUFFIX}]
    (target,) = rule["Targets"]
    assert "DeadLetterConfig" in target and "QcApprovalStateMachine" in flat(target["Arn"])


# ------------------------------------------------------------------------------------------------- SQS, SNS, alarms


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_queues_are_kms_encrypted_tls_only_and_have_dlqs(synth: Synth, stack: str) -> None:
    queues = resources(synth, stack, "AWS::SQS::Queue")
    messaging_key = _key_ids(synth, stack)["messaging"]
    assert queues
    dlq_ids = {
        q["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0] for q in queues.values() if "RedrivePolicy" in q
    }
    for lid, q in queues.items():
        assert q["KmsMasterKeyId"] == {"Fn::GetAtt": [messaging_key, "Arn"]}
        # every queue is either redriven to a DLQ or is itself a DLQ (of a queue or of the EventBridge target)
        assert "RedrivePolicy" in q or lid in dlq_ids or "StartDeadLetterQueue" in lid, lid
    tls_denied = {
        r["Ref"]
        for p in resources(synth, stack, "AWS::SQS::QueuePolicy").values()
        for s in statements(p["PolicyDocument"])
        if s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        for r in p["Queues"]
    }
    assert tls_denied == set(queues)


def test_landing_queue_has_dlq_depth_and_message_age_alarms(synth: Synth) -> None:
    stack = PARTNERS["uni-a"]
    alarms = resources(synth, stack, "AWS::CloudWatch::Alarm")
    by_metric = {a["MetricName"]: a for a in alarms.values()}
    dlq = by_metric["ApproximateNumberOfMessagesVisible"]
    age = by_metric["ApproximateAgeOfOldestMessage"]
    assert "-dlq" in flat(dlq["Dimensions"][0]["Value"]) or "DeadLetterQueue" in flat(dlq["Dimensions"][0]["Value"])
    assert dlq["Threshold"] == 1 and age["Threshold"] == 900
    topics = set(resources(synth, stack, "AWS::SNS::Topic"))
    for alarm in alarms.values():
        assert alarm["AlarmActions"], "every alarm must notify someone"
        assert all(a["Ref"] in topics for a in alarm["AlarmActions"])


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_topics_are_kms_encrypted_and_tls_only(synth: Synth, stack: str) -> None:
    topics = resources(synth, stack, "AWS::SNS::Topic")
    messaging_key = _key_ids(synth, stack)["messaging"]
    assert topics
    for t in topics.values():
        assert t["KmsMasterKeyId"] == {"Fn::GetAtt": [messaging_key, "Arn"]}
    denied = {
        r["Ref"]
        for p in resources(synth, stack, "AWS::SNS::TopicPolicy").values()
        for s in statements(p["PolicyDocument"])
        if s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        for r in p["Topics"]
    }
    assert denied == set(topics)


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_log_groups_are_kms_encrypted_with_retention(synth: Synth, stack: str) -> None:
    groups = resources(synth, stack, "AWS::Logs::LogGroup")
    data_key = _key_ids(synth, stack)["data"]
    assert groups
    for g in groups.values():
        assert g["KmsKeyId"] == {"Fn::GetAtt": [data_key, "Arn"]}
        assert g["RetentionInDays"] == 365


# ------------------------------------------------------------------------------------------------- DynamoDB


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_tables_match_topology_with_cmk_pitr_deletion_protection_and_ttl(synth: Synth, stack: str) -> None:
    zone = topology.REPOSITORY if stack == REPO else topology.PARTNER
    tables = {t["TableName"]: t for t in resources(synth, stack, "AWS::DynamoDB::Table").values()}
    qualifier = "repository" if stack == REPO else stack.removeprefix("aiminer-partner-")
    expected = {topology.resource_name("aiminer", qualifier, s.key): s for s in topology.tables_in(zone)}
    assert set(tables) == set(expected)
    data_key = _key_ids(synth, stack)["data"]
    for name, t in tables.items():
        spec = expected[name]
        assert t["SSESpecification"] == {
            "KMSMasterKeyId": {"Fn::GetAtt": [data_key, "Arn"]},
            "SSEEnabled": True,
            "SSEType": "KMS",
        }
        assert t["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
        assert t["DeletionProtectionEnabled"] is True
        assert t["BillingMode"] == "PAY_PER_REQUEST"
        keys = {k["KeyType"]: k["AttributeName"] for k in t["KeySchema"]}
        assert keys["HASH"] == spec.partition_key.name
        assert keys.get("RANGE") == (spec.sort_key.name if spec.sort_key else None)
        types = {a["AttributeName"]: a["AttributeType"] for a in t["AttributeDefinitions"]}
        assert types[spec.partition_key.name] == spec.partition_key.type
        assert {g["IndexName"] for g in t.get("GlobalSecondaryIndexes", [])} == {g.name for g in spec.gsis}
        if spec.ttl_attribute:
            assert t["TimeToLiveSpecification"] == {"AttributeName": spec.ttl_attribute, "Enabled": True}
        else:
            assert "TimeToLiveSpecification" not in t


def test_crosswalk_table_exists_only_in_partner_zones(synth: Synth) -> None:
    def crosswalks(stack: str) -> list[str]:
        return [
            t["TableName"]
            for t in resources(synth, stack, "AWS::DynamoDB::Table").values()
            if "crosswalk" in t["TableName"]
        ]

    assert crosswalks(REPO) == []
    assert "crosswalk" not in json.dumps(synth.templates[REPO]).lower()
    for pid, stack in PARTNERS.items():
        assert crosswalks(stack) == [f"aiminer-{pid}-crosswalk"]


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_every_table_is_in_a_backup_plan(synth: Synth, stack: str) -> None:
    (selection,) = resources(synth, stack, "AWS::Backup::BackupSelection").values()
    selected = flat(selection["BackupSelection"]["Resources"])
    for lid in resources(synth, stack, "AWS::DynamoDB::Table"):
        assert f"<{lid}.Arn>" in selected or lid in selected


def test_repository_tables_grant_partners_only_what_ingest_needs(synth: Synth) -> None:
    # Projects/sites: read, one statement per partner pinned to its de-identify role. No partner may write any
    # repository table (validate_manifest records what a submission's manifest reports); only the append-only
    # tables carry another policy (their denies) and every other table has none.
    expected = {"-projects": "dynamodb:GetItem", "-sites": "dynamodb:GetItem"}
    for t in resources(synth, REPO, "AWS::DynamoDB::Table").values():
        suffix = next((s for s in expected if t["TableName"].endswith(s)), None)
        if suffix is None:
            if t["TableName"].endswith(("-audit", "-usage")):
                policy = statements(t["ResourcePolicy"]["PolicyDocument"])
                assert {s["Effect"] for s in policy} == {"Deny"}, t["TableName"]
            else:
                assert "ResourcePolicy" not in t, t["TableName"]
            continue
        allows = [s for s in statements(t["ResourcePolicy"]["PolicyDocument"]) if s["Effect"] == "Allow"]
        assert {s["Action"] for s in allows} == {expected[suffix]}
        assert len(allows) == 2  # one per partner, each pinned to that partner's de-identify role
        assert all("aws:PrincipalArn" in s["Condition"]["StringEquals"] for s in allows)


def test_audit_and_usage_tables_deny_every_update_and_delete_to_everyone(synth: Synth) -> None:
    from infra.stacks.repository import APPEND_ONLY_DENIED_ACTIONS

    tables = [t for t in resources(synth, REPO, "AWS::DynamoDB::Table").values()]
    append_only = [t for t in tables if t["TableName"].endswith(("-audit", "-usage"))]
    assert len(append_only) == 2
    for t in append_only:
        denies = {s["Sid"]: s for s in statements(t["ResourcePolicy"]["PolicyDocument"]) if s["Effect"] == "Deny"}
        assert set(denies) == {"AppendOnly", "OwnAccountOnly"}
        deny = denies["AppendOnly"]
        assert deny["Principal"] == {"AWS": "*"} and "Condition" not in deny
        assert set(as_list(deny["Action"])) == set(APPEND_ONLY_DENIED_ACTIONS)
        assert {"dynamodb:UpdateItem", "dynamodb:DeleteItem"} <= set(APPEND_ONLY_DENIED_ACTIONS)
        # every write, PutItem included, from any other account than the repository's
        outside = denies["OwnAccountOnly"]
        assert outside["Principal"] == {"AWS": "*"}
        assert set(as_list(outside["Action"])) == {"dynamodb:PutItem", *APPEND_ONLY_DENIED_ACTIONS}
        assert list(outside["Condition"]) == ["StringNotEquals"]
        assert list(outside["Condition"]["StringNotEquals"]) == ["aws:PrincipalAccount"]
    for name in ("release_submission", "reject_submission", "issue_delivery_links", "validate_manifest"):
        grants = [s for s in function_statements(synth, REPO, name) if s["Effect"] == "Allow"]
        audit = [s for s in grants if any("audit" in flat(r).lower() for r in as_list(s["Resource"]))]
        assert audit and all(as_list(s["Action"]) == ["dynamodb:PutItem"] for s in audit)


# ------------------------------------------------------------------------------------------------- Lambda


@pytest.mark.parametrize("spec", topology.FUNCTIONS, ids=lambda s: s.name)
def test_functions_runtime_arch_tracing_concurrency_logging(synth: Synth, spec: topology.FunctionSpec) -> None:
    stacks = [REPO] if spec.zone == topology.REPOSITORY else list(PARTNERS.values())
    for stack in stacks:
        _, fn = function_by_name(synth, stack, spec.name)
        assert fn["Runtime"] == f"python{topology.LAMBDA_PYTHON_VERSION}"
        assert fn["Architectures"] == ["arm64"]
        assert fn["TracingConfig"] == {"Mode": "Active"}
        assert fn["ReservedConcurrentExecutions"] == spec.reserved_concurrency > 0
        assert fn["Timeout"] == spec.timeout_seconds
        assert fn["Handler"] == spec.handler
        assert fn["LoggingConfig"]["LogFormat"] == "JSON"
        group = fn["LoggingConfig"]["LogGroup"]["Ref"]
        assert resources(synth, stack, "AWS::Logs::LogGroup")[group]["RetentionInDays"] == 365


def test_deidentify_function_is_sized_for_large_files(synth: Synth) -> None:
    _, fn = function_by_name(synth, PARTNERS["uni-a"], "deidentify_object")
    assert fn["Timeout"] == 900 and fn["MemorySize"] >= 3008 and fn["EphemeralStorage"]["Size"] >= 10240
    (mapping,) = resources(synth, PARTNERS["uni-a"], "AWS::Lambda::EventSourceMapping").values()
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    (queue,) = [q for q in resources(synth, PARTNERS["uni-a"], "AWS::SQS::Queue").values() if "RedrivePolicy" in q]
    assert queue["VisibilityTimeout"] >= 6 * fn["Timeout"]


@pytest.mark.parametrize("spec", topology.FUNCTIONS, ids=lambda s: s.name)
def test_function_environment_covers_topology_keys(synth: Synth, spec: topology.FunctionSpec) -> None:
    stack = REPO if spec.zone == topology.REPOSITORY else PARTNERS["uni-b"]
    _, fn = function_by_name(synth, stack, spec.name)
    variables = fn["Environment"]["Variables"]
    assert set(variables) == set(spec.all_env)
    assert all(variables[k] not in ("", None) for k in spec.all_env)


def test_cross_account_partner_targets_repository_account(synth: Synth) -> None:
    _, fn = function_by_name(synth, PARTNERS["uni-b"], "deidentify_object")
    env = fn["Environment"]["Variables"]
    assert "-repository-inbound-123456789012-us-east-1" in flat(env[topology.ENV_REPOSITORY_INBOUND])
    assert flat(env[topology.PROJECTS.env_var]).endswith(":us-east-1:123456789012:table/aiminer-repository-projects")


# ------------------------------------------------------------------------------------------------- IAM


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_no_inline_policies_and_no_wildcard_actions(synth: Synth, stack: str) -> None:
    assert resources(synth, stack, "AWS::IAM::Policy") == {}
    for role in resources(synth, stack, "AWS::IAM::Role").values():
        assert "Policies" not in role
    for props in resources(synth, stack, "AWS::IAM::ManagedPolicy").values():
        for s in statements(props["PolicyDocument"]):
            assert s["Effect"] == "Allow"
            assert not [a for a in as_list(s["Action"]) if "*" in a], s


_STAR_ALLOWED = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_resource_star_only_for_apis_without_resource_permissions(synth: Synth, stack: str) -> None:
    for props in resources(synth, stack, "AWS::IAM::ManagedPolicy").values():
        for s in statements(props["PolicyDocument"]):
            if "*" in as_list(s["Resource"]):
                assert set(as_list(s["Action"])) <= _STAR_ALLOWED, s


EXPECTED_ACTIONS = {
    "deidentify_object": {
        "logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords",
        "s3:GetObject", "s3:GetObjectVersion", "s3:PutObjectTagging", "s3:PutObjectVersionTagging", "s3:PutObject",
        "s3:AbortMultipartUpload", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
        "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey",
        "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes",
    },
    "issue_delivery_links": {
        "logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords",
        "s3:GetObject", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem",
        "dynamodb:DeleteItem", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey",
    },
    "qc_check_object": {
        "logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords",
        "s3:GetObject", "s3:PutObject", "dynamodb:PutItem", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey",
    },
    "validate_manifest": {
        "logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords",
        "s3:GetObject", "s3:ListBucket", "s3:PutObject", "dynamodb:GetItem", "dynamodb:PutItem",
        "dynamodb:UpdateItem", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey",
    },
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXPECTED_ACTIONS))
def test_function_roles_hold_exactly_the_actions_they_use(synth: Synth, name: str) -> None:
    stack = PARTNERS["uni-a"] if name == "deidentify_object" else REPO
    assert actions_of(function_statements(synth, stack, name)) == EXPECTED_ACTIONS[name]


def test_deidentify_writes_only_its_partner_prefix_and_reads_only_its_sites(synth: Synth) -> None:
    stmts = function_statements(synth, PARTNERS["uni-b"], "deidentify_object")
    puts = [flat(r) for s in stmts if "s3:PutObject" in as_list(s["Action"]) for r in as_list(s["Resource"])]
    inbound = [p for p in puts if "-repository-inbound-" in p]
    assert len(inbound) == 1
    assert inbound[0].endswith(":s3:::aiminer-repository-inbound-123456789012-us-east-1/uni-b/*")
    reads = [flat(r) for s in stmts if "s3:GetObject" in as_list(s["Action"]) for r in as_list(s["Resource"])]
    assert len(reads) == 1 and reads[0].endswith("/main/*")
    repo_key = [s for s in stmts if any(":123456789012:key/*" in flat(r) for r in as_list(s["Resource"]))]
    (repo_key_stmt,) = repo_key
    assert (
        repo_key_stmt["Condition"]["ForAnyValue:StringEquals"]["kms:ResourceAliases"] == "alias/aiminer-repository-data"
    )
    # and of the repository's tables it only reads the project and site records
    repo_tables = {
        flat(r).rsplit("/", 1)[-1]: set(as_list(s["Action"]))
        for s in stmts
        for r in as_list(s["Resource"])
        if ":dynamodb:" in flat(r) and ":123456789012:" in flat(r)
    }
    assert repo_tables == {
        "aiminer-repository-projects": {"dynamodb:GetItem"},
        "aiminer-repository-sites": {"dynamodb:GetItem"},
    }


def test_qc_functions_cannot_touch_released_data_and_delivery_cannot_write_s3(synth: Synth) -> None:
    for name in ("validate_manifest", "qc_check_object", "build_qc_report", "reject_submission"):
        text = json.dumps(function_statements(synth, REPO, name))
        assert "ReleasedBucket" not in text, name
    delivery = function_statements(synth, REPO, "issue_delivery_links")
    assert not {a for a in actions_of(delivery) if a.startswith("s3:") and a != "s3:GetObject"}


def test_academic_uploader_reaches_only_its_landing_prefixes(synth: Synth) -> None:
    stack = PARTNERS["uni-a"]
    roles = {lid: r for lid, r in resources(synth, stack, "AWS::IAM::Role").items() if "Uploader" in lid}
    (lid,) = roles
    stmts = policy_for_role(synth, stack, lid)
    s3_resources = {
        flat(r)
        for s in stmts
        if any(a.startswith("s3:Put") for a in as_list(s["Action"]))
        for r in as_list(s["Resource"])
    }
    assert {r.rsplit(">", 1)[1] for r in s3_resources} == {"/site-1/*", "/site-2/*"}
    (list_stmt,) = [s for s in stmts if s["Action"] == "s3:ListBucket"]
    assert list_stmt["Condition"]["StringLike"]["s3:prefix"] == ["site-1/*", "site-2/*"]


def test_industry_partner_may_only_invoke_the_delivery_resource(synth: Synth) -> None:
    roles = {lid: r for lid, r in resources(synth, REPO, "AWS::IAM::Role").items() if "IndustryPartner" in lid}
    (lid, role) = next(iter(roles.items()))
    assert len(roles) == 1
    assert INDUSTRY_ACCOUNT in flat(role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"])
    (stmt,) = policy_for_role(synth, REPO, lid)
    assert stmt["Action"] == "execute-api:Invoke"
    assert flat(stmt["Resource"]).endswith(f"/v1/{topology.DELIVERY_METHOD}/{topology.DELIVERY_RESOURCE}")


def test_partner_stacks_have_no_cross_stack_references(synth: Synth) -> None:
    for stack in PARTNERS.values():
        assert "Fn::ImportValue" not in json.dumps(synth.templates[stack])


# ------------------------------------------------------------------------------------------------- Step Functions


def test_state_machine_logging_tracing_and_encryption(synth: Synth) -> None:
    (sm,) = resources(synth, REPO, "AWS::StepFunctions::StateMachine").values()
    assert sm["LoggingConfiguration"]["Level"] == "ALL"
    assert sm["LoggingConfiguration"]["IncludeExecutionData"] is False
    assert sm["TracingConfiguration"] == {"Enabled": True}
    assert sm["EncryptionConfiguration"]["Type"] == "CUSTOMER_MANAGED_KMS_KEY"
    assert sm["EncryptionConfiguration"]["KmsKeyId"] == {"Fn::GetAtt": [_key_ids(synth, REPO)["data"], "Arn"]}
    assert sorted(sm["DefinitionSubstitutions"]) == sorted(topology.QC_ASL_SUBSTITUTION_KEYS)


def test_template_asl_is_the_asl_file(synth: Synth) -> None:
    on_disk = json.loads((REPO_ROOT / topology.QC_APPROVAL_ASL).read_text())
    assert asl(synth) == on_disk


def test_approval_step_waits_for_task_token_with_timeout_escalation(synth: Synth) -> None:
    states = asl(synth)["States"]
    approval = states["AwaitApproval"]
    assert approval["Resource"] == "arn:aws:states:::lambda:invoke.waitForTaskToken"
    assert approval["Parameters"]["Payload"]["task_token.$"] == "$$.Task.Token"
    # The timeout comes from the ReviewTimeoutSeconds substitution (tests use seconds); no heartbeat, because
    # curators never send one and a heartbeat shorter than the timeout would silently shorten it.
    assert approval["TimeoutSecondsPath"] == "$.manifest.review_timeout_seconds" and "HeartbeatSeconds" not in approval
    assert "${ReviewTimeoutSeconds}" in states["ValidateManifest"]["ResultSelector"]["review_timeout_seconds.$"]
    (sm,) = resources(synth, REPO, "AWS::StepFunctions::StateMachine").values()
    timeout = sm["DefinitionSubstitutions"][topology.REVIEW_TIMEOUT_SUBSTITUTION]
    assert int(timeout) == topology.DEFAULT_CONFIG["reviewTimeoutSeconds"]
    timeout_catch = [c for c in approval["Catch"] if c["ErrorEquals"] == ["States.Timeout"]]
    assert [c["Next"] for c in timeout_catch] == ["Escalate"]
    assert states["Escalate"]["Resource"] == "arn:aws:states:::sns:publish"
    assert states["Escalate"]["Next"] == "Reject"
    # The review-token function learns the same timeout (token TTL)
    _, fn = function_by_name(synth, REPO, "record_review_token")
    assert fn["Environment"]["Variables"][topology.ENV_REVIEW_TIMEOUT] == timeout


def test_flow_shape(synth: Synth) -> None:
    definition = asl(synth)
    states = definition["States"]
    assert definition["StartAt"] == "ValidateManifest"
    assert states["ValidateManifest"]["Next"] == "QcObjects"
    qc = states["QcObjects"]
    assert qc["Type"] == "Map"
    inner = qc["ItemProcessor"]["States"][qc["ItemProcessor"]["StartAt"]]
    assert inner["Parameters"]["FunctionName"] == "${QcCheckObjectFunctionArn}"
    # A Distributed Map: items come from the validated object list in S3, results go to S3, so no per-object
    # data enters the state (Step Functions caps it at 256 KB: an inline Map failed at about 1,000 objects)
    assert qc["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    assert qc["ItemReader"]["Resource"] == "arn:aws:states:::s3:getObject"
    assert qc["ItemReader"]["Parameters"] == {
        "Bucket.$": "$.manifest.object_list.bucket",
        "Key.$": "$.manifest.object_list.key",
    }
    assert "ItemsPath" not in qc
    assert qc["ResultWriter"]["Parameters"]["Bucket"] == f"${{{topology.QC_REPORTS_BUCKET_SUBSTITUTION}}}"
    assert qc["ResultWriter"]["Parameters"]["Prefix"] == topology.QC_MAP_RUNS_PREFIX  # what the role may write
    assert list(qc["ResultSelector"]) == ["map_run.$"] and list(inner["ResultSelector"]) == ["passed.$"]
    assert "object_list.$" in states["ValidateManifest"]["ResultSelector"]
    assert not any("objects" in k for k in states["ValidateManifest"]["ResultSelector"])
    assert states["BuildQcReport"]["Parameters"]["Payload"] == {"manifest.$": "$.manifest"}
    assert qc["Next"] == "BuildQcReport" and states["BuildQcReport"]["Next"] == "AwaitApproval"
    assert states["AwaitApproval"]["Next"] == "Approved?"
    choice = states["Approved?"]
    assert choice["Type"] == "Choice" and choice["Default"] == "Reject"
    assert [c["Next"] for c in choice["Choices"]] == ["Release"]
    assert states["Release"]["Next"] == "Notify" and states["Reject"]["Next"] == "Notify"
    assert states["Notify"]["Resource"] == "arn:aws:states:::sns:publish" and states["Notify"]["End"] is True


def test_state_machine_role_may_run_its_distributed_map_and_nothing_wider(synth: Synth) -> None:
    (sm,) = resources(synth, REPO, "AWS::StepFunctions::StateMachine").values()
    stmts = policy_for_role(synth, REPO, sm["RoleArn"]["Fn::GetAtt"][0])
    name = sm["StateMachineName"]

    def where(action: str) -> list[str]:
        return sorted(flat(r) for s in stmts if action in as_list(s["Action"]) for r in as_list(s["Resource"]))

    # child executions of this state machine only
    (start,) = where("states:StartExecution")
    assert start.endswith(f":stateMachine:{name}")
    assert all(f":execution:{name}" in r for r in where("states:DescribeExecution"))
    assert where("states:DescribeExecution") == where("states:StopExecution")
    # reads only validated object lists, writes only map-run records, both in the QC reports bucket
    (reports,) = [lid for lid in resources(synth, REPO, "AWS::S3::Bucket") if lid.startswith("ReportsBucket")]
    runs = f"<{reports}.Arn>/{topology.QC_MAP_RUNS_PREFIX}/*"
    assert where("s3:GetObject") == sorted([f"<{reports}.Arn>/*/qc/objects.json", runs])
    assert where("s3:PutObject") == [runs]
    # and decrypts S3 objects with the data key only through S3
    via_s3 = [s for s in stmts if "Condition" in s and "kms:ViaService" in json.dumps(s["Condition"])]
    assert len(via_s3) == 1 and set(as_list(via_s3[0]["Action"])) == {"kms:Decrypt", "kms:GenerateDataKey"}


def _all_states(states: dict[str, Any]) -> dict[str, Any]:
    out = dict(states)
    for s in states.values():
        if s["Type"] == "Map":
            out.update(_all_states(s["ItemProcessor"]["States"]))
    return out


def test_retries_only_transient_errors_and_catches_only_named_errors(synth: Synth) -> None:
    states = _all_states(asl(synth)["States"])
    lambda_tasks = {n: s for n, s in states.items() if s.get("Resource", "").startswith("arn:aws:states:::lambda:")}
    assert len(lambda_tasks) == len(topology.QC_WORKFLOW_FUNCTIONS)
    for name, state in lambda_tasks.items():
        retried = [set(retry["ErrorEquals"]) for retry in state["Retry"]]
        assert retried == [set(topology.TRANSIENT_LAMBDA_ERRORS), set(topology.RETRIED_HANDLER_ERRORS)], name
    for name, state in states.items():
        for retry in state.get("Retry", []):
            assert "States.ALL" not in retry["ErrorEquals"], name
        for catch in state.get("Catch", []):
            assert set(catch["ErrorEquals"]) <= {*topology.QC_REJECTION_ERRORS, "States.Timeout"}, name
            assert catch["Next"] in ("Reject", "Escalate"), name


# ------------------------------------------------------------------------------------------------- API


def test_delivery_api_iam_auth_validation_throttling_logs_tracing_waf(synth: Synth) -> None:
    methods = resources(synth, REPO, "AWS::ApiGateway::Method")
    assert methods and all(m["AuthorizationType"] == "AWS_IAM" for m in methods.values())
    assert all("RequestValidatorId" in m for m in methods.values())
    (stage,) = resources(synth, REPO, "AWS::ApiGateway::Stage").values()
    assert "DestinationArn" in stage["AccessLogSetting"]
    (settings,) = stage["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == 10 and settings["ThrottlingBurstLimit"] == 20
    assert settings["DataTraceEnabled"] is False and settings["LoggingLevel"] == "ERROR"
    assert stage["TracingEnabled"] is True
    (assoc,) = resources(synth, REPO, "AWS::WAFv2::WebACLAssociation").values()
    assert assoc["WebACLArn"]["Fn::GetAtt"][1] == "Arn"
    assert resources(synth, REPO, "AWS::WAFv2::LoggingConfiguration")
