"""Fast tests of the pieces around the stacks: topology, ASL substitution, configuration, bundler, cdk-nag wiring.

Only one tiny synthesis here (the negative cdk-nag test); the app itself is synthesized in test_stacks.py.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aiminer import topology
from infra.config import AppConfig
from tests.infra.conftest import REPO_ROOT

pytestmark = pytest.mark.infra

ASL_TEXT = (REPO_ROOT / topology.QC_APPROVAL_ASL).read_text()


# ------------------------------------------------------------------------------------------------- ASL


def test_asl_placeholders_are_exactly_the_topology_substitution_keys() -> None:
    assert sorted(set(re.findall(r"\$\{([A-Za-z0-9_]+)\}", ASL_TEXT))) == sorted(topology.QC_ASL_SUBSTITUTION_KEYS)


def test_render_asl_substitutes_local_arns_into_valid_json() -> None:
    # GIVEN moto-style ARNs for every key
    values = {k: f"arn:aws:lambda:us-east-1:123456789012:function:{k}" for k in topology.QC_ASL_SUBSTITUTION_KEYS}
    # WHEN the local runtime renders the file
    rendered = json.loads(topology.render_asl(ASL_TEXT, values))
    # THEN no placeholder is left and the ARNs are in place
    assert "${" not in json.dumps(rendered)
    assert rendered["States"]["ValidateManifest"]["Parameters"]["FunctionName"] == values["ValidateManifestFunctionArn"]


def test_render_asl_rejects_missing_and_unknown_keys() -> None:
    values = dict.fromkeys(topology.QC_ASL_SUBSTITUTION_KEYS, "arn:x")
    with pytest.raises(topology.SubstitutionError, match="NotificationsTopicArn"):
        topology.render_asl(ASL_TEXT, {k: v for k, v in values.items() if k != "NotificationsTopicArn"})
    with pytest.raises(topology.SubstitutionError, match="Extra"):
        topology.render_asl(ASL_TEXT, {**values, "Extra": "arn:y"})


def test_asl_uses_only_named_rejection_errors_declared_in_topology() -> None:
    caught = set(re.findall(r'"ErrorEquals": \[([^\]]*)\]', ASL_TEXT))
    names = {n.strip().strip('"') for group in caught for n in group.split(",")}
    allowed = {*topology.QC_REJECTION_ERRORS, *topology.TRANSIENT_LAMBDA_ERRORS, *topology.RETRIED_HANDLER_ERRORS}
    assert names <= {*allowed, "States.Timeout"}
    assert not set(topology.RETRIED_HANDLER_ERRORS) & set(topology.QC_REJECTION_ERRORS)  # named errors: no retry
    assert set(topology.QC_REJECTION_ERRORS) <= names  # every declared name is really caught


# ------------------------------------------------------------------------------------------------- topology


def test_bucket_names_fit_in_63_characters_at_the_limits() -> None:
    longest = topology.bucket_name("a" * 10, "b" * 12, "quarantine", "123456789012", "ap-southeast-2")
    assert len(longest) <= 63
    with pytest.raises(ValueError, match="63"):
        topology.bucket_name("a" * 20, "b" * 20, "quarantine", "123456789012", "ap-southeast-2")


@pytest.mark.parametrize("bad", ["Uni-A", "1uni", "uni_a", "a" * 13, ""])
def test_ids_are_validated(bad: str) -> None:
    with pytest.raises(ValueError):
        topology.check_id("partner", bad)


def test_each_zone_has_its_own_resources_and_crosswalk_is_partner_only() -> None:
    assert [t.key for t in topology.tables_in(topology.PARTNER)] == ["crosswalk", "idempotency", "submissions"]
    assert "crosswalk" not in [t.key for t in topology.tables_in(topology.REPOSITORY)]
    assert {b.role for b in topology.buckets_in(topology.PARTNER)} == {"landing", "quarantine", "logs"}
    assert {b.role for b in topology.buckets_in(topology.REPOSITORY)} == {"inbound", "released", "reports", "logs"}


def test_topology_has_no_aws_imports() -> None:
    source = (REPO_ROOT / "aiminer" / "topology.py").read_text()
    assert not re.search(r"^\s*(import|from)\s+(boto3|botocore|aws_cdk|constructs)", source, re.MULTILINE)


@pytest.mark.parametrize("spec", topology.FUNCTIONS, ids=lambda s: s.name)
def test_every_function_has_a_handler_module(spec: topology.FunctionSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    # Handlers read their settings once per container, at import: give them the environment CDK would.
    known = {"POWERTOOLS_LOG_LEVEL": "INFO", "POWERTOOLS_SERVICE_NAME": "aiminer", "POWERTOOLS_METRICS_NAMESPACE": "t"}
    for key in spec.all_env:
        numeric = key.endswith(("_SECONDS", "_MB", "_BYTES", "_DAYS", "_EXPIRY", "_MAX"))
        monkeypatch.setenv(key, known.get(key, "1" if numeric else f"test-{key.lower().replace('_', '-')}"))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    loaded = set(sys.modules)
    try:
        module = importlib.import_module(spec.handler.rsplit(".", 1)[0])
        assert callable(module.handler)
    finally:
        # Handlers build their AWS clients at import from this fake environment: never let a later test (the
        # local runtime) reuse such a module, or its clients would point at real AWS endpoints.
        for name in set(sys.modules) - loaded:
            del sys.modules[name]
    assert len(set(spec.all_env)) == len(spec.all_env), "duplicate env keys"


# ------------------------------------------------------------------------------------------------- config


def _raw(**overrides: Any) -> dict[str, Any]:
    return {**topology.DEFAULT_CONFIG, **overrides}


def test_defaults_build_a_valid_config() -> None:
    config = AppConfig.from_mapping(_raw())
    assert config.partners == () and config.link_expiry_seconds == 900 and config.log_retention_days == 365


def test_cdk_json_context_keys_are_documented_defaults() -> None:
    context = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    ours = {k for k in context if not k.startswith("@")}
    assert ours == set(topology.DEFAULT_CONFIG)
    deploy_doc = (REPO_ROOT / "docs" / "deploy.md").read_text()
    missing = [k for k in topology.DEFAULT_CONFIG if f"`{k}`" not in deploy_doc]
    assert missing == [], f"context keys not documented in docs/deploy.md: {missing}"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"partners": [{"id": "uni-a", "sites": []}]}, "at least one site"),
        ({"partners": [{"id": "uni-a", "account": "111111111111", "sites": ["s1"]}]}, "repositoryAccount"),
        ({"partners": [{"id": "uni-a", "sites": ["s1"]}, {"id": "uni-a", "sites": ["s2"]}]}, "unique"),
        ({"repositoryAccount": "12345"}, "12 digits"),
        ({"linkExpirySeconds": 7 * 24 * 3600}, "linkExpirySeconds"),
        ({"landingProcessedExpirationDays": 60}, "landingProcessedExpirationDays"),
        ({"namePrefix": "a-very-long-prefix"}, "namePrefix"),
    ],
)
def test_invalid_config_is_rejected(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AppConfig.from_mapping(_raw(**overrides))


# ------------------------------------------------------------------------------------------------- bundling


def test_lambda_requirements_come_from_pyproject_without_test_only_packages() -> None:
    from infra.bundling import lambda_requirements

    reqs = lambda_requirements()
    assert "pydicom==3.0.2" in reqs
    assert any(r.startswith("aws-lambda-powertools[") for r in reqs)
    assert not [r for r in reqs if r.startswith("moto")]


def test_local_bundler_copies_sources_and_installs_lambda_wheels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infra import bundling

    calls: list[list[str]] = []
    monkeypatch.setattr(
        bundling.subprocess, "run", lambda cmd, check: calls.append(cmd) or subprocess.CompletedProcess(cmd, 0)
    )
    # WHEN the bundler runs (no network: pip is intercepted)
    assert bundling.LocalPipBundler().try_bundle(str(tmp_path)) is True
    # THEN handlers and the core package are copied, without bytecode caches
    assert (tmp_path / "lambdas" / "deidentify_object" / "handler.py").is_file()
    assert (tmp_path / "aiminer" / "topology.py").is_file()
    assert not list(tmp_path.rglob("__pycache__"))
    # AND pip installs binary wheels for Lambda's platform and Python
    (cmd,) = calls
    joined = " ".join(cmd)
    assert f"--target {tmp_path}" in joined
    assert "--platform manylinux2014_aarch64" in joined
    assert f"--python-version {topology.LAMBDA_PYTHON_VERSION}" in joined
    assert "--only-binary=:all:" in cmd and "pydicom==3.0.2" in cmd


def test_source_hash_changes_with_the_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    from infra import bundling

    before = bundling.source_hash()
    monkeypatch.setattr(bundling, "lambda_requirements", lambda: ["pydicom==9.9.9"])
    assert bundling.source_hash() != before


# ------------------------------------------------------------------------------------------------- cdk-nag


def test_cdk_nag_packs_fail_synth_on_an_unacknowledged_finding(tmp_path: Path) -> None:
    import aws_cdk as cdk
    from aws_cdk import aws_sqs as sqs

    from infra.nag import add_nag_packs

    # GIVEN a stack with an unencrypted queue without DLQ, and our nag wiring
    app = cdk.App(outdir=str(tmp_path))
    sqs.Queue(cdk.Stack(app, "Bad"), "Queue", encryption=sqs.QueueEncryption.UNENCRYPTED)
    add_nag_packs(app)
    # WHEN synthesizing THEN validation fails
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    rules = {v["ruleName"] for r in report["pluginReports"] for v in r["violations"]}
    assert "AwsSolutions-SQS3" in rules


def test_acknowledge_demands_a_specific_reason() -> None:
    import aws_cdk as cdk

    from infra.nag import acknowledge

    with pytest.raises(ValueError, match="specific reason"):
        acknowledge(cdk.Stack(cdk.App(), "S"), "AwsSolutions-S1", "ok")


@pytest.mark.parametrize(
    ("resolved", "expected"),
    [
        ({"Fn::Join": ["", [{"Fn::GetAtt": ["Bucket1", "Arn"]}, "/site-1/*"]]}, "<Bucket1.Arn>/site-1/*"),
        ({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":kms:*"]]}, "arn:<AWS::Partition>:kms:*"),
        ("arn:${AWS::Partition}:s3:::b/*", "arn:<AWS::Partition>:s3:::b/*"),
    ],
)
def test_flatten_matches_cdk_nag_finding_format(resolved: Any, expected: str) -> None:
    from infra.nag import flatten_cfn_reference

    assert flatten_cfn_reference(resolved) == expected
