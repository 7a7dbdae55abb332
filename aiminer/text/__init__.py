"""Report, HL7 and metadata-table de-identification to HIPAA Safe Harbor (pure Python, no AWS, no models).

Public entry points:

- :func:`aiminer.text.sniff.sniff` - what an object is, by content.
- :func:`aiminer.text.decode.decode_text` - bytes to text in any common encoding.
- :func:`aiminer.text.report.scrub_text` - free-text reports.
- :func:`aiminer.text.hl7.deidentify_hl7` - HL7 v2 messages.
- :func:`aiminer.text.table.deidentify_table` with :class:`aiminer.text.table.TableSchema` - CSV/TSV/JSON tables.
- :class:`aiminer.text.identity.IdentityContext` - known identities that are always removed.
"""

from __future__ import annotations

from aiminer.text.decode import decode_text
from aiminer.text.errors import TableSchemaError, TextDeidError
from aiminer.text.hl7 import HL7Result, deidentify_hl7
from aiminer.text.identity import IdentityContext
from aiminer.text.report import Finding, ScrubResult, scrub_text
from aiminer.text.sniff import sniff
from aiminer.text.table import TableResult, TableSchema, deidentify_table

__all__ = [
    "Finding",
    "HL7Result",
    "IdentityContext",
    "ScrubResult",
    "TableResult",
    "TableSchema",
    "TableSchemaError",
    "TextDeidError",
    "decode_text",
    "deidentify_hl7",
    "deidentify_table",
    "scrub_text",
    "sniff",
]
