"""The DICOM de-identification engine: headers in, coded identities out, pixel data streamed through.

:func:`deidentify_stream` reads a Part 10 file from a binary stream, applies a :class:`CompiledPolicy` to every
element of the header (recursively into sequences), rewrites identities with coded IDs from a
:class:`~aiminer.crosswalk.Coder`, and writes the result to another binary stream. The header is parsed with
pydicom (values of large elements deferred); the Pixel Data element is *not* decoded: it is copied byte for byte
in chunks (or frame by frame when burned-in text must be masked), so memory stays flat whatever the file size.

Pure Python: no AWS imports. Errors that mean "quarantine this object" are :class:`QuarantineError` with a
machine-readable reason and never carry a value from the file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import io
import json
import logging
import re
import struct
import warnings
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import IO, TYPE_CHECKING, Any, Protocol

import pydicom
from pydicom import config as pydicom_config
from pydicom.charset import default_encoding
from pydicom.datadict import dictionary_VM, dictionary_VR, tag_for_keyword
from pydicom.dataelem import DataElement, RawDataElement, convert_raw_data_element, empty_value_for_VR
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.filebase import DicomBytesIO, DicomFileLike, DicomIO
from pydicom.filereader import read_dataset
from pydicom.filewriter import correct_ambiguous_vr_element, write_data_element, write_dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.tag import ItemDelimiterTag, ItemTag, SequenceDelimiterTag, Tag
from pydicom.uid import UID, UID_dictionary
from pydicom.valuerep import AMBIGUOUS_VR, EXPLICIT_VR_LENGTH_32

from aiminer import __version__
from aiminer.crosswalk import Kind
from aiminer.dicom import burnedin, codestream
from aiminer.dicom.policy import Act, CompiledPolicy
from aiminer.errors import QuarantineError, RejectedError, StreamError

if TYPE_CHECKING:
    from aiminer.crosswalk import Coder

log = logging.getLogger(__name__)

#: Our implementation identity in the File Meta Information (a fixed 2.25 UID minted for AI MINER).
IMPLEMENTATION_CLASS_UID = "2.25.207935961766744153343591213829349412091"
IMPLEMENTATION_VERSION_NAME = f"AIMINER_{__version__.replace('.', '')}"[:16]

_PIXEL_TAGS = frozenset({0x7FE00010, 0x7FE00008, 0x7FE00009})
_LONG_VRS = frozenset({b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"SQ", b"UN", b"UC", b"UR", b"UT", b"SV", b"UV"})
_CHUNK = 1 << 20
#: How much of each compressed fragment is read for codestream comments (the markers before the compressed data).
_CODESTREAM_HEAD = 256 << 10
#: Values larger than this are not read while parsing the header; most are removed and never read at all.
DEFER_SIZE = 64 * 1024
#: Elements after Pixel Data (padding, rare vendor trailers) are parsed in memory up to this size.
MAX_TRAILER = 16 * 1024 * 1024
MAX_SEQUENCE_DEPTH = 64
#: A value to clean (``C``) larger than this is emptied instead: no VR that is cleaned keeps more than 10,240
#: characters of it, and the text scrubber costs seconds and tens of bytes of memory per character.
MAX_CLEAN_BYTES = 1024 * 1024
DICOMDIR_SOP_CLASS = "1.2.840.10008.1.3.10"
DEFLATED = "1.2.840.10008.1.2.1.99"
_DUMMY_TEXT = "REDACTED"
_NUMERIC_VRS = frozenset({"IS", "DS"})
_BINARY_NUMBER_VRS = frozenset({"US", "SS", "UL", "SL", "FL", "FD", "SV", "UV"})


def configure_pydicom() -> None:
    """Make pydicom quiet and lenient: its warnings can quote element values, which may be PHI."""
    pydicom_config.settings.reading_validation_mode = pydicom_config.IGNORE
    pydicom_config.settings.writing_validation_mode = pydicom_config.IGNORE
    logging.getLogger("pydicom").setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class DicomIdentity:
    """Identities read from the header before cleaning: context for scrubbing text in the same study.

    Holds PHI: lives only in memory inside the partner zone, never logged or returned to callers outside it.
    """

    patient_names: tuple[str, ...]
    patient_ids: tuple[str, ...]
    accession: str
    birth_date: str
    other_names: tuple[str, ...]
    institution: str
    #: The file's descriptions (top level): names a rule finds in one also go from the others ("CT CHEST
    #: OYELARAN" beside "Axial 5mm for Thaddeus Oyelaran", when the PatientName itself is damaged).
    descriptions: tuple[str, ...] = ()
    #: The station and device identifiers of the header (StationName, DeviceSerialNumber, DetectorID): removed from
    #: the file's texts and kept values wherever they recur ("v1 station CTROOM02" as a software version).
    device_ids: tuple[str, ...] = ()
    #: The partner's own name for its site (``aiminer deid --site``): an institution of every file it sends.
    site_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class CodedIdentity:
    """The coded identifiers of one de-identified instance (no PHI)."""

    project: str
    site: str
    patient: str
    study: str
    series: str
    study_uid: str
    series_uid: str
    instance_uid: str

    def relative_path(self) -> str:
        """PHI-free output path: ``<project>/<site>/<patient>/<study>/<series>/<instance>.dcm``."""
        return f"{self.project}/{self.site}/{self.patient}/{self.study}/{self.series}/{self.instance_uid}.dcm"


@dataclass(frozen=True)
class DeidResult:
    """What was done to one file."""

    coded: CodedIdentity
    modality: str
    body_part: str
    year: str
    sop_class_uid: str
    pixels_masked: bool
    counts: dict[str, int]
    policy_id: str


class TextCleaner(Protocol):
    """What the engine needs of a text cleaner (``aiminer.text.dicom_cleaner.Cleaner``)."""

    def __call__(self, text: str) -> str:
        """``text`` scrubbed of identifiers (``C``: descriptions, comments, SR text)."""

    def holds_identity(self, text: str) -> bool:
        """Whether ``text`` holds one of the file's known identities (checked in every kept text value)."""


CleanerFactory = Callable[[DicomIdentity, "CodedIdentity"], TextCleaner]


@dataclass
class _Walk:
    policy: CompiledPolicy
    coder: Coder
    site_code: str
    date_offset: int | None
    over_89: bool
    cleaner: TextCleaner | None
    counts: Counter[str] = field(default_factory=Counter)


# ---------------------------------------------------------------------------------------------------------------
# value transforms


def _year_of(value: str) -> str | None:
    value = value.strip()
    if len(value) >= 4 and value[:4].isdigit():
        return value[:4]
    return None


def _date_value(value: str, vr: str, offset: int | None) -> str:
    """Safe Harbor date: the year only (``YYYY0101`` for DA, ``YYYY`` for DT), or shifted by ``offset`` days."""
    value = value.strip()
    if not value:
        return ""
    if offset is not None:
        try:
            day = dt.date(int(value[0:4]), int(value[4:6]), int(value[6:8]))
        except (ValueError, IndexError):
            return ""
        shifted = (day + dt.timedelta(days=offset)).strftime("%Y%m%d")
        return shifted if vr == "DA" else shifted + value[8:]
    year = _year_of(value)
    if year is None:
        return ""
    return f"{year}0101" if vr == "DA" else year


def _age_value(value: str) -> str:
    """Ages over 89 become ``090Y`` (Safe Harbor aggregates them); malformed ages are removed."""
    value = value.strip().upper()
    if len(value) != 4 or not value[:3].isdigit() or value[3] not in "DWMY":
        return ""
    number, unit = int(value[:3]), value[3]
    years = {"D": number / 365.25, "W": number / 52.18, "M": number / 12, "Y": number}[unit]
    return "090Y" if years > 89 else value


def _values(value: Any) -> list[Any]:
    if isinstance(value, MultiValue | list | tuple):
        return list(value)
    return [value]


def _vr_of(elem: DataElement | RawDataElement) -> str:
    """The element's VR; for implicit VR, or UN in the file, the dictionary's, as pydicom reads the value
    (``replace_un_with_known_vr``): an explicit UN Modality is a CS to the policy and its checks, read or not."""
    if elem.VR and elem.VR != "UN":
        return str(elem.VR)
    try:
        known = str(dictionary_VR(elem.tag))
    except KeyError:
        return "UN"
    if elem.VR == "UN" and (known == "SQ" or known in AMBIGUOUS_VR):
        return "UN"
    return known


def _set(ds: Dataset, tag: int, vr: str, value: Any) -> None:
    ds[tag] = DataElement(tag, vr, value)


def _empty(ds: Dataset, tag: int, vr: str) -> None:
    if vr == "SQ":
        ds[tag] = DataElement(tag, vr, Sequence([]))
    else:
        ds[tag] = DataElement(tag, vr, empty_value_for_VR(vr, raw=False))


def _dummy(ds: Dataset, tag: int, vr: str) -> None:
    if vr in _NUMERIC_VRS:
        _set(ds, tag, vr, "0")
    elif vr in _BINARY_NUMBER_VRS:
        _set(ds, tag, vr, 0)
    elif vr in {"DA", "DT", "TM", "AS", "UI", "SQ"} or vr.startswith("O") or vr in {"UN", "AT"}:
        _empty(ds, tag, vr)
    else:
        _set(ds, tag, vr, _DUMMY_TEXT)


def _map_uid(w: _Walk, value: str, keep_registered: bool) -> str:
    value = str(value).strip().rstrip("\x00")
    if not value:
        return value
    if keep_registered and value in UID_dictionary:
        return value
    w.counts["uids_remapped"] += 1
    return w.coder.uid(w.site_code, value)


# ---------------------------------------------------------------------------------------------------------------
# the walk


#: An SR measurement of the subject's age: its concept (DCM 121033 "Subject Age", SNOMED 397669002 "Age", LOINC
#: 30525-0 "Age", 21612-7 "Age - Reported") or a concept meaning with the word "age"; and how many of each unit make
#: a year (UCUM).
_AGE_CONCEPTS = frozenset({"121033", "397669002", "30525-0", "21612-7"})
_AGE_CONCEPT_MEANING = re.compile(r"(?i)(?<![a-z])age(?![a-z])")
_UNITS_PER_YEAR = {"a": 1.0, "mo": 12.0, "wk": 365.25 / 7, "d": 365.25}
_MEASURED_VALUE_SEQUENCE = 0x0040A300
_CONCEPT_NAME_CODE_SEQUENCE = 0x0040A043


def _concept(item: Dataset) -> tuple[str, str, str]:
    """An SR content item's concept name: code value, coding scheme and meaning (empty strings when it has none)."""
    try:
        concept = item[_CONCEPT_NAME_CODE_SEQUENCE].value[0]
    except (KeyError, IndexError, AttributeError, TypeError):
        return "", "", ""
    code, scheme, meaning = (
        str(concept.get(k, "")).strip() for k in ("CodeValue", "CodingSchemeDesignator", "CodeMeaning")
    )
    return code, scheme, meaning


def _cap_age_measurement(ds: Dataset) -> None:
    """An SR NUM item that measures the subject's age says at most 90 years (Safe Harbor aggregates ages over 89,
    as ``090Y`` does for PatientAge): red team 3 found "Subject Age 94 a" in an Enhanced SR."""
    code, _, meaning = _concept(ds)
    if code not in _AGE_CONCEPTS and not _AGE_CONCEPT_MEANING.search(meaning):
        return
    try:
        measured = ds[_MEASURED_VALUE_SEQUENCE].value[0]
        units = str(measured.MeasurementUnitsCodeSequence[0].CodeValue).strip()
    except (KeyError, IndexError, AttributeError, TypeError):
        return
    per_year = _UNITS_PER_YEAR.get(units)
    if per_year is None:
        return
    for keyword in ("NumericValue", "FloatingPointValue"):
        try:
            years = float(measured.get(keyword)) / per_year
        except (TypeError, ValueError):
            continue
        if years > 89:
            setattr(measured, keyword, str(round(90 * per_year)) if keyword == "NumericValue" else 90 * per_year)


#: SR TEXT items that name a device or an organisation by what they are (TID 1003/1004, TID 10001's device): a
#: device observer's name, serial number and location, a person observer's organisation and identifier, an
#: irradiating device's name and serial number, and a dose report's person participant (TID 1020): the person's ID,
#: its issuer and organisation (red team 8: "E48813-SOLVANG", a technologist's employee number and surname, kept as
#: "E48813-[NAME]"). Safe Harbor M and B, whatever the text says: the text goes whole.
_IDENTIFYING_TEXT_CONCEPTS = frozenset(
    {"121013", "121016", "121017", "121009", "128774", "113877", "113880", "113871", "113872", "113873"}
)
_TEXT_VALUE = 0x0040A160
_REMOVED_TEXT = "REMOVED"


_CONTENT_SEQUENCE = 0x0040A730
#: A birth date as an SR concept: DCM 121031 "Subject Birth Date" (TID 1007 Subject Context, Patient), LOINC 21112-8
#: "Birth date" and SNOMED 184099003 "Date of birth" (red team 18: a TID 1500 report's LOINC item kept 1925), or a
#: meaning that says so.
_BIRTH_DATE_CONCEPTS = frozenset({"121031", "21112-8", "184099003"})
_BIRTH_DATE_MEANING = re.compile(r"(?i)\bbirth\s*date\b|\bdate\s+of\s+birth\b|\bD\.?O\.?B\b")


def _birth_date_item(item: Dataset) -> bool:
    code, _, meaning = _concept(item)
    return code in _BIRTH_DATE_CONCEPTS or bool(_BIRTH_DATE_MEANING.search(meaning))


def _identifying_text_item(ds: Dataset) -> bool:
    code, scheme, _ = _concept(ds)
    return code in _IDENTIFYING_TEXT_CONCEPTS and scheme in ("DCM", "")


def _walk(ds: Dataset, w: _Walk, depth: int) -> None:
    if depth > MAX_SEQUENCE_DEPTH:
        raise QuarantineError("nesting_too_deep", "sequences nested deeper than the engine allows")
    if _MEASURED_VALUE_SEQUENCE in ds:
        _cap_age_measurement(ds)
    if _TEXT_VALUE in ds and _identifying_text_item(ds):
        ds[_TEXT_VALUE] = DataElement(_TEXT_VALUE, "UT", _REMOVED_TEXT)  # red team 3: "SBRH-MAMMO-CAD1", kept
    policy = w.policy
    order = list(ds.keys())  # pydicom keeps file order: a conformant dataset is in ascending tag order
    tags = list(map(int, order))  # plain ints: BaseTag compares in Python
    if tags != sorted(tags):  # (keys are unique, so sorted means ascending)
        # PS3.5 7.1: elements are sorted. Out of order means a corrupt tag, which may have renamed an identifier
        # into an attribute the policy keeps; nothing in such a dataset can be trusted.
        raise QuarantineError("invalid_dicom", "elements are not in ascending tag order")
    keep_private = _safe_private_tags(ds, policy) if policy.safe_private else {}
    for tag, tag_int in zip(order, tags, strict=True):
        group = tag_int >> 16
        if group & 1:
            if tag_int in keep_private and _keep_safe_private(ds, tag, tag_int, keep_private[tag_int], w):
                kept = ds[tag]
                if kept.VR == "SQ":  # E.3.10: a kept private sequence is walked like any other
                    for item in kept.value:
                        _walk(item, w, depth + 1)
                continue
            del ds[tag]
            w.counts["private_removed"] += 1
            continue
        if (tag_int & 0xFFFF) == 0 or group == 0x0002:
            del ds[tag]  # group lengths are retired; meta elements never belong in the dataset
            continue
        if 0x6000 <= group <= 0x601E and policy.action_for((group << 16) | 0x3000, "OW") is Act.REMOVE:
            # the overlay's data goes (E.1-1: X), so its rows, columns, type and origin go with it: an overlay
            # without its data is not a valid Overlay Plane module (red team 3)
            del ds[tag]
            w.counts["removed"] += 1
            continue
        if depth == 0 and tag_int in _PIXEL_TAGS:
            continue  # the image itself, in a header read whole (deflated, no preamble): kept as it is streamed
        raw = ds.get_item(tag, keep_deferred=True)
        vr = _vr_of(raw)
        act = policy.action_for(tag_int, vr)
        if act is Act.KEEP:
            if tag_int not in policy.actions and not _plausible(raw, vr):
                if raw.VR == "UN":  # stored as UN and not what the dictionary says: trust neither, keep nothing
                    del ds[tag]
                    w.counts["removed"] += 1
                    continue
                # A value that breaks its VR's rules has probably swallowed the elements after it (a corrupt
                # length): what it holds is unknown, so the file is not trusted at all.
                raise QuarantineError("invalid_dicom", "an element's value or length breaks its VR")
            if raw.VR and raw.VR != "UN" and raw.VR not in _dictionary_vrs(tag_int):
                # "ImageType" stored as OW, "PatientSex" as LT: not what the standard says the attribute holds, so
                # not what the policy kept it for
                del ds[tag]
                w.counts["removed"] += 1
                continue
            if w.cleaner is not None and vr in _KEPT_TEXT_VRS:
                _check_kept_value(ds, tag, tag_int, raw, vr, w, w.cleaner)
            continue
        if act is Act.REMOVE:
            del ds[tag]
            w.counts["removed"] += 1
        elif act is Act.EMPTY:
            _empty(ds, tag_int, vr)
            w.counts["emptied"] += 1
        elif act is Act.DUMMY:
            _dummy(ds, tag_int, vr)
            w.counts["dummied"] += 1
        elif act is Act.RECURSE:
            elem = ds[tag]
            if elem.VR != "SQ":
                del ds[tag]
                w.counts["removed"] += 1
                continue
            if w.over_89 and tag_int == _CONTENT_SEQUENCE and any(_birth_date_item(i) for i in elem.value):
                # an SR's "Subject Birth Date" of a patient over 89: its year tells the age, and a DATE item
                # cannot be empty, so the item goes (red team 4: 19340215 had become 19340101)
                elem.value = Sequence([i for i in elem.value if not _birth_date_item(i)])
                w.counts["removed"] += 1
            for item in elem.value:
                _walk(item, w, depth + 1)
        elif act in (Act.UID, Act.UID_IF_LOCAL):
            elem = ds[tag]
            if elem.VR != "UI":
                del ds[tag]
                continue
            keep = act is Act.UID_IF_LOCAL
            mapped = [_map_uid(w, v, keep) for v in _values(elem.value) if v is not None]
            _set(ds, tag_int, "UI", mapped if len(mapped) > 1 else (mapped[0] if mapped else ""))
        elif act is Act.DATE:
            elem = ds[tag]
            if elem.VR not in ("DA", "DT"):
                del ds[tag]
                continue
            if tag_int == 0x00100030 and w.over_89:  # PatientBirthDate of a patient over 89: the year goes too
                _empty(ds, tag_int, "DA")
            else:
                dates = [_date_value(str(v), str(elem.VR), w.date_offset) for v in _values(elem.value) if v]
                _set(ds, tag_int, str(elem.VR), dates if len(dates) > 1 else (dates[0] if dates else ""))
            w.counts["dates_reduced"] += 1
        elif act is Act.AGE:
            elem = ds[tag]
            age = _age_value(str(elem.value or ""))
            _set(ds, tag_int, "AS", age)
            w.counts["ages_checked"] += 1
        elif act is Act.CLEAN:
            if isinstance(raw, RawDataElement) and raw.length != 0xFFFFFFFF and raw.length > MAX_CLEAN_BYTES:
                _empty(ds, tag_int, vr)  # not even read: see MAX_CLEAN_BYTES
                w.counts["emptied"] += 1
                continue
            if w.cleaner is not None and _hides_text_in_multibyte(raw, w.cleaner):
                _empty(ds, tag_int, vr)
                w.counts["emptied"] += 1
                continue
            elem = ds[tag]
            if w.cleaner is None or elem.VR in ("SQ", "UN") or str(elem.VR).startswith("O"):
                _empty(ds, tag_int, vr)
                w.counts["emptied"] += 1
                continue
            limit = _TEXT_LIMITS.get(str(elem.VR))
            single_byte = _single_byte(ds)
            cleaned = [
                _fit(_clean(w.cleaner, str(v), single_byte), limit) for v in _values(elem.value) if v is not None
            ]
            _set(ds, tag_int, str(elem.VR), cleaned if len(cleaned) > 1 else (cleaned[0] if cleaned else ""))
            w.counts["text_cleaned"] += 1


def _single_byte(ds: Dataset) -> bool:
    """Whether ``ds`` is read with no character set, ASCII or Latin-1 (where UTF-8 bytes may hide undeclared)."""
    charset = ds.original_character_set
    return charset in ("iso8859", "latin_1", ["iso8859"], ["latin_1"], "ascii", ["ascii"])


def _utf8_view(text: str) -> str | None:
    """``text`` read as the UTF-8 it was written in, when a file that declares no character set (or Latin-1) holds
    UTF-8 bytes ("欧阳巧云" read as "æ¬§é\x98³..."); ``None`` when it is ASCII or no valid UTF-8."""
    if text.isascii() or max(map(ord, text)) > 0xFF:
        return None
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        return None


_PATIENT_TAG = re.compile(r"\[PATIENT [^\]]*\]")
_ANY_TAG = re.compile(r"\[[A-Z_]+(?: [^\]]*)?\]")


def _fit(text: str, limit: int | None) -> str:
    """A cleaned value within its VR's length: the tags the scrubber put in made "AX LUNG 1.25 MM DOE JANE" longer
    than an LO's 64 characters, and cutting it blindly left "AX LUNG 1.2" (a wrong slice thickness) or an
    unclosed "[PATIENT" (red team 4). Longer tags are shortened first ("[PATIENT P-…]" -> "[PATIENT]", then any tag
    -> "[X]"); what is still too long is cut at a space, never inside a tag or a number."""
    if limit is None or len(text) <= limit:
        return text
    for pattern, short in ((_PATIENT_TAG, "[PATIENT]"), (_ANY_TAG, "[X]")):
        text = pattern.sub(short, text)
        if len(text) <= limit:
            return text
    cut = text[: limit + 1]
    space = cut.rfind(" ")
    cut = cut[:space] if space > 0 else text[:limit]
    if cut.rfind("[") > cut.rfind("]"):
        cut = cut[: cut.rfind("[")]
    return cut.rstrip()


def _clean(cleaner: TextCleaner, text: str, single_byte: bool) -> str:
    """``cleaner(text)``, on the UTF-8 the value was written in when a single-byte file hides it (see
    :func:`_utf8_view`); the result goes back as the same kind of bytes (UTF-8, read as Latin-1)."""
    view = _utf8_view(text) if single_byte else None
    if view is None:
        return cleaner(text)
    return cleaner(view).encode("utf-8").decode("latin-1")


#: Kept VRs whose values can carry a name or an identifier typed by a person (a code meaning, an RT or segment
#: label, a kernel or sequence name, an acquisition number): each kept value is checked for the file's identities.
_KEPT_TEXT_VRS = frozenset({"CS", "SH", "LO", "ST", "LT", "UT", "UC", "IS", "DS"})
_NUMBER_VRS = frozenset({"CS", "IS", "DS"})


@cache
def _dictionary_vrs(tag: int) -> frozenset[str]:
    """The VRs the dictionary allows a public tag: one, or a choice (``US or SS``, ``OB or OW``: pixel padding, LUT
    and waveform data, whichever the file holds); none when the tag is unknown."""
    try:
        known = str(dictionary_VR(tag))
    except KeyError:
        return frozenset()
    return frozenset(known.split(" or "))


def _check_kept_value(
    ds: Dataset, tag: Any, tag_int: int, raw: DataElement | RawDataElement, vr: str, w: _Walk, cleaner: TextCleaner
) -> None:
    """Take the file's known identities out of a value the policy keeps as it is ("OBRIEN_GTV" as an ROI name, the
    MRN as a segment's content label). Free text is cleaned like a description; a code string or a number loses the
    values that hold one (they cannot hold a tag)."""
    value = raw.value
    if isinstance(raw, RawDataElement):
        if value is None or raw.length > MAX_CLEAN_BYTES:
            return  # deferred: a long value of a kept VR (a numeric array), not typed text
        text = value.decode("latin-1")
    else:
        text = "\\".join(str(v) for v in _values(value))
    if tag_int == _CODING_SCHEME_DESIGNATOR and text.startswith("99") and cleaner.holds_identity(text[2:].strip()):
        # a local coding scheme named after the site ("99SAMC"): still local, no longer the site's (red team 4)
        _set(ds, tag_int, vr, "99LOCAL")
        w.counts["kept_value_cleaned"] += 1
        return
    if tag_int == _CODING_SCHEME_DESIGNATOR and text.strip(" \x00") in STANDARD_CODING_SCHEMES:
        return  # "RFC5646" is the language tags' scheme, no Mexican tax number (red team 18: it became "RFC[ID]")
    single_byte = _single_byte(ds)
    utf8 = _utf8_view(text) if single_byte else None
    if not cleaner.holds_identity(text) and (utf8 is None or not cleaner.holds_identity(utf8)):
        return
    elem = ds[tag]
    values = [str(v) for v in _values(elem.value) if v is not None]
    if vr in _NUMBER_VRS:
        kept = ["" if cleaner.holds_identity(v) else v for v in values]
    else:
        limit = _TEXT_LIMITS.get(vr)
        kept = [_fit(_clean(cleaner, v, single_byte), limit) for v in values]
    if not any(kept) and tag_int in _REQUIRED_LABELS:
        _set(ds, tag_int, vr, _REQUIRED_LABELS[tag_int])  # a label its IOD requires (Type 1) says what it is
    elif not any(kept):
        _empty(ds, tag_int, vr)
    else:
        _set(ds, tag_int, vr, kept if len(kept) > 1 else kept[0])
    w.counts["kept_value_cleaned"] += 1


_CODING_SCHEME_DESIGNATOR = 0x00080102
#: Coding Scheme Designators of PS3.16 Table 8-1 that SR and code sequences use: public schemes, kept as they are.
STANDARD_CODING_SCHEMES = frozenset(
    "DCM SRT SCT SNM3 99SDM LN UCUM RFC5646 RFC3066 ISO639_1 ISO639_2 ISO3166_1 I9C I10 I10P I11 ICD10PCS ICDO3 FMA "
    "RADLEX NCIt UMLS MSH C4 C5 HPC ACR BARI CAS CD2 DC HL7 IBSI ITIS_TSN MA MAYONRDB MDC MGI NBD NCDR NEU NICIP "
    "NPI POS PUBCHEM_CID RXNORM SNM UPIN UBERON RO GO NCBI ASTM-sigpurpose BI ACC AHA".split()
)

#: Code-string labels an IOD requires (Type 1) that a kept-value check may find an identity in
#: ("PELLEGRINI_ANN" as a presentation state's or a segmentation's ContentLabel): a neutral value, not an empty one.
_REQUIRED_LABELS = {0x00700080: "DEIDENTIFIED"}


#: An ISO 2022 designation of a multi-byte set (JIS X 0208/0212, KS X 1001, GB 2312: ``ESC $ ...``).
_MULTIBYTE_DESIGNATION = re.compile(rb"\x1b\$")
_ISO2022_ESCAPE = re.compile(rb"\x1b[\x20-\x2f]*[\x30-\x7e]?")


def _hides_text_in_multibyte(raw: object, cleaner: Callable[[str], str]) -> bool:
    """Whether a value to clean holds, inside an ISO 2022 multi-byte region, bytes the cleaner finds PHI in when
    read as ASCII (found by the fuzz run: ``ESC $ B ^Ambrose`` under ``ISO 2022 IR 87`` decodes as kanji, hides
    the name from the cleaner, and re-encodes to the same bytes). Such a value is emptied, not cleaned: a genuine
    multi-byte text read as ASCII is noise, so at worst a description is lost (the safe side)."""
    value = getattr(raw, "value", None) if isinstance(raw, RawDataElement) else None
    if not isinstance(value, bytes) or not _MULTIBYTE_DESIGNATION.search(value):
        return False
    view = _ISO2022_ESCAPE.sub(b" ", value).decode("ascii", "replace")
    return cleaner(view) != view


#: Maximum value lengths (PS3.5 6.2) a cleaned value is cut to, so the output stays valid.
_TEXT_LIMITS = {"SH": 16, "LO": 64, "ST": 1024, "LT": 10240, "PN": 64, "UC": None, "UT": None}
_SHORT_TEXT_CONTROL = re.compile(rb"[\x00-\x1a\x1c-\x1f]")
_LONG_TEXT_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
_BULK_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "UN", "UT", "UC", "UR", "LT", "SQ"})
_CS_OK = re.compile(rb"^[A-Z0-9 _\\]*$")
_DS_OK = re.compile(rb"^[0-9+\-Ee. \\]*$")
_IS_OK = re.compile(rb"^[0-9+\- \\]*$")
_MAX_LEN = {"CS": 16, "DS": 16, "IS": 12}
_SIZES = {"US": 2, "SS": 2, "UL": 4, "SL": 4, "FL": 4, "FD": 8, "AT": 4, "SV": 8, "UV": 8}


#: How long a DS or IS number may be when every character is one a number has: writers that print a float's repr
#: ("0.14100000000000001", 19 characters for a DS of at most 16) are common, and such a value has swallowed no
#: element (a tag's bytes are no digits). Red team 6's OCT was quarantined for its plane positions.
_SLOPPY_NUMBER_LEN = 64


def _plausible(elem: DataElement | RawDataElement, vr: str) -> bool:
    """Whether a kept value obeys its VR (PS3.5 6.2): guards against an inflated length swallowing PHI."""
    if not isinstance(elem, RawDataElement):
        return _plausible_converted(elem, vr)
    if elem.value is None:  # deferred: only bulk VRs may legitimately be this long
        return elem.length == 0 or vr in _BULK_VRS
    value: bytes = elem.value
    if vr in _MAX_LEN:
        pattern = _CS_OK if vr == "CS" else _DS_OK if vr == "DS" else _IS_OK
        parts = value.rstrip(b"\x00 ").split(b"\\")
        most = _MAX_LEN[vr] if vr == "CS" else _SLOPPY_NUMBER_LEN
        return bool(pattern.fullmatch(value.rstrip(b"\x00"))) and all(len(p.strip()) <= most for p in parts)
    limit = _TEXT_LIMITS.get(vr)
    if limit is not None:  # kept free text (allowlisted): lengths and control characters per PS3.5 6.2
        control = _LONG_TEXT_CONTROL if vr in ("ST", "LT") else _SHORT_TEXT_CONTROL
        parts = value.rstrip(b"\x00 ").split(b"\\") if vr not in ("ST", "LT") else [value]
        return all(len(p) <= limit for p in parts) and control.search(value.rstrip(b"\x00")) is None
    size = _SIZES.get(vr)
    if size is not None:
        try:
            vm = str(dictionary_VM(elem.tag))
        except KeyError:
            return len(value) <= 64
        if "n" in vm:
            return len(value) % size == 0
        bound = max(int(x) for x in vm.split("-") if x.isdigit())
        return len(value) <= bound * size and len(value) % size == 0
    return True


def _plausible_converted(elem: DataElement, vr: str) -> bool:
    """:func:`_plausible` for an element already converted by an earlier read (e.g. the burned-in checks)."""
    values = [v for v in _values(elem.value) if v is not None]
    if vr in _MAX_LEN:
        pattern = _CS_OK if vr == "CS" else _DS_OK if vr == "DS" else _IS_OK
        most = _MAX_LEN[vr] if vr == "CS" else _SLOPPY_NUMBER_LEN
        return all(
            pattern.fullmatch(str(v).strip().encode("latin-1", "replace")) and len(str(v).strip()) <= most
            for v in values
        )
    if vr in _SIZES:
        try:
            vm = str(dictionary_VM(elem.tag))
        except KeyError:
            return len(values) <= 16
        if "n" in vm:
            return True
        return len(values) <= max(int(x) for x in vm.split("-") if x.isdigit())
    return True


def _safe_private_tags(ds: Dataset, policy: CompiledPolicy) -> dict[int, frozenset[str]]:
    """Tags of this dataset level on the safe-private list, with the VRs the list gives them (and their private
    creator elements, LO)."""
    tags = [int(t) for t in ds.keys() if (int(t) >> 16) & 1]
    creators: dict[tuple[int, int], str] = {}  # (group, block) -> private creator
    for t in tags:
        if 0x10 <= t & 0xFFFF <= 0xFF:
            try:
                creators[(t >> 16, t & 0xFF)] = str(ds[t].value).strip()
            except Exception:  # an unreadable creator reserves nothing: its block goes
                continue
    keep: dict[int, frozenset[str]] = {}
    for t in tags:
        group, block = t >> 16, (t >> 8) & 0xFF
        creator = creators.get((group, block)) if t & 0xFF00 else None
        vrs = policy.safe_private.get((creator, group, t & 0xFF)) if creator is not None else None
        if vrs is not None:
            keep[t] = vrs
            keep[(group << 16) | block] = _CREATOR_VRS
    return keep


_CREATOR_VRS = frozenset({"LO"})


def _keep_safe_private(ds: Dataset, tag: Any, tag_int: int, listed: frozenset[str], w: _Walk) -> bool:
    """Whether a safe private attribute stays, after its checks (red team 11 found listed slots holding the
    patient's ID, phone, surname and street, and a thumbnail whose JPEG comment named the patient): a value whose
    stored VR is not one the list gives goes (a listed FL or SL slot holding LO text); a kept text or number is
    checked against the file's identities like any kept value; a kept binary value has the comments and
    application segments of any JPEG inside blanked."""
    if tag_int & 0xFF00 == 0:
        return True  # the private creator: the list matched its exact value
    raw = ds.get_item(tag, keep_deferred=True)
    stored = getattr(raw, "VR", None)
    if listed and stored and stored != "UN" and stored not in listed:
        return False
    elem = ds[tag]
    vr = str(elem.VR)
    if vr == "UN" and listed & _KEPT_TEXT_VRS and isinstance(elem.value, bytes):
        # a listed text slot stored as UN (a PACS rewrote it): read as the text it is, it goes if it names someone
        text = elem.value.decode("latin-1").strip("\x00 ")
        return w.cleaner is not None and not w.cleaner.holds_identity(text)
    if vr in _KEPT_TEXT_VRS or vr == "PN":
        if w.cleaner is not None:
            _check_kept_value(ds, tag, tag_int, raw, vr, w, w.cleaner)
        elif vr == "PN":
            return False  # a person's name with no cleaner to check it
    elif vr in ("OB", "OW", "UN") and isinstance(elem.value, bytes) and _JPEG_START in elem.value:
        value = bytearray(elem.value)
        at = value.find(_JPEG_START)
        while at >= 0:
            codestream.blank_comments(value, at)
            at = value.find(_JPEG_START, at + 2)
        elem.value = bytes(value)
    return True


_JPEG_START = b"\xff\xd8\xff"


# ---------------------------------------------------------------------------------------------------------------
# reading


@dataclass
class _Header:
    ds: Dataset
    transfer_syntax: UID
    implicit: bool
    little: bool
    pixel_offset: int | None  # where the Pixel Data element starts; None when the whole file was read


def _encoding_for(ds: Dataset) -> tuple[UID, bool, bool]:
    meta = getattr(ds, "file_meta", None)
    ts = meta.get("TransferSyntaxUID") if meta is not None else None
    if ts is not None:
        ts = UID(str(ts))
        if ts == DEFLATED:
            return ts, False, True
        if ts.is_transfer_syntax:
            return ts, ts.is_implicit_VR, ts.is_little_endian
    implicit, little = ds.original_encoding
    if implicit is None or little is None:
        implicit, little = True, True
    if implicit:
        return UID("1.2.840.10008.1.2"), True, True
    if little:
        return UID("1.2.840.10008.1.2.1"), False, True
    return UID("1.2.840.10008.1.2.2"), False, False


def _read_header(src: IO[bytes]) -> _Header:
    start = src.tell()
    head = src.read(132)
    if not head:
        raise QuarantineError("empty_file", "the object has no bytes")
    has_preamble = len(head) == 132 and head[128:132] == b"DICM"
    if not has_preamble and not _looks_like_raw_dataset(head):
        raise QuarantineError("not_dicom", "no DICM marker and no DICOM dataset at the start of the object")
    src.seek(start)
    if has_preamble:
        ds = pydicom.dcmread(src, stop_before_pixels=True, defer_size=DEFER_SIZE)
        ts, implicit, little = _encoding_for(ds)
        if ts == DEFLATED:
            src.seek(start)
            full = pydicom.dcmread(src)
            _ensure_complete(full, None)
            return _Header(full, ts, implicit, little, None)
        pixel_offset = src.tell()
        _ensure_complete(ds, src.seek(0, io.SEEK_END))
        src.seek(pixel_offset)
        return _Header(ds, ts, implicit, little, pixel_offset)
    # No preamble/meta (ACR-NEMA style or a bare dataset): small by nature; read it whole.
    full = pydicom.dcmread(src, force=True)
    _ensure_complete(full, None)
    ts, implicit, little = _encoding_for(full)
    return _Header(full, ts, implicit, little, None)


def _ensure_complete(ds: Dataset, size: int | None) -> None:
    """Quarantine a dataset with an element whose declared length runs past the end of the object.

    pydicom keeps such a value short (or, when deferred, skips past the end) without complaint; what it holds is
    the elements it swallowed, identifiers included, which no action of the policy would then see for what they are.
    """
    for elem in ds._dict.values():  # as ds.get_item(tag, keep_deferred=True) for every tag (see _in_tag_order)
        if not isinstance(elem, RawDataElement) or elem.length == 0xFFFFFFFF:
            continue
        if elem.value is None:
            short = size is not None and elem.value_tell + elem.length > size
        else:
            short = len(elem.value) < elem.length
        if short:
            raise QuarantineError("truncated", "an element's declared length runs past the end of the object")


def _looks_like_raw_dataset(head: bytes) -> bool:
    if len(head) < 8:
        return False
    group_le = struct.unpack("<H", head[:2])[0]
    group_be = struct.unpack(">H", head[:2])[0]
    return group_le in (0x0002, 0x0008) or group_be in (0x0002, 0x0008)


def _attrs(ds: Dataset) -> dict[str, str]:
    """Non-PHI attributes the burned-in rules and the catalogue look at, as text."""
    out: dict[str, str] = {}
    for kw in (
        "Modality",
        "Manufacturer",
        "ManufacturerModelName",
        "Rows",
        "Columns",
        "BurnedInAnnotation",
        "RecognizableVisualFeatures",
        "SOPClassUID",
        "ConversionType",
        "SoftwareVersions",
        "BodyPartExamined",
        "SamplesPerPixel",
        "BitsAllocated",
        "PlanarConfiguration",
        "NumberOfFrames",
        # read only to match mask rules (never logged or returned): some layouts are known by these
        "SeriesDescription",
        "ProtocolName",
        "CommentsOnRadiationDose",
        "WindowWidth",
    ):
        try:
            value = _peek(ds, kw)
        except Exception:  # a broken value in a descriptive field must not stop the run
            value = None
        if value is not None:
            out[kw] = "\\".join(str(v) for v in value) if isinstance(value, MultiValue) else str(value)
    meta = getattr(ds, "file_meta", None)
    if meta is not None and meta.get("ImplementationVersionName"):
        out["ImplementationVersionName"] = str(meta.ImplementationVersionName)
    overlay = _peek(ds, 0x60000022)
    if overlay is not None:
        out["OverlayDescription"] = str(overlay)
    try:
        image_type = _peek(ds, "ImageType")
        if image_type is not None:
            out["ImageType"] = "\\".join(str(v) for v in _values(image_type))
    except Exception:
        pass
    return out


def _peek(ds: Dataset, key: str | int) -> Any:
    """The value of an element, or None: converted from its raw bytes as ``ds[key]`` would, but without storing the
    converted element in ``ds``, so an element the policy keeps stays raw and is written from its bytes."""
    tag = _KEYWORD_TAGS.get(key) if isinstance(key, str) else None
    if tag is None:
        try:
            tag = Tag(key)
        except Exception:
            return None
        if isinstance(key, str):
            _KEYWORD_TAGS[key] = tag
    elem = ds._dict.get(tag)  # ds.get_item(tag, keep_deferred=True) (see _in_tag_order)
    if elem is None:
        return None
    if not isinstance(elem, RawDataElement):
        return elem.value
    if elem.value is None and elem.length != 0:
        return ds[tag].value  # deferred (a long value): read it as pydicom does
    hit = _PEEKED.get(id(elem))
    if hit is not None and hit[0] is elem:
        return hit[1]
    encoding = (ds.original_character_set or ds._character_set) if tag != 0x00080005 else default_encoding
    converted: DataElement | RawDataElement = convert_raw_data_element(elem, encoding=encoding, ds=ds)
    if converted.VR in AMBIGUOUS_VR:
        converted = correct_ambiguous_vr_element(converted, ds, elem.is_little_endian)
    _PEEKED[id(elem)] = (elem, converted.value)
    return converted.value


#: The tags of the keywords :func:`_peek` was asked for (``Tag("PatientName")`` looks the keyword up every time).
_KEYWORD_TAGS: dict[str, Any] = {}
#: Values :func:`_peek` converted, by the raw element they came from (cleared for every file; an element the walk
#: replaces is no longer that raw element, so nothing stale is ever returned).
_PEEKED: dict[int, tuple[RawDataElement, Any]] = {}


def _text(ds: Dataset, keyword: str) -> str:
    try:
        value = _peek(ds, keyword)
    except Exception:
        return ""
    if value is None:
        return ""
    return "\\".join(str(v) for v in value) if isinstance(value, MultiValue) else str(value)


def _undecoded_text(ds: Dataset, keyword: str) -> str:
    """A text element's value read without converting it in ``ds`` (its raw bytes as Latin-1, the ISO 2022
    escapes blanked), so the walk still sees the raw element (``_hides_text_in_multibyte`` needs its bytes); empty
    when absent, not text, or over ``MAX_CLEAN_BYTES`` (the walk empties such a value without reading it)."""
    try:
        elem = ds.get_item(keyword)
    except Exception:
        return ""
    value = getattr(elem, "value", None)
    if isinstance(value, bytes):
        return "" if len(value) > MAX_CLEAN_BYTES else _ISO2022_ESCAPE.sub(b" ", value).decode("latin-1")
    if isinstance(value, str) and len(value) <= MAX_CLEAN_BYTES:
        return value
    return ""


def _byte_views(ds: Dataset, keyword: str) -> list[str]:
    """A person name's bytes read as Latin-1, when that differs from its decoding with the declared character set.

    A wrong or corrupt Specific Character Set can turn ``OKONKWO`` into other characters (a multi-byte set
    swallows the byte before it with the ``O``); the name is still in the bytes, and in the descriptions that
    quote it, so the cleaner must know it in both readings.
    """
    try:
        value = _peek(ds, keyword)
    except Exception:
        return []
    out = []
    for v in _values(value) if value is not None else ():
        raw = getattr(v, "original_string", None)
        if isinstance(raw, bytes) and raw:
            text = raw.decode("latin-1")
            if text != str(v):
                out.append(text)
            if (utf8 := _utf8_view(text)) is not None and utf8 != str(v):
                out.append(utf8)  # UTF-8 in a file that declares no character set ("欧阳^巧云")
    return out


def _name_shaped(value: str) -> bool:
    """A PN value that is someone's name: components (``^``), or words that all start with a capital; not a
    template's placeholder ("Enter text" as an SR observer's name)."""
    words = value.replace("^", " ").split()
    return bool(words) and ("^" in value or all(w[:1].isupper() for w in words))


#: The patient's own names, which :func:`_identity` reads as the patient's (not as other people's).
_PATIENT_NAME_TAGS = frozenset({0x00100010, 0x00101001})


def _names_in_sequences(ds: Dataset, depth: int = 0, limit: int = 64) -> list[str]:
    """The person names (PN) in the items of the dataset's sequences, at any depth (at most ``limit`` of them), and
    the top level's PN attributes that are not the patient's own (a presentation state's ContentCreatorName, whose
    surname red team 8 found again in its ContentLabel: ``WRENFIELD_KEY``)."""
    out: list[str] = []
    if depth > MAX_SEQUENCE_DEPTH:
        return out
    for tag, raw in list(ds._dict.items()):  # as ds.get_item(tag, keep_deferred=True) (see _in_tag_order)
        if tag >> 16 & 1:
            continue  # private
        vr = _vr_of(raw)
        if vr == "SQ":
            try:
                items = ds[tag].value
            except Exception:  # a sequence pydicom cannot read is the walk's to quarantine
                continue
            for item in items:
                out.extend(_names_in_sequences(item, depth + 1, limit - len(out)))
                if len(out) >= limit:
                    return out[:limit]
        elif vr == "PN" and (depth > 0 or int(tag) not in _PATIENT_NAME_TAGS):
            try:
                out.extend(str(v) for v in _values(ds[tag].value) if v is not None and _name_shaped(str(v)))
            except Exception:
                continue
    return out[:limit]


def _identity(ds: Dataset) -> DicomIdentity:
    other_names: list[str] = []
    for kw in (
        "ReferringPhysicianName",
        "PerformingPhysicianName",
        "OperatorsName",
        "NameOfPhysiciansReadingStudy",
        "PhysiciansOfRecord",
        "RequestingPhysician",
        "PatientBirthName",
        "PatientMotherBirthName",
    ):
        text = _text(ds, kw)
        if text:
            other_names.extend(t for t in text.split("\\") if t)
            other_names.extend(_byte_views(ds, kw))
    # the people named in sequences too: an SR's author, verifier and participants, a procedure step's performer
    # ("-- OYELARAN" signed a TextValue whose author only the AuthorObserverSequence named, red team 4)
    other_names.extend(_names_in_sequences(ds))
    other_ids = [_text(ds, "OtherPatientIDs")] if _text(ds, "OtherPatientIDs") else []
    # the patient's other names are the patient's too ("aka Del Lynchford" in PatientComments)
    aliases = [t for t in _text(ds, "OtherPatientNames").split("\\") if t.strip()]
    return DicomIdentity(
        patient_names=tuple(
            n
            for n in [
                _text(ds, "PatientName"),
                *_byte_views(ds, "PatientName"),
                *aliases,
                *_byte_views(ds, "OtherPatientNames"),
            ]
            if n
        ),
        patient_ids=tuple(i for i in [_text(ds, "PatientID"), *other_ids] if i),
        accession=_text(ds, "AccessionNumber"),
        birth_date=_text(ds, "PatientBirthDate"),
        other_names=tuple(other_names),
        institution=_text(ds, "InstitutionName"),
        descriptions=tuple(t for kw in _DESCRIPTIONS if (t := _undecoded_text(ds, kw))),
        device_ids=tuple(t.strip() for kw in _DEVICE_IDS if len((t := _text(ds, kw)).strip()) >= 4),
    )


#: Header identifiers of the equipment (removed by the policy) that a person may also type into a kept value.
_DEVICE_IDS = ("StationName", "DeviceSerialNumber", "DetectorID")


#: Top-level free-text elements whose names teach the cleaner about the file (see ``DicomIdentity.descriptions``).
_DESCRIPTIONS = (
    "StudyDescription",
    "SeriesDescription",
    "PerformedProcedureStepDescription",
    "RequestedProcedureDescription",
    "ImageComments",
    "StudyComments",
    "AdditionalPatientHistory",
    "PatientComments",
)


def _over_89(ds: Dataset) -> bool:
    age = _text(ds, "PatientAge").strip().upper()
    if len(age) == 4 and age[:3].isdigit() and age[3] == "Y" and int(age[:3]) > 89:
        return True
    birth = _year_of(_text(ds, "PatientBirthDate"))
    if birth and int(birth) < dt.date.today().year - 89:
        return True  # over 89 today, even if not at the time of the study: the birth year tells the age now
    when = _year_of(_text(ds, "StudyDate")) or _year_of(_text(ds, "SeriesDate")) or _year_of(_text(ds, "ContentDate"))
    return bool(birth and when and int(when) - int(birth) > 89)


# ---------------------------------------------------------------------------------------------------------------
# writing


def _write_meta(dst: IO[bytes], sop_class: str, sop_instance: str, ts: UID) -> None:
    """The preamble, ``DICM`` and the File Meta Information (PS3.10 7.1), encoded directly (explicit VR little
    endian, group length first; UIDs padded with NUL, the version name with a space, as pydicom writes them)."""
    body = b"".join(
        (
            _meta_element(0x0001, b"OB", b"\x00\x01"),
            _meta_element(0x0002, b"UI", _uid_bytes(sop_class)),
            _meta_element(0x0003, b"UI", _uid_bytes(sop_instance)),
            _meta_element(0x0010, b"UI", _uid_bytes(ts)),
            _IMPLEMENTATION_META,
        )
    )
    dst.write(_PREAMBLE + _meta_element(0x0000, b"UL", struct.pack("<L", len(body))) + body)


def _uid_bytes(uid: str) -> bytes:
    raw = uid.encode("ascii")
    return raw + b"\x00" if len(raw) % 2 else raw


def _meta_element(element: int, vr: bytes, value: bytes) -> bytes:
    if vr in (b"OB", b"UN", b"SQ", b"UT"):
        return struct.pack("<HH2sHL", 0x0002, element, vr, 0, len(value)) + value
    return struct.pack("<HH2sH", 0x0002, element, vr, len(value)) + value


_PREAMBLE = b"\x00" * 128 + b"DICM"
_IMPLEMENTATION_NAME = IMPLEMENTATION_VERSION_NAME.encode("ascii")
_IMPLEMENTATION_META = _meta_element(0x0012, b"UI", _uid_bytes(IMPLEMENTATION_CLASS_UID)) + _meta_element(
    0x0013, b"SH", _IMPLEMENTATION_NAME + b" " if len(_IMPLEMENTATION_NAME) % 2 else _IMPLEMENTATION_NAME
)


def _write_dataset(dst: IO[bytes], ds: Dataset, implicit: bool, little: bool) -> None:
    """Write ``ds`` in tag order. An element still raw (as read, kept by the policy: most of a header) is written
    from its bytes with a packed tag and length, and sequences are walked the same way; everything else goes
    through pydicom's element writer. The bytes are the same as pydicom's ``write_dataset`` (tested per encoding,
    and checked on the bench corpus), at a fraction of the cost."""
    fp = DicomFileLike(dst)
    fp.is_implicit_VR = implicit
    fp.is_little_endian = little
    _write_elements(fp, ds, implicit, little, default_encoding)


def _write_deflated(dst: IO[bytes], ds: Dataset) -> None:
    """Write ``ds`` as the Deflated Explicit VR Little Endian transfer syntax says (PS3.5 A.5): the whole dataset,
    explicit VR little endian, deflated raw (no zlib header). The file meta announces that syntax, so writing it
    inflated would make a file no reader can open."""
    plain = io.BytesIO()
    _write_dataset(plain, ds, False, True)
    packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -zlib.MAX_WBITS)
    dst.write(packer.compress(plain.getvalue()) + packer.flush())


def _write_elements(fp: DicomIO, ds: Dataset, implicit: bool, little: bool, parent_encodings: Any) -> None:
    if ds.original_encoding != (implicit, little) or ds.original_character_set != ds._character_set:
        write_dataset(fp, ds, parent_encodings)  # new items, other encodings: pydicom converts every element
        return
    encodings = ds.get("SpecificCharacterSet", parent_encodings)
    endian = "<" if little else ">"
    # The bytes of consecutive elements are gathered and written at once (a header is a few hundred elements, each
    # two writes); what goes through pydicom's or the sequence writer is written after them, in tag order.
    pending: list[bytes] = []
    put = pending.append
    for tag, elem in _in_tag_order(ds):
        if tag & 0xFFFF == 0 and tag >> 16 > 6:
            continue  # retired group lengths are not written
        if isinstance(elem, RawDataElement):
            head = _raw_head(elem, implicit, endian)
            if head is not None and elem.value is not None:  # (never None when there is a head: see _raw_head)
                put(head)
                put(elem.value)
                continue
        elif elem.VR == "SQ":
            fp.write(b"".join(pending))
            pending.clear()
            _write_sequence(fp, elem, implicit, little, encodings)
            continue
        else:
            value = _string_bytes(elem, encodings)
            head = _head(tag, str(elem.VR), len(value), implicit, endian) if value is not None else None
            if head is not None and value is not None:
                put(head)
                put(value)
                continue
        fp.write(b"".join(pending))
        pending.clear()
        write_data_element(fp, ds.get_item(tag), encodings)
    fp.write(b"".join(pending))


def _in_tag_order(ds: Dataset) -> list[tuple[int, DataElement | RawDataElement]]:
    """The dataset's elements as plain-int tags, in tag order, as they are held (raw ones not converted, deferred
    ones not read): ``ds.get_item(tag, keep_deferred=True)`` for every key, without its per-call costs. (pydicom
    is pinned; ``_dict`` is the mapping ``Dataset`` keeps its elements in.)"""
    return sorted(((int(tag), elem) for tag, elem in ds._dict.items()), key=_first)


def _first(pair: tuple[int, Any]) -> int:
    return pair[0]


def _write_sequence(fp: DicomIO, elem: DataElement, implicit: bool, little: bool, encodings: Any) -> None:
    """A sequence as pydicom writes it: items of defined length (unless read with undefined length), the sequence
    of undefined length only if it was read so."""
    buffer = DicomBytesIO()
    buffer.is_implicit_VR, buffer.is_little_endian = implicit, little
    for item in elem.value:
        buffer.write_tag(ItemTag)
        at = buffer.tell()
        buffer.write_UL(0xFFFFFFFF)
        _write_elements(buffer, item, implicit, little, encodings)
        if getattr(item, "is_undefined_length_sequence_item", False):
            buffer.write_tag(ItemDelimiterTag)
            buffer.write_UL(0)
        else:
            end = buffer.tell()
            buffer.seek(at)
            buffer.write_UL(end - at - 4)
            buffer.seek(end)
    value = buffer.getvalue()
    undefined = elem.is_undefined_length
    fp.write_tag(elem.tag)
    if not implicit:
        fp.write(b"SQ\x00\x00")
    fp.write_UL(0xFFFFFFFF if undefined else len(value))
    fp.write(value)
    if undefined:
        fp.write_tag(SequenceDelimiterTag)
        fp.write_UL(0)


def _raw_head(elem: RawDataElement, implicit: bool, endian: str) -> bytes | None:
    """Tag, VR and length of a raw element whose value bytes can be written as they are; None otherwise
    (deferred, undefined length, or a VR pydicom would change on writing)."""
    value = elem.value
    if value is None or elem.length == 0xFFFFFFFF:
        return None
    return _head(int(elem.tag), elem.VR, len(value), implicit, endian)


def _head(tag: int, vr: str | None, size: int, implicit: bool, endian: str) -> bytes | None:
    if implicit:
        return struct.pack(endian + "HHL", tag >> 16, tag & 0xFFFF, size)
    if not vr or len(vr) != 2:
        return None
    if vr in EXPLICIT_VR_LENGTH_32:
        return struct.pack(endian + "HH2sHL", tag >> 16, tag & 0xFFFF, vr.encode("ascii"), 0, size)
    if size > 0xFFFF:
        return None  # pydicom writes it as UN
    return struct.pack(endian + "HH2sH", tag >> 16, tag & 0xFFFF, vr.encode("ascii"), size)


#: VRs written as ASCII whatever the character set (``write_string``, padded with a space; UI with NUL).
_ASCII_VRS = frozenset({"AE", "AS", "CS", "DA", "DT", "TM", "UI"})
#: VRs written in the dataset's character set (``write_text``); ASCII text is the same bytes in these sets.
_TEXT_VRS = frozenset({"SH", "LO", "ST", "LT", "UC", "UT"})
_ASCII_CHARSETS = frozenset({None, "", default_encoding, "ISO_IR 6", "ISO_IR 100", "ISO_IR 192"})


def _ascii_charset(encodings: Any) -> bool:
    return (encodings is None or isinstance(encodings, str)) and encodings in _ASCII_CHARSETS


def _string_bytes(elem: DataElement, encodings: Any) -> bytes | None:
    """The value bytes pydicom writes for a plain ASCII string value (what the walk and the stamp set: codes,
    UIDs, reduced dates, cleaned text), or None when pydicom's writer must do it (other types, other text)."""
    vr = elem.VR
    if vr not in _ASCII_VRS and (vr not in _TEXT_VRS or not _ascii_charset(encodings)):
        return None
    value = elem.value
    if value is None:
        return b""
    if isinstance(value, MultiValue | list | tuple):
        if not all(type(v) is str or type(v) is UID for v in value):
            return None
        text = "\\".join(value)
    elif type(value) is str or type(value) is UID:
        text = value
    else:
        return None
    if not text.isascii():
        return None
    if len(text) % 2:
        text += "\x00" if vr == "UI" else " "
    return text.encode("ascii")


def _copy_exact(src: IO[bytes], dst: IO[bytes], length: int) -> None:
    remaining = length
    while remaining:
        chunk = src.read(min(_CHUNK, remaining))
        if not chunk:
            raise QuarantineError("truncated", "the pixel data ends before its declared length")
        dst.write(chunk)
        remaining -= len(chunk)


def _copy_pixel_element(
    src: IO[bytes],
    dst: IO[bytes],
    implicit: bool,
    little: bool,
    masking: tuple[burnedin.FrameGeometry, int, tuple[tuple[int, int, int, int], ...]] | None,
    counts: Counter[str],
    encapsulated: bool = False,
) -> bool:
    """Copy one pixel element (header + value) from ``src`` to ``dst``; return False at a non-pixel element.

    Pixel Data must be encapsulated exactly when the transfer syntax is a compressed one: raw pixels under a JPEG
    transfer syntax (or fragments under a native one) would be copied into a file no one can decode (red team 4)."""
    endian = "<" if little else ">"
    head = src.read(8)
    if len(head) < 8:
        if head:
            raise QuarantineError("truncated", "an element header is cut short")
        return False
    group, elem = struct.unpack(endian + "HH", head[:4])
    if ((group << 16) | elem) not in _PIXEL_TAGS:
        src.seek(-8, io.SEEK_CUR)
        return False
    if implicit:
        header = head
        length = struct.unpack(endian + "L", head[4:8])[0]
    elif head[4:6] in _LONG_VRS:
        extra = src.read(4)
        if len(extra) < 4:
            raise QuarantineError("truncated", "the pixel data header is cut short")
        header = head + extra
        length = struct.unpack(endian + "L", extra)[0]
    else:
        header = head
        length = struct.unpack(endian + "H", head[6:8])[0]
    if ((group << 16) | elem) == 0x7FE00010 and encapsulated != (length == 0xFFFFFFFF):
        raise QuarantineError(
            "invalid_dicom", "the pixel data is not encapsulated as its transfer syntax says (or the other way round)"
        )
    dst.write(header)
    if length != 0xFFFFFFFF:
        if masking is None:
            _copy_exact(src, dst, length)
        else:
            _copy_masked(src, dst, length, *masking)
        return True
    # Encapsulated (compressed) pixel data: copy items until the sequence delimiter, never decoding them. Each
    # fragment after the Basic Offset Table has the head of its codestream read for comments (codestream.py).
    offset_table = True
    while True:
        item = src.read(8)
        if len(item) < 8:
            raise QuarantineError("truncated", "encapsulated pixel data ends without a sequence delimiter")
        dst.write(item)
        item_group, item_elem, item_len = struct.unpack("<HHL", item)
        if (item_group, item_elem) == (0xFFFE, 0xE0DD):
            return True
        if (item_group, item_elem) != (0xFFFE, 0xE000) or item_len == 0xFFFFFFFF:
            raise QuarantineError("invalid_dicom", "encapsulated pixel data has a malformed item")
        if offset_table:
            _copy_exact(src, dst, item_len)
            offset_table = False
            continue
        fragment_head = bytearray(src.read(min(item_len, _CODESTREAM_HEAD)))
        if len(fragment_head) < min(item_len, _CODESTREAM_HEAD):
            raise QuarantineError("truncated", "the pixel data ends before its declared length")
        blanked = codestream.blank_comments(fragment_head)
        if blanked:
            counts["codestream_comments_blanked"] += blanked
        dst.write(fragment_head)
        _copy_exact(src, dst, item_len - len(fragment_head))


def _copy_masked(
    src: IO[bytes],
    dst: IO[bytes],
    length: int,
    geo: burnedin.FrameGeometry,
    frames: int,
    regions: tuple[tuple[int, int, int, int], ...],
) -> None:
    size = geo.frame_bytes
    if size <= 0 or size * frames > length:
        raise QuarantineError("invalid_dicom", "pixel data is shorter than rows x columns x frames says")
    for _ in range(frames):
        frame = bytearray(src.read(size))
        if len(frame) < size:
            raise QuarantineError("truncated", "the pixel data ends before its declared length")
        burnedin.mask_frame(frame, geo, regions)
        dst.write(frame)
    _copy_exact(src, dst, length - size * frames)


def _mask_in_memory(ds: Dataset, geo: burnedin.FrameGeometry, frames: int, regions: tuple[Any, ...]) -> None:
    data = bytearray(ds.PixelData)
    size = geo.frame_bytes
    if size <= 0 or size * frames > len(data):
        raise QuarantineError("invalid_dicom", "pixel data is shorter than rows x columns x frames says")
    for i in range(frames):
        frame = data[i * size : (i + 1) * size]
        burnedin.mask_frame(frame, geo, regions)
        data[i * size : (i + 1) * size] = frame
    ds.PixelData = bytes(data)


# ---------------------------------------------------------------------------------------------------------------
# the use case


@dataclass(frozen=True)
class EngineConfig:
    """Everything one de-identification run needs besides the bytes."""

    policy: CompiledPolicy
    coder: Coder
    site_code: str
    mask_rules: tuple[burnedin.MaskRule, ...] = ()
    cleaner_factory: CleanerFactory | None = None
    #: The partner's name for its site; removed from texts and kept values like the header's InstitutionName.
    site_name: str = ""


def _burned_in_plan(
    attrs: dict[str, str], ts: UID, cfg: EngineConfig
) -> tuple[burnedin.FrameGeometry, int, tuple[tuple[int, int, int, int], ...]] | None:
    """None when no risk; masking parameters when a rule cleans it; raises to quarantine otherwise."""
    regions = burnedin.regions_for(attrs, cfg.mask_rules)
    if not regions and not burnedin.at_risk(attrs):
        return None
    # A matching rule implies risk even when nothing else flags it (e.g. CT dose screens).
    if not regions:
        raise QuarantineError("burned_in_risk", "pixels may carry burned-in text and no mask rule knows this layout")
    if ts.is_compressed:
        raise QuarantineError("burned_in_risk", "a mask rule matched but the pixels are compressed")
    try:
        rows, cols = int(attrs["Rows"]), int(attrs["Columns"])
        bits = int(attrs.get("BitsAllocated", "8"))
        samples = int(attrs.get("SamplesPerPixel", "1"))
        planar = attrs.get("PlanarConfiguration", "0").strip() == "1"
        frames = int(attrs.get("NumberOfFrames", "1") or "1")
    except (KeyError, ValueError) as exc:
        raise QuarantineError("burned_in_risk", "a mask rule matched but the image geometry is unreadable") from exc
    if bits not in (8, 16, 32):
        raise QuarantineError("burned_in_risk", "a mask rule matched but bit-packed pixels cannot be masked")
    return burnedin.FrameGeometry(rows, cols, samples, bits // 8, planar), max(frames, 1), regions


#: The errors of the machine, not of the file: a full disk or quota, a failing device, a read-only or vanished
#: mount, a dropped connection, a file too large for the file system, a permission. Any other ``OSError`` (EINVAL
#: from a seek a corrupt length asked for) is the data's fault and quarantines the object.
_ENVIRONMENT_ERRNOS = frozenset(
    getattr(errno, name)
    for name in (
        "ENOSPC",
        "EDQUOT",
        "EIO",
        "EROFS",
        "EPIPE",
        "ECONNRESET",
        "ECONNABORTED",
        "ETIMEDOUT",
        "EFBIG",
        "EACCES",
        "EPERM",
        "ENXIO",
        "ESTALE",
        "ENOMEM",
    )
    if hasattr(errno, name)
)


def deidentify_stream(src: IO[bytes], dst: IO[bytes], cfg: EngineConfig) -> DeidResult:
    """De-identify one DICOM object from ``src`` into ``dst``.

    Parameters
    ----------
    src : binary stream positioned at the start of the object (seekable; only short seeks back are made)
    dst : binary stream that receives the de-identified Part 10 file
    cfg : policy, coder, coded site and burned-in rules

    Returns
    -------
    DeidResult
        Coded identity, catalogue facts and action counts (no PHI).

    Raises
    ------
    QuarantineError
        The object cannot be de-identified safely; ``reason`` says why (``not_dicom``, ``truncated``,
        ``invalid_dicom``, ``burned_in_risk``, ``missing_uid``, ...).
    RejectedError
        The object is out of scope (``dicomdir``).
    StreamError
        Reading ``src`` or writing ``dst`` failed in the operating system (disk full, an I/O error, a dropped
        connection): the object is not at fault.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return _deidentify(src, dst, cfg)
        except (QuarantineError, RejectedError):
            raise
        except StreamError:
            raise  # the streams failed: an I/O problem for the caller to retry, not bad data
        except OSError as exc:
            if exc.errno in _ENVIRONMENT_ERRNOS:  # the OS failed a read or a write (disk full, EIO): not bad data
                raise StreamError(exc.errno, f"reading or writing the object failed: {exc.strerror}") from exc
            # pydicom's own OSError (no errno) says the input ended early: the data's fault
            raise QuarantineError("invalid_dicom", f"the header could not be parsed ({type(exc).__name__})") from exc
        except (EOFError, struct.error) as exc:
            raise QuarantineError("truncated", "the object ends in the middle of an element") from exc
        except RecursionError as exc:
            raise QuarantineError("nesting_too_deep", "sequences nested too deep to parse") from exc
        except MemoryError as exc:
            raise QuarantineError("invalid_dicom", "an element declares a length that cannot be held") from exc
        except (InvalidDicomError, Exception) as exc:  # pydicom raises many types on corrupt input
            raise QuarantineError("invalid_dicom", f"the header could not be parsed ({type(exc).__name__})") from exc
        finally:
            _PEEKED.clear()  # values read from the file's header (PHI) are not kept past it


def _deidentify(src: IO[bytes], dst: IO[bytes], cfg: EngineConfig) -> DeidResult:
    _PEEKED.clear()
    header = _read_header(src)
    ds = header.ds
    if len(ds) == 0:
        raise QuarantineError("truncated", "no dataset after the file meta information")
    attrs = _attrs(ds)
    sop_class = _text(ds, "SOPClassUID").strip()
    if sop_class == DICOMDIR_SOP_CLASS or (_text(ds, "FileSetID") and not sop_class):
        raise RejectedError("dicomdir", "a DICOMDIR indexes files and names patients; upload the files instead")
    study_uid, series_uid, sop_uid = (
        _text(ds, k).strip() for k in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID")
    )
    if not (study_uid and series_uid and sop_uid and sop_class):
        raise QuarantineError("missing_uid", "study, series, SOP instance or SOP class UID is missing")
    if attrs.get("RecognizableVisualFeatures", "").strip().upper() == "YES":
        raise QuarantineError("recognizable_features", "the image shows recognizable visual features (e.g. a face)")
    if 0x00420011 in ds:  # Encapsulated Document: a PDF/CDA whose text we cannot clean inside the DICOM file
        raise QuarantineError("encapsulated_document", "encapsulated documents (PDF, CDA) are not de-identified")
    masking = _burned_in_plan(attrs, header.transfer_syntax, cfg) if _has_pixels(ds, header) else None

    coder, site = cfg.coder, cfg.site_code
    identity = _identity(ds)
    if cfg.site_name.strip():
        identity = dataclasses.replace(identity, site_names=(cfg.site_name.strip(),))
    issuer = _text(ds, "IssuerOfPatientID")
    patient_key = identity.patient_ids[0].strip() if identity.patient_ids else ""  # a blank MRN is no MRN
    if not patient_key:  # no MRN: fall back to name + birth date; else the study stands for the patient
        patient_key = f"name:{_text(ds, 'PatientName')}|{identity.birth_date}" if identity.patient_names else ""
    patient_code = coder.patient_in_study(site, issuer, patient_key or f"study:{study_uid}", study_uid)
    study_code = coder.study(site, study_uid, identity.accession)
    series_code = coder.series(site, series_uid)
    if identity.accession.strip():
        coder.link_accession(site, identity.accession, study_code)
    remember_identity(coder, site, study_code, patient_code, identity)
    options = cfg.policy.options
    offset = (
        coder.date_offset_days(site, patient_code, options.date_shift_max_days)
        if options.retain_longitudinal_modified_dates
        else None
    )
    year = _year_of(_text(ds, "StudyDate")) or _year_of(_text(ds, "SeriesDate")) or ""
    coded = CodedIdentity(
        project=coder.project,
        site=site,
        patient=patient_code,
        study=study_code,
        series=series_code,
        study_uid=coder.uid(site, study_uid),
        series_uid=coder.uid(site, series_uid),
        instance_uid=coder.uid(site, sop_uid),
    )
    cleaner = cfg.cleaner_factory(identity, coded) if cfg.cleaner_factory else None
    walk = _Walk(cfg.policy, coder, site, offset, _over_89(ds), cleaner)
    _walk(ds, walk, 0)
    _stamp(ds, coded, cfg.policy, masked=masking is not None, had_institution=bool(identity.institution))

    will_mask = masking is not None
    _write_meta(dst, sop_class, coded.instance_uid, header.transfer_syntax)
    if header.pixel_offset is None:
        if masking is not None and "PixelData" in ds:
            _mask_in_memory(ds, *masking)
        _blank_comments_in_memory(ds, walk.counts)
        if header.transfer_syntax == DEFLATED:
            _write_deflated(dst, ds)
        else:
            _write_dataset(dst, ds, header.implicit, header.little)
    else:
        _write_dataset(dst, ds, header.implicit, header.little)
        src.seek(header.pixel_offset)
        encapsulated = UID(header.transfer_syntax).is_compressed
        while _copy_pixel_element(src, dst, header.implicit, header.little, masking, walk.counts, encapsulated):
            masking = None  # only the first (7FE0,0010) carries the image to mask
        _copy_trailer(src, dst, header, walk)
    return DeidResult(
        coded=coded,
        modality=attrs.get("Modality", ""),
        body_part=attrs.get("BodyPartExamined", ""),
        year=year,
        sop_class_uid=sop_class,
        pixels_masked=will_mask,
        counts=dict(walk.counts),
        policy_id=cfg.policy.id,
    )


def identity_key(study_code: str) -> str:
    """Crosswalk key under which a study's header identities are kept for scrubbing its reports."""
    return f"identity:{study_code}"


def remember_identity(
    coder: Coder, site_code: str, study_code: str, patient_code: str, identity: DicomIdentity
) -> None:
    """Keep what the headers said about a study's patient, for scrubbing that study's reports (partner zone)."""
    record = {
        "patient_code": patient_code,
        "names": list(identity.patient_names),
        "ids": list(identity.patient_ids),
        "accession": identity.accession,
        "birth_date": identity.birth_date,
        "other_names": list(identity.other_names),
        "institution": identity.institution,
    }
    coder.remember(Kind.PATIENT_IDENTITY, site_code, identity_key(study_code), json.dumps(record))


def _blank_comments_in_memory(ds: Dataset, counts: Counter[str]) -> None:
    """Blank the codestream comments of encapsulated Pixel Data read with the header (a file read whole)."""
    elem = ds.get(0x7FE00010)
    if elem is None or not isinstance(elem.value, bytes) or not elem.value.startswith(b"\xfe\xff\x00\xe0"):
        return
    value = bytearray(elem.value)
    blanked = codestream.blank_encapsulated(value)
    if blanked:
        elem.value = bytes(value)
        counts["codestream_comments_blanked"] += blanked


def _has_pixels(ds: Dataset, header: _Header) -> bool:
    if header.pixel_offset is None:
        return any(t in ds for t in _PIXEL_TAGS)
    return "Rows" in ds or "Columns" in ds


def _copy_trailer(src: IO[bytes], dst: IO[bytes], header: _Header, walk: _Walk) -> None:
    rest = src.read(MAX_TRAILER + 1)
    if not rest:
        return
    if len(rest) > MAX_TRAILER:
        raise QuarantineError("invalid_dicom", "unexpectedly large data after the pixel data")
    trailer = read_dataset(io.BytesIO(rest), header.implicit, header.little)
    _ensure_complete(trailer, None)
    _walk(trailer, walk, 0)
    trailer.pop(0xFFFCFFFC, None)
    if len(trailer):
        _write_dataset(dst, trailer, header.implicit, header.little)


def _stamp(ds: Dataset, coded: CodedIdentity, policy: CompiledPolicy, masked: bool, had_institution: bool) -> None:
    """Write the coded identities where DICOM puts them for research, and record what was done."""
    _put(ds, "PatientName", coded.patient)
    _put(ds, "PatientID", coded.patient)
    _put(ds, "AccessionNumber", coded.study)
    _put(ds, "StudyID", coded.study[:16])
    if had_institution:
        _put(ds, "InstitutionName", coded.site)
    _put(ds, "ClinicalTrialSponsorName", "AI MINER")
    _put(ds, "ClinicalTrialProtocolID", coded.project)
    _put(ds, "ClinicalTrialProtocolName", coded.project)
    _put(ds, "ClinicalTrialSiteID", coded.site)
    _put(ds, "ClinicalTrialSiteName", coded.site)
    _put(ds, "ClinicalTrialSubjectID", coded.patient)
    _put(ds, "ClinicalTrialSeriesID", coded.series)
    _put(ds, "PatientIdentityRemoved", "YES")
    _put(ds, "DeidentificationMethod", list(policy.describe()))
    codes = list(policy.options.method_codes())
    if masked:
        codes.append(("113101", "Clean Pixel Data Option"))
        _put(ds, "BurnedInAnnotation", "NO")
    items = []
    for value, meaning in codes:
        item = Dataset()
        item.CodeValue = value
        item.CodingSchemeDesignator = "DCM"
        item.CodeMeaning = meaning
        items.append(item)
    _put(ds, "DeidentificationMethodCodeSequence", Sequence(items))
    _put(ds, "LongitudinalTemporalInformationModified", "MODIFIED")


@cache
def _tag_and_vr(keyword: str) -> tuple[int, str]:
    tag = tag_for_keyword(keyword)
    if tag is None:
        raise KeyError(keyword)
    return tag, str(dictionary_VR(tag))


def _put(ds: Dataset, keyword: str, value: Any) -> None:
    """``ds.<keyword> = value`` without converting the element it replaces (pydicom's attribute set reads the old
    value first)."""
    tag, vr = _tag_and_vr(keyword)
    ds[tag] = DataElement(tag, vr, value)
