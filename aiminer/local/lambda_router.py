"""Route moto's Lambda invocations (from Step Functions tasks) to in-process Python handlers.

moto runs Lambda code only in Docker; without it, ``LambdaBackend.invoke`` answers a canned response. The local
runtime replaces that method with one that calls the real handler for the functions it knows. This is moto's
private API (pinned: moto==5.2.5): ``tests/integration/test_cli_ingest.py`` fails loudly if it changes.

**Fault injection** (resilience tests, game days): the handlers of a local runtime started with ``aiminer local up``
run in the server's process, out of a test's reach, so the router reads a fault from the (placeholder) moto
function's environment variable :data:`FAULT_VARIABLE`, set with ``UpdateFunctionConfiguration``; it is JSON
``{"id": "...", "error": "ServiceException", "when": "before", "times": 1}``:

* ``error`` ``ServiceException`` / ``TooManyRequestsException`` / ``ResourceNotReadyException``: the Lambda
  service refuses the Invoke call (Step Functions sees ``Lambda.<error>``, which the ASL's ``Retry`` lists); any
  other name: the function fails with that ``errorType`` (e.g. ``Sandbox.Timedout`` for a timeout);
* ``when`` ``before``: the handler does not run; ``after``: the handler runs (its writes happen) and the
  invocation then fails anyway, as when a function times out or its response is lost after the work was done;
* ``times``: how many invocations fail, counted per ``id`` in this process (a reset recreates the functions
  without faults).
"""

from __future__ import annotations

import json
import threading
from typing import Any

from moto.awslambda import models as lambda_models
from moto.core.exceptions import JsonRESTError
from moto.core.responses import EmptyResult
from moto.stepfunctions import responses as sfn_responses

_ROUTES: dict[str, Any] = {}
_LOCK = threading.Lock()
_ORIGINAL = lambda_models.LambdaBackend.invoke
_ORIGINAL_SEND_TASK_FAILURE = sfn_responses.StepFunctionResponse.send_task_failure
PINNED_SIGNATURE = ("self", "function_name", "qualifier", "body", "headers", "response_headers")
#: Environment variable of a moto function that holds a fault to inject (see the module's docstring).
FAULT_VARIABLE = "AIMINER_LOCAL_FAULT"
#: Errors of the Lambda service itself (the Invoke API call fails), with their HTTP status.
SERVICE_ERRORS = {"ServiceException": 500, "TooManyRequestsException": 429, "ResourceNotReadyException": 502}
_FIRED: dict[str, int] = {}


class RoutedLambdaError(Exception):
    """Raised inside moto so Step Functions sees a failed Lambda task; the name is the handler's error type."""


class LambdaServiceError(JsonRESTError):
    """The Lambda service failing an Invoke call (an injected fault)."""

    def __init__(self, error: str) -> None:
        super().__init__(error, "injected fault")
        self.code = SERVICE_ERRORS[error]


def _fault(backend: Any, function_name: str) -> dict[str, Any] | None:
    """The fault to inject into this invocation, if one is set and has not fired ``times`` times yet."""
    try:
        variables = backend.get_function(function_name).environment_vars or {}
        fault = json.loads(variables[FAULT_VARIABLE])
    except Exception:  # no such function, no fault set, or not JSON: no fault
        return None
    fault_id = f"{function_name}/{fault.get('id', '')}"
    with _LOCK:
        if _FIRED.get(fault_id, 0) >= int(fault.get("times", 1)):
            return None
        _FIRED[fault_id] = _FIRED.get(fault_id, 0) + 1
    return dict(fault)


def _fail(fault: dict[str, Any], response_headers: Any) -> Any:
    error = str(fault.get("error") or "ServiceException")
    if error in SERVICE_ERRORS:
        raise LambdaServiceError(error)
    response_headers["x-amz-function-error"] = "Unhandled"
    return json.dumps({"errorType": error, "errorMessage": "injected fault"})


def _routed_invoke(
    self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
) -> Any:
    name = function_name.rsplit(":", 1)[-1] if function_name.startswith("arn:") else function_name
    handler = _ROUTES.get(name)
    if handler is None:
        return _ORIGINAL(self, function_name, qualifier, body, headers, response_headers)
    from aiminer.local.poller import LocalContext

    fault = _fault(self, name)
    if fault is not None and fault.get("when", "before") == "before":
        return _fail(fault, response_headers)
    event = json.loads(body) if body else {}
    try:
        result = handler(event, LocalContext(name))
    except Exception as exc:  # reported the way Lambda reports unhandled errors (the handlers' messages are codes)
        response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc)})
    if fault is not None:
        return _fail(fault, response_headers)
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
        _FIRED.clear()
        lambda_models.LambdaBackend.invoke = _ORIGINAL  # type: ignore[method-assign]
        sfn_responses.StepFunctionResponse.send_task_failure = _ORIGINAL_SEND_TASK_FAILURE  # type: ignore[method-assign]
