"""Automated QC of one object: residual PHI, DICOM validity, burned-in text risk, de-id method.

Placeholder so CDK has a code asset: issue 6 implements this handler. Its environment variable keys are
declared in ``aiminer.topology.QC_CHECK_OBJECT.env``.
"""

from __future__ import annotations

from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (not implemented yet)."""
    raise NotImplementedError("implemented by issue 6")
