"""Access control (issue 8): the synthesized IAM policies under enforcement, link expiry on a server that checks
it, and the signed parameters of every delivery link.

Each engine is credited only with what it really checks:

* **moto 5.2.5 with IAM enforcement** (``moto.core.enable_iam_authentication``). The identity policies of the
  synthesized roles, with their CloudFormation intrinsics resolved to concrete names and ARNs, are attached to
  moto roles in the stack's account (partner ``uni-b`` in its own account); every case is a real boto3 call made
  with that role's STS credentials. moto checks each request's SigV4 signature and evaluates the ``Action`` and
  ``Resource`` elements (``*`` wildcards) of identity policies; S3 calls against the bucket or object ARN. moto
  authorizes DynamoDB calls against Resource ``*``, which no table-scoped statement matches, so this module gives
  its DynamoDB handler the table (or index) ARN, as AWS does (``_determine_resource``, only while moto lacks one).
  moto does **not** evaluate conditions of identity policies (a conditioned Allow counts as unconditional),
  resource policies (bucket policies are not installed in moto: it applies their Deny statements without
  conditions, so the TLS-only deny would refuse everything, and reads a ``NotResource`` deny as a permit; table
  and key policies are ignored), the cross-account rule, KMS or execute-api authorization.
* **A small static evaluator** (below) of AWS semantics for the subset the templates use: Action/NotAction,
  Resource/NotResource, the condition operators present, principals, explicit denies, same- versus cross-account
  rules, and bucket, table and key policies. It must agree with moto on every request moto enforces here, and
  then decides what moto cannot: conditions, resource policies, cross-account grants, KMS.
* **s3rver** (npm, loopback) refuses an expired SigV4 presigned GET with 403. It does not verify SigV4 signatures
  (``lib/middleware/authentication.js``: "Signature version 4 calculation is unimplemented"), so tampering is shown
  by recomputing the signature with botocore: any change to the key, the expiry or the method changes it.

Findings were strict ``xfail`` tests until fixed (section "findings"): a partner's de-identify role held
table-wide PutItem on the repository catalogue, audit trail and usage ledger (fixed: partners write no repository
table; ``validate_manifest`` records what their manifests report), and an unconditional put could replace an audit
entry (fixed: other accounts are explicitly denied every write to the append-only tables).
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import boto3
import pytest
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from aiminer import topology
from aiminer.adapters.aws.delivery import (
    SIGNING_CONFIG,
    DeliveryService,
    S3LinkSigner,
    signed_parameters,
    signing_client,
)
from aiminer.adapters.aws.governance import to_item
from aiminer.adapters.aws.governance_tables import AuditTable, CatalogueTable, DuasTable, UsageTable
from aiminer.adapters.aws.uploader import upload_submission
from aiminer.governance.catalogue import CatalogueItem, CohortQuery, freeze, search
from aiminer.governance.delivery import SIGV4_MAX_EXPIRY_SECONDS, issue_delivery, signed_expiry
from aiminer.governance.dua import new_dua, transition
from aiminer.local.runtime import free_port
from infra.constructs.delivery_api import STAGE
from lambdas.issue_delivery_links.service import partner_of
from tests.infra import conftest as infra_conftest
from tests.infra.conftest import INDUSTRY_ACCOUNT, PARTNER_ACCOUNT, REPO_ROOT, REPOSITORY_ACCOUNT, Synth
from tests.infra.test_stacks import PARTNERS, REPO, as_list, function_by_name, policy_for_role, resources
from tests.integration.governance_support import seed_released

pytestmark = [pytest.mark.infra, pytest.mark.integration]

#: The whole app, synthesized once for this module (the fixture of tests/infra/conftest.py).
synth = infra_conftest.synth

PREFIX = str(topology.DEFAULT_CONFIG["namePrefix"])
ALLOW, DENY = "allow", "deny"
IMPLICIT_DENY, EXPLICIT_DENY = "implicit-deny", "explicit-deny"
S3RVER_BIN = REPO_ROOT / "node_modules" / ".bin" / "s3rver"


# ================================================================================================ templates -> ARNs

_NAME_PROPERTY = {
    "AWS::S3::Bucket": "BucketName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::IAM::Role": "RoleName",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
}
#: ``Ref`` of a resource, by type ({n}: physical name or ID, {r}: region, {a}: account).
_REF = {
    "AWS::S3::Bucket": "{n}",
    "AWS::DynamoDB::Table": "{n}",
    "AWS::Logs::LogGroup": "{n}",
    "AWS::IAM::Role": "{n}",
    "AWS::Lambda::Function": "{n}",
    "AWS::KMS::Key": "{n}",
    "AWS::ApiGateway::RestApi": "{n}",
    "AWS::SNS::Topic": "arn:aws:sns:{r}:{a}:{n}",
    "AWS::SQS::Queue": "https://sqs.{r}.amazonaws.com/{a}/{n}",
    "AWS::StepFunctions::StateMachine": "arn:aws:states:{r}:{a}:stateMachine:{n}",
}
#: ``Fn::GetAtt [.., Arn]`` of a resource, by type.
_ARN = {
    "AWS::S3::Bucket": "arn:aws:s3:::{n}",
    "AWS::DynamoDB::Table": "arn:aws:dynamodb:{r}:{a}:table/{n}",
    "AWS::Logs::LogGroup": "arn:aws:logs:{r}:{a}:log-group:{n}:*",
    "AWS::KMS::Key": "arn:aws:kms:{r}:{a}:key/{n}",
    "AWS::SQS::Queue": "arn:aws:sqs:{r}:{a}:{n}",
    "AWS::Lambda::Function": "arn:aws:lambda:{r}:{a}:function:{n}",
    "AWS::IAM::Role": "arn:aws:iam::{a}:role/{n}",
    "AWS::StepFunctions::StateMachine": "arn:aws:states:{r}:{a}:stateMachine:{n}",
}


@dataclass
class Stack:
    """One synthesized template and its environment; :meth:`resolve` replaces every intrinsic by a concrete value.

    Physical names come from the template (they are deterministic: :mod:`aiminer.topology` names them); a KMS key
    or REST API has no name, so it gets a stable made-up ID. An intrinsic or type without a rule raises.
    """

    name: str
    zone: str
    account: str
    region: str
    template: dict[str, Any]

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.template["Resources"]

    def physical_id(self, lid: str) -> str:
        type_ = self.resources[lid]["Type"]
        if type_ in ("AWS::KMS::Key", "AWS::ApiGateway::RestApi"):
            made_up = uuid.uuid5(uuid.NAMESPACE_URL, f"{self.account}/{self.name}/{lid}")
            return str(made_up) if type_ == "AWS::KMS::Key" else made_up.hex[:10]
        prop = _NAME_PROPERTY.get(type_)
        name = self.resources[lid].get("Properties", {}).get(prop) if prop else None
        return str(self.resolve(name)) if name is not None else lid

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::Partition": "aws",
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.name,
        }
        return pseudo[name] if name in pseudo else self._format(_REF, name)

    def get_att(self, lid: str, attr: str) -> str:
        if attr != "Arn":
            raise LookupError(f"{self.name}: no rule for Fn::GetAtt {lid}.{attr}")
        return self._format(_ARN, lid)

    def _format(self, rules: dict[str, str], lid: str) -> str:
        type_ = self.resources[lid]["Type"]
        if type_ not in rules:
            raise LookupError(f"{self.name}: no rule to resolve {type_} {lid}")
        return rules[type_].format(n=self.physical_id(lid), r=self.region, a=self.account)

    def _sub(self, arg: str | list[Any]) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

        def one(match: re.Match[str]) -> str:
            token = match.group(1)
            if token in variables:
                return str(self.resolve(variables[token]))
            if "." in token and not token.startswith("AWS::"):
                lid, attr = token.split(".", 1)
                return self.get_att(lid, attr)
            return self.ref(token)

        return re.sub(r"\$\{([^}!]+)\}", one, text)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((fn, arg),) = value.items()
            if fn == "Ref":
                return self.ref(arg)
            if fn == "Fn::GetAtt":
                return self.get_att(*(arg.split(".", 1) if isinstance(arg, str) else arg))
            if fn == "Fn::Join":
                return arg[0].join(str(self.resolve(part)) for part in arg[1])
            if fn == "Fn::Sub":
                return self._sub(arg)
            if fn.startswith("Fn::"):
                raise LookupError(f"{self.name}: intrinsic {fn} is not resolved by this test")
        return {k: self.resolve(v) for k, v in value.items()}


def resources_of(stack: Stack, type_: str) -> list[str]:
    """Logical IDs of the resources of one type."""
    return [lid for lid, r in stack.resources.items() if r["Type"] == type_]


def load_stacks(synth: Synth) -> dict[str, Stack]:
    """Every stack of the cloud assembly with the account and region its manifest names."""
    manifest = json.loads((synth.outdir / "manifest.json").read_text())
    zones = {REPO: topology.REPOSITORY_QUALIFIER, **{stack: pid for pid, stack in PARTNERS.items()}}
    out = {}
    for name, artifact in manifest["artifacts"].items():
        if artifact.get("type") == "aws:cloudformation:stack":
            account, region = artifact["environment"].removeprefix("aws://").split("/")
            out[name] = Stack(name, zones[name], account, region, synth.templates[name])
    return out


# ================================================================================================ static evaluator


def _like(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM wildcard match (``*`` any run of characters, ``?`` one character)."""
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, value, re.DOTALL | (re.IGNORECASE if ignore_case else 0)) is not None


_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda actual, expected: actual == expected,
    "StringNotEquals": lambda actual, expected: actual == expected,  # negated below: true when none is equal
    "StringLike": lambda actual, pattern: _like(pattern, actual),
    "ArnEquals": lambda actual, expected: actual == expected,
    "ArnLike": lambda actual, pattern: _like(pattern, actual),
    "Bool": lambda actual, expected: actual.lower() == expected.lower(),
    "NumericLessThan": lambda actual, expected: float(actual) < float(expected),
}


def _condition_holds(condition: dict[str, Any], context: dict[str, Any]) -> bool:
    for operator, entries in condition.items():
        base = operator.removeprefix("ForAnyValue:")
        if_exists = base.endswith("IfExists")
        compare = _OPERATORS[base.removesuffix("IfExists")]  # KeyError: an operator this evaluator does not model
        for key, expected in entries.items():
            if key not in context:  # AWS: a missing key fails a positive operator and satisfies a negated one
                if not if_exists and "Not" not in base:
                    return False
                continue
            hit = any(compare(str(a), str(e)) for a in as_list(context[key]) for e in as_list(expected))
            if hit == ("Not" in base):
                return False
    return True


def _principal_matches(principal: Any, arn: str) -> bool:
    if principal == "*":
        return True
    aws = as_list(principal.get("AWS", []))
    return "*" in aws or arn in aws or f"arn:aws:iam::{arn.split(':')[4]}:root" in aws


def _applies(stmt: dict[str, Any], action: str, resource: str, arn: str, context: dict[str, Any], *, rp: bool) -> bool:
    if "Action" in stmt:
        hit = any(_like(a, action, ignore_case=True) for a in as_list(stmt["Action"]))
    else:
        hit = not any(_like(a, action, ignore_case=True) for a in as_list(stmt["NotAction"]))
    if "Resource" in stmt:
        hit = hit and any(_like(r, resource) for r in as_list(stmt["Resource"]))
    else:
        hit = hit and not any(_like(r, resource) for r in as_list(stmt["NotResource"]))
    if rp:
        hit = hit and _principal_matches(stmt["Principal"], arn)
    return hit and _condition_holds(stmt.get("Condition", {}), context)


def evaluate(
    principal_arn: str,
    identity: list[dict[str, Any]],
    action: str,
    resource: str,
    resource_account: str,
    resource_policies: list[dict[str, Any]],
    context: dict[str, Any] | None = None,
) -> str:
    """AWS's decision for one request: an explicit deny anywhere wins; in the resource's own account an identity
    allow suffices (or a resource-policy allow naming the principal itself; KMS also needs its key policy to allow);
    across accounts both must allow."""
    ctx = {
        "aws:PrincipalArn": principal_arn,
        "aws:PrincipalAccount": principal_arn.split(":")[4],
        "aws:SecureTransport": "true",
        "s3:TlsVersion": "1.3",
        **(context or {}),
    }
    mine = [s for d in identity for s in d["Statement"] if _applies(s, action, resource, principal_arn, ctx, rp=False)]
    theirs = [
        s
        for d in resource_policies
        for s in d["Statement"]
        if _applies(s, action, resource, principal_arn, ctx, rp=True)
    ]
    if any(s["Effect"] == "Deny" for s in mine + theirs):
        return EXPLICIT_DENY
    identity_allows = any(s["Effect"] == "Allow" for s in mine)
    resource_allows = any(s["Effect"] == "Allow" for s in theirs)
    if principal_arn.split(":")[4] != resource_account:
        return ALLOW if identity_allows and resource_allows else IMPLICIT_DENY
    named = any(
        s["Effect"] == "Allow" and s["Principal"] != "*" and principal_arn in as_list(s["Principal"].get("AWS"))
        for s in theirs
    )
    if action.startswith("kms:"):  # KMS: the key policy must allow even in its own account (root = delegate to IAM)
        return ALLOW if named or (identity_allows and resource_allows) else IMPLICIT_DENY
    return ALLOW if identity_allows or named else IMPLICIT_DENY


# ================================================================================================ the moto world


@dataclass
class Principal:
    """A synthesized role with customer-managed policies, as created in moto (``session``: its STS credentials)."""

    key: str
    stack: Stack
    role_name: str
    trust: dict[str, Any]
    policies: list[dict[str, Any]]
    session: boto3.Session | None = None
    _clients: dict[str, Any] = field(default_factory=dict)

    @property
    def account(self) -> str:
        return self.stack.account

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account}:role/{self.role_name}"

    def client(self, service: str) -> Any:
        if service not in self._clients:
            assert self.session is not None
            self._clients[service] = self.session.client(service)
        return self._clients[service]


@dataclass(frozen=True)
class Bucket:
    name: str
    account: str


@dataclass(frozen=True)
class Table:
    name: str
    account: str
    arn: str
    key_types: dict[str, str]  # key attribute -> S | N, partition key first
    index_keys: dict[str, str]  # GSI -> its partition key

    def probe_key(self) -> dict[str, Any]:
        return {k: {t: "1" if t == "N" else "probe"} for k, t in self.key_types.items()}


@dataclass(frozen=True)
class Resource:
    """What the static evaluator needs of a resource: its account and resource-based policies."""

    account: str
    policies: tuple[dict[str, Any], ...]


@dataclass
class World:
    stacks: dict[str, Stack]
    principals: dict[str, Principal]
    buckets: dict[str, Bucket]  # "<zone>:<role>"
    tables: dict[str, Table]  # "<zone>:<table key>"
    registry: dict[str, Resource]  # bucket, table and key ARNs
    admin: dict[str, boto3.Session]  # account -> session that created the resources

    def resource(self, arn: str) -> Resource:
        if arn.startswith("arn:aws:s3:::"):
            return self.registry["arn:aws:s3:::" + arn.removeprefix("arn:aws:s3:::").split("/", 1)[0]]
        return self.registry[arn.split("/index/", 1)[0]]

    def decide(self, principal: Principal, action: str, resource: str, context: dict[str, Any] | None = None) -> str:
        target = self.resource(resource)
        return evaluate(
            principal.arn, principal.policies, action, resource, target.account, list(target.policies), context
        )


def _access_denied(exc: ClientError) -> bool:
    error = exc.response.get("Error", {})
    text = f"{error.get('Code', '')} {error.get('Message', '')}"
    return exc.response["ResponseMetadata"]["HTTPStatusCode"] == 403 and "AccessDenied" in text


_S3_ACTIONS = {
    "put": "s3:PutObject",
    "multipart": "s3:PutObject",  # CreateMultipartUpload is authorized as PutObject
    "get": "s3:GetObject",
    "delete": "s3:DeleteObject",
    "tag": "s3:PutObjectTagging",
    "list": "s3:ListBucket",
}


@dataclass(frozen=True)
class Op:
    """One request: an S3 verb on ``target`` bucket (``arg``: key or list prefix) or a DynamoDB action on ``target``
    table (``arg``: index name for a Query)."""

    kind: str
    target: str
    arg: str = ""

    @property
    def is_s3(self) -> bool:
        return self.kind in _S3_ACTIONS

    @property
    def action(self) -> str:
        return _S3_ACTIONS[self.kind] if self.is_s3 else f"dynamodb:{self.kind}"

    def resource(self, world: World) -> str:
        if self.is_s3:
            name = world.buckets[self.target].name
            return f"arn:aws:s3:::{name}" if self.kind == "list" else f"arn:aws:s3:::{name}/{self.arg}"
        table = world.tables[self.target]
        return table.arn + (f"/index/{self.arg}" if self.arg else "")

    def context(self) -> dict[str, Any]:
        return {"s3:prefix": self.arg} if self.kind == "list" and self.arg else {}

    def __str__(self) -> str:
        return f"{self.action} {self.target}{'/' + self.arg if self.arg else ''}"

    def request(self, p: Principal, world: World) -> tuple[Any, str, dict[str, Any], bool]:
        """(client, method, arguments, cross-account table) of the boto3 call this request is."""
        if self.is_s3:
            bucket, key = world.buckets[self.target].name, self.arg
            tags = {"TagSet": [{"Key": topology.PROCESSED_TAG_KEY, "Value": topology.PROCESSED_TAG_VALUE}]}
            method, kwargs = {
                "put": ("put_object", {"Key": key, "Body": b"probe"}),
                "multipart": ("create_multipart_upload", {"Key": key}),
                "get": ("get_object", {"Key": key}),
                "delete": ("delete_object", {"Key": key}),
                "tag": ("put_object_tagging", {"Key": key, "Tagging": tags}),
                "list": ("list_objects_v2", {"Prefix": key} if key else {}),
            }[self.kind]
            return p.client("s3"), method, {"Bucket": bucket, **kwargs}, False
        table = world.tables[self.target]
        cross_account = table.account != p.account
        name = table.arn if cross_account else table.name  # DynamoDB takes a table ARN across accounts
        pk = table.index_keys[self.arg] if self.arg else next(iter(table.key_types))
        update = {
            "UpdateExpression": "SET #p = :v",
            "ExpressionAttributeNames": {"#p": "probe_attribute"},
            "ExpressionAttributeValues": {":v": {"S": "x"}},
        }
        query = {
            "KeyConditionExpression": "#k = :v",
            "ExpressionAttributeNames": {"#k": pk},
            "ExpressionAttributeValues": {":v": {"S": "probe"}},
            **({"IndexName": self.arg} if self.arg else {}),
        }
        method, kwargs = {
            "PutItem": ("put_item", {"Item": table.probe_key()}),
            "GetItem": ("get_item", {"Key": table.probe_key()}),
            "UpdateItem": ("update_item", {"Key": table.probe_key(), **update}),
            "DeleteItem": ("delete_item", {"Key": table.probe_key()}),
            "Scan": ("scan", {}),
            "Query": ("query", query),
        }[self.kind]
        return p.client("dynamodb"), method, {"TableName": name, **kwargs}, cross_account

    def run(self, p: Principal, world: World) -> str:
        """Make the call with ``p``'s credentials: ALLOW, or DENY on AccessDenied (anything else raises)."""
        client, method, kwargs, cross_account = self.request(p, world)
        try:
            result = getattr(client, method)(**kwargs)
            if "Body" in result:
                result["Body"].read()
        except ClientError as exc:
            if _access_denied(exc):
                return DENY
            # moto keeps tables per account: a cross-account call that passed authorization finds no table.
            if cross_account and exc.response["Error"]["Code"] == "ResourceNotFoundException":
                return ALLOW
            raise
        return ALLOW


def _principals(synth: Synth, stacks: dict[str, Stack]) -> dict[str, Principal]:
    """Every role that carries a customer-managed policy, keyed ``<zone>:<function name | role name>``.

    Left out: the AWS Backup and API Gateway CloudWatch roles (AWS-managed policies only, assumable only by those
    services)."""
    out = {}
    for stack in stacks.values():
        functions = {
            props["Role"]["Fn::GetAtt"][0]: props["FunctionName"]
            for props in resources(synth, stack.name, "AWS::Lambda::Function").values()
        }
        roles = resources(synth, stack.name, "AWS::IAM::Role")
        attached = {
            ref["Ref"]
            for props in resources(synth, stack.name, "AWS::IAM::ManagedPolicy").values()
            for ref in props.get("Roles", [])
        }
        for lid in sorted(attached):
            props = roles[lid]
            if lid in functions:
                short = functions[lid].removeprefix(f"{PREFIX}-{stack.zone}-").replace("-", "_")
            elif "RoleName" in props:
                short = props["RoleName"].removeprefix(f"{PREFIX}-{stack.zone}-").removeprefix(f"{PREFIX}-")
            else:
                short = re.sub(r"[0-9A-F]{8}$", "", lid)
            statements = stack.resolve(policy_for_role(synth, stack.name, lid))
            out[f"{stack.zone}:{short}"] = Principal(
                key=f"{stack.zone}:{short}",
                stack=stack,
                role_name=props.get("RoleName") or f"{stack.name}-{lid}"[:64],
                trust=stack.resolve(props["AssumeRolePolicyDocument"]),
                policies=[{"Version": "2012-10-17", "Statement": statements}],
            )
    return out


def _session(credentials: dict[str, str], region: str) -> boto3.Session:
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )


# Object keys the cases use (PHI-free, shaped like the pipeline's).
LANDING_A = "site-1/lung-ai/sub-0001/files/a.dcm"
LANDING_A_SITE_2 = "site-2/lung-ai/sub-0002/files/b.dcm"
LANDING_A_UNENROLLED = "site-9/lung-ai/sub-0003/files/c.dcm"
LANDING_B = "main/lung-ai/sub-0004/files/d.dcm"
INBOUND_A = "uni-a/lung-ai/S-ABC123/P-0001/ST-0001/a.dcm"
INBOUND_B = "uni-b/lung-ai/S-DEF456/P-0002/ST-0002/b.dcm"
RELEASED = "uni-a/lung-ai/S-ABC123/P-0001/ST-0001/a.dcm"
REPORT = "qc/sub-0001/report.html"


@pytest.fixture(scope="module")
def world(synth: Synth) -> Iterator[World]:
    """Every bucket and table of the three templates, in its stack's account, and every role with its synthesized
    policy, in moto; IAM enforcement stays off here (tests turn it on around their calls)."""
    from moto import mock_aws
    from moto.dynamodb.responses import DynamoHandler

    def table_resource(self: Any) -> str:
        body = self.body if isinstance(self.body, dict) else json.loads(self.body or "{}")
        name = str(body.get("TableName", "*"))
        arn = name if name.startswith("arn:") else f"arn:aws:dynamodb:{self.region}:{self.current_account}:table/{name}"
        return arn + (f"/index/{body['IndexName']}" if body.get("IndexName") else "")

    stacks = load_stacks(synth)
    with pytest.MonkeyPatch.context() as mp, mock_aws():
        # A local runtime attached earlier in this process (integration tests) aims every client at its moto
        # server, and requests to that endpoint would bypass mock_aws.
        for var in [v for v in os.environ if v.startswith("AWS_ENDPOINT_URL")]:
            mp.delenv(var)
        if not hasattr(DynamoHandler, "_determine_resource"):  # moto 5.2.5 authorizes DynamoDB against "*"
            mp.setattr(DynamoHandler, "_determine_resource", table_resource, raising=False)
        region = stacks[REPO].region
        root = boto3.Session(region_name=region)
        assert root.client("sts").get_caller_identity()["Account"] == REPOSITORY_ACCOUNT
        admin = {REPOSITORY_ACCOUNT: root}
        for account in {s.account for s in stacks.values()} - {REPOSITORY_ACCOUNT}:
            creds = root.client("sts").assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/moto-setup", RoleSessionName="setup"
            )["Credentials"]
            admin[account] = _session(creds, region)

        buckets, tables, registry = {}, {}, {}
        for stack in stacks.values():
            s3, ddb = admin[stack.account].client("s3"), admin[stack.account].client("dynamodb")
            policies = {
                props["Bucket"]["Ref"]: stack.resolve(props["PolicyDocument"])
                for props in resources(synth, stack.name, "AWS::S3::BucketPolicy").values()
            }
            specs = topology.buckets_in(topology.REPOSITORY if stack.name == REPO else topology.PARTNER)
            by_name = {topology.bucket_name(PREFIX, stack.zone, b.role, stack.account, stack.region): b for b in specs}
            for lid, props in resources(synth, stack.name, "AWS::S3::Bucket").items():
                name = props["BucketName"]
                buckets[f"{stack.zone}:{by_name[name].role}"] = Bucket(name, stack.account)
                registry[f"arn:aws:s3:::{name}"] = Resource(stack.account, (policies[lid],))
                s3.create_bucket(Bucket=name)
            for lid, props in resources(synth, stack.name, "AWS::DynamoDB::Table").items():
                name = props["TableName"]
                types = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
                keys = sorted(props["KeySchema"], key=lambda k: k["KeyType"])  # HASH before RANGE
                gsis = props.get("GlobalSecondaryIndexes", [])
                ddb.create_table(
                    TableName=name,
                    KeySchema=keys,
                    AttributeDefinitions=props["AttributeDefinitions"],
                    BillingMode="PAY_PER_REQUEST",
                    **({"GlobalSecondaryIndexes": gsis} if gsis else {}),
                )
                arn = stack.get_att(lid, "Arn")
                key = next(
                    spec.key for spec in topology.TABLES if topology.resource_name(PREFIX, stack.zone, spec.key) == name
                )
                tables[f"{stack.zone}:{key}"] = Table(
                    name,
                    stack.account,
                    arn,
                    {k["AttributeName"]: types[k["AttributeName"]] for k in keys},
                    {
                        g["IndexName"]: next(k["AttributeName"] for k in g["KeySchema"] if k["KeyType"] == "HASH")
                        for g in gsis
                    },
                )
                policy = props.get("ResourcePolicy", {}).get("PolicyDocument")
                registry[arn] = Resource(stack.account, (stack.resolve(policy),) if policy else ())
            for lid, props in resources(synth, stack.name, "AWS::KMS::Key").items():
                registry[stack.get_att(lid, "Arn")] = Resource(stack.account, (stack.resolve(props["KeyPolicy"]),))

        principals = _principals(synth, stacks)
        for p in principals.values():
            iam = admin[p.account].client("iam")
            iam.create_role(RoleName=p.role_name, AssumeRolePolicyDocument=json.dumps(p.trust))
            arn = iam.create_policy(PolicyName=f"{p.role_name}-policy", PolicyDocument=json.dumps(p.policies[0]))
            iam.attach_role_policy(RoleName=p.role_name, PolicyArn=arn["Policy"]["Arn"])
            creds = admin[p.account].client("sts").assume_role(RoleArn=p.arn, RoleSessionName="access-control")
            p.session = _session(creds["Credentials"], region)

        w = World(stacks, principals, buckets, tables, registry, admin)
        for _, op in [c for cases in MATRIX.values() for c in cases] + [(None, op) for op, _ in SWEEP]:
            if op.kind in ("get", "tag"):  # objects to read or tag exist, so an allowed call succeeds
                bucket = w.buckets[op.target]
                admin[bucket.account].client("s3").put_object(Bucket=bucket.name, Key=op.arg, Body=b"seed")
        yield w


# ================================================================================================ 1. IAM on moto

#: principal -> (expected, request). Every principal but the industry partner has allowed requests too, so a
#: pass proves the policies were evaluated, not that moto denied everything.
MATRIX: dict[str, list[tuple[str, Op]]] = {
    "uni-a:uploader": [
        (ALLOW, Op("put", "uni-a:landing", LANDING_A)),
        (ALLOW, Op("put", "uni-a:landing", LANDING_A_SITE_2)),
        (ALLOW, Op("multipart", "uni-a:landing", "site-1/lung-ai/sub-0001/files/big.dcm")),
        (ALLOW, Op("list", "uni-a:landing", "site-1/lung-ai/")),
        (DENY, Op("put", "uni-a:landing", LANDING_A_UNENROLLED)),
        (DENY, Op("put", "uni-a:landing", "a.dcm")),
        (DENY, Op("get", "uni-a:landing", LANDING_A)),
        (DENY, Op("delete", "uni-a:landing", LANDING_A)),
        (DENY, Op("put", "uni-b:landing", LANDING_B)),
        (DENY, Op("get", "uni-b:landing", LANDING_B)),
        (DENY, Op("list", "uni-b:landing", "main/")),
        (DENY, Op("put", "uni-a:quarantine", LANDING_A)),
        (DENY, Op("put", "repository:inbound", INBOUND_A)),
        (DENY, Op("get", "repository:released", RELEASED)),
        (DENY, Op("GetItem", "uni-a:crosswalk")),
    ],
    "uni-b:uploader": [
        (ALLOW, Op("put", "uni-b:landing", LANDING_B)),
        (DENY, Op("put", "uni-b:landing", LANDING_A)),
        (DENY, Op("put", "uni-a:landing", LANDING_A)),
        (DENY, Op("get", "uni-b:landing", LANDING_B)),
        (DENY, Op("put", "repository:inbound", INBOUND_B)),
    ],
    "uni-a:deidentify_object": [
        (ALLOW, Op("get", "uni-a:landing", LANDING_A)),
        (ALLOW, Op("get", "uni-a:landing", LANDING_A_SITE_2)),
        (ALLOW, Op("tag", "uni-a:landing", LANDING_A)),
        (DENY, Op("get", "uni-a:landing", LANDING_A_UNENROLLED)),
        (DENY, Op("put", "uni-a:landing", LANDING_A)),
        (DENY, Op("get", "uni-b:landing", LANDING_B)),
        (ALLOW, Op("put", "repository:inbound", INBOUND_A)),
        (DENY, Op("put", "repository:inbound", INBOUND_B)),
        (DENY, Op("put", "repository:inbound", "lung-ai/a.dcm")),
        (DENY, Op("get", "repository:inbound", INBOUND_A)),
        (ALLOW, Op("put", "uni-a:quarantine", LANDING_A)),
        (DENY, Op("put", "uni-b:quarantine", LANDING_B)),
        (DENY, Op("get", "repository:released", RELEASED)),
        (DENY, Op("put", "repository:released", RELEASED)),
        (ALLOW, Op("PutItem", "uni-a:crosswalk")),
        (ALLOW, Op("GetItem", "uni-a:crosswalk")),
        (DENY, Op("Scan", "uni-a:crosswalk")),
        (DENY, Op("DeleteItem", "uni-a:crosswalk")),
        (DENY, Op("GetItem", "uni-b:crosswalk")),
        (ALLOW, Op("GetItem", "repository:projects")),
        (DENY, Op("PutItem", "repository:projects")),
        # no repository table is written by a partner: validate_manifest records what the manifest reports
        (DENY, Op("PutItem", "repository:audit")),
        (DENY, Op("PutItem", "repository:usage")),
        (DENY, Op("PutItem", "repository:catalogue")),
        (DENY, Op("UpdateItem", "repository:audit")),
        (DENY, Op("DeleteItem", "repository:audit")),
        (DENY, Op("GetItem", "repository:catalogue")),
        (DENY, Op("PutItem", "repository:duas")),
        (DENY, Op("Query", "repository:duas")),
    ],
    "uni-b:deidentify_object": [
        (ALLOW, Op("put", "repository:inbound", INBOUND_B)),  # cross-account
        (DENY, Op("put", "repository:inbound", INBOUND_A)),
        (ALLOW, Op("get", "uni-b:landing", LANDING_B)),
        (DENY, Op("get", "uni-a:landing", LANDING_A)),
        (DENY, Op("PutItem", "repository:audit")),
        (DENY, Op("UpdateItem", "repository:audit")),
        (DENY, Op("PutItem", "repository:catalogue")),
        (ALLOW, Op("GetItem", "repository:sites")),  # cross-account
        (DENY, Op("GetItem", "uni-a:crosswalk")),
    ],
    "repository:release_submission": [
        (ALLOW, Op("get", "repository:inbound", INBOUND_A)),
        (ALLOW, Op("put", "repository:released", RELEASED)),
        (DENY, Op("get", "repository:released", RELEASED)),
        (DENY, Op("put", "repository:inbound", INBOUND_A)),
        (DENY, Op("delete", "repository:inbound", INBOUND_A)),
        (DENY, Op("put", "repository:reports", REPORT)),
        (DENY, Op("get", "uni-a:landing", LANDING_A)),
        (ALLOW, Op("UpdateItem", "repository:catalogue")),
        (ALLOW, Op("Query", "repository:catalogue")),
        (ALLOW, Op("PutItem", "repository:idempotency")),
        (ALLOW, Op("PutItem", "repository:audit")),
        (DENY, Op("PutItem", "repository:duas")),
        (DENY, Op("GetItem", "repository:duas")),
        (DENY, Op("UpdateItem", "repository:audit")),
        (DENY, Op("PutItem", "repository:usage")),
        (DENY, Op("DeleteItem", "repository:catalogue")),
    ],
    "repository:issue_delivery_links": [
        (ALLOW, Op("get", "repository:released", RELEASED)),
        (DENY, Op("put", "repository:released", RELEASED)),
        (DENY, Op("multipart", "repository:released", RELEASED)),
        (DENY, Op("tag", "repository:released", RELEASED)),
        (DENY, Op("delete", "repository:released", RELEASED)),
        (DENY, Op("list", "repository:released")),
        (DENY, Op("put", "repository:inbound", INBOUND_A)),
        (DENY, Op("get", "repository:inbound", INBOUND_A)),
        (DENY, Op("put", "repository:reports", REPORT)),
        (DENY, Op("put", "uni-a:landing", LANDING_A)),
        (DENY, Op("put", "uni-a:quarantine", LANDING_A)),
        (ALLOW, Op("Query", "repository:duas")),
        (ALLOW, Op("Query", "repository:duas", "by_dataset")),
        (ALLOW, Op("GetItem", "repository:duas")),
        (ALLOW, Op("Query", "repository:catalogue")),
        (ALLOW, Op("PutItem", "repository:usage")),
        (ALLOW, Op("PutItem", "repository:audit")),
        (DENY, Op("PutItem", "repository:duas")),
        (DENY, Op("UpdateItem", "repository:duas")),
        (DENY, Op("PutItem", "repository:catalogue")),
        (DENY, Op("UpdateItem", "repository:audit")),
        (DENY, Op("GetItem", "repository:review_tokens")),
    ],
    "repository:qc_check_object": [
        (ALLOW, Op("get", "repository:inbound", INBOUND_A)),
        (ALLOW, Op("put", "repository:reports", REPORT)),
        (DENY, Op("put", "repository:released", RELEASED)),
        (DENY, Op("get", "repository:released", RELEASED)),
        (DENY, Op("put", "repository:inbound", INBOUND_A)),
        (DENY, Op("get", "repository:reports", REPORT)),
        (ALLOW, Op("PutItem", "repository:audit")),
        (DENY, Op("UpdateItem", "repository:catalogue")),
        (DENY, Op("GetItem", "repository:catalogue")),
    ],
    # Its only grant, execute-api:Invoke, is not enforced by moto: see test_industry_partner_...
    "repository:industry-pharma-x": [
        (DENY, Op("get", "repository:released", RELEASED)),
        (DENY, Op("get", "repository:inbound", INBOUND_A)),
        (DENY, Op("get", "repository:reports", REPORT)),
        (DENY, Op("get", "uni-a:landing", LANDING_A)),
        (DENY, Op("list", "repository:released")),
        (DENY, Op("put", "repository:released", RELEASED)),
        (DENY, Op("GetItem", "repository:duas")),
        (DENY, Op("Query", "repository:catalogue")),
        (DENY, Op("PutItem", "repository:usage")),
    ],
}

#: request -> the only principals (of all roles in the app) allowed to make it.
SWEEP: list[tuple[Op, set[str]]] = [
    (Op("put", "repository:released", RELEASED), {"repository:release_submission"}),
    (Op("get", "repository:released", RELEASED), {"repository:issue_delivery_links"}),
    (Op("put", "uni-a:landing", LANDING_A), {"uni-a:uploader"}),
    (Op("get", "uni-a:landing", LANDING_A), {"uni-a:deidentify_object"}),
    (Op("get", "uni-b:landing", LANDING_B), {"uni-b:deidentify_object"}),
    # reject_submission moves rejected objects to inbound's quarantine/ prefix: it holds PutObject on all of inbound
    (Op("put", "repository:inbound", INBOUND_A), {"uni-a:deidentify_object", "repository:reject_submission"}),
    (Op("put", "repository:inbound", INBOUND_B), {"uni-b:deidentify_object", "repository:reject_submission"}),
    (Op("GetItem", "uni-a:crosswalk"), {"uni-a:deidentify_object"}),
    (Op("GetItem", "uni-b:crosswalk"), {"uni-b:deidentify_object"}),
    (Op("PutItem", "repository:duas"), set()),
    (Op("UpdateItem", "repository:audit"), set()),
    (Op("PutItem", "repository:review_tokens"), {"repository:record_review_token"}),
]


def test_policies_resolve_to_the_deterministic_names_of_topology(world: World) -> None:
    # GIVEN the three stacks resolved from the templates
    repo = world.stacks[REPO]
    assert (repo.account, world.stacks[PARTNERS["uni-b"]].account) == (REPOSITORY_ACCOUNT, PARTNER_ACCOUNT)
    # THEN no intrinsic is left in any policy, and the names are topology's
    for p in world.principals.values():
        text = json.dumps(p.policies)
        assert "Fn::" not in text and '"Ref"' not in text, p.key
    assert world.buckets["repository:inbound"].name == topology.bucket_name(
        PREFIX, topology.REPOSITORY_QUALIFIER, topology.INBOUND.role, REPOSITORY_ACCOUNT, repo.region
    )
    assert world.buckets["uni-b:landing"] == Bucket(
        topology.bucket_name(PREFIX, "uni-b", topology.LANDING.role, PARTNER_ACCOUNT, repo.region), PARTNER_ACCOUNT
    )
    assert world.tables["repository:audit"].arn == (
        f"arn:aws:dynamodb:{repo.region}:{REPOSITORY_ACCOUNT}:table/"
        + topology.resource_name(PREFIX, topology.REPOSITORY_QUALIFIER, topology.AUDIT.key)
    )
    # AND every role with a customer-managed policy is a principal here (the matrix covers the required ones)
    assert set(MATRIX) <= set(world.principals)
    functions = {f"repository:{f.name}" for f in topology.functions_in(topology.REPOSITORY)}
    functions |= {f"{pid}:{topology.DEIDENTIFY_OBJECT.name}" for pid in PARTNERS}
    assert functions <= set(world.principals)
    assert len(world.principals) == len(functions) + 5  # 2 uploaders, 1 industry partner, 2 workflow roles


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_moto_enforces_the_synthesized_identity_policies(world: World, key: str) -> None:
    from moto.core import enable_iam_authentication

    p = world.principals[key]
    cases = MATRIX[key]
    # GIVEN the principal's requests, both the ones its policy grants and the ones it must not make
    assert any(e == DENY for e, _ in cases)
    assert any(e == ALLOW for e, _ in cases) or key.startswith("repository:industry-")
    # WHEN each is made with the role's credentials, moto enforcing IAM
    with enable_iam_authentication():
        got = {str(op): op.run(p, world) for _, op in cases}
    # THEN moto decides as expected, and so does the static evaluator (identity + resource policies, over TLS)
    moto_wrong = [(str(op), e, got[str(op)]) for e, op in cases if got[str(op)] != e]
    static = {str(op): world.decide(p, op.action, op.resource(world), op.context()) for _, op in cases}
    static_wrong = [(str(op), e, static[str(op)]) for e, op in cases if (static[str(op)] == ALLOW) != (e == ALLOW)]
    assert moto_wrong == [] and static_wrong == []


def test_sensitive_resources_are_reachable_only_by_their_owner(world: World) -> None:
    from moto.core import enable_iam_authentication

    # GIVEN every role of the app (14) and the requests that matter most
    # WHEN each role tries each request under enforcement
    with enable_iam_authentication():
        allowed = {str(op): {k for k, p in world.principals.items() if op.run(p, world) == ALLOW} for op, _ in SWEEP}
    # THEN exactly the owners succeed, and the static evaluator agrees
    assert allowed == {str(op): expected for op, expected in SWEEP}
    for op, expected in SWEEP:
        static = {k for k, p in world.principals.items() if world.decide(p, op.action, op.resource(world)) == ALLOW}
        assert static == expected, str(op)


@pytest.mark.parametrize(
    ("key", "verb"),
    [
        ("repository:issue_delivery_links", "put"),
        ("repository:industry-pharma-x", "put"),
        ("repository:industry-pharma-x", "get"),
        ("uni-a:uploader", "get"),
        ("uni-b:uploader", "get"),
    ],
)
def test_roles_that_may_not_write_or_read_any_bucket(world: World, key: str, verb: str) -> None:
    from moto.core import enable_iam_authentication

    # GIVEN an object in every bucket of the app (10, in both accounts)
    ops = [Op(verb, bucket, "probe/any.dcm") for bucket in sorted(world.buckets)]
    assert len(ops) == 10
    for op in ops:
        bucket = world.buckets[op.target]
        world.admin[bucket.account].client("s3").put_object(Bucket=bucket.name, Key=op.arg, Body=b"seed")
    p = world.principals[key]
    # WHEN the role writes (delivery function, industry partner) or reads (industry partner, uploaders) each one
    with enable_iam_authentication():
        got = {str(op): op.run(p, world) for op in ops}
    # THEN moto refuses every one, and so does the static evaluator
    assert got == {str(op): DENY for op in ops}
    assert [str(op) for op in ops if world.decide(p, op.action, op.resource(world)) == ALLOW] == []


def test_industry_partner_reaches_data_only_through_the_delivery_api(world: World) -> None:
    from moto.core import enable_iam_authentication
    from moto.iam.access_control import IAMPolicy, PermissionResult

    p = world.principals["repository:industry-pharma-x"]
    repo = world.stacks[REPO]
    # GIVEN the role is assumable only from the industry partner's account
    assert [s["Principal"] for s in p.trust["Statement"]] == [{"AWS": f"arn:aws:iam::{INDUSTRY_ACCOUNT}:root"}]
    # WHEN its session calls AWS THEN its credentials are valid, and the delivery handler recognizes its sessions
    with enable_iam_authentication():
        caller = p.client("sts").get_caller_identity()["Arn"]
    assert partner_of(caller) == "pharma-x"
    # AND its only grant is POST /deliveries on stage v1 of the delivery API (moto's own policy evaluator, called
    # directly: moto does not authorize execute-api invocations)
    (api,) = resources_of(repo, "AWS::ApiGateway::RestApi")
    base = f"arn:aws:execute-api:{repo.region}:{repo.account}:{repo.physical_id(api)}"
    policy = IAMPolicy(json.dumps(p.policies[0]))
    invoke = f"{base}/{STAGE}/{topology.DELIVERY_METHOD}/{topology.DELIVERY_RESOURCE}"
    assert policy.is_action_permitted("execute-api:Invoke", invoke) == PermissionResult.PERMITTED
    others = [
        f"{base}/{STAGE}/GET/{topology.DELIVERY_RESOURCE}",
        f"{base}/{STAGE}/{topology.DELIVERY_METHOD}/{topology.DELIVERY_RESOURCE}/x",
        f"{base}/test/{topology.DELIVERY_METHOD}/{topology.DELIVERY_RESOURCE}",
        f"arn:aws:execute-api:{repo.region}:{repo.account}:otherapi/{STAGE}/POST/{topology.DELIVERY_RESOURCE}",
    ]
    for arn in others:
        assert policy.is_action_permitted("execute-api:Invoke", arn) == PermissionResult.NEUTRAL, arn
    # AND nothing else: one action, no wildcard anywhere in its policy
    assert {a for s in p.policies[0]["Statement"] for a in as_list(s["Action"])} == {"execute-api:Invoke"}
    assert "*" not in json.dumps(p.policies)


def test_conditions_and_resource_policies_that_moto_does_not_evaluate(world: World) -> None:
    # GIVEN principals outside the app, to show what the resource policies alone enforce
    def admin(account: str, name: str, actions: str) -> Principal:
        return Principal(
            f"admin:{name}",
            Stack(name, name, account, world.stacks[REPO].region, {}),
            name,
            {},
            [{"Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}],
        )

    repo, uni_b = world.stacks[REPO], world.stacks[PARTNERS["uni-b"]]
    p = world.principals
    landing_a, landing_b = world.buckets["uni-a:landing"].name, world.buckets["uni-b:landing"].name
    inbound = world.buckets["repository:inbound"].name
    audit, usage = world.tables["repository:audit"].arn, world.tables["repository:usage"].arn
    (repo_data_key,) = [k for k in resources_of(repo, "AWS::KMS::Key") if "Data" in k]
    (b_data_key,) = [k for k in resources_of(uni_b, "AWS::KMS::Key") if "Data" in k]
    repo_key_arn, b_key_arn = repo.get_att(repo_data_key, "Arn"), uni_b.get_att(b_data_key, "Arn")
    s3_via, sqs_via = f"s3.{repo.region}.amazonaws.com", f"sqs.{repo.region}.amazonaws.com"
    account_admin = admin(REPOSITORY_ACCOUNT, "repo-admin", "*")
    partner_admin = admin(PARTNER_ACCOUNT, "uni-b-admin", "*")
    checks: list[tuple[str, Principal, str, str, dict[str, Any]]] = [
        # Uploader listing: only under its own sites (s3:prefix condition)
        (ALLOW, p["uni-a:uploader"], "s3:ListBucket", f"arn:aws:s3:::{landing_a}", {"s3:prefix": "site-2/lung-ai/"}),
        (IMPLICIT_DENY, p["uni-a:uploader"], "s3:ListBucket", f"arn:aws:s3:::{landing_a}", {"s3:prefix": "site-9/"}),
        (IMPLICIT_DENY, p["uni-a:uploader"], "s3:ListBucket", f"arn:aws:s3:::{landing_a}", {}),
        # Landing bucket policy: nobody writes outside the enrolled sites, an administrator neither (NotResource deny)
        (EXPLICIT_DENY, account_admin, "s3:PutObject", f"arn:aws:s3:::{landing_a}/{LANDING_A_UNENROLLED}", {}),
        (ALLOW, account_admin, "s3:PutObject", f"arn:aws:s3:::{landing_a}/{LANDING_A}", {}),
        (EXPLICIT_DENY, partner_admin, "s3:PutObject", f"arn:aws:s3:::{landing_b}/{LANDING_A}", {}),
        # Every bucket: no plain HTTP, whoever asks
        (EXPLICIT_DENY, p["uni-a:deidentify_object"], "s3:GetObject", f"arn:aws:s3:::{landing_a}/{LANDING_A}",
         {"aws:SecureTransport": "false"}),
        # Inbound bucket, cross-account: the bucket policy grants uni-b's de-identify role, and only that role
        (ALLOW, p["uni-b:deidentify_object"], "s3:PutObject", f"arn:aws:s3:::{inbound}/{INBOUND_B}", {}),
        (IMPLICIT_DENY, partner_admin, "s3:PutObject", f"arn:aws:s3:::{inbound}/{INBOUND_B}", {}),
        (IMPLICIT_DENY, partner_admin, "s3:GetObject", f"arn:aws:s3:::{inbound}/{INBOUND_B}", {}),
        (IMPLICIT_DENY, p["uni-b:uploader"], "s3:PutObject", f"arn:aws:s3:::{inbound}/{INBOUND_B}", {}),
        # Repository tables, cross-account: uni-b's de-identify role reads projects/sites and writes none; the
        # append-only tables refuse every write from another account explicitly, the catalogue by lack of a grant
        (ALLOW, p["uni-b:deidentify_object"], "dynamodb:GetItem", world.tables["repository:projects"].arn, {}),
        (EXPLICIT_DENY, p["uni-b:deidentify_object"], "dynamodb:PutItem", audit, {}),
        (EXPLICIT_DENY, partner_admin, "dynamodb:PutItem", audit, {}),
        (EXPLICIT_DENY, partner_admin, "dynamodb:PutItem", usage, {}),
        (IMPLICIT_DENY, p["uni-b:deidentify_object"], "dynamodb:PutItem", world.tables["repository:catalogue"].arn,
         {}),
        (ALLOW, account_admin, "dynamodb:PutItem", audit, {}),
        (IMPLICIT_DENY, partner_admin, "dynamodb:Query", world.tables["repository:duas"].arn, {}),
        # Append-only tables: no update or delete by anyone, the repository account's administrator included
        (EXPLICIT_DENY, p["uni-b:deidentify_object"], "dynamodb:UpdateItem", audit, {}),
        (EXPLICIT_DENY, account_admin, "dynamodb:UpdateItem", audit, {}),
        (EXPLICIT_DENY, account_admin, "dynamodb:DeleteItem", usage, {}),
        (EXPLICIT_DENY, account_admin, "dynamodb:BatchWriteItem", audit, {}),
        (EXPLICIT_DENY, account_admin, "dynamodb:PartiQLUpdate", usage, {}),
        # KMS: the uploader uses its zone's data key only through S3
        (ALLOW, p["uni-b:uploader"], "kms:GenerateDataKey", b_key_arn, {"kms:ViaService": s3_via}),
        (IMPLICIT_DENY, p["uni-b:uploader"], "kms:GenerateDataKey", b_key_arn, {}),
        (IMPLICIT_DENY, p["uni-b:uploader"], "kms:Decrypt", repo_key_arn, {"kms:ViaService": s3_via}),
        # KMS cross-account: uni-b's de-identify role uses the repository data key, pinned by alias, via S3/DynamoDB
        (ALLOW, p["uni-b:deidentify_object"], "kms:GenerateDataKey", repo_key_arn,
         {"kms:ViaService": s3_via, "kms:ResourceAliases": [f"alias/{PREFIX}-repository-data"]}),
        (IMPLICIT_DENY, p["uni-b:deidentify_object"], "kms:GenerateDataKey", repo_key_arn,
         {"kms:ViaService": s3_via, "kms:ResourceAliases": [f"alias/{PREFIX}-repository-messaging"]}),
        (IMPLICIT_DENY, p["uni-b:deidentify_object"], "kms:Decrypt", repo_key_arn,
         {"kms:ViaService": sqs_via, "kms:ResourceAliases": [f"alias/{PREFIX}-repository-data"]}),
        (IMPLICIT_DENY, p["uni-b:uploader"], "kms:Decrypt", repo_key_arn,
         {"kms:ViaService": s3_via, "kms:ResourceAliases": [f"alias/{PREFIX}-repository-data"]}),
        (IMPLICIT_DENY, partner_admin, "kms:Decrypt", repo_key_arn,
         {"kms:ViaService": s3_via, "kms:ResourceAliases": [f"alias/{PREFIX}-repository-data"]}),
    ]  # fmt: skip
    # WHEN the static evaluator decides each THEN as expected
    wrong = [
        (who.key, action, resource, ctx, expected, got)
        for expected, who, action, resource, ctx in checks
        if (got := world.decide(who, action, resource, ctx)) != expected
    ]
    assert wrong == []


def test_what_moto_does_not_evaluate_is_really_left_to_the_static_checks(world: World) -> None:
    """Canary: if a moto upgrade starts evaluating these, the split documented above must be revisited."""
    from moto.core import enable_iam_authentication
    from moto.iam.access_control import IAMPolicy, PermissionResult

    uploader = world.principals["uni-a:uploader"]
    landing = world.buckets["uni-a:landing"].name
    outside = Op("list", "uni-a:landing", "site-9/")
    # GIVEN a listing outside the uploader's sites, which its s3:prefix condition forbids
    with enable_iam_authentication():
        # THEN moto allows it (conditions are not evaluated) while the static evaluator denies it
        assert outside.run(uploader, world) == ALLOW
    assert world.decide(uploader, outside.action, outside.resource(world), outside.context()) == IMPLICIT_DENY
    # AND moto's bucket-policy evaluator reads the landing bucket's NotResource deny as a permit
    (policy,) = world.resource(f"arn:aws:s3:::{landing}").policies
    deny = [s for s in policy["Statement"] if s.get("Sid") == "DenyWritesOutsideSitePrefixes"]
    moto_view = IAMPolicy(json.dumps({"Statement": deny})).is_action_permitted(
        "s3:PutObject", f"arn:aws:s3:::{landing}/{LANDING_A_UNENROLLED}"
    )
    assert moto_view == PermissionResult.PERMITTED


# ------------------------------------------------------------------------------------------------- findings


def test_partner_upload_command_works_with_exactly_the_uploader_role(world: World, tmp_path: Path) -> None:
    # (Found by this suite: the upload used to HEAD every key, which needs s3:GetObject the role does not hold.
    # It now lists the submission prefix to resume, which the role may.)
    from moto.core import enable_iam_authentication

    # GIVEN a submission folder and the partner's uploader role
    (tmp_path / "a.dcm").write_bytes(b"\x00" * 200)
    uploader = world.principals["uni-a:uploader"]
    # WHEN the project's upload code runs with that role under enforcement THEN the file and manifest arrive
    with enable_iam_authentication():
        report = upload_submission(
            uploader.client("s3"), world.buckets["uni-a:landing"].name, tmp_path, site="site-1", project="lung-ai"
        )
    assert report.uploaded == ["a.dcm"]
    # AND resuming the same submission (a listing of its own prefix) skips what arrived
    with enable_iam_authentication():
        again = upload_submission(
            uploader.client("s3"),
            world.buckets["uni-a:landing"].name,
            tmp_path,
            site="site-1",
            project="lung-ai",
            submission_id=report.submission_id,
        )
    assert again.uploaded == [] and again.skipped_existing == ["a.dcm"]


def test_a_partner_cannot_overwrite_another_partners_catalogue_items(world: World) -> None:
    from moto.core import enable_iam_authentication

    catalogue = world.tables["repository:catalogue"]
    item = to_item({"dataset_id": "lung-ai", "item": f"object#{INBOUND_B}", "key": INBOUND_B, "status": "released"})
    uni_a, uni_b = world.principals["uni-a:deidentify_object"], world.principals["uni-b:deidentify_object"]
    # WHEN uni-a's role writes the catalogue item of a uni-b object (moto), and uni-b's role, cross-account (static)
    with enable_iam_authentication():
        try:
            uni_a.client("dynamodb").put_item(TableName=catalogue.name, Item=item)
            moto = ALLOW
        except ClientError as exc:
            moto = DENY if _access_denied(exc) else "error"
    static = world.decide(uni_b, "dynamodb:PutItem", catalogue.arn)
    # THEN both are refused
    assert (moto, static) == (DENY, IMPLICIT_DENY)


def test_an_existing_audit_entry_cannot_be_replaced(world: World) -> None:
    from moto.core import enable_iam_authentication

    audit = world.tables["repository:audit"]
    entry = {"subject": "submission#sub-0001", "event_id": "2026-01-01T00:00:00Z#0123456789abcdef"}
    world.admin[audit.account].client("dynamodb").put_item(
        TableName=audit.name, Item=to_item({**entry, "kind": "qc_decision", "actor": "curator-1"})
    )
    uni_a = world.principals["uni-a:deidentify_object"]
    # WHEN a partner's role puts the same key without a condition
    with enable_iam_authentication():
        try:
            uni_a.client("dynamodb").put_item(
                TableName=audit.name, Item=to_item({**entry, "kind": "qc_decision", "actor": "forged"})
            )
            moto = ALLOW
        except ClientError as exc:
            moto = DENY if _access_denied(exc) else "error"
    stored = world.admin[audit.account].client("dynamodb").get_item(TableName=audit.name, Key=to_item(entry))
    # THEN it is refused (the role holds no write on any repository table) and the original entry is intact; the
    # table policy also denies every write from another account, whatever that account's own policies grant
    assert moto == DENY
    assert stored["Item"]["actor"] == {"S": "curator-1"}
    for table in ("repository:audit", "repository:usage"):
        arn = world.tables[table].arn
        assert world.decide(world.principals["uni-a:deidentify_object"], "dynamodb:PutItem", arn) == IMPLICIT_DENY
        decision = world.decide(world.principals["uni-b:deidentify_object"], "dynamodb:PutItem", arn)
        assert decision == EXPLICIT_DENY, table  # uni-b's stack is in its own account


def test_the_repository_writers_append_with_a_condition(world: World) -> None:
    """The other half of append-only: IAM cannot require a condition on PutItem, so the repository functions that
    hold it must only ever put new entries. Their adapters refuse to replace one."""
    from aiminer.adapters.aws.governance_tables import ConflictError
    from aiminer.governance import audit as audit_records
    from aiminer.governance import usage as usage_records

    admin = world.admin[world.tables["repository:audit"].account].client("dynamodb")
    trail = AuditTable(admin, world.tables["repository:audit"].name)
    ledger = UsageTable(admin, world.tables["repository:usage"].name)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    first = audit_records.pipeline_event(("f",), "submission#sub-0002", "upload", "uni-a/deidentify_object", at)
    event = usage_records.usage_event("append-only-probe", "received", 1, 10, at, ("f",))
    trail.append(first)
    ledger.record(event)
    # WHEN the same entries are written again (a retry, or a forgery through the same code path)
    with pytest.raises(ConflictError):
        trail.append(dataclasses.replace(first, actor="forged"))
    with pytest.raises(ConflictError):
        ledger.record(dataclasses.replace(event, bytes=10**12))
    # THEN the first ones stand
    assert [e.actor for e in trail.for_subject("submission#sub-0002")] == ["uni-a/deidentify_object"]
    assert [e.bytes for e in ledger.events("append-only-probe", "2027")] == [10]


# ================================================================================================ 3. signed links


def sigv4_signature(
    url: str, method: str, credentials: Credentials, *, path: str | None = None, expires: str = ""
) -> str:
    """The SigV4 query signature S3 would compute for ``url`` requested with ``method`` (and, to show tampering,
    another ``path`` or ``X-Amz-Expires``), at the URL's own ``X-Amz-Date``."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.pop("X-Amz-Signature")
    if expires:
        query["X-Amz-Expires"] = expires
    auth = S3SigV4QueryAuth(
        credentials, "s3", query["X-Amz-Credential"].split("/")[2], expires=int(query["X-Amz-Expires"])
    )
    request = AWSRequest(
        method=method,
        url=f"{parts.scheme}://{parts.netloc}{path or parts.path}?{urlencode(query, quote_via=quote)}",
        headers={"host": parts.netloc},
    )
    request.context["timestamp"] = query["X-Amz-Date"]
    return auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)


_SIGNED = {
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
}


def check_link(url: str, bucket: str, key: str, max_expiry: int, credentials: Credentials, region: str) -> None:
    """Everything a delivery link signs: GET, exactly ``bucket/key``, at most ``max_expiry`` s, host only, no ``*``."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = dict(pairs)
    assert len(query) == len(pairs), "a parameter appears twice"
    assert set(query) == _SIGNED | ({"X-Amz-Security-Token"} if credentials.token else set())
    assert signed_parameters(url) == {k: v for k, v in query.items() if k.startswith("X-Amz-")}
    # exactly the object, path-style, no wildcard anywhere
    assert unquote(parts.path) == f"/{bucket}/{key}"
    assert "*" not in url and "*" not in unquote(url)
    # what is signed and for how long
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-SignedHeaders"] == "host"
    assert 1 <= int(query["X-Amz-Expires"]) <= max_expiry
    assert abs((signed_expiry(url).signed_at - datetime.now(UTC)).total_seconds()) < 300  # signed now, not earlier
    access_key, day, scope_region, service, terminator = query["X-Amz-Credential"].split("/")
    assert (access_key, day, scope_region, service, terminator) == (
        credentials.access_key,
        query["X-Amz-Date"][:8],
        region,
        "s3",
        "aws4_request",
    )
    # the signature is a GET of this key for this expiry: any other method, key or expiry signs differently
    assert sigv4_signature(url, "GET", credentials) == query["X-Amz-Signature"]
    for method in ("PUT", "DELETE", "HEAD"):
        assert sigv4_signature(url, method, credentials) != query["X-Amz-Signature"], method
    assert sigv4_signature(url, "GET", credentials, path=parts.path + "x") != query["X-Amz-Signature"]
    longer = str(int(query["X-Amz-Expires"]) + 1)
    assert sigv4_signature(url, "GET", credentials, expires=longer) != query["X-Amz-Signature"]


class _Context:
    function_name = f"{PREFIX}-repository-issue-delivery-links"
    memory_limit_in_mb = 512
    invoked_function_arn = f"arn:aws:lambda:us-east-1:{REPOSITORY_ACCOUNT}:function:{function_name}"
    aws_request_id = "access-control-1"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


#: Released keys with the characters that most easily get lost or re-encoded on the way into a URL.
AWKWARD_KEYS = (
    "uni-a/chest-ai/S-ABC123/P-0100/ST-0100/series 1/obj 1.dcm",
    "uni-a/chest-ai/S-ABC123/P-0101/ST-0101/a+b=c&d;e,f%20g.dcm",
    "uni-b/chest-ai/S-DEF456/P-0102/ST-0102/\u00fcml\u00e4ut-\u6587.dcm",
)


def test_every_delivery_link_is_a_get_of_exactly_one_released_key_within_the_maximum(
    synth: Synth, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.core import enable_iam_authentication

    repo = world.stacks[REPO]
    admin = world.admin[REPOSITORY_ACCOUNT]
    ddb, s3 = admin.client("dynamodb"), admin.client("s3")
    released = world.buckets["repository:released"].name
    # GIVEN the delivery function's environment exactly as synthesized (names, link expiry)
    _, fn = function_by_name(synth, REPO, topology.ISSUE_DELIVERY_LINKS.name)
    env = repo.resolve(fn["Environment"]["Variables"])
    max_expiry = int(env[topology.ENV_LINK_EXPIRY])
    assert max_expiry == topology.DEFAULT_CONFIG["linkExpirySeconds"]
    # AND released objects (some with awkward keys), a frozen dataset and an active DUA for pharma-x
    catalogue = env[topology.CATALOGUE.env_var]
    project = "chest-ai"  # its own project: the other tests write probe items elsewhere in the catalogue
    keys = [seed_released(ddb, s3, catalogue, released, n, project=project) for n in range(3)]
    for n, key in enumerate(AWKWARD_KEYS):
        body = f"awkward {n}".encode()
        s3.put_object(Bucket=released, Key=key, Body=body)
        ddb.put_item(
            TableName=catalogue,
            Item=to_item(
                {
                    "dataset_id": project,
                    "item": f"object#{key}",
                    "key": key,
                    "status": "released",
                    "size": len(body),
                    "sha256": hashlib.sha256(body).hexdigest(),
                    "modality": "CT",
                }
            ),
        )
        keys.append(key)
    now = datetime.now(UTC)
    table = CatalogueTable(ddb, catalogue)
    query = CohortQuery(projects=(project,))
    dataset = freeze("DS-ACCESS01", 1, "access control", query, search(table.objects(project), query), "c", now)
    table.put_version(dataset)
    dua = new_dua("DUA-ACCESS01", "pharma-x", dataset.dataset_id, 1, "eval", "2026-01-01", "2031-01-01", "c", now)
    active = transition(dua, "active", "c", now)
    DuasTable(ddb, env[topology.DUAS.env_var]).create(active)

    # WHEN the industry partner calls the API: the real handler, with the function role's credentials, enforcing IAM
    fn_role = world.principals["repository:issue_delivery_links"]
    creds = fn_role.session.get_credentials().get_frozen_credentials()
    for name, value in env.items():
        monkeypatch.setenv(name, str(value))
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", creds.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", creds.secret_key)
    monkeypatch.setenv("AWS_SESSION_TOKEN", creds.token)
    monkeypatch.setenv("AWS_SECURITY_TOKEN", creds.token)  # botocore reads this one first (tests/conftest.py sets it)
    monkeypatch.setenv("AWS_DEFAULT_REGION", repo.region)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # the handler's boto3.client() must read this environment
    sys.modules.pop("lambdas.issue_delivery_links.handler", None)
    try:
        module = importlib.import_module("lambdas.issue_delivery_links.handler")
        with enable_iam_authentication():
            caller = world.principals["repository:industry-pharma-x"].client("sts").get_caller_identity()["Arn"]
            event = {
                "resource": f"/{topology.DELIVERY_RESOURCE}",
                "path": f"/{topology.DELIVERY_RESOURCE}",
                "httpMethod": topology.DELIVERY_METHOD,
                "headers": {},
                "body": json.dumps({"dataset_id": dataset.ref}),
                "isBase64Encoded": False,
                "requestContext": {"identity": {"userArn": caller}, "stage": STAGE},
            }
            answer = module.handler(event, _Context())
            # AND a curator asks the same service for a week-long lifetime, then a short one
            service = DeliveryService(
                CatalogueTable(fn_role.client("dynamodb"), catalogue),
                AuditTable(fn_role.client("dynamodb"), env[topology.AUDIT.env_var]),
                UsageTable(fn_role.client("dynamodb"), env[topology.USAGE.env_var]),
                S3LinkSigner(fn_role.session.client("s3", config=SIGNING_CONFIG), released),
                max_expiry=max_expiry,
            )
            week = service.deliver(active, "curator-1", now, requested_expiry=SIGV4_MAX_EXPIRY_SECONDS)
            minute = service.deliver(active, "curator-1", now, requested_expiry=60)
    finally:
        sys.modules.pop("lambdas.issue_delivery_links.handler", None)

    # THEN the function did its job with exactly its grant
    assert answer["statusCode"] == 200, answer["body"]
    manifests = [json.loads(answer["body"]), week.manifest, minute.manifest]
    assert [m["expiry_seconds"] for m in manifests if m] == [max_expiry, max_expiry, 60]
    # AND every link is a GET of exactly one released key, signed for at most the maximum, host only, no wildcard
    links = [(o["url"], o["path"]) for m in manifests if m for o in m["objects"]]
    assert len(links) == 3 * len(keys)
    assert sorted(o["path"] for o in manifests[0]["objects"]) == sorted(keys)
    for url, key in links:
        check_link(url, released, key, max_expiry, creds, repo.region)
        assert signed_expiry(url).expires_in <= max_expiry


# ================================================================================================ 2. expiry on s3rver


@pytest.fixture(scope="module")
def s3rver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """s3rver on a free loopback port with a fresh directory (fixed credentials S3RVER/S3RVER)."""
    if shutil.which("node") is None or not S3RVER_BIN.exists():
        pytest.skip("needs node and node_modules/.bin/s3rver (npm ci)")
    port, workdir = free_port(), tmp_path_factory.mktemp("s3rver")
    log = (workdir / "s3rver.log").open("wb")
    proc = subprocess.Popen(
        [str(S3RVER_BIN), "-d", str(workdir / "data"), "-a", "127.0.0.1", "-p", str(port), "--silent"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert proc.poll() is None, f"s3rver exited: {(workdir / 's3rver.log').read_text()}"
                assert time.monotonic() < deadline, "s3rver did not listen within 20 s"
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def _http_get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_s3rver_refuses_a_delivery_link_once_it_has_expired(s3rver: str) -> None:
    # GIVEN a released object on a loopback S3 that enforces presigned expiry, and the project's signing client
    region = "us-east-1"
    session = boto3.Session(aws_access_key_id="S3RVER", aws_secret_access_key="S3RVER", region_name=region)
    client = signing_client(session, endpoint_url=s3rver)
    bucket = topology.bucket_name(PREFIX, topology.REPOSITORY_QUALIFIER, "released", REPOSITORY_ACCOUNT, region)
    key = AWKWARD_KEYS[0]
    body = b"coded pixels"
    client.create_bucket(Bucket=bucket)
    client.put_object(Bucket=bucket, Key=key, Body=body)
    now = datetime.now(UTC)
    item = CatalogueItem("lung-ai", key, "released", len(body), hashlib.sha256(body).hexdigest(), modality="CT")
    dataset = freeze("DS-S3RVER01", 1, "expiry", CohortQuery(), [item], "c", now)
    dua = transition(
        new_dua("DUA-S3RVER01", "pharma-x", dataset.dataset_id, 1, "eval", "2026-01-01", "2031-01-01", "c", now),
        "active",
        "c",
        now,
    )
    signer = S3LinkSigner(client, bucket)
    maximum = int(topology.DEFAULT_CONFIG["linkExpirySeconds"])
    # WHEN the delivery use case issues a 3-second link, and a control link with the default maximum
    short = issue_delivery(dua, dataset, {key: item}, signer, "c", now, max_expiry=maximum, requested_expiry=3)
    control = issue_delivery(dua, dataset, {key: item}, signer, "c", now, max_expiry=maximum)
    assert short.manifest is not None and control.manifest is not None
    short_url, control_url = short.manifest["objects"][0]["url"], control.manifest["objects"][0]["url"]
    credentials = Credentials("S3RVER", "S3RVER")
    check_link(short_url, bucket, key, 3, credentials, region)
    assert signed_parameters(short_url)["X-Amz-Expires"] == "3"
    check_link(control_url, bucket, key, maximum, credentials, region)
    # THEN the short link downloads the object over HTTP while it is valid
    assert _http_get(short_url) == (200, body)
    # AND once its signed lifetime has passed, s3rver refuses it (403 AccessDenied, "Request has expired")...
    expires_at = signed_expiry(short_url).expires_at
    time.sleep(max(0.0, (expires_at - datetime.now(UTC)).total_seconds()) + 1.2)
    status, refusal = _http_get(short_url)
    assert status == 403
    assert b"<Code>AccessDenied</Code>" in refusal and b"Request has expired" in refusal
    # ...while the control link, signed at the same moment for longer, still works: the refusal is the expiry
    assert _http_get(control_url) == (200, body)
    # AND a link signed with credentials s3rver does not know is refused
    stranger = S3LinkSigner(
        signing_client(boto3.Session("AKIASTRANGER", "secret", region_name=region), endpoint_url=s3rver), bucket
    )
    status, refusal = _http_get(stranger.presign_get(key, 60))
    assert status == 403 and b"InvalidAccessKeyId" in refusal


def test_s3rver_does_not_check_signatures_so_tampering_is_shown_by_the_signature_itself(s3rver: str) -> None:
    """s3rver limit, pinned: it serves a link whose key or expiry was edited after signing. Real S3 recomputes
    the signature and refuses; check_link proves any such edit changes the signature."""
    region = "us-east-1"
    session = boto3.Session(aws_access_key_id="S3RVER", aws_secret_access_key="S3RVER", region_name=region)
    client = signing_client(session, endpoint_url=s3rver)
    bucket = "tamper-check"
    client.create_bucket(Bucket=bucket)
    for key in ("uni-a/granted.dcm", "uni-b/other.dcm"):
        client.put_object(Bucket=bucket, Key=key, Body=key.encode())
    url = S3LinkSigner(client, bucket).presign_get("uni-a/granted.dcm", 60)
    tampered_key = url.replace("uni-a/granted.dcm", "uni-b/other.dcm")
    # GIVEN links edited after signing THEN their signatures no longer match what S3 would compute...
    credentials = Credentials("S3RVER", "S3RVER")
    signature = signed_parameters(url)["X-Amz-Signature"]
    assert sigv4_signature(tampered_key, "GET", credentials) != signature
    # ...but s3rver serves them anyway (if this starts failing, s3rver checks SigV4 now: assert 403 instead)
    assert _http_get(tampered_key) == (200, b"uni-b/other.dcm")
