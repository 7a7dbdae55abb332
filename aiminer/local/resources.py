"""Create the partner and repository zones' resources on a moto endpoint, named as CDK names them."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3

from aiminer import topology

ACCOUNT = "123456789012"
REGION = "us-east-1"
PREFIX = "aiminer"
PARTNER_ID = "local"
SITES = ("site-1", "site-2")
#: The seeded projects: one active, one whose IRB approval has expired.
ACTIVE_PROJECT = "lung-ai"
EXPIRED_PROJECT = "old-study"
#: Manifest events of the inbound bucket go to this local-only queue (AWS uses an EventBridge rule instead).
MANIFEST_EVENTS_KEY = "manifest_events"


@dataclass(frozen=True)
class LocalNames:
    """Physical names of the local resources."""

    endpoint: str
    landing: str
    quarantine: str
    inbound: str
    released: str
    reports: str
    queue: str
    dlq: str
    manifest_queue: str
    state_machine: str
    tables: dict[str, str]

    def to_json(self) -> str:
        """For the state file."""
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> LocalNames:
        """From the state file."""
        return cls(**json.loads(text))

    def handler_env(self) -> dict[str, str]:
        """The de-identify function's environment, exactly the keys topology declares (plus common ones)."""
        t = self.tables
        return {
            "LANDING_BUCKET": self.landing,
            "QUARANTINE_BUCKET": self.quarantine,
            topology.ENV_REPOSITORY_INBOUND: self.inbound,
            topology.CROSSWALK.env_var: t["partner:crosswalk"],
            topology.PARTNER_IDEMPOTENCY.env_var: t["partner:idempotency"],
            topology.PROJECTS.env_var: t["repository:projects"],
            topology.SITES.env_var: t["repository:sites"],
            topology.ENV_PARTNER_ID: PARTNER_ID,
            topology.ENV_PARTNER_SITES: ",".join(SITES),
            topology.SUBMISSIONS.env_var: t["partner:submissions"],
            topology.CATALOGUE.env_var: t["repository:catalogue"],
            topology.AUDIT.env_var: t["repository:audit"],
            topology.USAGE.env_var: t["repository:usage"],
            topology.ENV_SERVICE_NAME: "aiminer-deidentify-object",
            topology.ENV_METRICS_NAMESPACE: topology.METRICS_NAMESPACE,
            topology.ENV_LOG_LEVEL: "INFO",
            topology.ENV_ZONE: topology.PARTNER,
        }

    def repository_env(self, topic_arn: str) -> dict[str, str]:
        """The QC workflow functions' environment (one process hosts them all locally, so the union of their keys;
        ``IDEMPOTENCY_TABLE`` stays the de-identify function's: the release function does not use it)."""
        t = self.tables
        values: dict[str, str] = {
            str(topology.INBOUND.env_var): self.inbound,
            str(topology.RELEASED.env_var): self.released,
            str(topology.QC_REPORTS.env_var): self.reports,
            topology.ENV_NOTIFICATIONS_TOPIC: topic_arn,
            topology.ENV_REVIEW_TIMEOUT: str(topology.DEFAULT_CONFIG["reviewTimeoutSeconds"]),
            **{spec.env_var: t[f"{spec.zone}:{spec.key}"] for spec in topology.tables_in(topology.REPOSITORY)},
        }
        keys = {k for f in topology.QC_WORKFLOW_FUNCTIONS for k in f.env} - {topology.REPOSITORY_IDEMPOTENCY.env_var}
        return {str(k): values[k] for k in sorted(keys)}


def names_for(endpoint: str) -> LocalNames:
    """Names as the CDK app would give them for partner ``local`` in account 123456789012."""
    pq, rq = topology.qualifier(topology.PARTNER, PARTNER_ID), topology.REPOSITORY_QUALIFIER

    def bucket(spec: topology.BucketSpec) -> str:
        return topology.bucket_name(PREFIX, pq if spec.zone == topology.PARTNER else rq, spec.role, ACCOUNT, REGION)

    queue = topology.resource_name(PREFIX, pq, topology.LANDING_EVENTS.key)
    return LocalNames(
        endpoint=endpoint,
        landing=bucket(topology.LANDING),
        quarantine=bucket(topology.QUARANTINE),
        inbound=bucket(topology.INBOUND),
        released=bucket(topology.RELEASED),
        reports=bucket(topology.QC_REPORTS),
        queue=queue,
        dlq=f"{queue}-dlq",
        manifest_queue=topology.resource_name(PREFIX, rq, MANIFEST_EVENTS_KEY),
        state_machine=topology.resource_name(PREFIX, rq, topology.QC_STATE_MACHINE_KEY),
        tables={
            f"{t.zone}:{t.key}": topology.resource_name(PREFIX, pq if t.zone == topology.PARTNER else rq, t.key)
            for t in topology.TABLES
        },
    )


def local_env(endpoint: str) -> dict[str, str]:
    """Credentials and endpoint for boto3 clients aimed at the local moto server (never real AWS)."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_DEV": "false",
    }


def session_for(endpoint: str) -> boto3.Session:
    """A boto3 session with the local fake credentials (clients still need ``endpoint_url``)."""
    env = local_env(endpoint)
    return boto3.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env["AWS_SESSION_TOKEN"],
        region_name=REGION,
    )


def _create_table(ddb: Any, name: str, spec: topology.TableSpec) -> None:
    attrs = {spec.partition_key.name: spec.partition_key.type}
    keys = [{"AttributeName": spec.partition_key.name, "KeyType": "HASH"}]
    if spec.sort_key:
        attrs[spec.sort_key.name] = spec.sort_key.type
        keys.append({"AttributeName": spec.sort_key.name, "KeyType": "RANGE"})
    gsis = []
    for g in spec.gsis:
        attrs[g.partition_key.name] = g.partition_key.type
        schema = [{"AttributeName": g.partition_key.name, "KeyType": "HASH"}]
        if g.sort_key:
            attrs[g.sort_key.name] = g.sort_key.type
            schema.append({"AttributeName": g.sort_key.name, "KeyType": "RANGE"})
        gsis.append({"IndexName": g.name, "KeySchema": schema, "Projection": {"ProjectionType": "ALL"}})
    kwargs: dict[str, Any] = {
        "TableName": name,
        "KeySchema": keys,
        "AttributeDefinitions": [{"AttributeName": k, "AttributeType": v} for k, v in attrs.items()],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if gsis:
        kwargs["GlobalSecondaryIndexes"] = gsis
    ddb.create_table(**kwargs)
    if spec.ttl_attribute:
        ddb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute}
        )


def create_resources(names: LocalNames, visibility_timeout: int = 30) -> None:
    """Buckets (versioned; no TLS-only policy, which moto cannot evaluate), tables, queues, notifications and the
    QC state machine from the same ASL file CDK deploys."""
    session = session_for(names.endpoint)
    s3 = session.client("s3", endpoint_url=names.endpoint)
    ddb = session.client("dynamodb", endpoint_url=names.endpoint)
    sqs = session.client("sqs", endpoint_url=names.endpoint)
    for bucket in (names.landing, names.quarantine, names.inbound, names.released, names.reports):
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for spec in topology.TABLES:
        _create_table(ddb, names.tables[f"{spec.zone}:{spec.key}"], spec)
    dlq_url = sqs.create_queue(QueueName=names.dlq)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(topology.LANDING_EVENTS.max_receive_count)}
    queue_url = sqs.create_queue(
        QueueName=names.queue,
        Attributes={"VisibilityTimeout": str(visibility_timeout), "RedrivePolicy": json.dumps(redrive)},
    )["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(
        Bucket=names.landing,
        NotificationConfiguration={"QueueConfigurations": [{"QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"]}]},
    )
    manifest_url = sqs.create_queue(QueueName=names.manifest_queue)["QueueUrl"]
    manifest_arn = sqs.get_queue_attributes(QueueUrl=manifest_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    s3.put_bucket_notification_configuration(
        Bucket=names.inbound,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": manifest_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": topology.MANIFEST_SUFFIX}]}},
                }
            ]
        },
    )
    create_state_machine(names)


def function_arn(spec: topology.FunctionSpec) -> str:
    """ARN of a repository function as moto names it."""
    name = topology.resource_name(PREFIX, topology.REPOSITORY_QUALIFIER, spec.name)
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def create_state_machine(names: LocalNames) -> str:
    """The QC state machine from ``infra/asl/qc_approval.asl.json`` (rendered with ``render_asl``), plus moto
    Lambda functions for its task ARNs (their invocations are routed in-process, see ``lambda_router``)."""
    session = session_for(names.endpoint)
    iam = session.client("iam", endpoint_url=names.endpoint)
    lam = session.client("lambda", endpoint_url=names.endpoint)
    sns = session.client("sns", endpoint_url=names.endpoint)
    sfn = session.client("stepfunctions", endpoint_url=names.endpoint)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = iam.create_role(RoleName="aiminer-local", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("placeholder.py", "def handler(event, context):\n    return event\n")
    for spec in topology.QC_WORKFLOW_FUNCTIONS:
        lam.create_function(
            FunctionName=function_arn(spec).rsplit(":", 1)[1],
            Runtime="python3.12",
            Role=role,
            Handler="placeholder.handler",
            Code={"ZipFile": buf.getvalue()},
        )
    topic = sns.create_topic(Name=topology.resource_name(PREFIX, topology.REPOSITORY_QUALIFIER, "notifications"))
    definition = qc_definition(topic["TopicArn"])
    return str(
        sfn.create_state_machine(name=names.state_machine, definition=definition, roleArn=role)["stateMachineArn"]
    )


def notifications_topic_arn() -> str:
    """ARN of the local notifications topic."""
    name = topology.resource_name(PREFIX, topology.REPOSITORY_QUALIFIER, topology.NOTIFICATIONS_TOPIC_KEY)
    return f"arn:aws:sns:{REGION}:{ACCOUNT}:{name}"


def qc_definition(topic_arn: str, review_timeout_seconds: int | None = None) -> str:
    """The QC state machine's ASL rendered with local ARNs (tests pass a review timeout of a few seconds)."""
    from pathlib import Path

    timeout = review_timeout_seconds or int(str(topology.DEFAULT_CONFIG["reviewTimeoutSeconds"]))
    values = {f.asl_substitution_key: function_arn(f) for f in topology.QC_WORKFLOW_FUNCTIONS}
    values[topology.NOTIFICATIONS_TOPIC_SUBSTITUTION] = topic_arn
    values[topology.REVIEW_TIMEOUT_SUBSTITUTION] = str(timeout)
    values[topology.QC_REPORTS_BUCKET_SUBSTITUTION] = names_for("").reports
    root = Path(__file__).resolve().parents[2]
    return topology.render_asl((root / topology.QC_APPROVAL_ASL).read_text(), values)


def seed_governance(names: LocalNames, today: date | None = None) -> None:
    """Projects and sites for the local runtime and tests, written as the curator commands write them.

    ``lung-ai`` is active for a year; ``old-trial`` expired yesterday; ``site-1`` of the local partner is enrolled
    in both with a random coded site ID, as ``aiminer site enroll`` assigns it.
    """
    from aiminer.adapters.aws.governance_tables import ProjectsTable
    from aiminer.crosswalk import random_code
    from aiminer.governance.projects import Project, enroll_site

    today = today or datetime.now(UTC).date()
    ddb = session_for(names.endpoint).client("dynamodb", endpoint_url=names.endpoint)
    table = ProjectsTable(ddb, names.tables["repository:projects"], names.tables["repository:sites"])
    if table.get(ACTIVE_PROJECT) is not None:
        return  # seeded already (a runtime attached to a server that was provisioned before)
    table.create(
        Project(
            ACTIVE_PROJECT,
            "Detect lung nodules on chest CT",
            "IRB-LOCAL-1",
            today.isoformat(),
            (today + timedelta(days=365)).isoformat(),
            title="Lung nodule AI",
        )
    )
    table.create(
        Project(
            EXPIRED_PROJECT,
            "A study whose IRB approval lapsed",
            "IRB-LOCAL-0",
            (today - timedelta(days=366)).isoformat(),
            (today - timedelta(days=1)).isoformat(),
            title="Expired study",
        )
    )
    site = enroll_site(None, PARTNER_ID, SITES[0], ACTIVE_PROJECT, random_code("S", 6))
    table.put_site(enroll_site(site, PARTNER_ID, SITES[0], EXPIRED_PROJECT, site.site_code), None)


def apply_env(endpoint: str, names: LocalNames) -> None:
    """Set the process environment the handler reads (done before it is imported)."""
    os.environ.update(local_env(endpoint))
    os.environ.update(names.repository_env(notifications_topic_arn()))
    os.environ.update(names.handler_env())
