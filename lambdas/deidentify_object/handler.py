"""De-identify one landing object into the repository inbound bucket or quarantine.

Placeholder so CDK has a code asset: issue 5 implements this handler. Its environment variable keys are
declared in ``aiminer.topology.DEIDENTIFY_OBJECT.env``.
"""

from __future__ import annotations

from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (not implemented yet)."""
    raise NotImplementedError("implemented by issue 5")
