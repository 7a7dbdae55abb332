"""The single source of truth for AI MINER's cloud resources, shared by CDK (``infra/``) and the local runtime.

Pure Python with no AWS imports: the CDK constructs read these specs to synthesize the real resources, and the
local runtime (moto) reads the same specs to create look-alike resources, so table keys, bucket roles, queue
names, environment variable names and the state machine's substitution keys can never drift apart.

Two zones (see docs/infrastructure.md):

* ``partner``: one per academic partner, possibly in the partner's own AWS account. Holds raw PHI and the
  crosswalk, which never leave it.
* ``repository``: AI MINER's zone. Receives only de-identified objects.

Physical names are ``{prefix}-{qualifier}-{key}`` where ``qualifier`` is the partner ID in a partner zone and
``repository`` in the repository zone; bucket names add account and region because S3 names are global.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    from collections.abc import Mapping

Zone = Literal["partner", "repository"]
AttrType = Literal["S", "N", "B"]

PARTNER: Final[Zone] = "partner"
REPOSITORY: Final[Zone] = "repository"
REPOSITORY_QUALIFIER: Final = "repository"

#: Lambda runtime (``python3.14``) and the interpreter version the bundler downloads wheels for.
LAMBDA_PYTHON_VERSION: Final = "3.14"
#: Lambda CPU architecture, and the matching wheel platform tag for ``pip --platform``.
LAMBDA_ARCHITECTURE: Final = "arm64"
LAMBDA_WHEEL_PLATFORM: Final = "manylinux2014_aarch64"

#: Object tag the de-identify function sets on a landing object once it has reached a final state; the landing
#: bucket's lifecycle expires tagged objects after ``landingProcessedExpirationDays``.
PROCESSED_TAG_KEY: Final = "aiminer-processed"
PROCESSED_TAG_VALUE: Final = "true"

#: Key suffix of a submission manifest in the repository inbound bucket; its creation starts the QC workflow.
MANIFEST_SUFFIX: Final = "manifest.json"

_ID_RE = re.compile(r"^[a-z][a-z0-9-]{0,11}$")
_PREFIX_RE = re.compile(r"^[a-z][a-z0-9-]{0,9}$")


# --------------------------------------------------------------------------------------------------------------
# Configuration defaults (cdk.json context keys; documented in docs/deploy.md)
# --------------------------------------------------------------------------------------------------------------

#: Context key -> default value. ``app.py`` reads each key from CDK context and falls back to these.
DEFAULT_CONFIG: Final[Mapping[str, object]] = {
    "namePrefix": "aiminer",
    "repositoryAccount": None,  # None: the repository zone is in the same account as each partner stack
    "repositoryRegion": None,  # None: same region as each partner stack
    "partners": [],  # [{"id": "uni-a", "account": null, "sites": ["site-1"], "uploaderPrincipals": []}]
    "industryPartners": [],  # [{"id": "pharma-x", "account": "111122223333"}]
    "logRetentionDays": 365,
    "landingProcessedExpirationDays": 1,
    "landingMaxRetentionDays": 30,
    "noncurrentVersionExpirationDays": 30,
    "qcReportRetentionDays": 365,
    "linkExpirySeconds": 900,
    "reviewTimeoutSeconds": 7 * 24 * 3600,  # how long a QC report awaits a curator before escalation + rejection
    "alarmEmails": [],
    "dlqAlarmThreshold": 1,
    "queueAgeAlarmSeconds": 900,
    "apiThrottleRateLimit": 10,
    "apiThrottleBurstLimit": 20,
    "backupRetentionDays": 35,
}


# --------------------------------------------------------------------------------------------------------------
# Common environment (every function)
# --------------------------------------------------------------------------------------------------------------

ENV_SERVICE_NAME: Final = "POWERTOOLS_SERVICE_NAME"
ENV_METRICS_NAMESPACE: Final = "POWERTOOLS_METRICS_NAMESPACE"
ENV_LOG_LEVEL: Final = "POWERTOOLS_LOG_LEVEL"
ENV_ZONE: Final = "AIMINER_ZONE"
#: Every function receives these keys (values set by the function construct).
COMMON_ENV: Final[tuple[str, ...]] = (ENV_SERVICE_NAME, ENV_METRICS_NAMESPACE, ENV_LOG_LEVEL, ENV_ZONE)
METRICS_NAMESPACE: Final = "AIMiner"

# Function-specific, non-resource settings
ENV_PARTNER_ID: Final = "PARTNER_ID"
ENV_PARTNER_SITES: Final = "PARTNER_SITES"
ENV_LINK_EXPIRY: Final = "LINK_EXPIRY_SECONDS"
ENV_REVIEW_TIMEOUT: Final = "REVIEW_TIMEOUT_SECONDS"


# --------------------------------------------------------------------------------------------------------------
# Specs
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyAttribute:
    """One DynamoDB key attribute: name and scalar type (``S``, ``N`` or ``B``)."""

    name: str
    type: AttrType = "S"


@dataclass(frozen=True)
class GlobalIndex:
    """A global secondary index (projection ALL)."""

    name: str
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None = None


@dataclass(frozen=True)
class TableSpec:
    """A DynamoDB table: zone, key schema, GSIs, TTL attribute and the env var that carries its name."""

    key: str
    zone: Zone
    partition_key: KeyAttribute
    env_var: str
    description: str
    sort_key: KeyAttribute | None = None
    gsis: tuple[GlobalIndex, ...] = ()
    ttl_attribute: str | None = None

    @property
    def logical_id(self) -> str:
        """CDK construct ID, e.g. ``ReviewTokensTable``."""
        return pascal(self.key) + "Table"


@dataclass(frozen=True)
class BucketSpec:
    """An S3 bucket role in a zone and the env var that carries its name (``None``: not given to functions)."""

    role: str
    zone: Zone
    env_var: str | None
    description: str

    @property
    def logical_id(self) -> str:
        """CDK construct ID, e.g. ``LandingBucket``."""
        return pascal(self.role) + "Bucket"


@dataclass(frozen=True)
class QueueSpec:
    """An SQS queue with its dead-letter queue (``<name>-dlq``)."""

    key: str
    zone: Zone
    description: str
    max_receive_count: int = 5


@dataclass(frozen=True)
class FunctionSpec:
    """A Lambda function: code location, zone, owning issue, sizing and the exact env var keys it reads."""

    name: str
    zone: Zone
    issue: int
    env: tuple[str, ...]
    description: str
    timeout_seconds: int = 60
    memory_mb: int = 512
    ephemeral_storage_mb: int = 512
    reserved_concurrency: int = 5

    @property
    def handler(self) -> str:
        """Lambda handler string, e.g. ``lambdas.deidentify_object.handler.handler``."""
        return f"lambdas.{self.name}.handler.handler"

    @property
    def logical_id(self) -> str:
        """CDK construct ID, e.g. ``DeidentifyObjectFunction``."""
        return pascal(self.name) + "Function"

    @property
    def asl_substitution_key(self) -> str:
        """Key of this function's ARN in the state machine's definition substitutions."""
        return pascal(self.name) + "FunctionArn"

    @property
    def all_env(self) -> tuple[str, ...]:
        """Every env var key the function receives: the common keys plus its own."""
        return COMMON_ENV + self.env


def pascal(snake: str) -> str:
    """``review_tokens`` -> ``ReviewTokens``."""
    return "".join(part.capitalize() for part in snake.split("_"))


# --------------------------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------------------------

_S = KeyAttribute

CROSSWALK = TableSpec(
    "crosswalk",
    PARTNER,
    _S("kind_scope"),
    "CROSSWALK_TABLE",
    "Original identity/UID -> random code; the only link back to patients. Partner zone only.",
    sort_key=_S("original"),
)
PARTNER_IDEMPOTENCY = TableSpec(
    "idempotency",
    PARTNER,
    _S("id"),
    "IDEMPOTENCY_TABLE",
    "Powertools idempotency records for the de-identify function (S3 events arrive at least once).",
    ttl_attribute="expiration",
)
CATALOGUE = TableSpec(
    "catalogue",
    REPOSITORY,
    _S("dataset_id"),
    "CATALOGUE_TABLE",
    "Datasets, submissions and released objects with their QC/release status.",
    sort_key=_S("item"),
    gsis=(GlobalIndex("by_status", _S("status"), _S("updated_at")),),
)
PROJECTS = TableSpec(
    "projects",
    REPOSITORY,
    _S("project_id"),
    "PROJECTS_TABLE",
    "Research projects with their IRB approval and expiry.",
)
SITES = TableSpec(
    "sites",
    REPOSITORY,
    _S("site_id"),
    "SITES_TABLE",
    "Sites enrolled per project and partner.",
    gsis=(GlobalIndex("by_partner", _S("partner_id"), _S("site_id")),),
)
DUAS = TableSpec(
    "duas",
    REPOSITORY,
    _S("partner_id"),
    "DUAS_TABLE",
    "Data use agreements: industry partner x dataset, with validity dates.",
    sort_key=_S("dua_id"),
    gsis=(GlobalIndex("by_dataset", _S("dataset_id"), _S("partner_id")),),
)
AUDIT = TableSpec(
    "audit",
    REPOSITORY,
    _S("subject"),
    "AUDIT_TABLE",
    "Append-only audit trail (QC decisions, releases, links issued). No TTL: kept.",
    sort_key=_S("event_id"),
    gsis=(GlobalIndex("by_actor", _S("actor"), _S("event_id")),),
)
USAGE = TableSpec(
    "usage",
    REPOSITORY,
    _S("party_id"),
    "USAGE_TABLE",
    "Usage ledger for fair pricing (bytes delivered, QC runs, objects ingested).",
    sort_key=_S("event_id"),
)
REPOSITORY_IDEMPOTENCY = TableSpec(
    "idempotency",
    REPOSITORY,
    _S("id"),
    "IDEMPOTENCY_TABLE",
    "Powertools idempotency records for repository functions (release, delivery links).",
    ttl_attribute="expiration",
)
SUBMISSIONS = TableSpec(
    "submissions",
    PARTNER,
    _S("submission_id"),
    "SUBMISSIONS_TABLE",
    "Submissions as the partner sees them: manifest, expected files, each file's outcome. Partner zone only "
    "(items name original keys).",
    sort_key=_S("item"),
)
REVIEW_TOKENS = TableSpec(
    "review_tokens",
    REPOSITORY,
    _S("submission_id"),
    "REVIEW_TOKENS_TABLE",
    "Step Functions task tokens awaiting a curator's approval decision.",
    ttl_attribute="expires_at",
)

TABLES: Final[tuple[TableSpec, ...]] = (
    CROSSWALK,
    PARTNER_IDEMPOTENCY,
    CATALOGUE,
    PROJECTS,
    SITES,
    DUAS,
    AUDIT,
    USAGE,
    REPOSITORY_IDEMPOTENCY,
    REVIEW_TOKENS,
    SUBMISSIONS,
)

# --------------------------------------------------------------------------------------------------------------
# Buckets, queues, topics
# --------------------------------------------------------------------------------------------------------------

LANDING = BucketSpec("landing", PARTNER, "LANDING_BUCKET", "Raw uploads (PHI) under <site>/ prefixes; expired.")
QUARANTINE = BucketSpec("quarantine", PARTNER, "QUARANTINE_BUCKET", "Objects that failed de-identification.")
PARTNER_LOGS = BucketSpec("logs", PARTNER, None, "S3 server access logs of the partner zone.")
INBOUND = BucketSpec("inbound", REPOSITORY, "INBOUND_BUCKET", "De-identified objects under <partner>/ prefixes.")
RELEASED = BucketSpec("released", REPOSITORY, "RELEASED_BUCKET", "Released, QC-approved datasets.")
QC_REPORTS = BucketSpec("reports", REPOSITORY, "QC_REPORTS_BUCKET", "QC reports (HTML, thumbnails).")
REPOSITORY_LOGS = BucketSpec("logs", REPOSITORY, None, "S3 server access logs of the repository zone.")

BUCKETS: Final[tuple[BucketSpec, ...]] = (
    LANDING,
    QUARANTINE,
    PARTNER_LOGS,
    INBOUND,
    RELEASED,
    QC_REPORTS,
    REPOSITORY_LOGS,
)

LANDING_EVENTS = QueueSpec("landing_events", PARTNER, "S3 ObjectCreated events of the landing bucket.")
QUEUES: Final[tuple[QueueSpec, ...]] = (LANDING_EVENTS,)

#: Env var carrying the repository inbound bucket name in the partner zone (cross-account target).
ENV_REPOSITORY_INBOUND: Final = "REPOSITORY_INBOUND_BUCKET"
ENV_NOTIFICATIONS_TOPIC: Final = "NOTIFICATIONS_TOPIC_ARN"
NOTIFICATIONS_TOPIC_KEY: Final = "notifications"
ALARMS_TOPIC_KEY: Final = "alarms"
QC_STATE_MACHINE_KEY: Final = "qc_approval"
DELIVERY_API_KEY: Final = "delivery"
#: Resource path and method of the delivery API (industry partners may invoke exactly this).
DELIVERY_RESOURCE: Final = "deliveries"
DELIVERY_METHOD: Final = "POST"

# --------------------------------------------------------------------------------------------------------------
# Functions
# --------------------------------------------------------------------------------------------------------------

_LOG = (AUDIT.env_var,)

DEIDENTIFY_OBJECT = FunctionSpec(
    "deidentify_object",
    PARTNER,
    5,
    (
        str(LANDING.env_var),
        str(QUARANTINE.env_var),
        ENV_REPOSITORY_INBOUND,
        CROSSWALK.env_var,
        PARTNER_IDEMPOTENCY.env_var,
        PROJECTS.env_var,
        SITES.env_var,
        ENV_PARTNER_ID,
        ENV_PARTNER_SITES,
        SUBMISSIONS.env_var,
    ),
    "De-identify one landing object into the repository inbound bucket or quarantine.",
    timeout_seconds=900,
    memory_mb=3008,
    ephemeral_storage_mb=10240,
    reserved_concurrency=10,
)
VALIDATE_MANIFEST = FunctionSpec(
    "validate_manifest",
    REPOSITORY,
    6,
    (str(INBOUND.env_var), str(QC_REPORTS.env_var), CATALOGUE.env_var, USAGE.env_var, *_LOG),
    "Check a submission manifest (counts, checksums, objects present) and record it: catalogue, audit, usage.",
    timeout_seconds=300,
    memory_mb=1024,
)
QC_CHECK_OBJECT = FunctionSpec(
    "qc_check_object",
    REPOSITORY,
    6,
    (str(INBOUND.env_var), str(QC_REPORTS.env_var), *_LOG),
    "Automated QC of one object: residual PHI, DICOM validity, burned-in text risk, de-id method.",
    timeout_seconds=900,
    memory_mb=3008,
    ephemeral_storage_mb=10240,
    reserved_concurrency=20,
)
BUILD_QC_REPORT = FunctionSpec(
    "build_qc_report",
    REPOSITORY,
    6,
    (str(INBOUND.env_var), str(QC_REPORTS.env_var), CATALOGUE.env_var),
    "Render the QC report (HTML, thumbnails) for the curator.",
    timeout_seconds=900,
    memory_mb=2048,
    ephemeral_storage_mb=4096,
)
RECORD_REVIEW_TOKEN = FunctionSpec(
    "record_review_token",
    REPOSITORY,
    6,
    (REVIEW_TOKENS.env_var, str(QC_REPORTS.env_var), ENV_NOTIFICATIONS_TOPIC, ENV_REVIEW_TIMEOUT),
    "Store the approval task token and notify curators that a QC report awaits review.",
    timeout_seconds=30,
    memory_mb=256,
)
RELEASE_SUBMISSION = FunctionSpec(
    "release_submission",
    REPOSITORY,
    6,
    (
        str(INBOUND.env_var),
        str(RELEASED.env_var),
        str(QC_REPORTS.env_var),
        CATALOGUE.env_var,
        REPOSITORY_IDEMPOTENCY.env_var,
        *_LOG,
    ),
    "Copy an approved submission to the released bucket and mark it released in the catalogue.",
    timeout_seconds=900,
    memory_mb=1024,
)
REJECT_SUBMISSION = FunctionSpec(
    "reject_submission",
    REPOSITORY,
    6,
    (str(INBOUND.env_var), str(QC_REPORTS.env_var), CATALOGUE.env_var, USAGE.env_var, *_LOG),
    "Record a rejection (with reason) in the catalogue, the audit trail and the usage ledger.",
    timeout_seconds=60,
    memory_mb=256,
)
ISSUE_DELIVERY_LINKS = FunctionSpec(
    "issue_delivery_links",
    REPOSITORY,
    7,
    (
        str(RELEASED.env_var),
        CATALOGUE.env_var,
        DUAS.env_var,
        PROJECTS.env_var,
        USAGE.env_var,
        REPOSITORY_IDEMPOTENCY.env_var,
        ENV_LINK_EXPIRY,
        *_LOG,
    ),
    "Issue short-lived presigned GET links with a checksum manifest under an active DUA, for projects whose IRB "
    "approval is in force.",
    timeout_seconds=29,
    memory_mb=512,
    reserved_concurrency=10,
)

FUNCTIONS: Final[tuple[FunctionSpec, ...]] = (
    DEIDENTIFY_OBJECT,
    VALIDATE_MANIFEST,
    QC_CHECK_OBJECT,
    BUILD_QC_REPORT,
    RECORD_REVIEW_TOKEN,
    RELEASE_SUBMISSION,
    REJECT_SUBMISSION,
    ISSUE_DELIVERY_LINKS,
)

# --------------------------------------------------------------------------------------------------------------
# QC + approval state machine (one ASL file for AWS and the local runtime)
# --------------------------------------------------------------------------------------------------------------

#: The ASL definition, relative to the repository root. CDK loads it with ``definition_substitutions``.
QC_APPROVAL_ASL: Final = Path("infra") / "asl" / "qc_approval.asl.json"
#: Functions the state machine invokes, in flow order.
QC_WORKFLOW_FUNCTIONS: Final[tuple[FunctionSpec, ...]] = (
    VALIDATE_MANIFEST,
    QC_CHECK_OBJECT,
    BUILD_QC_REPORT,
    RECORD_REVIEW_TOKEN,
    RELEASE_SUBMISSION,
    REJECT_SUBMISSION,
)
NOTIFICATIONS_TOPIC_SUBSTITUTION: Final = "NotificationsTopicArn"
#: Seconds the approval step waits for a curator (``TimeoutSecondsPath`` reads it; a JSON number as a string).
REVIEW_TIMEOUT_SUBSTITUTION: Final = "ReviewTimeoutSeconds"
#: The QC reports bucket: where the QC Map (a Distributed Map) writes its map-run results.
QC_REPORTS_BUCKET_SUBSTITUTION: Final = "QcReportsBucketName"
#: Prefix of the QC Map's map-run results (``ResultWriter``) in the QC reports bucket.
QC_MAP_RUNS_PREFIX: Final = "qc-map-runs"
#: Every ``${Key}`` placeholder in the ASL file; a runtime must supply exactly these.
QC_ASL_SUBSTITUTION_KEYS: Final[tuple[str, ...]] = (
    *(f.asl_substitution_key for f in QC_WORKFLOW_FUNCTIONS),
    NOTIFICATIONS_TOPIC_SUBSTITUTION,
    REVIEW_TIMEOUT_SUBSTITUTION,
    QC_REPORTS_BUCKET_SUBSTITUTION,
)
#: Lambda service errors worth retrying (6 attempts from 2 s).
TRANSIENT_LAMBDA_ERRORS: Final[tuple[str, ...]] = (
    "Lambda.ServiceException",
    "Lambda.TooManyRequestsException",
    "Lambda.SdkClientException",
)
#: Failures of the function itself that a retry may cure (3 attempts from 5 s): a timeout, an unknown runtime
#: error, throttling or a server error the handler raised as it is. Every QC handler is idempotent, so a retry
#: after the work was done does it once (tests/reliability/test_faults.py). Named errors are never retried.
RETRIED_HANDLER_ERRORS: Final[tuple[str, ...]] = (
    "Sandbox.Timedout",
    "Lambda.Unknown",
    "ClientError",
    "TransientAdapterError",
)

#: Named errors (the handler's exception class name becomes the Lambda ``errorType``) that the workflow catches
#: into the rejection path. Anything else fails the execution visibly (and alarms).
QC_REJECTION_ERRORS: Final[tuple[str, ...]] = (
    "ManifestValidationError",
    "QcFailedError",
    "QcReportError",
    "ReviewRejectedError",
    "ReleaseError",
)

_PLACEHOLDER_RE = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


class SubstitutionError(ValueError):
    """The ASL placeholders and the supplied values differ. Supply exactly :data:`QC_ASL_SUBSTITUTION_KEYS`."""


def render_asl(template: str, values: Mapping[str, str]) -> str:
    """Replace every ``${Key}`` in an ASL template with ``values[Key]`` (what CDK does on AWS).

    Raises :class:`SubstitutionError` if a placeholder has no value or a value has no placeholder.
    """
    found = set(_PLACEHOLDER_RE.findall(template))
    missing, unused = found - set(values), set(values) - found
    if missing or unused:
        raise SubstitutionError(f"missing values for {sorted(missing)}; no placeholder for {sorted(unused)}")
    return _PLACEHOLDER_RE.sub(lambda m: values[m.group(1)], template)


# --------------------------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------------------------


def check_id(kind: str, value: str) -> str:
    """Validate a partner/site/industry partner ID (lowercase, starts with a letter, at most 12 characters)."""
    if not _ID_RE.fullmatch(value):
        raise ValueError(f"{kind} ID {value!r} must match {_ID_RE.pattern}")
    return value


def check_prefix(value: str) -> str:
    """Validate the name prefix (lowercase, at most 10 characters) so bucket names stay within 63."""
    if not _PREFIX_RE.fullmatch(value):
        raise ValueError(f"namePrefix {value!r} must match {_PREFIX_RE.pattern}")
    return value


def qualifier(zone: Zone, partner_id: str | None = None) -> str:
    """The zone part of physical names: the partner ID in a partner zone, ``repository`` otherwise."""
    if zone == PARTNER:
        if partner_id is None:
            raise ValueError("a partner zone needs a partner ID")
        return check_id("partner", partner_id)
    return REPOSITORY_QUALIFIER


def resource_name(prefix: str, qualifier_: str, key: str) -> str:
    """Physical name of a table, queue, topic, role or state machine: ``aiminer-uni-a-landing-events``."""
    return f"{prefix}-{qualifier_}-{key.replace('_', '-')}"


def bucket_name(prefix: str, qualifier_: str, role: str, account: str, region: str) -> str:
    """Physical bucket name, globally unique through account and region (at most 63 characters)."""
    name = f"{prefix}-{qualifier_}-{role}-{account}-{region}"
    if len(name) > 63 and not ("${" in name or "Token[" in name):
        raise ValueError(f"bucket name {name!r} is longer than 63 characters")
    return name


def landing_prefix(site_id: str) -> str:
    """Key prefix of one site's uploads in the landing bucket."""
    return f"{check_id('site', site_id)}/"


#: Name of the manifest the upload command writes last, at ``<site>/<project>/<submission>/<name>``.
SUBMISSION_MANIFEST_NAME: Final = "aiminer-submission.json"
#: Folder under a submission's landing prefix that holds the uploaded files.
SUBMISSION_FILES_FOLDER: Final = "files"
_SUBMISSION_RE = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")


def check_submission_id(value: str) -> str:
    """Validate a submission ID (lowercase letters, digits and ``-``, 3 to 64 characters; never PHI)."""
    if not _SUBMISSION_RE.fullmatch(value):
        raise ValueError(f"submission ID {value!r} must match {_SUBMISSION_RE.pattern}")
    return value


def landing_submission_prefix(site_id: str, project_id: str, submission_id: str) -> str:
    """Landing key prefix of one submission: ``<site>/<project>/<submission>/``."""
    return f"{landing_prefix(site_id)}{project_id}/{check_submission_id(submission_id)}/"


def inbound_prefix(partner_id: str) -> str:
    """Key prefix of one partner's de-identified objects in the repository inbound bucket."""
    return f"{check_id('partner', partner_id)}/"


def tables_in(zone: Zone) -> tuple[TableSpec, ...]:
    """The tables of one zone."""
    return tuple(t for t in TABLES if t.zone == zone)


def buckets_in(zone: Zone) -> tuple[BucketSpec, ...]:
    """The buckets of one zone."""
    return tuple(b for b in BUCKETS if b.zone == zone)


def functions_in(zone: Zone) -> tuple[FunctionSpec, ...]:
    """The functions of one zone."""
    return tuple(f for f in FUNCTIONS if f.zone == zone)
