"""Automated QC of de-identified objects and the QC report page (pure Python, no AWS).

- :func:`aiminer.qc.checks.check_object` - findings per object (DICOM, report, HL7 v2, table) and a thumbnail.
- :func:`aiminer.qc.report.render_report` - one self-contained HTML page for the curator who approves.
"""

from __future__ import annotations

from aiminer.qc.checks import CODES, QcFinding, QcPolicy, QcResult, check_object
from aiminer.qc.report import ObjectQc, render_report

__all__ = ["CODES", "ObjectQc", "QcFinding", "QcPolicy", "QcResult", "check_object", "render_report"]
