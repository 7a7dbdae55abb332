"""One uploaded object in, one outcome out: the use case shared by ``aiminer deid`` and the ingest Lambda.

The object's type is sniffed from its content (never trusted from its name): DICOM goes to the DICOM engine,
HL7 v2 and free-text reports to the report scrubber, CSV/TSV/JSON tables to the table engine with the project's
column schema. Reports and tables get the coded identifiers of the images of the same patient and study:

* the DICOM engine stores, per coded study, the identities it read (names, IDs, accession) in the crosswalk,
  which lives in the partner zone; a report linked to that study is scrubbed with them as context;
* a report is linked to a study when the caller says it sits in that study's folder, or when an accession number
  the crosswalk knows appears in its file name, its text (after a cue such as ``Acc#``) or its HL7 OBR/ORC.

Pure Python, no AWS imports: the Lambda passes S3 streams, the CLI passes files.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import partial
from typing import IO, TYPE_CHECKING, Literal

from aiminer.crosswalk import Kind, random_code
from aiminer.dicom.engine import EngineConfig, deidentify_stream, identity_key
from aiminer.errors import AiminerError, QuarantineError, RejectedError

if TYPE_CHECKING:
    from aiminer.crosswalk import Coder
    from aiminer.text.identity import IdentityContext
    from aiminer.text.table import TableSchema

ObjectKind = Literal["dicom", "report", "hl7", "table", "other"]
Status = Literal["deidentified", "quarantined", "rejected"]

#: How much of an object the type sniffer looks at.
SNIFF_BYTES = 4096
#: Reports and tables are read whole; larger "text" is not a report.
MAX_TEXT_BYTES = 32 * 1024 * 1024
_DICOM_SUFFIXES = (".dcm", ".dicom", ".ima", ".dic")
_ACCESSION_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{4,19}")


@dataclass(frozen=True)
class ObjectContext:
    """What processing one object needs: the DICOM engine configuration plus text settings."""

    engine: EngineConfig
    report_style: Literal["tags", "surrogates"] = "tags"
    table_schema: TableSchema | None = None

    @property
    def coder(self) -> Coder:
        """The crosswalk coder of the project."""
        return self.engine.coder

    @property
    def site_code(self) -> str:
        """The partner's coded site."""
        return self.engine.site_code


@dataclass(frozen=True)
class ObjectOutcome:
    """What happened to one object (no PHI): the receipt line, the catalogue item and the audit record use it."""

    kind: ObjectKind
    status: Status
    reason: str | None = None
    output: str | None = None  # PHI-free relative path / object key
    patient: str | None = None
    study: str | None = None
    series: str | None = None
    modality: str = ""
    body_part: str = ""
    year: str = ""
    policy_id: str = ""
    pixels_masked: bool = False
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def linked_study(self) -> str | None:
        """For reports and tables: the coded study they were linked to (None: not linked)."""
        return self.study if self.kind in ("report", "hl7", "table") else None


def _site_context(ctx: ObjectContext) -> IdentityContext | None:
    """The partner's own site name (``--site``) as an institution every report and table is scrubbed with: a note or
    a table column that names the site (``St. Brigid's Medical Center`` in a kept SITENAME column; red team 19) names
    where the patient was seen, as the DICOM header's institution does."""
    from aiminer.text.identity import IdentityContext

    name = ctx.engine.site_name.strip()
    return IdentityContext(institutions=(name,)) if name else None


def _context_for_study(coder: Coder, site_code: str, study_code: str) -> tuple[IdentityContext | None, str | None]:
    from aiminer.text.identity import IdentityContext

    raw = coder.recall(Kind.PATIENT_IDENTITY, site_code, identity_key(study_code))
    if raw is None:
        return IdentityContext(study_code=study_code), None
    rec = json.loads(raw)
    ctx = IdentityContext(
        patient_names=tuple(rec["names"]),
        other_names=tuple(rec["other_names"]),
        patient_ids=tuple(rec["ids"]),
        accessions=(rec["accession"],) if rec["accession"] else (),
        birth_dates=(rec["birth_date"],) if rec["birth_date"] else (),
        institutions=(rec["institution"],) if rec["institution"] else (),
        patient_code=rec["patient_code"],
        study_code=study_code,
    )
    return ctx, rec["patient_code"]


def _study_from_name(coder: Coder, site_code: str, name: str) -> str | None:
    for token in _ACCESSION_TOKEN.findall(name):
        code = coder.study_for_accession(site_code, token)
        if code is not None:
            return code
    return None


def _object_code(coder: Coder, site_code: str, prefix: str, data: bytes) -> str:
    """A random code for a report/table, stable for the same content (re-uploads overwrite, never duplicate)."""
    digest = hashlib.sha256(data).hexdigest()
    return coder.assign_code(Kind.OBJECT, site_code, digest, random_code(prefix))


def process_object(
    src: IO[bytes],
    dst: IO[bytes],
    name: str,
    ctx: ObjectContext,
    folder_study: str | None = None,
    sniffed: str | None = None,
) -> ObjectOutcome:
    """De-identify one object from ``src`` into ``dst``.

    ``name`` is the object's file name or key (may hold PHI: used only to link a report to a study, never
    copied). ``folder_study`` is the coded study of DICOM files in the same folder, when there is exactly one.
    ``sniffed`` is what :func:`aiminer.text.sniff.sniff` already said of this object's first 4 KB, if the caller
    looked (the CLI does, to order DICOM first); it saves reading and sniffing the head twice.
    """
    from aiminer.text.errors import TextDeidError
    from aiminer.text.sniff import sniff, table_by_header

    head = src.read(SNIFF_BYTES)
    src.seek(0)
    if not head:
        return ObjectOutcome("other", "quarantined", "empty_file")
    try:
        kind = sniffed or sniff(head, name)
    except Exception:  # a defect in the sniffer must cost one object, never the run (the message may quote it)
        return ObjectOutcome("other", "quarantined", "processing_error")
    if kind == "report" and ctx.table_schema is not None:
        schema = ctx.table_schema
        kind = table_by_header(head, lambda column: schema.role(column) is not None) or kind
    if kind != "dicom" and name.lower().endswith(_DICOM_SUFFIXES):
        # The name promises DICOM and the content is something else: a corrupt or mislabelled export.
        return ObjectOutcome("other", "quarantined", "not_dicom")
    if head.startswith((b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return ObjectOutcome("other", "quarantined", "unsupported_type")  # PDF, ZIP/Office, legacy Office
    if kind == "other" and _textual_bytes(head):
        # text in no encoding the decoder accepts (a table whose rows mix Latin-1 and UTF-8; red team 19): the
        # reason says so, not "unsupported_type"
        return ObjectOutcome("other", "quarantined", "decode_error")
    try:
        if kind == "dicom":
            return _dicom(src, dst, ctx)
        if kind in ("hl7", "report"):
            return _report(src, dst, name, ctx, folder_study, hl7=kind == "hl7")
        if kind in ("table_csv", "table_tsv", "table_json"):
            return _table(src, dst, ctx, kind.removeprefix("table_"))
    except QuarantineError as exc:
        return ObjectOutcome(_kind(kind), "quarantined", exc.reason)
    except RejectedError as exc:
        return ObjectOutcome(_kind(kind), "rejected", exc.reason)
    except (AiminerError, TextDeidError) as exc:  # text errors carry machine-readable reasons too
        return ObjectOutcome(_kind(kind), "quarantined", exc.reason)
    except OSError:
        raise  # I/O: the caller retries (Lambda) or reports it (CLI); the object is not at fault
    except Exception:  # a defect must cost one object, never the run; the message may quote the file, so drop it
        return ObjectOutcome(_kind(kind), "quarantined", "processing_error")
    return ObjectOutcome("other", "quarantined", "unsupported_type")  # names promising DICOM were handled above


def _textual_bytes(head: bytes) -> bool:
    """Whether bytes look like text in some 8-bit or UTF-8 encoding: no NUL, and control bytes only as line breaks
    and tabs (so a binary file stays ``unsupported_type``)."""
    if not head or b"\x00" in head:
        return False
    controls = sum(1 for b in head if b < 0x20 and b not in (0x09, 0x0A, 0x0D))
    return controls == 0


def _kind(sniffed: str) -> ObjectKind:
    if sniffed.startswith("table"):
        return "table"
    return sniffed if sniffed in ("dicom", "report", "hl7") else "other"  # type: ignore[return-value]


def _dicom(src: IO[bytes], dst: IO[bytes], ctx: ObjectContext) -> ObjectOutcome:
    result = deidentify_stream(src, dst, ctx.engine)
    coded = result.coded
    return ObjectOutcome(
        kind="dicom",
        status="deidentified",
        output=coded.relative_path(),
        patient=coded.patient,
        study=coded.study,
        series=coded.series,
        modality=result.modality,
        body_part=result.body_part,
        year=result.year,
        policy_id=result.policy_id,
        pixels_masked=result.pixels_masked,
        counts=result.counts,
    )


def _read_text(src: IO[bytes]) -> tuple[bytes, str]:
    from aiminer.text.decode import decode_text

    data = src.read(MAX_TEXT_BYTES + 1)
    if len(data) > MAX_TEXT_BYTES:
        raise QuarantineError("too_large", "text objects are read whole and this one is too large")
    return data, decode_text(data)


def _report(
    src: IO[bytes], dst: IO[bytes], name: str, ctx: ObjectContext, folder_study: str | None, hl7: bool
) -> ObjectOutcome:
    from aiminer.text.hl7 import deidentify_hl7, split_pasted, starts_as_message
    from aiminer.text.report import Surrogates, scrub_text
    from aiminer.text.sniff import looks_like_hl7

    data, text = _read_text(src)
    hl7 = hl7 or looks_like_hl7(text)  # HL7 segments past the sniffed head, or after a corrupt MSH
    coder, site = ctx.coder, ctx.site_code
    project = coder.project
    code = _object_code(coder, site, "R", data)
    study = folder_study or _study_from_name(coder, site, name)
    pasted = split_pasted(text) if hl7 and not starts_as_message(text) else []
    if any(is_hl7 for _, is_hl7 in pasted):
        # a note with a message pasted into it (an interface ticket): each message through the HL7 engine, the prose
        # around them through the report scrubber with what the messages said of their patient and staff
        out_text, patient, study, counts = _note_with_messages(pasted, ctx, code, study)
        kind: ObjectKind = "report"
        hl7 = False
    elif hl7:
        site_context = _site_context(ctx)

        def context_for(accessions: tuple[str, ...]) -> IdentityContext | None:
            found = None
            for acc in accessions:
                linked = coder.study_for_accession(site, acc)
                if linked is not None:
                    found = _context_for_study(coder, site, linked)[0]
                    break
            else:
                found = _context_for_study(coder, site, study)[0] if study else None
            return found.merged(site_context) if found is not None else site_context

        res = deidentify_hl7(
            text,
            coder,
            site,
            context_for=context_for,
            style=ctx.report_style,
            control_id=lambda n: _control_id(code, n),
            surrogates=Surrogates(code),  # seeded by the random object code: a replay writes the same bytes
        )
        out_text, patient = res.text, res.patient_code
        study = study or (res.study_codes[0] if res.study_codes else None)
        counts = dict(res.findings)
        kind = "hl7"
    else:

        def lookup(acc: str) -> str | None:
            return coder.study_for_accession(site, acc)

        context, patient = _context_for_study(coder, site, study) if study else (None, None)
        site_context = _site_context(ctx)
        scrubbed = scrub_text(
            text,
            context.merged(site_context) if context is not None else site_context,
            style=ctx.report_style,
            accession_lookup=lookup,
            surrogates=Surrogates(code) if ctx.report_style == "surrogates" else None,
        )
        out_text, counts, kind = scrubbed.text, scrubbed.counts(), "report"
        if study is None:  # an accession the crosswalk knows, found in the text by its cue
            study = next(
                (
                    c
                    for c in _STUDY_CODE.findall(out_text)
                    if coder.recall(Kind.PATIENT_IDENTITY, site, identity_key(c)) is not None
                ),
                None,
            )
            if study is not None:
                _, patient = _context_for_study(coder, site, study)
    if study is not None and patient is None:
        _, patient = _context_for_study(coder, site, study)
    ext = "hl7" if hl7 else "txt"
    where = f"{patient or 'unlinked'}/{study}" if study else "unlinked"
    dst.write(out_text.encode("utf-8"))
    return ObjectOutcome(
        kind=kind,
        status="deidentified",
        output=f"{project}/{site}/{where}/reports/{code}.{ext}",
        patient=patient,
        study=study,
        policy_id="aiminer-safe-harbor@1",
        counts=counts,
    )


_STUDY_CODE = re.compile(r"\bST-[0-9A-HJKMNP-TV-Z]{10}\b")


def _note_with_messages(
    pieces: list[tuple[str, bool]], ctx: ObjectContext, code: str, study: str | None
) -> tuple[str, str | None, str | None, dict[str, int]]:
    """De-identify a note and the HL7 messages pasted into it: (text, coded patient, coded study, counts)."""
    from aiminer.text.hl7 import deidentify_hl7
    from aiminer.text.report import Surrogates, scrub_text, with_names_from

    coder, site = ctx.coder, ctx.site_code
    surrogates = Surrogates(code)  # one table for the note and its messages, seeded: a replay writes the same bytes
    done: dict[int, str] = {}
    learned: IdentityContext | None = None
    patient: str | None = None
    counts: dict[str, int] = {}
    sent = 0
    for i, (piece, is_hl7) in enumerate(pieces):
        if not is_hl7:
            continue
        first = sent
        res = deidentify_hl7(
            piece,
            coder,
            site,
            style=ctx.report_style,
            control_id=partial(_nth_control_id, code, first),
            surrogates=surrogates,
        )
        sent += sum(1 for line in res.text.split("\r") if line.startswith("MSH"))
        done[i] = _as_pasted(res.text, piece)
        learned = res.context if learned is None else learned.merged(res.context)
        patient = patient or res.patient_code
        study = study or (res.study_codes[0] if res.study_codes else None)
        for category, n in res.findings.items():
            counts[category] = counts.get(category, 0) + n
    context = _context_for_study(coder, site, study)[0] if study else None
    context = learned if context is None else context.merged(learned)
    prose = [piece for piece, is_hl7 in pieces if not is_hl7]
    context = with_names_from(context, prose) if context is not None else None
    for i, (piece, is_hl7) in enumerate(pieces):
        if is_hl7:
            continue
        scrubbed = scrub_text(
            piece,
            context,
            style=ctx.report_style,
            accession_lookup=lambda acc: coder.study_for_accession(site, acc),
            surrogates=surrogates if ctx.report_style == "surrogates" else None,
        )
        done[i] = scrubbed.text
        for category, n in scrubbed.counts().items():
            counts[category] = counts.get(category, 0) + n
    return "".join(done[i] for i in range(len(pieces))), patient, study, counts


def _nth_control_id(code: str, first: int, n: int) -> str:
    """The control ID of a note's n-th pasted message after ``first`` others (numbered through the note)."""
    return _control_id(code, first + n)


def _as_pasted(message: str, piece: str) -> str:
    """A de-identified message (segments ended by CR) laid out as it was pasted: the piece's own line breaks."""
    breaks = _PASTED_BREAK.findall(piece)
    inner = breaks[0] if breaks else "\r"
    body = message.rstrip("\r").replace("\r", inner)
    trailing = _PASTED_BREAK.search(piece[-2:]) if piece.endswith(("\r", "\n")) else None
    return body + (trailing.group() if trailing else "")


_PASTED_BREAK = re.compile(r"\r\n|\r|\n")


def _control_id(code: str, n: int) -> str:
    """The n-th message's MSH-10: stable for the same export (the scrubber's default is random per call, so a replay
    or a re-upload of the same HL7 file wrote different bytes under the same key, and a released object no longer
    matched its catalogue SHA-256). The first 16 hex digits of SHA-256(object code, n): derived from the object's
    random code (crosswalk, stable per content), never from PHI."""
    return hashlib.sha256(f"{code}\nMSH-10\n{n}".encode()).hexdigest()[:16]


def _table(src: IO[bytes], dst: IO[bytes], ctx: ObjectContext, fmt: str) -> ObjectOutcome:
    from aiminer.text.table import deidentify_table

    if ctx.table_schema is None:
        raise QuarantineError("no_table_schema", "tables need the project's column schema (--table-schema)")
    data, text = _read_text(src)
    coder, site = ctx.coder, ctx.site_code

    code = _object_code(coder, site, "T", data)
    site_context = _site_context(ctx)
    res = deidentify_table(
        text,
        fmt,  # type: ignore[arg-type]
        ctx.table_schema,
        coder,
        site,
        context_for=(lambda _row: site_context) if site_context is not None else None,
        surrogate_seed=code,
    )
    dst.write(res.text.encode("utf-8"))
    study = res.study_codes[0] if len(set(res.study_codes)) == 1 else None
    return ObjectOutcome(
        kind="table",
        status="deidentified",
        output=f"{coder.project}/{site}/tables/{code}.{fmt}",
        study=study,
        policy_id="aiminer-safe-harbor@1",
        counts=dict(res.findings),
    )
