"""Route moto's Lambda invocations (from Step Functions tasks) to in-process Python handlers.

moto runs Lambda code only in Docker; without it, ``LambdaBackend.invoke`` answers a canned response. The local
runtime replaces that method with one that calls the real handler for the functions it knows. This is moto's
private API (pinned: moto==5.2.5): ``tests/integration/test_cli_ingest.py`` fails loudly if it changes.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from moto.awslambda import models as lambda_models
from moto.core.responses import EmptyResult
from moto.stepfunctions import responses as sfn_responses

_ROUTES: dict[str, Any] = {}
_LOCK = threading.Lock()
_ORIGINAL = lambda_models.LambdaBackend.invoke
_ORIGINAL_SEND_TASK_FAILURE = sfn_responses.StepFunctionResponse.send_task_failure
PINNED_SIGNATURE = ("self", "function_name", "qualifier", "body", "headers", "response_headers")


class RoutedLambdaError(Exception):
    """Raised inside moto so Step Functions sees a failed Lambda task; the name is the handler's error type."""


def _routed_invoke(
    self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
) -> Any:
    name = function_name.rsplit(":", 1)[-1] if function_name.startswith("arn:") else function_name
    handler = _ROUTES.get(name)
    if handler is None:
        return _ORIGINAL(self, function_name, qualifier, body, headers, response_headers)
    from aiminer.local.poller import LocalContext

    event = json.loads(body) if body else {}
    try:
        result = handler(event, LocalContext(name))
    except Exception as exc:  # reported the way Lambda reports unhandled errors
        response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps({"errorType": type(exc).__name__, "errorMessage": type(exc).__name__})
    return json.dumps(result)


def _send_task_failure_with_cause(self: Any) -> Any:
    """moto 5.2.5's SendTaskFailure drops ``cause`` (AWS passes it to the Catch as ``Cause``); pass it on, so the
    curator's rejection reason reaches the rejection step locally as it does on AWS."""
    self.stepfunction_backend.send_task_failure(
        self._get_param("taskToken"), error=self._get_param("error"), cause=self._get_param("cause")
    )
    return EmptyResult()


def install(routes: dict[str, Any]) -> None:
    """Route invocations of the named functions to ``routes[name](event, context)``."""
    with _LOCK:
        _ROUTES.update(routes)
        lambda_models.LambdaBackend.invoke = _routed_invoke  # type: ignore[method-assign]
        sfn_responses.StepFunctionResponse.send_task_failure = _send_task_failure_with_cause  # type: ignore[method-assign]


def uninstall() -> None:
    """Restore moto's own invoke."""
    with _LOCK:
        _ROUTES.clear()
        lambda_models.LambdaBackend.invoke = _ORIGINAL  # type: ignore[method-assign]
        sfn_responses.StepFunctionResponse.send_task_failure = _ORIGINAL_SEND_TASK_FAILURE  # type: ignore[method-assign]
