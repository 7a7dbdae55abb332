"""Recognise what an uploaded object is by its content first, its name only as a tie-breaker."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Callable

Kind = Literal["dicom", "hl7", "report", "table_csv", "table_tsv", "table_json", "other"]

_DICOM_GROUP_STARTS = (b"\x08\x00", b"\x02\x00")  # implicit/explicit little endian, group 0008 or 0002
# A line starting with a segment ID that carries identities, then a separator found at least twice more on the line.
_HL7_SEGMENT_LINE = re.compile(
    r"(?:^|(?<=[\r\n\x0b\x1c\x85\u2028\u2029]))[\x0b\x1c\ufeff ]*"
    r"(?:MSH|PID|PV1|PV2|PD1|NK1|GT1|IN1|ORC|OBR|OBX|NTE|EVN|MRG|TXA|DG1|ROL|FHS|BHS)"
    r"([^\w\s])(?:[^\n\r\x85\u2028\u2029]*?\1){2}"
)


def _is_dicom(head: bytes) -> bool:
    if len(head) >= 132 and head[128:132] == b"DICM":
        return True
    # Files without the preamble start directly with a group 0008 (or 0002) element, little endian.
    if len(head) >= 8 and head[:2] in _DICOM_GROUP_STARTS:
        vr = head[4:6]
        if vr.isalpha() and vr.isupper():  # explicit VR
            return True
        length = int.from_bytes(head[4:8], "little")
        return length < 1 << 16  # implicit VR: a plausible element length
    return False


def _text(head: bytes) -> str | None:
    from aiminer.text.decode import decode_text
    from aiminer.text.errors import TextDeidError

    try:
        return decode_text(head)
    except TextDeidError:
        # the head may cut a multi-byte character: retry without the last few bytes
        for cut in (1, 2, 3):
            try:
                return decode_text(head[:-cut])
            except TextDeidError:
                continue
    return None


def _json_records_or_object(text: str) -> bool:
    """Whether a text that starts with ``{`` is one JSON object, or JSON Lines (its complete lines each an object;
    the last line may be cut by the head)."""
    try:
        return isinstance(json.loads(text), dict)
    except (ValueError, RecursionError):
        pass
    lines = [line for line in text.splitlines() if line.strip()]
    complete = lines[:-1] if len(lines) > 1 else lines
    for line in complete:
        try:
            if not isinstance(json.loads(line), dict):
                return False
        except (ValueError, RecursionError):
            return False
    return bool(complete)


def table_by_header(head: bytes, is_column: Callable[[str], bool]) -> Kind | None:
    """A text whose header line names two columns or more of the project's table schema (``is_column``) is a table,
    whatever else the sniffer made of it: with a schema given, an export the sniffer could not read as a table is
    read as one (and quarantined if it is no good), never scrubbed as prose with its MRN and name columns kept."""
    text = _text(head)
    if text is None:
        return None
    first = next(
        (line for line in text.lstrip("\ufeff").splitlines() if line.strip() and not is_comment_line(line)), ""
    )
    if first.lstrip().startswith("|"):
        return None  # "| Patient Name | Abernathy, L | MRN | ... |": a form drawn in a report, no export's header
    for delimiter, kind in (("\t", "table_tsv"), ("|", "table_csv"), (";", "table_csv"), (",", "table_csv")):
        cells = [c for c in next(csv.reader([first], delimiter=delimiter), []) if c.strip()]
        named = sum(is_column(c) for c in cells)
        if named >= 2 and named * 5 >= len(cells) * 3:  # most of the line names the schema's columns
            return kind  # type: ignore[return-value]
    return None


def is_comment_line(line: str) -> bool:
    """Whether ``line`` is an export's comment around a delimited table ("# rows: 11")."""
    return line.lstrip("\ufeff \t").startswith("#")


def _delimited(text: str, delimiter: str) -> bool:
    lines = text.splitlines(keepends=True)
    # an export's comment lines before the header and after the last row
    start = 0
    while start < len(lines) and (is_comment_line(lines[start]) or not lines[start].strip()):
        start += 1
    end = len(lines)
    while end > start and (is_comment_line(lines[end - 1]) or not lines[end - 1].strip()):
        end -= 1
    # read as records, not lines: a quoted cell may hold line breaks ("Hx: Paget disease,\nDorota (son) ...")
    try:
        rows = [r for r in csv.reader(io.StringIO("".join(lines[start:end]), newline=""), delimiter=delimiter) if r]
    except csv.Error:
        return False
    rows = rows[:50]
    if len(rows) < 2:
        return False
    if len(rows) > 2:
        rows = rows[:-1]  # the last record of a head may be cut
    width = len(rows[0])
    if width < 2 or any(len(r) != width for r in rows):
        return False
    header = rows[0]
    # A header: non-empty, mostly non-numeric and unique names.
    if any(not h.strip() for h in header) or len(set(header)) != len(header):
        return False
    return sum(h.strip().replace(".", "").isdigit() for h in header) == 0


def delimiter_of(text: str, fmt: str) -> str:
    """The delimiter of a delimited table's text: a tab for TSV; for CSV, whichever of ``,``, ``;`` and ``|`` its
    header line holds most (a European export writes ``;``, a RIS or a mammography system ``|``)."""
    if fmt == "tsv":
        return "\t"
    lines = text.lstrip("\ufeff").splitlines()
    first = next((line for line in lines if line.strip() and not is_comment_line(line)), "")
    return max((",", ";", "|"), key=first.count) if first else ","


def looks_like_markdown_table(text: str) -> bool:
    """Whether pipes draw a table in prose (``| a | b |``, maybe with a ``|---|`` rule), which a report holds, not an
    export: such rows start with a pipe."""
    return re.search(r"^[ \t]*\|", text, re.MULTILINE) is not None


def looks_like_hl7(text: str) -> bool:
    """Whether any line of ``text`` is an HL7 v2 segment (``PID|...``, ``OBX|...``), whatever its first line says.

    A message whose MSH is corrupt or missing is still HL7: scrubbed as free prose, the names and identifiers in
    its component structure (``1234^SMITH^JOHN``) would not be seen for what they are.
    """
    return _HL7_SEGMENT_LINE.search(text) is not None


def sniff(head: bytes, name: str = "") -> Kind:
    """Classify an object from its first bytes (content first; the name only breaks ties).

    Parameters
    ----------
    head
        The first bytes of the object (4-64 KiB is plenty).
    name
        The object's file name or key (used only when the content is ambiguous).

    Returns
    -------
    str
        ``"dicom"`` (DICM at 128, or an element of group 0002/0008 at 0), ``"hl7"`` (an ``MSH`` segment, even in
        a ``.txt``), ``"table_json"`` (a JSON array of objects), ``"table_csv"``/``"table_tsv"`` (a header and
        rows with a consistent number of cells), ``"report"`` (decodable text) or ``"other"``.
    """
    if _is_dicom(head):
        return "dicom"
    text = _text(head)
    if text is None:
        return "other"
    stripped = text.lstrip("\ufeff \t\r\n\x0b")
    if (
        stripped.startswith(("MSH|", "FHS|", "BHS|"))
        or (stripped[:4] == "MSH" + stripped[3:4] and stripped[3:4] in "|^~")
        or looks_like_hl7(text)
    ):
        return "hl7"
    if stripped.startswith("["):
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: arrays/objects nested thousands deep
            value = None
            if name.lower().endswith(".json") and stripped.lstrip("[ \r\n\t").startswith("{"):
                return "table_json"  # a head that cuts a large JSON file
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            return "table_json"
    if stripped.startswith("{") and _json_records_or_object(text):
        # a JSON object (the table engine refuses one that is no table: json_not_records) or JSON Lines, one
        # object per line: structure no prose rule reads (red team 19: a PACS query's fields scrubbed as a report)
        return "table_json"
    low = name.lower()
    tab = _delimited(text, "\t")
    comma = _delimited(text, ",")
    if tab and (not comma or low.endswith((".tsv", ".tab"))):
        return "table_tsv"
    if comma:
        return "table_csv"
    if low.endswith(".csv") and _delimited(text, ";"):
        return "table_csv"
    if "|" in text[:4096] and _delimited(text, "|") and not looks_like_markdown_table(text):
        return "table_csv"  # a RIS or a mammography system's pipe-delimited export
    if not stripped:
        return "report" if low.endswith(".txt") else "other"
    return "report"
