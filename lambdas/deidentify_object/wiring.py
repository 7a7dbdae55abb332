"""Build the de-identify function's adapters once per container (module scope of the handler)."""

from __future__ import annotations

import os

import boto3
from botocore.config import Config

from aiminer.adapters.aws.dynamodb_crosswalk import DynamoDbCrosswalk
from aiminer.adapters.aws.governance import GovernanceRepository
from aiminer.adapters.aws.outputs import OutputClaims
from aiminer.adapters.aws.s3 import S3ObjectStore
from aiminer.adapters.aws.submissions import SubmissionRepository
from lambdas.deidentify_object.ingest import Adapters, Ingest
from lambdas.shared.settings import DeidentifyObjectSettings

_RETRIES = Config(retries={"mode": "standard", "max_attempts": 5}, max_pool_connections=16)


def load_settings() -> DeidentifyObjectSettings:
    """Settings from the environment (the keys ``aiminer.topology.DEIDENTIFY_OBJECT.env`` declares)."""
    return DeidentifyObjectSettings.model_validate(dict(os.environ))


def build_ingest(settings: DeidentifyObjectSettings, session: boto3.Session | None = None) -> Ingest:
    """The use case wired to boto3 clients."""
    session = session or boto3.Session()
    s3 = session.client("s3", config=_RETRIES)
    ddb = session.client("dynamodb", config=_RETRIES)
    return Ingest(
        Adapters(
            settings=settings,
            store=S3ObjectStore(s3),
            crosswalk=DynamoDbCrosswalk(ddb, settings.CROSSWALK_TABLE),
            governance=GovernanceRepository(ddb, settings.PROJECTS_TABLE, settings.SITES_TABLE),
            submissions=SubmissionRepository(ddb, settings.SUBMISSIONS_TABLE),
            outputs=OutputClaims(ddb, settings.SUBMISSIONS_TABLE),
        )
    )
