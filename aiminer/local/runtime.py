"""The local runtime in one object: moto server on loopback, resources, seeded governance, pollers.

``aiminer local up`` runs it in a background process (:mod:`aiminer.local.server`); the tour and the integration
tests run it in-process. Either way the handler is the real one (``lambdas.deidentify_object.handler``), driven
by real SQS batches, and the QC state machine is the ASL file CDK deploys.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import os
import socket
import time
from typing import Any
from urllib.parse import unquote_plus

import requests

from aiminer import topology
from aiminer.adapters.aws.stepfunctions import start_for_manifest
from aiminer.local import lambda_router, moto_patches
from aiminer.local.poller import SqsPoller
from aiminer.local.resources import (
    ACCOUNT,
    PREFIX,
    REGION,
    LocalNames,
    apply_env,
    create_resources,
    names_for,
    seed_governance,
    session_for,
)


def _ensure_lambdas_importable() -> None:
    """The handlers live in ``lambdas/`` next to the ``aiminer`` package (a source checkout)."""
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[2])
    if importlib.util.find_spec("lambdas") is None and root not in sys.path:
        sys.path.insert(0, root)


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalRuntime:
    """Start with :meth:`start`; stop with :meth:`stop`. ``background=False`` leaves polling to the caller."""

    def __init__(self, port: int | None = None, visibility_timeout: int = 30, endpoint: str | None = None) -> None:
        self.port = port or free_port()
        self.endpoint = endpoint or f"http://127.0.0.1:{self.port}"
        self.names: LocalNames = names_for(self.endpoint)
        self.visibility_timeout = visibility_timeout
        self._server: Any = None
        self.deidentify: SqsPoller | None = None
        self.manifests: SqsPoller | None = None
        self.executions: list[str] = []

    # ---------------------------------------------------------------------------------------------- lifecycle

    def start_server(self) -> None:
        """moto as a loopback server in this process, with Step Functions executing for real (and the local
        runtime's patches to moto applied first, :mod:`aiminer.local.moto_patches`)."""
        from moto.server import ThreadedMotoServer

        moto_patches.apply()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        os.environ["MOTO_PORT"] = str(self.port)  # Step Functions service integrations call back here
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        self.configure_moto()

    def configure_moto(self) -> None:
        """(Re)apply moto settings: real Step Functions executions."""
        requests.post(
            f"{self.endpoint}/moto-api/config",
            json={"stepfunctions": {"execute_state_machine": True}},
            timeout=10,
        ).raise_for_status()

    def reset(self) -> None:
        """Forget every resource and recreate them (tests)."""
        requests.post(f"{self.endpoint}/moto-api/reset", timeout=10).raise_for_status()
        self.executions.clear()
        self.configure_moto()
        handler = importlib.import_module("lambdas.deidentify_object.handler") if self.deidentify else None
        if handler is not None:
            handler.ingest.clear_cache()  # codes cached per container belong to the forgotten crosswalk
        self.provision()

    def provision(self) -> None:
        """Create the resources, seed governance and (re)build the pollers."""
        create_resources(self.names, visibility_timeout=self.visibility_timeout)
        seed_governance(self.names)
        self._build_pollers()

    def start(self, background: bool = True) -> LocalRuntime:
        """Server, resources, seed, handler routes and (optionally) polling threads."""
        self.start_server()
        apply_env(self.endpoint, self.names)
        lambda_router.install(
            {
                topology.resource_name(PREFIX, topology.REPOSITORY_QUALIFIER, f.name): _lazy_handler(f)
                for f in topology.QC_WORKFLOW_FUNCTIONS
            }
        )
        self.provision()
        if background:
            assert self.deidentify is not None and self.manifests is not None
            self.deidentify.start()
            self.manifests.start()
        return self

    def attach(self, provision: bool = False) -> LocalRuntime:
        """Use a moto server another process runs (``aiminer local up``, the tests): env, pollers in this process."""
        apply_env(self.endpoint, self.names)
        if provision:
            self.provision()
        else:
            self._build_pollers()
        return self

    def stop(self) -> None:
        """Stop pollers and the server."""
        for poller in (self.deidentify, self.manifests):
            if poller:
                poller.stop()
        lambda_router.uninstall()
        if self._server is not None:
            self._server.stop()
            self._server = None

    # ---------------------------------------------------------------------------------------------- parts

    def client(self, service: str) -> Any:
        """A boto3 client on the local endpoint."""
        return session_for(self.endpoint).client(service, endpoint_url=self.endpoint)

    @property
    def state_machine_arn(self) -> str:
        """ARN of the QC state machine."""
        return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{self.names.state_machine}"

    def _build_pollers(self) -> None:
        sqs = self.client("sqs")
        _ensure_lambdas_importable()
        handler_module = importlib.import_module("lambdas.deidentify_object.handler")
        fn = topology.resource_name(PREFIX, "local", topology.DEIDENTIFY_OBJECT.name)
        self.deidentify = SqsPoller(
            sqs, sqs.get_queue_url(QueueName=self.names.queue)["QueueUrl"], handler_module.handler, fn
        )
        self.manifests = SqsPoller(
            sqs, sqs.get_queue_url(QueueName=self.names.manifest_queue)["QueueUrl"], self._start_qc, "manifest-starter"
        )

    def _start_qc(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """Stand-in for the EventBridge rule: one QC execution per manifest version (same input shape)."""
        sfn = self.client("stepfunctions")
        for record in event["Records"]:
            body = json.loads(record["body"])
            for r in body.get("Records", []):
                obj = r["s3"]["object"]
                arn = start_for_manifest(
                    sfn,
                    self.state_machine_arn,
                    r["s3"]["bucket"]["name"],
                    unquote_plus(obj["key"]),
                    obj.get("versionId"),
                )
                self.executions.append(arn)
        return {"batchItemFailures": []}

    def wait_validated(self, timeout: float = 60.0) -> None:
        """Wait until every QC execution started so far has left its first state (``validate_manifest``, which
        writes the submission's catalogue items, audit entries and usage events) or has ended."""
        sfn = self.client("stepfunctions")
        first = json.loads(sfn.describe_state_machine(stateMachineArn=self.state_machine_arn)["definition"])["StartAt"]
        deadline = time.monotonic() + timeout
        for arn in list(self.executions):
            while not _left_state(sfn, arn, first):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"a QC execution did not leave {first} within {timeout:.0f} s")
                time.sleep(0.1)

    def drain(self, timeout: float = 120.0) -> None:
        """Process everything queued (landing events, then manifest events) until both queues stay empty."""
        assert self.deidentify is not None and self.manifests is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.deidentify.drain(timeout=max(1.0, deadline - time.monotonic()))
            if self.manifests.poll_once(wait=0) == 0 and self.deidentify.poll_once(wait=0) == 0:
                return


def _left_state(sfn: Any, arn: str, state: str) -> bool:
    if sfn.describe_execution(executionArn=arn)["status"] != "RUNNING":
        return True
    pages = sfn.get_paginator("get_execution_history").paginate(executionArn=arn)
    return any(
        e.get("stateExitedEventDetails", {}).get("name") == state for page in pages for e in page.get("events", [])
    )


def _lazy_handler(spec: topology.FunctionSpec) -> Any:
    def call(event: dict[str, Any], context: Any) -> Any:
        return importlib.import_module(f"lambdas.{spec.name}.handler").handler(event, context)

    return call
