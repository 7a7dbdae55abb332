"""Issue short-lived presigned GET links with a checksum manifest under an active DUA.

Placeholder so CDK has a code asset: issue 7 implements this handler. Its environment variable keys are
declared in ``aiminer.topology.ISSUE_DELIVERY_LINKS.env``.
"""

from __future__ import annotations

from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (not implemented yet)."""
    raise NotImplementedError("implemented by issue 7")
