"""Metadata and outcome tables (CSV, TSV, JSON records): de-identified column by column from a schema.

A per-project schema gives every column a role. Columns the schema does not name are refused (safe by
default), or dropped when the schema says ``allow_unknown_columns = true``. Example (TOML)::

    issuer = "MGH"                 # issuer of the patient IDs (or issuer_column = "id_issuer")
    date_policy = "year"           # or "shift" (per-patient offset from the crosswalk)
    allow_unknown_columns = false

    [columns]
    mrn = "patient_id"
    study_uid = "study_uid"
    accession = "accession"
    exam_date = "date"
    findings = "free_text"
    outcome = "keep"
    patient_name = "drop"
"""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from aiminer.crosswalk import Coder, random_code
from aiminer.text.dates import find_dates, shift, year_may_stay
from aiminer.text.errors import TableSchemaError, TextDeidError
from aiminer.text.identity import IdentityContext
from aiminer.text.report import Style, scrub_text

Role = Literal["patient_id", "study_uid", "accession", "date", "free_text", "keep", "drop"]
ROLES: frozenset[str] = frozenset({"patient_id", "study_uid", "accession", "date", "free_text", "keep", "drop"})
TableFormat = Literal["csv", "tsv", "json"]

# Cells a spreadsheet would execute (OWASP CSV injection): = + - @ and tab/CR at the start.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


@dataclass(frozen=True)
class TableSchema:
    """Role of each column of a project's tables.

    Parameters
    ----------
    columns
        Column name -> role (``patient_id``, ``study_uid``, ``accession``, ``date``, ``free_text``, ``keep``,
        ``drop``). Names match exactly after trimming spaces, case-insensitively.
    issuer
        Issuer of the patient IDs (the same value the DICOM engine uses, so codes match the images).
    issuer_column
        Column holding the issuer per row instead (takes precedence over ``issuer`` when non-empty).
    allow_unknown_columns
        ``False`` (default): a table with an unlisted column is refused (``unknown_columns``). ``True``: such
        columns are dropped.
    date_policy
        ``"year"`` (Safe Harbor) or ``"shift"`` (the patient's offset from the crosswalk; needs a patient
        column).
    style
        Replacement style for free text (``"tags"`` or ``"surrogates"``).
    """

    columns: Mapping[str, Role]
    issuer: str = ""
    issuer_column: str | None = None
    allow_unknown_columns: bool = False
    date_policy: Literal["year", "shift"] = "year"
    style: Style = "tags"
    _lookup: dict[str, Role] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        bad = sorted(name for name, role in self.columns.items() if role not in ROLES)
        if bad:
            raise TableSchemaError("schema_error", f"{len(bad)} column(s) with an unknown role", tuple(bad))
        if self.date_policy not in ("year", "shift"):
            raise TableSchemaError("schema_error", "date_policy must be 'year' or 'shift'")
        self._lookup.update({k.strip().lower(): v for k, v in self.columns.items()})
        if self.issuer_column:
            self._lookup.setdefault(self.issuer_column.strip().lower(), "drop")

    def role(self, column: str) -> Role | None:
        """Role of a column, or ``None`` if the schema does not name it."""
        return self._lookup.get(column.strip().lower())

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> TableSchema:
        """Build a schema from parsed TOML/JSON (see the module docstring for the format)."""
        columns = data.get("columns")
        if not isinstance(columns, Mapping) or not columns:
            raise TableSchemaError("schema_error", "a non-empty [columns] table is required")
        known = {"columns", "issuer", "issuer_column", "allow_unknown_columns", "date_policy", "style"}
        extra = sorted(set(data) - known)
        if extra:
            raise TableSchemaError("schema_error", "unknown schema keys", tuple(extra))
        return cls(
            columns={str(k): v for k, v in columns.items()},
            issuer=str(data.get("issuer", "")),
            issuer_column=data.get("issuer_column"),
            allow_unknown_columns=bool(data.get("allow_unknown_columns", False)),
            date_policy=data.get("date_policy", "year"),
            style=data.get("style", "tags"),
        )

    @classmethod
    def load(cls, path: str | Path) -> TableSchema:
        """Load a schema from a ``.toml`` or ``.json`` file."""
        return cls.from_mapping(read_schema_file(path))


def read_schema_file(path: str | Path) -> dict[str, Any]:
    """The raw mapping of a ``.toml`` or ``.json`` schema file (validate it with :meth:`TableSchema.from_mapping`)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
        data = tomllib.loads(raw.decode("utf-8")) if p.suffix.lower() == ".toml" else json.loads(raw)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise TableSchemaError("schema_error", f"cannot read schema file ({exc.__class__.__name__})") from exc
    if not isinstance(data, Mapping):
        raise TableSchemaError("schema_error", "the schema must be a table/object")
    return dict(data)


@dataclass(frozen=True)
class TableResult:
    """A de-identified table, same format as the input.

    ``accessions`` are the original accession numbers seen (PHI: for linking in the partner zone only),
    ``patient_codes`` and ``study_codes`` the coded IDs written, ``dropped_columns`` the columns removed,
    ``findings`` the identifiers removed from free-text cells per category.
    """

    text: str
    rows: int
    dropped_columns: tuple[str, ...]
    accessions: tuple[str, ...]
    patient_codes: tuple[str, ...]
    study_codes: tuple[str, ...]
    findings: dict[str, int]


def neutralize_formula(value: str) -> str:
    """Prefix a cell that a spreadsheet would run as a formula with ``'`` (plain numbers like ``-3.5`` stay)."""
    if value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _date_cell(value: str, policy: str, offset: int | None) -> str:
    value = value.strip()
    if not value:
        return value
    if re.fullmatch(r"(?:19|20)\d\d", value):
        return value if year_may_stay(int(value)) else ""
    matches = list(find_dates(value))
    best = max(matches, key=lambda m: m.end - m.start, default=None)
    if best is None:
        return ""  # not a recognisable date: nothing of it may survive
    if policy == "shift" and offset is not None:
        shifted = shift(best, offset)
        if shifted is not None:
            return shifted
    return str(best.year) if year_may_stay(best.year) else ""


class _RowCoder:
    def __init__(self, coder: Coder, site_code: str, schema: TableSchema) -> None:
        self.coder = coder
        self.site = site_code
        self.schema = schema
        self.accessions: list[str] = []
        self.patients: list[str] = []
        self.studies: list[str] = []

    def patient(self, value: str, issuer: str) -> str:
        code = self.coder.patient(self.site, issuer, value.strip())
        if code not in self.patients:
            self.patients.append(code)
        return code

    def study_uid(self, value: str) -> str:
        code = self.coder.study(self.site, value.strip())
        if code not in self.studies:
            self.studies.append(code)
        return code

    def accession(self, value: str) -> str:
        acc = value.strip()
        code = self.coder.study_for_accession(self.site, acc)
        if code is None:
            code = self.coder.link_accession(self.site, acc, random_code("ST"))
        if acc not in self.accessions:
            self.accessions.append(acc)
        if code not in self.studies:
            self.studies.append(code)
        return code


def _parse(text: str, fmt: TableFormat) -> tuple[list[str], list[dict[str, Any]]]:
    if fmt == "json":
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested thousands deep
            raise TextDeidError("table_parse_error", "invalid JSON") from exc
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise TextDeidError("table_parse_error", "JSON tables must be an array of objects")
        try:  # "\udfff" is valid JSON and no valid text: nothing downstream (crosswalk, output) can store it
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise TextDeidError("decode_error", "a JSON string holds an unpaired surrogate") from exc
        header: list[str] = []
        for rec in data:
            header += [k for k in rec if k not in header]
        return header, data
    delimiter = "\t" if fmt == "tsv" else ","
    if fmt == "csv":
        first = text.split("\n", 1)[0]
        if first.count(";") > first.count(","):
            delimiter = ";"
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise TextDeidError("table_parse_error", "malformed delimited text") from exc
    rows = [r for r in rows if r]
    if not rows:
        return [], []
    header = rows[0]
    if len(set(header)) != len(header):
        raise TextDeidError("table_parse_error", "duplicate column names")
    records = []
    for r in rows[1:]:
        if len(r) != len(header):
            raise TextDeidError("inconsistent_columns", "a row has a different number of cells than the header")
        records.append(dict(zip(header, r, strict=True)))
    return header, records


def deidentify_table(
    text: str,
    fmt: TableFormat,
    schema: TableSchema,
    coder: Coder,
    site_code: str,
    context_for: Callable[[Mapping[str, Any]], IdentityContext | None] | None = None,
) -> TableResult:
    """De-identify a CSV/TSV/JSON-records table according to its column schema.

    Parameters
    ----------
    text
        Decoded table text.
    fmt
        ``"csv"``, ``"tsv"`` or ``"json"`` (from :func:`aiminer.text.sniff.sniff`); output has the same format.
    schema
        The project's :class:`TableSchema`.
    coder
        Crosswalk coder (same as the DICOM engine, so codes match the images).
    site_code
        Coded site of the partner.
    context_for
        Optional callback given the original row; returns known identities for its free-text cells (e.g. the
        DICOM names of the row's study). The row's own identifiers are always part of the context.

    Returns
    -------
    TableResult
        The table in the same format, with coded IDs, dates reduced, free text scrubbed, dropped columns gone.

    Raises
    ------
    TableSchemaError
        ``unknown_columns`` (with ``.columns``), ``missing_issuer``.
    TextDeidError
        ``table_parse_error``, ``inconsistent_columns``, ``nested_value``.
    """
    header, records = _parse(text, fmt)
    unknown = tuple(h for h in header if schema.role(h) is None)
    if unknown and not schema.allow_unknown_columns:
        raise TableSchemaError("unknown_columns", f"{len(unknown)} column(s) not in the schema", unknown)
    roles = {h: schema.role(h) or "drop" for h in header}
    if schema.issuer_column:
        roles.update({h: "drop" for h in header if h.strip().lower() == schema.issuer_column.strip().lower()})
    out_header = [h for h in header if roles[h] != "drop"]
    dropped = tuple(h for h in header if roles[h] == "drop")
    patient_cols = [h for h in header if roles[h] == "patient_id"]
    issuer_col = next(
        (h for h in header if schema.issuer_column and h.strip().lower() == schema.issuer_column.strip().lower()),
        None,
    )
    if patient_cols and not schema.issuer and issuer_col is None:
        raise TableSchemaError("missing_issuer", "patient_id columns need an issuer or issuer_column")
    rc = _RowCoder(coder, site_code, schema)
    counts: dict[str, int] = {}
    free: list[_FreeCell] = []
    memo: dict[tuple[Any, ...], Any] = {}
    found_names: set[str] = set()
    out_records: list[dict[str, Any]] = []
    for rec in records:
        for h in header:
            if roles[h] != "drop" and isinstance(rec.get(h), dict | list):
                raise TextDeidError("nested_value", "a JSON cell holds an object or a list")
        issuer = str(rec.get(issuer_col) or "").strip() if issuer_col else ""
        issuer = issuer or schema.issuer
        patient_code = None
        for h in patient_cols:
            v = rec.get(h)
            if v not in (None, ""):
                patient_code = rc.patient(str(v), issuer)
                break
        offset = (
            coder.date_offset_days(site_code, patient_code) if schema.date_policy == "shift" and patient_code else None
        )
        ctx = IdentityContext(
            patient_ids=tuple(str(rec[h]) for h in patient_cols if rec.get(h) not in (None, "")),
            accessions=tuple(str(rec[h]) for h in header if roles[h] == "accession" and rec.get(h) not in (None, "")),
            patient_code=patient_code,
        )
        if context_for is not None:
            ctx = ctx.merged(context_for(rec))
        new: dict[str, Any] = {}
        for h in out_header:
            v = rec.get(h)
            role = roles[h]
            if v is None or v == "":
                new[h] = v
                continue
            s = str(v)
            if role == "patient_id":
                new[h] = rc.patient(s, issuer)
            elif role == "study_uid":
                new[h] = rc.study_uid(s)
            elif role == "accession":
                new[h] = rc.accession(s)
            elif role == "date":
                new[h] = _date_cell(s, schema.date_policy, offset)
            elif role == "free_text":
                free.append(_FreeCell(new, h, s, ctx, offset))
                res = free[-1].scrub(schema, coder, site_code, memo)
                found_names.update(_name_words(s, res.findings))
                free[-1].findings = res.findings
                new[h] = res.text
            elif "\n" in s or "\r" in s:  # a kept code or number never spans lines: a stray quote swallowed rows
                raise TextDeidError("table_parse_error", "a kept cell spans lines (an unbalanced quote?)")
            else:  # keep
                new[h] = v
        out_records.append(new)
    if found_names:
        # The table is one document: a name found in one cell ("pt Leopold Castellanos") goes wherever else it
        # appears, even where no rule would see it alone ("pt Leopol d Castellanos", "Castellanos called").
        extra = IdentityContext(other_names=tuple(sorted(found_names)))
        for cell in free:
            res = cell.scrub(schema, coder, site_code, memo, extra)
            cell.findings = res.findings
            cell.record[cell.column] = res.text
    for cell in free:
        for f in cell.findings:
            counts[f.category] = counts.get(f.category, 0) + 1
    return TableResult(
        text=_render(out_header, out_records, fmt),
        rows=len(out_records),
        dropped_columns=dropped,
        accessions=tuple(rc.accessions),
        patient_codes=tuple(rc.patients),
        study_codes=tuple(rc.studies),
        findings=counts,
    )


_NAME_WORD = re.compile(r"[^\W\d_][^\W\d_'\u2019-]{2,}")
_TITLE_WORDS = frozenset({"doctor", "professor", "nurse", "sister", "father", "miss", "prof", "mrs"})


def _name_words(text: str, findings: Any) -> set[str]:
    """The words (3 letters or more) of the names found in ``text``, titles aside."""
    return {
        w
        for f in findings
        if f.category == "NAME"
        for w in _NAME_WORD.findall(text[f.start : f.end])
        if w.lower() not in _TITLE_WORDS
    }


@dataclass
class _FreeCell:
    """A free-text cell: scrubbed once alone, and again with the names found in the rest of the table."""

    record: dict[str, Any]
    column: str
    value: str
    context: IdentityContext
    offset: int | None
    findings: Any = None

    def scrub(
        self,
        schema: TableSchema,
        coder: Coder,
        site_code: str,
        memo: dict[tuple[Any, ...], Any],
        extra: IdentityContext | None = None,
    ) -> Any:
        # A table repeats itself ("No acute findings.", one row per series of a study): a value is scrubbed once
        # per identity context, date offset and pass; the scrubber is deterministic for equal inputs.
        key = (self.value, self.context, self.offset, extra)
        if key not in memo:
            memo[key] = scrub_text(
                self.value,
                self.context.merged(extra),
                style=schema.style,
                date_policy=schema.date_policy,
                shift_days=self.offset,
                accession_lookup=lambda a: coder.study_for_accession(site_code, a),
            )
        return memo[key]


def _render(header: list[str], records: list[dict[str, Any]], fmt: TableFormat) -> str:
    if fmt == "json":
        return json.dumps([{h: r.get(h) for h in header if h in r} for r in records], ensure_ascii=False, indent=1)
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\r\n")
    writer.writerow([neutralize_formula(h) for h in header])
    for r in records:
        writer.writerow([neutralize_formula("" if r.get(h) is None else str(r.get(h))) for h in header])
    return buf.getvalue()
