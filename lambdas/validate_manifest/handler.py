"""Check a submission manifest: counts, checksums, objects present.

Placeholder so CDK has a code asset: issue 6 implements this handler. Its environment variable keys are
declared in ``aiminer.topology.VALIDATE_MANIFEST.env``.
"""

from __future__ import annotations

from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (not implemented yet)."""
    raise NotImplementedError("implemented by issue 6")
