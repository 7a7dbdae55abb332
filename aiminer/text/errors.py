"""Named errors of report and table de-identification, each with a machine-readable ``reason``.

Messages never contain PHI (no cell values, no report text): a reason code, counts, and at most column names
from a table header, which the partner chose and a curator needs to fix the schema.
"""

from __future__ import annotations


class TextDeidError(Exception):
    """A report or table cannot be de-identified; quarantine the object with ``reason``.

    Reason codes: ``decode_error`` (bytes are not text in any common encoding), ``not_hl7`` (no MSH segment),
    ``table_parse_error`` (malformed CSV/TSV/JSON), ``inconsistent_columns`` (rows with a different number of
    cells than the header), ``unknown_columns`` (columns the schema does not name), ``nested_value`` (a JSON
    cell holds an object or list in a column that is not dropped), ``json_not_records`` (a JSON object, neither an
    array of records nor JSON Lines), ``schema_error`` (the column schema file is
    invalid), ``missing_issuer`` (a patient column without an issuer), ``too_large`` (a text value longer than
    :data:`aiminer.text.report.MAX_SCRUB_CHARS`).
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


class TableSchemaError(TextDeidError):
    """The table does not match its column schema, or the schema itself is invalid. Fix the schema file."""

    def __init__(self, reason: str, detail: str = "", columns: tuple[str, ...] = ()) -> None:
        self.columns = columns
        super().__init__(reason, detail)
