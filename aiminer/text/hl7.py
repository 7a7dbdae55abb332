"""HL7 v2 messages (ORU and friends): scrub the identifying segments and fields, and the report text in OBX.

Each field of the segments that carry identity has an action (:data:`FIELD_ACTIONS`). Fields not listed in a
known segment, and every field of an unknown segment (``Z*`` included), go through :func:`scrub_text`, so
nothing passes unexamined. Separators come from MSH-1/MSH-2; escapes (``\\F\\ \\S\\ \\T\\ \\R\\ \\E\\``) are
decoded before scrubbing and re-encoded after.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from aiminer.crosswalk import Coder, random_code
from aiminer.text.dates import year_may_stay
from aiminer.text.errors import TextDeidError
from aiminer.text.identity import IdentityContext
from aiminer.text.names import ID_CARET_NAME_RE
from aiminer.text.patterns import US_STATES
from aiminer.text.report import DatePolicy, Style, Surrogates, scrub_text, with_names_from

if TYPE_CHECKING:
    from collections.abc import Callable

# Actions: keep, blank, date, name, patient_id, patient_name, accession, site, text, address, control_id
FIELD_ACTIONS: dict[str, dict[int, str]] = {
    "MSH": {3: "text", 4: "site", 5: "text", 6: "blank", 7: "date", 9: "keep", 10: "control_id", 11: "keep",
            12: "keep"},
    "EVN": {1: "keep", 2: "date", 3: "date", 4: "keep", 5: "blank", 6: "date", 7: "blank"},
    "PID": {
        1: "keep", 2: "patient_id", 3: "patient_id", 4: "patient_id", 5: "patient_name", 6: "blank", 7: "date",
        8: "keep", 9: "blank", 10: "keep", 11: "address", 12: "blank", 13: "blank", 14: "blank", 15: "keep",
        16: "keep", 17: "keep", 18: "blank", 19: "blank", 20: "blank", 21: "blank", 22: "keep", 23: "blank",
        24: "keep", 25: "keep", 26: "keep", 27: "keep", 28: "keep", 29: "date", 30: "keep",
    },
    "PV1": {
        1: "keep", 2: "keep", 3: "blank", 4: "keep", 5: "blank", 6: "blank", 7: "blank", 8: "blank", 9: "blank",
        10: "keep", 11: "blank", 14: "keep", 17: "blank", 18: "keep", 19: "blank", 39: "blank", 44: "date",
        45: "date", 50: "blank", 52: "blank",
    },
    "ORC": {
        1: "keep", 2: "accession", 3: "accession", 4: "accession", 5: "keep", 9: "date", 10: "blank", 11: "blank",
        12: "blank", 13: "blank", 14: "blank", 15: "date", 17: "blank", 19: "blank", 21: "blank", 22: "blank",
        23: "blank", 24: "blank",
    },
    "OBR": {
        1: "keep", 2: "accession", 3: "accession", 4: "keep", 6: "date", 7: "date", 8: "date", 10: "blank",
        13: "text", 14: "date", 16: "blank", 17: "blank", 18: "accession", 19: "accession", 20: "accession",
        21: "accession", 22: "date", 24: "keep", 25: "keep", 27: "text", 28: "blank", 31: "text", 32: "blank",
        33: "blank", 34: "blank", 35: "blank", 36: "date",
    },
    "OBX": {1: "keep", 2: "keep", 3: "keep", 4: "keep", 5: "text", 6: "keep", 7: "keep", 8: "keep", 11: "keep",
            14: "date", 15: "blank", 16: "blank", 18: "blank", 19: "date", 23: "blank", 24: "blank", 25: "blank"},
    "NTE": {1: "keep", 2: "keep", 3: "text", 4: "keep"},
    "TXA": {1: "keep", 2: "keep", 4: "date", 5: "blank", 6: "date", 7: "date", 8: "date", 9: "blank",
            10: "blank", 11: "blank", 12: "blank", 13: "blank", 14: "blank", 15: "blank", 16: "blank", 22: "blank"},
    "DG1": {1: "keep", 2: "keep", 3: "keep", 4: "text", 5: "date", 6: "keep", 16: "blank"},
}  # fmt: skip
# Segments about other people or money: everything but the set ID goes.
BLANK_SEGMENTS = frozenset({"NK1", "GT1", "IN1", "IN2", "IN3", "PD1", "MRG", "ROL", "ACC", "UB1", "UB2", "CTD", "PRD"})
_TS_YEAR = re.compile(r"^\s*(\d{4})")
_SET_ID = re.compile(r"\d{0,4}")
#: Segment IDs of HL7 v2.1-v2.9 (Z segments are site-defined and accepted too). A line that starts with anything
#: else is not a segment the field actions can be trusted on: a corrupt ID, or text cut from another segment.
STANDARD_SEGMENTS = frozenset(
    """ABS ACC ADD ADJ AFF AIG AIL AIP AIS AL1 APR ARQ ARV AUT BHS BLC BLG BPO BPX BTS BTX BUI CDM CDO CER CM0 CM1
    CM2 CNS CON CSP CSR CSS CTD CTI CTR DB1 DG1 DMI DON DPS DRG DSC DSP DST ECD ECR EDU EQL EQP EQU ERQ ERR EVN FAC
    FHS FT1 FTS GOL GP1 GP2 GT1 IAM IAR IIM ILT IN1 IN2 IN3 INV IPC IPR ISD ITM IVC IVT LAN LCC LCH LDP LOC LRL MCP
    MFA MFE MFI MRG MSA MSH NCK NDS NK1 NPU NSC NST NTE OBR OBX ODS ODT OM1 OM2 OM3 OM4 OM5 OM6 OM7 ORC ORG OVR PAC
    PCE PCR PD1 PDA PDC PEO PES PID PKG PM1 PMT PR1 PRA PRB PRC PRD PRT PSG PSH PSL PSS PTH PV1 PV2 PYE QAK QID QPD
    QRD QRF QRI RCP RDF RDT REL RF1 RFI RGS RMI ROL RQ1 RQD RXA RXC RXD RXE RXG RXO RXR RXV SAC SCD SCH SCP SDD SFT
    SGH SGT SHP SID SLT SPM SPR STF STZ TCC TCD TQ1 TQ2 TXA UAC UB1 UB2 URD URS VAR VND""".split()
)
_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{2}")
# Characters no segment may hold raw (they are escaped in HL7): C0/C1 controls but tab, and Unicode line breaks.
_RAW_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
# A field ending with a segment ID right after a value (no space: "NEUT ABS" is a lab test, "SMITHPV1" is two
# segments run together, a lost segment terminator) and followed by a set ID.
_ENDS_WITH_SEGMENT = re.compile(r"(?:^|\S)(?:" + "|".join(sorted(STANDARD_SEGMENTS)) + r")$")
_SET_ID = re.compile(r"\d{1,4}")


@dataclass(frozen=True)
class HL7Result:
    """A de-identified HL7 message (or batch) and what links it to studies.

    ``accessions`` are the original accession numbers found in ORC/OBR (for the caller to link reports to
    studies; they are PHI and must stay in the partner zone), ``study_codes`` the coded studies written in
    their place, ``patient_code`` the coded patient of PID-3 (``None`` without PID), and ``findings`` the
    number of identifiers removed from free text per category.
    """

    text: str
    accessions: tuple[str, ...]
    study_codes: tuple[str, ...]
    patient_code: str | None
    findings: dict[str, int]
    #: what the messages said of their patient and staff (names, IDs, addresses): context for scrubbing the prose
    #: around a message pasted into a note. PHI: in memory only, never written or returned outside the partner zone.
    context: IdentityContext | None = None


@dataclass(frozen=True)
class _Seps:
    field: str
    component: str
    repetition: str
    escape: str
    subcomponent: str


def _separators(msh: str) -> _Seps:
    if len(msh) < 8 or not msh.startswith("MSH"):
        raise TextDeidError("not_hl7", "no MSH segment")
    field = msh[3]
    enc = msh[4:].split(field, maxsplit=1)[0]
    # MSH-2: component, repetition, escape and subcomponent characters (v2.7+ adds truncation), all distinct
    # punctuation; anything else splits the message where its sender did not, and the field actions miss.
    if not (
        4 <= len(enc) <= 5 and len(set(enc + field)) == len(enc) + 1 and all(_separator_ok(c) for c in enc + field)
    ):
        raise TextDeidError("malformed_hl7", "the separators of MSH-1/MSH-2 are invalid")
    return _Seps(field, enc[0], enc[1], enc[2], enc[3])


def _separator_ok(char: str) -> bool:
    return char.isascii() and char.isprintable() and not char.isalnum() and not char.isspace()


# What a kept state (XAD.4) or country (XAD.6) may be: a US state's code or name, or a 2-3 letter code (a country,
# a province). Anything else in those places (a city or street moved there by repeated components) goes.
_REGION_CODE = re.compile(r"[A-Z]{2,3}")


def _kept_region(value: str) -> str:
    value = value.strip()
    return value if _REGION_CODE.fullmatch(value) or value.lower() in US_STATES else ""


#: Distinct field values one message may hold (each is scrubbed): a radiology result has hundreds at most.
MAX_DISTINCT_VALUES = 50_000
#: The most fields a segment has in HL7 v2.9 (a few spare): more means segments merged (a lost terminator).
MAX_FIELDS = {"MSH": 28, "EVN": 9, "PID": 41, "PD1": 23, "PV1": 55, "PV2": 51, "ORC": 36, "OBR": 56, "OBX": 32}
#: MSH fields that are kept as they are, and the shape their value must have (anything else is a shifted field).
_MSH_KEPT_SHAPES = {
    9: re.compile(r"[A-Z0-9]{2,4}(?:[^\w\s][A-Z0-9]{2,4}(?:[^\w\s][A-Z0-9_]{2,10})?)?"),  # ORU^R01^ORU_R01
    11: re.compile(r"[DPT](?:[^\w\s][A-Z]?)?"),  # processing ID
    12: re.compile(r"\d\.\d{1,2}(?:\.\d{1,2})?(?:[^\w\s].{0,40})?"),  # version ID
}


def _check_structure(segments: list[list[str]]) -> None:
    """Refuse a message whose segments cannot be told apart: the field actions would apply to the wrong values."""
    for seg in segments:
        name = seg[0]
        if not _SEGMENT_ID.fullmatch(name) or not (name in STANDARD_SEGMENTS or name.startswith("Z")):
            raise TextDeidError("malformed_hl7", "a segment has no valid segment ID")
        if len(seg) > MAX_FIELDS.get(name, 1000):
            raise TextDeidError("malformed_hl7", "a segment has more fields than the standard defines")
        if name == "MSH":
            for n, shape in _MSH_KEPT_SHAPES.items():
                value = seg[n - 1].strip() if n - 1 < len(seg) else ""  # seg[1] is MSH-2 (MSH-1 is the separator)
                if value and not shape.fullmatch(value):
                    raise TextDeidError("malformed_hl7", "an MSH field holds something else (fields have shifted)")
        for i, value in enumerate(seg):
            if _RAW_CONTROL.search(value):
                raise TextDeidError("malformed_hl7", "a segment holds raw control characters")
            if i and (
                (value in STANDARD_SEGMENTS and i + 1 < len(seg))  # "...||PV1||I|...": a whole segment ID
                or (i + 1 < len(seg) and _ENDS_WITH_SEGMENT.search(value) and _SET_ID.fullmatch(seg[i + 1]))
            ):
                raise TextDeidError("malformed_hl7", "two segments run together (a segment terminator is missing)")


def unescape(value: str, seps: _Seps) -> str:
    """Decode HL7 escape sequences (``\\F\\``, ``\\S\\``, ``\\T\\``, ``\\R\\``, ``\\E\\``, ``\\.br\\``, ``\\Xhh\\``)."""
    e = seps.escape
    if e not in value:
        return value
    table = {"F": seps.field, "S": seps.component, "T": seps.subcomponent, "R": seps.repetition, "E": e, ".br": "\n"}

    def repl(m: re.Match[str]) -> str:
        code = m.group(1)
        if code in table:
            return table[code]
        if code.startswith("X") and re.fullmatch(r"X(?:[0-9A-Fa-f]{2})+", code):
            try:
                return bytes.fromhex(code[1:]).decode("latin-1")
            except ValueError:
                return ""
        return ""  # formatting escapes (\H\, \N\, \.sp\ ...) carry no content

    return re.sub(re.escape(e) + r"([^" + re.escape(e) + r"]*)" + re.escape(e), repl, value)


def escape(value: str, seps: _Seps) -> str:
    """Encode the separator characters of ``value`` as HL7 escapes (newlines as ``\\.br\\``)."""
    e = seps.escape
    out = value.replace(e, f"{e}E{e}")
    out = out.replace(seps.field, f"{e}F{e}").replace(seps.component, f"{e}S{e}")
    out = out.replace(seps.subcomponent, f"{e}T{e}").replace(seps.repetition, f"{e}R{e}")
    return out.replace("\r\n", f"{e}.br{e}").replace("\n", f"{e}.br{e}").replace("\r", f"{e}.br{e}")


def _year_of(value: str) -> str:
    m = _TS_YEAR.match(value)
    return m.group(1) if m and year_may_stay(int(m.group(1))) else ""


class _Message:
    """Mutable working copy of the segments of one message (lists of fields)."""

    def __init__(self, segments: list[list[str]], seps: _Seps) -> None:
        self.segments = segments
        self.seps = seps

    def fields(self, name: str) -> list[list[str]]:
        return [s for s in self.segments if s and s[0] == name]


def _get(seg: list[str], n: int, is_msh: bool) -> str:
    idx = n - 1 if is_msh else n
    return seg[idx] if idx < len(seg) else ""


def _set(seg: list[str], n: int, is_msh: bool, value: str) -> None:
    idx = n - 1 if is_msh else n
    if idx < len(seg):
        seg[idx] = value


def _components(value: str, seps: _Seps) -> list[str]:
    return value.split(seps.component)


def deidentify_hl7(
    text: str,
    coder: Coder,
    site_code: str,
    context_for: Callable[[tuple[str, ...]], IdentityContext | None] | None = None,
    style: Style = "tags",
    date_policy: DatePolicy = "year",
    default_issuer: str = "",
    control_id: Callable[[int], str] | None = None,
    surrogates: Surrogates | None = None,
) -> HL7Result:
    """De-identify an HL7 v2 message or a file of several messages.

    Parameters
    ----------
    text
        Decoded message text; segments separated by CR, LF or CRLF (MLLP framing bytes are dropped).
    coder
        Assigns coded patient, study and site IDs (the same crosswalk as the DICOM engine, so a report gets the
        codes of its images).
    site_code
        Coded site of the partner that uploaded the message.
    context_for
        Optional callback given the message's accession numbers; returns what else is known about the patient
        and study (e.g. names from the DICOM headers of the same study in this run).
    style, date_policy
        As for :func:`aiminer.text.report.scrub_text`.
    default_issuer
        Issuer of patient IDs when PID-3 names no assigning authority (use the site's issuer, as the DICOM
        engine does for IssuerOfPatientID).
    control_id
        The new MSH-10 of the n-th message (from 0): a function of something stable for the same file (its coded
        object ID), so a replay writes the same bytes; never of the message's content (the control ID may be
        traceable at the sender). Without it each message gets a fresh random one.
    surrogates
        For ``style="surrogates"``: the table of fake values, one for the whole file (see
        :class:`aiminer.text.report.Surrogates`: seeded, a replay writes the same bytes); a random one when not
        given.

    Returns
    -------
    HL7Result
        The de-identified text (segments joined with CR), accession numbers found and their coded studies.

    Raises
    ------
    TextDeidError
        ``reason="not_hl7"`` when there is no MSH segment; ``reason="malformed_hl7"`` when the separators are
        invalid, a line is not a segment (unknown ID, raw control characters) or two segments run together.
    """
    text = text.strip("\x0b\x1c\r\n \ufeff")
    lines = [line.strip("\x0b\x1c") for line in re.split(r"\r\n|\r|\n", text)]  # MLLP framing of batch files
    lines = [line for line in lines if line.strip()]
    if not lines or not lines[0].startswith(("MSH", "FHS", "BHS")):
        raise TextDeidError("not_hl7", "no MSH segment")
    msh_line = next((line for line in lines if line.startswith("MSH")), None)
    if msh_line is None:
        raise TextDeidError("not_hl7", "no MSH segment")
    seps = _separators(msh_line)
    # Split into messages at each MSH (batch files); FHS/BHS/BTS/FTS are handled like unknown segments.
    messages: list[list[list[str]]] = []
    for line in lines:
        seg = line.split(seps.field)
        if seg[0] == "MSH" or not messages:
            messages.append([])
        messages[-1].append(seg)
    for line in lines[1:]:
        if line.startswith("MSH") and _separators(line) != seps:
            raise TextDeidError("malformed_hl7", "a later MSH segment has other separators (a damaged segment ID?)")
    for segs in messages:
        _check_structure(segs)
    out_lines: list[str] = []
    accessions: list[str] = []
    study_codes: list[str] = []
    patient_code: str | None = None
    learned: IdentityContext | None = None
    counts: dict[str, int] = {}
    new_control_id = control_id or _random_control_id
    if style != "surrogates":
        surrogates = None
    elif surrogates is None:
        surrogates = Surrogates()
    sent = 0  # messages (MSH segments) so far: a batch file's FHS/BHS header has none
    for segs in messages:
        msg = _Message(segs, seps)
        res = _deidentify_message(
            msg,
            coder,
            site_code,
            context_for,
            style,
            date_policy,
            default_issuer,
            counts,
            partial(new_control_id, sent),
            surrogates,
        )
        sent += segs[0][0] == "MSH"
        accessions += [a for a in res[0] if a not in accessions]
        study_codes += [c for c in res[1] if c not in study_codes]
        patient_code = patient_code or res[2]
        learned = res[3] if learned is None else learned.merged(res[3])
        out_lines += [seps.field.join(s) for s in msg.segments]
    return HL7Result("\r".join(out_lines) + "\r", tuple(accessions), tuple(study_codes), patient_code, counts, learned)


#: Coding systems of a coded element (CE/CWE: CODE^TEXT^SYSTEM), which has the shape of a person's XCN
#: (ID^FAMILY^GIVEN): "2823-3^Potassium^LN" is LOINC's potassium, not Dr. Potassium (blind set 13).
_CODING_SYSTEMS = frozenset(
    "LN SNM SNM3 SCT SNOMED SRT I9 I9C I9CM I10 I10C I10P ICD9 ICD10 ICD10CM ICD10PCS CPT CPT4 C4 C5 HCPCS HCPT "
    "NDC RXNORM RXN MDC UCUM DCM L LOCAL ISO CVX MVX NCIT NCI RADLEX RID NUCC".split()
)
#: An HL7 table as a coding system ("E^Emergency^HL70007", "SPO^Spouse^HL70063"; red team 17).
_HL7_TABLE = re.compile(r"HL7\d{4}|HL7[A-Z]{0,3}\d{3,4}|NIP\d{3}")
_LOINC_CODE = re.compile(r"\d{1,7}-\d")


def standard_code(comps: list[str]) -> bool:
    """A coded element of a public coding system (LOINC, SNOMED, ICD, CPT, CVX, an HL7 table...): its code can be kept
    as it is. Not a local one (``L``, ``99...``): a site may code anything there, an identifier too."""
    system = comps[2].strip().upper()
    return _coded_element(comps) and system not in ("L", "LOCAL") and not system.startswith("99")


#: A component of a coded element with spaces or more than 20 characters is text, whatever its position says.
_FREE_TEXTISH = re.compile(r"\s|^.{21,}$")
#: A family name in an XCN: letters, with hyphens and apostrophes inside ("ASANTE-BLOOM", "O'NEILL"; not spaces:
#: "CTCHPE^CT ANGIO CHEST PE PROTOCOL^IMGPROC" is an order code;
#: red team 17 found hyphenated staff names kept in RXA-10 and PRT-5).
_NAME_PART = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")


def _coded_element(comps: list[str]) -> bool:
    """Whether CODE^TEXT^SYSTEM components are a coded element: a coding system named third (or a local one,
    99xxx), or a LOINC code first."""
    system = comps[2].strip().upper()
    return (
        system in _CODING_SYSTEMS
        or system.startswith("99")
        or _HL7_TABLE.fullmatch(system) is not None
        or _LOINC_CODE.fullmatch(comps[0].strip()) is not None
    )


def _identity_from(msg: _Message) -> IdentityContext:
    seps = msg.seps
    names: list[str] = []
    other_names: list[str] = []
    ids: list[str] = []
    other_ids: list[str] = []
    dobs: list[str] = []
    addresses: list[str] = []
    phones: list[str] = []
    for seg in msg.segments:
        name = seg[0]
        is_msh = name == "MSH"

        def reps(n: int, seg: list[str] = seg, is_msh: bool = is_msh) -> list[str]:
            value = _get(seg, n, is_msh)
            return [r for r in value.split(seps.repetition) if r.strip()]

        if name == "PID":
            for r in reps(5) + reps(9):
                names.append(unescape(r.replace(seps.component, "^"), seps))
            for r in reps(6):
                other_names.append(unescape(r.replace(seps.component, "^"), seps))
            for n in (2, 3, 4):
                ids += [unescape(_components(r, seps)[0], seps) for r in reps(n)]
            for n in (18, 19, 20):
                other_ids += [unescape(_components(r, seps)[0], seps) for r in reps(n)]
            dobs += [_get(seg, 7, False)[:8]]
            addresses += [unescape(r.replace(seps.component, "^"), seps) for r in reps(11)]
            for n in (13, 14):
                phones += [unescape(_components(r, seps)[0], seps) for r in reps(n)]
            # An unescaped separator shifts every later field: names and addresses are also taken by their shape
            # wherever they sit in PID, so they are removed from the field they moved into (e.g. a kept code).
            for n in range(1, len(seg)):
                for r in reps(n):
                    comps = [unescape(c, seps).strip() for c in _components(r, seps)]
                    if n not in (5, 6, 9) and _looks_like_xpn(comps):
                        other_names.append(f"{comps[0]}^{comps[1]}")
                    elif len(comps) >= 3 and comps[0].isdigit() and _looks_like_xpn(comps[1:3]):
                        other_names.append(f"{comps[1]}^{comps[2]}")  # an XCN (ID^FAMILY^GIVEN) moved into PID
                    elif n != 11 and _looks_like_xad(comps):
                        addresses.append("^".join(comps))
        else:  # people and addresses by their shape, in any other segment (a PID whose separator was lost sits in MSH)
            # DG1 and OBX hold coded values shaped like a person (CODE^TEXT^SYSTEM): addresses only
            people = name not in ("DG1", "OBX")
            for n in range(1, len(seg)):
                for r in reps(n):
                    comps = _components(r, seps)
                    # XCN (ID^FAMILY^GIVEN^...) and XPN (FAMILY^GIVEN^...) fields of people
                    if (
                        people
                        and len(comps) >= 3
                        and _NAME_PART.fullmatch(comps[1]) is not None
                        and comps[2][:1].isalpha()
                        and not _coded_element(comps)
                    ):
                        other_names.append(f"{comps[1]}^{comps[2]}")
                        if comps[0].strip() and any(c.isdigit() for c in comps[0]):
                            other_ids.append(comps[0])
                    elif (
                        name in ("NK1", "GT1", "IN1") and len(comps) >= 2 and comps[0].isalpha() and comps[1].isalpha()
                    ):
                        other_names.append(f"{comps[0]}^{comps[1]}")
                    elif (name.startswith("Z") or name not in STANDARD_SEGMENTS) and _looks_like_xpn(
                        [unescape(c, seps).strip() for c in comps]
                    ):
                        # FAMILY^GIVEN in a site-defined segment (ZPD) or a PID whose name was damaged: the segment
                        # is emptied, and its people must not stay in the report text
                        other_names.append(f"{comps[0]}^{comps[1]}")
                    elif _looks_like_xad([unescape(c, seps).strip() for c in comps]):
                        # an address wherever it sits (a PID whose segment name was damaged keeps its PID-11)
                        addresses.append("^".join(unescape(c, seps).strip() for c in comps))
    return IdentityContext(
        patient_names=tuple(dict.fromkeys(n for n in names if n.strip("^ "))),
        other_names=tuple(dict.fromkeys(n for n in other_names if n.strip("^ "))),
        patient_ids=tuple(dict.fromkeys(i for i in ids if i.strip())),
        other_ids=tuple(dict.fromkeys(i for i in other_ids if i.strip())),
        birth_dates=tuple(d for d in dobs if len(d) == 8 and d.isdigit()),
        addresses=tuple(a for a in addresses if a.strip("^ ")),
        phones=tuple(p for p in phones if p.strip()),
    )


_NAME_WORD = re.compile(r"[^\W\d_][^\W\d_' -]*[^\W\d_]")
_ZIP = re.compile(r"\d{5}(?:-\d{4})?")


def _looks_like_xpn(comps: list[str]) -> bool:
    """FAMILY^GIVEN: two words of letters (codes such as ``M^Married`` have a one-letter first component)."""
    return len(comps) >= 2 and all(_NAME_WORD.fullmatch(c) for c in comps[:2]) and len(comps[0]) >= 3


def _looks_like_xad(comps: list[str]) -> bool:
    """STREET^OTHER^CITY^STATE^ZIP: several components, one of them a ZIP code."""
    return len(comps) >= 3 and any(_ZIP.fullmatch(c) for c in comps[2:])


def _check_alignment(msg: _Message) -> None:
    """Refuse a message whose fields have shifted (an unescaped separator): the actions would hit the wrong values.

    Two anchors are cheap and exact: the set ID (field 1 of the segments that have one) is a number, and a
    timestamp field starts with a year.
    """
    seps = msg.seps
    for seg in msg.segments:
        actions = FIELD_ACTIONS.get(seg[0])
        if actions is None or seg[0] == "MSH":
            continue
        if seg[0] in _SET_ID_SEGMENTS and len(seg) > 1 and seg[1].strip() and not seg[1].strip().isdigit():
            raise TextDeidError("malformed_hl7", "a set ID is not a number (fields have shifted)")
        for n, action in actions.items():
            if action == "keep" and seg[0] in _CODED_ONLY and n < len(seg):
                for r in seg[n].split(seps.repetition):
                    comps = [unescape(c, seps).strip() for c in _components(r, seps)]
                    xcn = len(comps) >= 3 and comps[0].isdigit() and _looks_like_xpn(comps[1:3])
                    if xcn or (len(comps[0]) >= 4 and _looks_like_xpn(comps)) or _looks_like_xad(comps):
                        raise TextDeidError("malformed_hl7", "a kept field holds a name or an address (shifted)")
            if action != "date" or n >= len(seg):
                continue
            for r in seg[n].split(seps.repetition):
                first = _components(r, seps)[0]
                if first.strip() and not _TS_YEAR.match(first):
                    raise TextDeidError("malformed_hl7", "a timestamp field holds something else (fields have shifted)")


# Segments whose kept fields hold codes only (sex, race, patient class...): a name or an address there was shifted
# into it. (OBR-4, OBX-3 and DG1-3 are kept too, but their text components can look like anything.)
_CODED_ONLY = frozenset({"MSH", "EVN", "PID", "PV1"})
_SET_ID_SEGMENTS = frozenset({"PID", "PV1", "OBR", "OBX", "NTE", "DG1", "NK1", "GT1", "IN1", "TXA"})


def _report_texts(msg: _Message) -> list[str]:
    """The texts whose names go from every field, unescaped: the free text of the observations and notes (OBX-5,
    NTE-3), and every field value with a person in it (``3154^KOWALCZYK^LUCINDA``), whatever segment it is in:
    scrubbed component by component, nothing would see that a lone ``KOWALCZYK`` is a name."""
    fields = {"OBX": 5, "NTE": 3}
    texts = [
        unescape(value, msg.seps)
        for seg in msg.segments
        if seg[0] in fields and (value := _get(seg, fields[seg[0]], False))
    ]
    if len(texts) > 1:
        # a report sent one line per OBX: a signature's label and its name on two lines ("Reading Radiologist:" /
        # "Evander Thornquist"; red team 17) are read together
        texts.append("\n".join(texts))
    component = msg.seps.component
    for seg in msg.segments:
        for value in seg[1:]:
            if component in value:
                shown = unescape(value, msg.seps).replace(component, "^")
                if ID_CARET_NAME_RE.search(shown):  # the name rule that will find it there
                    texts.append(shown)
    return texts


def _random_control_id(_index: int) -> str:
    return secrets.token_hex(8)


def _deidentify_message(
    msg: _Message,
    coder: Coder,
    site_code: str,
    context_for: Callable[[tuple[str, ...]], IdentityContext | None] | None,
    style: Style,
    date_policy: DatePolicy,
    default_issuer: str,
    counts: dict[str, int],
    control_id: Callable[[], str],
    surrogates: Surrogates | None = None,
) -> tuple[list[str], list[str], str | None, IdentityContext]:
    seps = msg.seps
    _check_alignment(msg)
    # 1. identities and accessions, before anything changes
    accessions: list[str] = []
    for seg in msg.segments:
        actions = FIELD_ACTIONS.get(seg[0], {})
        for n, action in actions.items():
            if action == "accession":
                for r in _get(seg, n, seg[0] == "MSH").split(seps.repetition):
                    acc = unescape(_components(r, seps)[0], seps).strip()
                    if acc and acc not in accessions:
                        accessions.append(acc)
    patient_code: str | None = None
    for seg in msg.fields("PID"):
        for n in (3, 2, 4):
            reps = [r for r in _get(seg, n, False).split(seps.repetition) if r.strip()]
            if reps:
                # prefer the MR-typed identifier (CX.5 = "MR"), else the first
                chosen = next((r for r in reps if _components(r, seps)[4:5] == ["MR"]), reps[0])
                comps = _components(chosen, seps)
                issuer = comps[3].split(seps.subcomponent)[0] if len(comps) > 3 else ""
                patient_code = coder.patient(
                    site_code, unescape(issuer or default_issuer, seps), unescape(comps[0], seps)
                )
                break
        if patient_code:
            break
    study_code_of: dict[str, str] = {}
    for acc in accessions:
        code = coder.study_for_accession(site_code, acc)
        if code is None:
            # No image seen yet for this accession: reserve a study code now; the DICOM engine will find it
            # through the same crosswalk entry (study_for_accession) when the images arrive.
            code = coder.link_accession(site_code, acc, random_code("ST"))
        study_code_of[acc] = code
    context = _identity_from(msg)
    context = IdentityContext(
        patient_names=context.patient_names,
        other_names=context.other_names,
        patient_ids=context.patient_ids,
        accessions=tuple(accessions),
        other_ids=context.other_ids,
        birth_dates=context.birth_dates,
        addresses=context.addresses,
        phones=context.phones,
        patient_code=patient_code,
        study_code=study_code_of[accessions[0]] if len(accessions) == 1 else None,
    )
    if context_for is not None:
        context = context.merged(context_for(tuple(accessions)))
    # Names the rules find in the message's report text (OBX-5, NTE-3) go from every field: a PID whose segment
    # name was damaged puts the patient's FAMILY^GIVEN where nothing knows it is a name.
    context = with_names_from(context, _report_texts(msg))

    def lookup(acc: str) -> str | None:
        return study_code_of.get(acc) or coder.study_for_accession(site_code, acc)

    done: dict[str, tuple[str, list[str]]] = {}  # a value repeated (thousands of "TX~TX~...") is scrubbed once

    def scrub(value: str) -> str:
        if not value:
            return value
        if value not in done:
            if len(done) >= MAX_DISTINCT_VALUES:
                raise TextDeidError("too_large", "a message with more distinct values than the scrubber takes")
            plain = unescape(value, seps)
            result = scrub_text(
                plain, context, style=style, date_policy=date_policy, accession_lookup=lookup, surrogates=surrogates
            )
            out = value if result.text == plain else escape(result.text, seps)
            done[value] = (out, [f.category for f in result.findings])
        out, categories = done[value]
        for category in categories:
            counts[category] = counts.get(category, 0) + 1
        return out

    def scrub_structured(value: str) -> str:
        # keep the structure (components) and scrub each piece
        out_reps = []
        for r in value.split(seps.repetition):
            parts = r.split(seps.component)
            # a coded element (CE/CWE: code, text, coding system, then the alternate triplet): its codes and systems
            # stay, its texts are scrubbed ("[ID]^Escherichia coli^SCT" lost its SNOMED code; red team 17)
            coded = len(parts) >= 3 and standard_code([unescape(p, seps) for p in parts])
            comps = []
            for k, c in enumerate(parts):
                if coded and k in (0, 2, 3, 5) and not _FREE_TEXTISH.search(c):
                    comps.append(c)
                else:
                    comps.append(seps.subcomponent.join(scrub(sc) for sc in c.split(seps.subcomponent)))
            if len(parts) >= 3 and "ADDRESS" in done.get(parts[0], ("", []))[1]:
                # an address shifted out of its field (a lost separator put PID-11 in PID-10): a street first, then
                # the other designation, the city and the ZIP go; the state and the country stay as in PID-11
                comps = [
                    _kept_region(unescape(c, seps)) if k in (3, 5) else ("" if k else comps[0])
                    for k, c in enumerate(parts)
                ]
            out_reps.append(seps.component.join(comps))
        return seps.repetition.join(out_reps)

    for seg in msg.segments:
        name = seg[0]
        is_msh = name == "MSH"
        first = 2 if is_msh else 1
        if name in BLANK_SEGMENTS or name.startswith("Z"):
            # Z segments are site-defined: no rule can vouch for any of their fields (a renamed PID is one too).
            # The first field stays only as a set ID, a small number ("ZDS|1.2.840...^EPIC": a study UID goes).
            for i in range(1 if not _SET_ID.fullmatch(seg[1] if len(seg) > 1 else "") else 2, len(seg)):
                seg[i] = ""
            continue
        seg_actions = FIELD_ACTIONS.get(name)
        for n in range(first + (1 if is_msh else 0), len(seg) + (1 if is_msh else 0)):
            value = _get(seg, n, is_msh)
            if not value:
                continue
            action = seg_actions.get(n, "text") if seg_actions is not None else "text"
            if action == "keep":
                # coded fields are kept, but still pass the text scrubber: a sender may put anything anywhere
                new = scrub_structured(value)
            elif action == "blank":
                new = ""
            elif action == "date":
                new = seps.repetition.join(_year_of(r) for r in value.split(seps.repetition))
            elif action == "site":
                new = site_code  # the sending facility is the partner: its coded site ID
            elif action == "control_id":
                new = control_id()
            elif action == "patient_id":
                new = (patient_code or "") if n == 3 else ""
            elif action == "patient_name":
                new = patient_code or ""
            elif action == "accession":
                reps = []
                for r in value.split(seps.repetition):
                    acc = unescape(_components(r, seps)[0], seps).strip()
                    reps.append(study_code_of.get(acc, "") if acc else "")
                new = seps.repetition.join(reps)
            elif action == "address":
                # Safe Harbor keeps the state (XAD.4) and country (XAD.6); everything smaller goes.
                reps = []
                for r in value.split(seps.repetition):
                    comps = _components(r, seps)
                    state = _kept_region(comps[3]) if len(comps) > 3 else ""
                    country = _kept_region(comps[5]) if len(comps) > 5 else ""
                    kept = ["", "", "", state, "", country]  # anything else there (a ZIP moved up) goes too
                    reps.append(seps.component.join(kept).rstrip(seps.component))
                new = seps.repetition.join(reps)
            elif name == "OBX" and n == 5 and _get(seg, 2, False) in ("ED", "RP"):
                # encapsulated documents (base64 PDF...) cannot be scrubbed as text: they are removed
                new = "" if _get(seg, 2, False) == "ED" else scrub_structured(value)
            else:  # text
                new = scrub_structured(value)
            _set(seg, n, is_msh, new)
    return accessions, [study_code_of[a] for a in accessions], patient_code, context


#: A segment line: a segment ID and the field separator (``PID|``), after MLLP framing bytes.
_SEGMENT_LINE = re.compile(r"[\x0b\x1c]*[A-Z][A-Z0-9]{2}\|")
_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")


def starts_as_message(text: str) -> bool:
    """Whether ``text`` is an HL7 file: its first line a message or batch header (``MSH``, ``FHS``, ``BHS``)."""
    return text.strip("\x0b\x1c\r\n \ufeff").startswith(("MSH", "FHS", "BHS"))


def split_pasted(text: str) -> list[tuple[str, bool]]:
    """Split a note into its prose and the HL7 messages pasted into it (an interface ticket quoting the message it
    is about; blind set 13): ``(piece, is_hl7)`` in order, the pieces joined giving back ``text``. A message
    starts at a line that begins with ``MSH|`` and runs while lines are segments (``PID|...``); its line breaks
    are kept with it."""
    parts = _LINE_BREAK.split(text)
    pieces: list[tuple[str, bool]] = []
    current: list[str] = []
    in_message = False
    for i in range(0, len(parts), 2):
        line, brk = parts[i], parts[i + 1] if i + 1 < len(parts) else ""
        bare = line.lstrip("\x0b\x1c")
        segment = bare.startswith("MSH|") or (in_message and _SEGMENT_LINE.match(line) is not None)
        if segment != in_message and current:
            pieces.append(("".join(current), in_message))
            current = []
        in_message = segment
        current += [line, brk]
    if current:
        pieces.append(("".join(current), in_message))
    return pieces
