"""pytest plugin: one local runtime per test session (``runtime_session``), ``rt`` (reset per test) and ``world``.

Registered once from ``tests/conftest.py``: a test module must not import these fixtures, or pytest would make a
second session runtime for it (a second moto server), while the de-identify handler, imported once per process,
keeps talking to the first.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aiminer.adapters.aws.catalogue import CatalogueRepository
from aiminer.adapters.aws.submissions import SubmissionRepository
from aiminer.adapters.aws.uploader import UploadReport, upload_submission
from aiminer.local.runtime import LocalRuntime


@pytest.fixture(scope="session")
def runtime_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRuntime]:
    """moto in its own process (``aiminer local up --no-pollers``): isolated from tests that use ``mock_aws``;
    the handler and the pollers run here, so tests can count batches and inject faults."""
    from aiminer.local import control

    state_dir = tmp_path_factory.mktemp("local")
    state = control.up(state_dir, pollers=False)
    rt = LocalRuntime(visibility_timeout=1, endpoint=state["endpoint"])
    rt.attach()
    yield rt
    control.down(state_dir)


@pytest.fixture
def rt(runtime_session: LocalRuntime) -> LocalRuntime:
    runtime_session.reset()
    return runtime_session


class World:
    """Helpers over the runtime (reading, never re-implementing the workflow)."""

    def __init__(self, rt: LocalRuntime) -> None:
        self.rt = rt
        self.s3 = rt.client("s3")
        self.submissions = SubmissionRepository(rt.client("dynamodb"), rt.names.tables["partner:submissions"])
        self.catalogue = CatalogueRepository(rt.client("dynamodb"), rt.names.tables["repository:catalogue"])

    def upload(self, root: Path, project: str = "lung-ai", site: str = "site-1", **kw: Any) -> UploadReport:
        return upload_submission(self.s3, self.rt.names.landing, root, site=site, project=project, **kw)

    def keys(self, bucket: str) -> list[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return sorted(o["Key"] for p in pages for o in p.get("Contents", []))

    def versions(self, bucket: str) -> int:
        return sum(
            len(p.get("Versions", [])) for p in self.s3.get_paginator("list_object_versions").paginate(Bucket=bucket)
        )

    def files(self, submission_id: str) -> list[dict[str, Any]]:
        return [i for i in self.submissions.items(submission_id) if str(i["item"]).startswith("file#")]

    def settle(self, expected_files: int, submission_id: str, timeout: float = 30.0) -> None:
        """Drive the poller (redeliveries included) until every file has an outcome and each QC execution has
        validated its manifest."""
        deadline = time.monotonic() + timeout
        assert self.rt.deidentify is not None
        while time.monotonic() < deadline:
            self.rt.drain(timeout=10)
            if len(self.files(submission_id)) >= expected_files:
                self.rt.drain(timeout=10)
                self.rt.wait_validated()  # the catalogue, audit and usage records are written by validation
                return
            self.rt.deidentify.poll_once(wait=1)
        raise AssertionError("objects were not all processed in time")


@pytest.fixture
def world(rt: LocalRuntime) -> World:
    return World(rt)
