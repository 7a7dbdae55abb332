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
    age_at_scan = "age"            # ages over 89 become 90 (also a "keep" column whose header names an age)
    zip3 = "zip"                   # the first three digits, 000 where fewer than 20,000 live (also "keep" + "zip")
    patient_name = "drop"
"""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from aiminer.crosswalk import Coder, random_code
from aiminer.text.dates import find_dates, shift, year_may_stay
from aiminer.text.errors import TableSchemaError, TextDeidError
from aiminer.text.identity import IdentityContext
from aiminer.text.report import Finding, Style, Surrogates, scrub_text
from aiminer.text.sniff import delimiter_of, is_comment_line

Role = Literal["patient_id", "study_uid", "accession", "date", "age", "zip", "free_text", "keep", "drop"]
ROLES: frozenset[str] = frozenset(
    {"patient_id", "study_uid", "accession", "date", "age", "zip", "free_text", "keep", "drop"}
)
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


#: The longest date cell read as a date ("Tuesday, 14 March 2019 at 10:41:22 EST" is 38 characters): a longer one
#: is no date and is emptied unread, as an unparseable date is (a 40 KB cell was read by every date pattern, on
#: every row and in both reads of the table).
MAX_DATE_CELL = 64


#: A header that names an age ("Age", "age_at_enrollment", "PatientAge", "AGE_AT_DEATH"; not "Stage", "Image",
#: "Dosage", "Page"), or a ZIP code ("zip3", "Zip Code", "postal_code").
_AGE_HEADER = re.compile(r"(?<![A-Za-z])(?i:age)(?![a-z]|[A-Z]{2})|(?<=[a-z])Age(?![a-z])")
_ZIP_HEADER = re.compile(r"(?i)(?<![a-z])(?:zip|zip_?code|zipcode|zip3|postal_?code|postcode)(?![a-z])")
#: An age in years: a number and an optional unit of years ("94", "94.5", "094Y", "94 y", "92 years").
_AGE_IN_YEARS = re.compile(r"(?P<pad>\s*0*)(?P<n>\d{1,3})(?:\.\d+)?(?P<unit>\s*(?:y|yr|yrs|years?|Y)?\s*)")
#: Safe Harbor keeps a ZIP code's first three digits unless the area they cover holds 20,000 people or fewer:
#: these prefixes become 000.
#: (the 2000 and the 2010 Census lists together: the latter added 202, 204, 205, 369, 753 and 772)
RESTRICTED_ZIP3 = frozenset(
    "036 059 063 102 202 203 204 205 369 556 692 753 772 790 821 823 830 831 878 879 884 890 893".split()
)
_US_ZIP = re.compile(r"\s*(?P<zip3>\d{3})(?:\d{2}(?:-?\d{4})?)?\s*")


def _age_cell(value: str) -> str:
    """An age in years over 89 becomes 90, in the cell's own format ("94" -> "90", "094Y" -> "090Y", "92 years"
    -> "90 years"); an age the cell writes otherwise, with any number over 89 in it, becomes "90+"."""
    m = _AGE_IN_YEARS.fullmatch(value)
    if m:
        if int(m.group("n")) <= 89:
            return value
        pad = "0" if "0" in m.group("pad") else ""  # "094Y" -> "090Y", as DICOM writes an age string
        return f"{pad}90{m.group('unit')}"
    return "90+" if any(int(n) > 89 for n in re.findall(r"\d{1,3}", value) if int(n) < 200) else value


def _zip_cell(value: str) -> str:
    """A US ZIP code keeps its first three digits (000 for :data:`RESTRICTED_ZIP3`); anything else is emptied."""
    m = _US_ZIP.fullmatch(value)
    if m is None:
        return ""
    return "000" if m.group("zip3") in RESTRICTED_ZIP3 else m.group("zip3")


def _date_cell(value: str, policy: str, offset: int | None) -> str:
    value = value.strip()
    if not value or len(value) > MAX_DATE_CELL:
        return ""
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
    """The coded IDs of a table's cells, each value asked of the crosswalk once per table (a table lists the same
    patient and study on many rows, and is read twice)."""

    def __init__(self, coder: Coder, site_code: str, schema: TableSchema) -> None:
        self.coder = coder
        self.site = site_code
        self.schema = schema
        # insertion-ordered sets (a list's `in` made a table of many patients quadratic)
        self.accessions: dict[str, None] = {}
        self.patients: dict[str, None] = {}
        self.studies: dict[str, None] = {}
        self._memo: dict[tuple[str, ...], str] = {}
        self._offsets: dict[str, int | None] = {}

    def patient(self, value: str, issuer: str) -> str:
        key = ("patient", issuer, value.strip())
        if key not in self._memo:
            self._memo[key] = self.coder.patient(self.site, issuer, value.strip())
        code = self._memo[key]
        self.patients.setdefault(code, None)
        return code

    def study_uid(self, value: str) -> str:
        key = ("study", value.strip())
        if key not in self._memo:
            self._memo[key] = self.coder.study(self.site, value.strip())
        code = self._memo[key]
        self.studies.setdefault(code, None)
        return code

    def accession(self, value: str) -> str:
        acc = value.strip()
        key = ("accession", acc)
        if key not in self._memo:
            code = self.coder.study_for_accession(self.site, acc)
            if code is None:
                code = self.coder.link_accession(self.site, acc, random_code("ST"))
            self._memo[key] = code
        code = self._memo[key]
        self.accessions.setdefault(acc, None)
        self.studies.setdefault(code, None)
        return code

    def date_offset(self, patient_code: str) -> int | None:
        if patient_code not in self._offsets:
            self._offsets[patient_code] = self.coder.date_offset_days(self.site, patient_code)
        return self._offsets[patient_code]


Rows = Callable[[], Iterator[dict[str, Any]]]


def _parse(text: str, fmt: TableFormat, delimiter: str) -> tuple[list[str], Rows]:
    """The header, and a function that reads the records from the start each time it is called (a delimited
    table is read twice and never held as records: one Python object per cell took 20-50 times the table's size).
    A record's errors (``inconsistent_columns``, ``table_parse_error``) are raised when it is read."""
    if fmt == "json":
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested thousands deep
            lines = _json_lines(text)  # JSON Lines: one object per line (red team 19's manifest was refused)
            if lines is None:
                raise TextDeidError("table_parse_error", "invalid JSON") from exc
            data = lines
        if isinstance(data, dict):
            # an object wrapping records and other fields (a PACS query's "requested_by" and "aet" beside its
            # "results"; red team 19): no schema says what its other fields are, so it is not guessed at
            raise TextDeidError("json_not_records", "a JSON object, not an array of records or JSON Lines")
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise TextDeidError("table_parse_error", "JSON tables must be an array of objects")
        # "\udfff" is valid JSON and no valid text: nothing downstream (crosswalk, output) can store it. Only a
        # \uD800-\uDFFF escape makes one; a table without any is not serialised again to look.
        if _SURROGATE_ESCAPE.search(text):
            try:
                json.dumps(data, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError as exc:
                raise TextDeidError("decode_error", "a JSON string holds an unpaired surrogate") from exc
        header: list[str] = []
        seen: set[str] = set()
        for rec in data:
            for k in rec:
                if k not in seen:
                    seen.add(k)
                    header.append(k)
        return header, lambda: iter(data)

    def rows() -> Iterator[list[str]]:
        try:
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
                if row:
                    yield row
        except csv.Error as exc:
            raise TextDeidError("table_parse_error", "malformed delimited text") from exc

    first_row = next(rows(), None)
    if first_row is None:
        return [], lambda: iter(())
    header = first_row
    if len(set(header)) != len(header):
        raise TextDeidError("table_parse_error", "duplicate column names")

    again = [h.strip().lower() for h in header]

    def records() -> Iterator[dict[str, Any]]:
        it = rows()
        next(it)
        for r in it:
            if len(r) != len(header):
                raise TextDeidError("inconsistent_columns", "a row has a different number of cells than the header")
            if [c.strip().lower() for c in r] == again:
                continue  # the header again, as an export repeats it on every page: no patient's row (red team 19)
            yield dict(zip(header, r, strict=True))

    return header, records


def _json_lines(text: str) -> list[Any] | None:
    """The records of a JSON Lines text (one JSON object per non-empty line), or None when it is not one."""
    out: list[Any] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except (ValueError, RecursionError):
            return None
        if not isinstance(rec, dict):
            return None
        out.append(rec)
    return out or None


_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")

#: Free-text scrubs remembered per table (a table repeats itself: "No acute findings." on every row of a study).
#: Bounded, so a table of distinct texts holds no more than this many results.
MEMO_ENTRIES = 20_000


def deidentify_table(
    text: str,
    fmt: TableFormat,
    schema: TableSchema,
    coder: Coder,
    site_code: str,
    context_for: Callable[[Mapping[str, Any]], IdentityContext | None] | None = None,
    surrogate_seed: str | None = None,
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
    surrogate_seed
        For the schema's ``surrogates`` style: makes the fake values repeatable (see
        :class:`aiminer.text.report.Surrogates`); random when not given.

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

    The table is read twice, row by row, and its rows are never all held: the first read codes the rows and finds
    the names in the free text, the second writes the rows with every such name removed from every free-text cell
    (the table is one document). Time and memory grow with the table's size, not with the number of names in it.
    """
    preamble, text, postamble = _split_comments(text) if fmt != "json" else ("", text, "")
    delimiter = delimiter_of(text, fmt) if fmt != "json" else ","  # read once: the parser's and the writer's
    header, records = _parse(text, fmt, delimiter)
    unknown = tuple(h for h in header if schema.role(h) is None)
    if unknown and not schema.allow_unknown_columns:
        raise TableSchemaError("unknown_columns", f"{len(unknown)} column(s) not in the schema", unknown)
    roles = {h: schema.role(h) or "drop" for h in header}
    if schema.issuer_column:
        roles.update({h: "drop" for h in header if h.strip().lower() == schema.issuer_column.strip().lower()})
    issuer_col = next(
        (h for h in header if schema.issuer_column and h.strip().lower() == schema.issuer_column.strip().lower()),
        None,
    )
    if any(r == "patient_id" for r in roles.values()) and not schema.issuer and issuer_col is None:
        raise TableSchemaError("missing_issuer", "patient_id columns need an issuer or issuer_column")
    surrogates = Surrogates(surrogate_seed) if schema.style == "surrogates" else None
    rows = _TableRows(header, roles, issuer_col, schema, _RowCoder(coder, site_code, schema), context_for, surrogates)
    found_names: set[str] = set()
    table_ids: dict[str, str] = {}  # digits of every patient ID and accession in the table -> category
    for rec in records():  # first read: codes, and the names in the free text
        rows.coded(rec)
        rows.collect_ids(rec, table_ids)
        # the names of the free text, of the kept cells that hold an identity (as the second read will find them),
        # and of the dropped cells' text
        for column, value, res in rows.scrubbed(rec, None, kept=True):
            if _written_scrubbed(roles[column], column, value, res.findings):
                found_names.update(_name_words(value, res.findings))
        for _column, value, res in rows.scrubbed(rec, None, dropped=True):
            found_names.update(_name_words(value, res.findings))
    # A name found in one cell ("pt Leopold Castellanos") goes wherever else it appears, even where no rule would
    # see it alone ("pt Leopol d Castellanos", "Castellanos called"): matched word by word (IdentityContext.
    # name_words), so a table of thousands of names costs no more per cell than one of a few.
    extra = IdentityContext(name_words=frozenset(w.lower() for w in found_names)) if found_names else None
    out_header = [h for h in header if roles[h] != "drop"]
    writer = _Writer(out_header, fmt, delimiter)  # the input's own
    counts: dict[str, int] = {}
    for rec in records():  # second read: the rows as written
        new = rows.coded(rec)
        for column, value, res in rows.scrubbed(rec, extra, kept=True):
            if _written_scrubbed(roles[column], column, value, res.findings):
                new[column] = _without_table_ids(res.text, table_ids, counts)
                for f in res.findings:
                    counts[f.category] = counts.get(f.category, 0) + 1
        writer.write(new)
    rc = rows.coder
    return TableResult(
        text=preamble + writer.text() + postamble,
        rows=writer.rows,
        dropped_columns=tuple(h for h in header if roles[h] == "drop"),
        accessions=tuple(rc.accessions),
        patient_codes=tuple(rc.patients),
        study_codes=tuple(rc.studies),
        findings=counts,
    )


#: What makes a kept cell's finding an identity rather than a code's shape: the row's own identities (context), a
#: cue, a credential, a name found elsewhere in the table, a kind no code has (a date, a phone, an email...), or a
#: run of seven digits or more outside a code system's column (an MRN or an accession in a column named "code" or
#: "ref"). A research code ("LS-0001", "101-001", "GX-000001"), a SNOMED code in its column ("59529006") or a
#: service's name ("Main Campus Radiology") in a kept column is the schema's promise, not an identifier (red team 9
#: lost 2,252 such cells).
_STRONG_SOURCES = frozenset({"context", "cue", "credential"})
_STRONG_KINDS = frozenset({"DATE", "AGE_OVER_89", "SSN", "PHONE", "FAX", "EMAIL", "IP", "URL", "ADDRESS", "ZIP"})
_LONG_DIGIT_RUN = re.compile(r"\d{7,}")
_CODE_SYSTEM_HEADER = re.compile(
    r"(?i)(?<![a-z])(?:snomed|sct|loinc|icd|cpt|hcpcs|rxnorm|rxcui|ndc|umls|cui|ncit|radlex|ensembl|hgnc|entrez|omim"
    r"|meddra|atc|dbsnp|rsid|clinvar|cosmic|pmid|doi|nct)"
)


def _written_scrubbed(role: Role, column: str, value: str, findings: Iterable[Finding]) -> bool:
    """Whether a cell is written as the scrubber left it: free text always; a kept cell, the schema's promise of a
    code or a number, only when the scrubber finds an identity in it (a stray quote or delimiter moved a note into
    it, or a date sits there)."""
    return role == "free_text" or _holds_identity(value, findings, column)


def _holds_identity(value: str, findings: Iterable[Finding], column: str) -> bool:
    """Whether a kept cell's findings say it holds someone's identity (see :data:`_STRONG_SOURCES`)."""
    for f in findings:
        if f.source in _STRONG_SOURCES or f.category in _STRONG_KINDS:
            return True
        if f.category == "NAME" and f.source == "propagated":
            return True
        whole = f.end - f.start >= 0.8 * len(value.strip())
        if f.category == "NAME" and whole and " " in value[f.start : f.end].strip():
            return True  # a person's whole name is the cell ("Lisandro Chakraborty" in a kept "Ref"; red team 19)
        if _LONG_DIGIT_RUN.search(value, f.start, f.end) and not _CODE_SYSTEM_HEADER.search(column):
            return True
    return False


def _split_comments(text: str) -> tuple[str, str, str]:
    """The comment lines an export writes before a delimited table's header and after its last row ("# RIS
    worklist extract - run by mkowalski on host ...", "# rows: 11"), each scrubbed like a report, and the table
    between them."""
    lines = text.splitlines(keepends=True)
    first = 0
    while first < len(lines) and is_comment_line(lines[first]):
        first += 1
    last = len(lines)
    while last > first and (is_comment_line(lines[last - 1]) or not lines[last - 1].strip()):
        last -= 1
    if first == 0 and not any(is_comment_line(line) for line in lines[last:]):
        return "", text, ""
    before, after = "".join(lines[:first]), "".join(lines[last:])
    return (
        scrub_text(before).text if before else "",
        "".join(lines[first:last]),
        scrub_text(after).text if after.strip() else after,
    )


#: A run of six digits or more, however it is glued ("pt [NAME]15100249": a lost row break glued another row's MRN).
_DIGIT_RUN = re.compile(r"\d{6,}")


def _without_table_ids(text: str, table_ids: dict[str, str], counts: dict[str, int]) -> str:
    """``text`` with every digit run that is the digits of a patient ID or accession of the same table replaced by
    its tag: a lost line break moves one row's identifiers into another row's note, where the row's own context does
    not know them and no pattern's bounds see them. One set lookup per run."""
    if not table_ids:
        return text

    def tag(m: re.Match[str]) -> str:
        category = table_ids.get(m.group()) or table_ids.get(m.group().lstrip("0"))
        if category is None:
            return m.group()
        counts[category] = counts.get(category, 0) + 1
        return f"[{category}]"

    return _DIGIT_RUN.sub(tag, text)


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


#: Words of a column header that say its cells name a person ("Patient Name", "Referring MD", "Radiologist",
#: "mother_name")...
_PERSON_HEADER = re.compile(
    r"(?i)(?<![a-z])(?:name|patient|pt|investigator|coordinator|reviewer|operator|staff|sonographer|therapist"
    r"|pharmacist|dosimetrist|physicist|scribe|(?:reported|entered|performed|recorded|verified|approved|signed"
    r"|interpreted)[ _]?by|md|physician|doctor|dr|provider|radiologist|technologist|tech|nurse|referr(?:er|ing)"
    r"|attending|author|signer|signed_?by|reader|read_?by|reporter|surgeon|clinician|resident|fellow|contact|mother"
    r"|father|guardian|spouse|kin|guarantor|subscriber|pcp|gp)(?![a-z])"
)
#: ...unless they say it names something else ("Study Name", "Protocol Name", "Institution Name", "File Name").
_THING_HEADER = re.compile(
    r"(?i)(?<![a-z])(?:study|protocol|series|institution|hospital|facility|site|device|file|exam|procedure|drug"
    r"|department|dept|station|body|scanner|model|manufacturer|project|sequence|test|product|plan|program|code"
    r"|practice|clinic|group|organi[sz]ation|company|employer|school"
    # ("Patient Status", "Pt Sex", "Patient Address": what a patient has, not who)
    r"|(?:status|type|class|sex|gender|age|id|mrn|number|no|num|dob|birth|date|time|address|city|state|zip|phone"
    r"|tel|email|mail|language|race|ethnicity|religion|location|room|bed|weight|height|category|priority|source"
    r"|count|portal|account|insurance|visit|encounter|consent|comments?|notes?)(?![a-z]))"
)
#: A column of one part of a name ("first_name", "Last Name", "given", "surname"): a single word is a name there.
_NAME_PART_HEADER = re.compile(
    r"(?i)(?<![a-z])(?:(?:first|last|given|family|middle|maiden|nick|preferred|sur)[ _-]?name|given|surname|forename"
    r"|nickname)(?![a-z])"
)
_ONE_WORD_NAME = re.compile(r"\s*[^\W\d_][^\W\d_'\u2019.-]+[ .]*$")
_PATIENT_HEADER = re.compile(r"(?i)(?<![a-z])(?:patient|pt)(?![a-z])")
#: A cell that holds a person's name: two to five words of letters ("Vasquez Morales Lupita", "SMITH^JOHN",
#: "Abara, Leontyne"), no digits.
_NAME_VALUE = re.compile(r"\s*[^\W\d_][^\W\d_'\u2019.-]*(?:[ ,^]+[^\W\d_][^\W\d_'\u2019.-]*){1,4}[ .]*$")


_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z])")
_BRACKETED_ID_AFTER = re.compile(r"\s*\(\s*[A-Za-z]{0,4}[-#:]?\s*\d[\w-]*\s*\)\s*$")


def _person_column(header: str) -> str | None:
    """ "patient" for a column of the patient's names, "other" for one of another person's, else None. A column of
    one part of a name and no other person's word ("first_name", "Last Name"; not "mother_first_name") is the
    patient's. A DICOM keyword's words count apart ("PatientName", "ReferringPhysicianName")."""
    header = _CAMEL_BOUNDARY.sub(" ", header)
    if not _PERSON_HEADER.search(header) or _THING_HEADER.search(header):
        return None
    if _PATIENT_HEADER.search(header):
        return "patient"
    part = _NAME_PART_HEADER.search(header)
    if part and not _PERSON_HEADER.search(header[: part.start()] + " " + header[part.end() :]):
        return "patient"
    return "other"


@dataclass
class _TableRows:
    """One row at a time: its coded cells, its free-text cells with their identity context, and their scrubs."""

    header: list[str]
    roles: dict[str, Role]
    issuer_col: str | None
    schema: TableSchema
    coder: _RowCoder
    context_for: Callable[[Mapping[str, Any]], IdentityContext | None] | None
    #: one table of fake values for the whole table (``surrogates`` style): a name gets one surrogate in every cell
    surrogates: Surrogates | None = None
    memo: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)
    _memo_entries: int = 0

    def __post_init__(self) -> None:
        # kept columns whose header names an age or a ZIP code: Safe Harbor's rules apply whatever the schema said
        self._age_cols = {h for h in self.header if self.roles[h] == "keep" and _AGE_HEADER.search(h)}
        self._zip_cols = {h for h in self.header if self.roles[h] == "keep" and _ZIP_HEADER.search(h)}
        # the columns of each role, once per table rather than once per row
        self._patient_cols = [h for h in self.header if self.roles[h] == "patient_id"]
        self._accession_cols = [h for h in self.header if self.roles[h] == "accession"]
        self._kept_cols = [h for h in self.header if self.roles[h] != "drop"]
        self._text_cols = {
            kept: [
                h
                for h in self.header
                if self.roles[h] in (("free_text", "keep") if kept else ("free_text",))
                and h not in self._age_cols | self._zip_cols  # already made safe by their rule
            ]
            for kept in (False, True)
        }
        # dropped columns that hold text: the names in them are known in every other cell (the first read scrubs them
        # for that only; red team 19: "Husband Lisandro Chakraborty (cell)" dropped, "walk-in per Lisandro
        # Chakraborty" kept)
        self._dropped_text_cols = [h for h in self.header if self.roles[h] == "drop" and h != self.issuer_col]
        # columns that name a person (dropped or not): each row's value is known in the row's text cells
        people = [h for h in self.header if h != self.issuer_col and self.roles[h] in ("drop", "free_text")]
        self._person_cols = {
            patient: [h for h in people if _person_column(h) == ("patient" if patient else "other")]
            for patient in (True, False)
        }

    def _issuer(self, rec: Mapping[str, Any]) -> str:
        issuer = str(rec.get(self.issuer_col) or "").strip() if self.issuer_col else ""
        return issuer or self.schema.issuer

    def _patient_code(self, rec: Mapping[str, Any]) -> str | None:
        for h in self._patient_cols:
            v = rec.get(h)
            if v not in (None, ""):
                return self.coder.patient(str(v), self._issuer(rec))
        return None

    def coded(self, rec: Mapping[str, Any]) -> dict[str, Any]:
        """The row's kept columns with IDs coded and dates reduced; free-text cells as they are (scrubbed apart).
        Raises ``nested_value`` and ``table_parse_error`` (a kept cell over several lines)."""
        for h in self._kept_cols:
            if isinstance(rec.get(h), dict | list):
                raise TextDeidError("nested_value", "a JSON cell holds an object or a list")
        patient_code = self._patient_code(rec)
        offset = self._offset(patient_code)
        new: dict[str, Any] = {}
        for h in self.header:
            role = self.roles[h]
            if role == "drop":
                continue
            v = rec.get(h)
            if v is None or v == "":
                new[h] = v
                continue
            s = str(v)
            if role == "patient_id":
                new[h] = self.coder.patient(s, self._issuer(rec))
            elif role == "study_uid":
                new[h] = self.coder.study_uid(s)
            elif role == "accession":
                new[h] = self.coder.accession(s)
            elif role == "date":
                new[h] = _date_cell(s, self.schema.date_policy, offset)
            elif role == "age" or (role == "keep" and h in self._age_cols):
                aged = _age_cell(s)
                # (a JSON number stays a number: "94" -> 90, not "90")
                new[h] = int(aged) if isinstance(v, int) and not isinstance(v, bool) and aged.isdigit() else aged
            elif role == "zip" or (role == "keep" and h in self._zip_cols):
                new[h] = _zip_cell(s)
            elif role == "free_text":
                new[h] = s
            elif "\n" in s or "\r" in s:  # a kept code or number never spans lines: a stray quote swallowed rows
                raise TextDeidError("table_parse_error", "a kept cell spans lines (an unbalanced quote?)")
            else:  # keep
                new[h] = v
        return new

    def collect_ids(self, rec: Mapping[str, Any], into: dict[str, str]) -> None:
        """Add the digits of the row's patient IDs and accessions (six or more) to ``into``."""
        for cols, category in ((self._patient_cols, "MRN"), (self._accession_cols, "ACCESSION")):
            for h in cols:
                value = rec.get(h)
                if value in (None, ""):
                    continue
                digits = "".join(ch for ch in str(value) if ch.isdigit())
                if len(digits) >= 6:
                    into.setdefault(digits, category)
                    if len(stripped := digits.lstrip("0")) >= 6:
                        into.setdefault(stripped, category)

    def scrubbed(
        self, rec: Mapping[str, Any], extra: IdentityContext | None, kept: bool = False, dropped: bool = False
    ) -> Iterator[tuple[str, str, Any]]:
        """(column, value, scrub result) of the row's free-text cells, after :meth:`coded` read the row; with
        ``kept``, also of the kept cells that hold text (see :func:`deidentify_table`). Each cell is scrubbed with the
        row's identity context (its patient IDs and accessions) merged with ``extra``."""
        columns = self._dropped_text_cols if dropped else self._text_cols[kept]
        cells = [h for h in columns if isinstance(rec.get(h), str) and _LETTER_OR_DIGIT.search(rec[h])]
        if not cells:
            return
        patient_code = self._patient_code(rec)
        ctx = IdentityContext(
            patient_names=self._names(rec, patient=True),
            other_names=self._names(rec, patient=False),
            patient_ids=tuple(str(rec[h]) for h in self._patient_cols if rec.get(h) not in (None, "")),
            accessions=tuple(str(rec[h]) for h in self._accession_cols if rec.get(h) not in (None, "")),
            patient_code=patient_code,
        )
        if self.context_for is not None:
            ctx = ctx.merged(self.context_for(rec))
        offset = self._offset(patient_code)
        # A table repeats itself ("No acute findings." on every row of a study): a value is scrubbed once per
        # identity context, date offset and pass (the scrubber is deterministic for equal inputs). The context is
        # looked up once per row, the values by themselves.
        if self._memo_entries >= MEMO_ENTRIES:
            self.memo.clear()
            self._memo_entries = 0
        memo = self.memo.setdefault((ctx, offset, extra), {})
        coder, site = self.coder.coder, self.coder.site
        for h in cells:
            value = rec[h]
            res = memo.get(value)
            if res is None:
                res = memo[value] = scrub_text(
                    value,
                    ctx.merged(extra),
                    style=self.schema.style,
                    date_policy=self.schema.date_policy,
                    shift_days=offset,
                    accession_lookup=lambda a: coder.study_for_accession(site, a),
                    surrogates=self.surrogates,
                )
                self._memo_entries += 1
            yield h, value, res

    def _names(self, rec: Mapping[str, Any], patient: bool) -> tuple[str, ...]:
        """The row's person names: the values shaped like a name in the columns that name a person (one word in a
        column of one part of a name: "first_name" = "Yevgenia")."""
        return tuple(
            v.strip()
            for h in self._person_cols[patient]
            if isinstance(raw := rec.get(h), str)
            # (a merged "Name (MRN)" cell: the name before its bracket, "Chakraborty, Florentyna (92950208)")
            and (v := _BRACKETED_ID_AFTER.sub("", raw))
            and (_NAME_VALUE.match(v) or (_NAME_PART_HEADER.search(h) and _ONE_WORD_NAME.match(v)))
        )

    def _offset(self, patient_code: str | None) -> int | None:
        if self.schema.date_policy != "shift" or not patient_code:
            return None
        return self.coder.date_offset(patient_code)


class _Writer:
    """The de-identified table in its input's format, a row at a time (a JSON record is serialised when written,
    as ``json.dumps(records, indent=1)`` would lay it out, so the output records are not held either)."""

    def __init__(self, header: list[str], fmt: TableFormat, delimiter: str = ",") -> None:
        self.header = header
        self.fmt = fmt
        self.rows = 0
        self._json: list[str] = []
        self._buf = io.StringIO(newline="")
        self._csv = csv.writer(self._buf, delimiter="\t" if fmt == "tsv" else delimiter, lineterminator="\r\n")
        if fmt != "json":
            self._csv.writerow([neutralize_formula(h) for h in header])

    def write(self, record: dict[str, Any]) -> None:
        self.rows += 1
        if self.fmt == "json":
            text = json.dumps({h: record.get(h) for h in self.header if h in record}, ensure_ascii=False, indent=1)
            self._json.append(" " + text.replace("\n", "\n "))  # one level in; JSON strings hold no raw newline
            return
        self._csv.writerow(
            [neutralize_formula("" if record.get(h) is None else str(record.get(h))) for h in self.header]
        )

    def text(self) -> str:
        if self.fmt == "json":
            return "[\n" + ",\n".join(self._json) + "\n]" if self._json else "[]"
        return self._buf.getvalue()
