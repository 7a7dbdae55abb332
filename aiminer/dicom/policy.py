"""A de-identification policy: Table E.1-1 + chosen options + HIPAA Safe Harbor, compiled to one action per tag.

The compiled policy is a closed set of engine actions (:class:`Act`) so the engine never re-reads the table
per element. Resolution rules (documented in docs/dicom-deidentification.md):

* An enabled option column overrides the Basic Profile for the rows where it has a code.
* Compound codes (``X/Z``, ``X/D``, ``Z/D``, ``X/Z/D``, ``X/Z/U*``) depend on the IOD's type for the attribute;
  without the IOD at hand the engine picks the choice that is safe *and* keeps the file valid for any type:
  ``Z`` when offered (present, empty), else ``D`` (dummy), and ``U`` for ``X/Z/U*``.
* HIPAA Safe Harbor overlays the profile: dates and date-times keep the year only (or move by a per-patient
  offset under Retain Longitudinal Temporal Information), ages over 89 become ``090Y``, and identifiers that
  Safe Harbor names (serial numbers, station names, device IDs) are never retained by an option.
* Attributes not in the table: the *unlisted policy* below. Safe by default: free text and names go unless
  the attribute is on a short, reviewed allowlist of descriptive attributes a researcher needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import IntEnum
from functools import lru_cache
from typing import TYPE_CHECKING

from pydicom.datadict import dictionary_keyword, dictionary_VR, keyword_for_tag

from aiminer.dicom.standard import ConfidentialityTable, TableRow, load_table

if TYPE_CHECKING:
    from collections.abc import Mapping


class Act(IntEnum):
    """What the engine does with one element."""

    KEEP = 0
    REMOVE = 1
    EMPTY = 2
    DUMMY = 3
    UID = 4
    CLEAN = 5
    DATE = 6
    AGE = 7
    RECURSE = 8
    UID_IF_LOCAL = 9  # unlisted UI: keep registered (well-known) UIDs, remap any other


POLICY_ID = "aiminer-safe-harbor"
POLICY_VERSION = "1"

_DATE_VRS = frozenset({"DA", "DT"})
_TEXT_VRS = frozenset({"AE", "LO", "LT", "PN", "SH", "ST", "UC", "UR", "UT"})
_KEEP_VRS = frozenset(
    {"AT", "CS", "DS", "FD", "FL", "IS", "OB", "OD", "OF", "OL", "OV", "OW", "SL", "SS", "SV", "UL", "US", "UV"}
)

#: Standard attributes outside Table E.1-1 with text VRs that describe the acquisition or code a concept and
#: carry no identity. Everything else with a text VR that the table does not list is removed.
UNLISTED_TEXT_ALLOWLIST: frozenset[str] = frozenset(
    {
        # a veterinary patient's species and breed (not the breed registration's number: its sequence goes)
        "PatientSpeciesDescription",
        "PatientBreedDescription",
        # what quantitative research reads (red team 7): the tracer's route, the PET corrections, the MR nucleus,
        # a dimension's and a real-world value map's labels
        "RadiopharmaceuticalRoute",
        "AttenuationCorrectionMethod",
        "ScatterCorrectionMethod",
        "RandomsCorrectionMethod",
        "ReconstructionType",
        "ImagedNucleus",
        "DimensionDescriptionLabel",
        "LUTLabel",
        # device (make and model, never serials: those are in the table)
        "Manufacturer",
        "ManufacturerModelName",
        "SoftwareVersions",
        # acquisition and reconstruction parameters
        "SequenceName",
        "ConvolutionKernel",
        "FilterType",
        "ReceiveCoilName",
        "TransmitCoilName",
        "ContrastBolusRoute",
        "PositionReferenceIndicator",
        "RescaleType",
        "WindowCenterWidthExplanation",
        "LUTExplanation",
        "Radiopharmaceutical",
        "AcquisitionDeviceProcessingCode",
        "PulseSequenceName",
        "CoilString",
        "MultiCoilElementName",
        "ReconstructionMethod",
        "DecayCorrection",
        "ExposureModulationType",
        "FrameType",
        # coded concepts (code sequences in images and SR)
        "CodeValue",
        "CodingSchemeDesignator",
        "CodingSchemeVersion",
        "CodeMeaning",
        "LongCodeValue",
        "URNCodeValue",
        "CodingSchemeName",
        "ContextGroupExtensionCreatorUID",
        # segmentation / RT structure labels needed by the IODs (anatomy or target names)
        "SegmentLabel",
        "SegmentAlgorithmName",
        "BeamName",
        "RTROIInterpretedType",
        # an RT plan's tolerance table and brachytherapy setup, by what they are ("SBRT_TIGHT", "Ring and tandem";
        # red team 13): checked for the file's identities like every kept value
        "ToleranceTableLabel",
        "ApplicationSetupName",
        "DoseReferenceDescription",
        # brachytherapy: the source's isotope ("Ir-192"), which a plan cannot be read without
        "SourceIsotopeName",
        # what a multi-frame's dimensions and a DX's LUT need, and a detector's make (red team 4)
        "StackID",
        "ModalityLUTType",
        "DetectorManufacturerName",
        "DetectorManufacturerModelName",
    }
)

#: Unlisted attributes removed whatever their VR: code strings that name a file on someone's disk or media
#: ("P7731904\IMG0002": red team 4 found an MRN in a ReferencedFileID), and the Encrypted Attributes Sequence
#: (PS3.15 E.1.1: the originals another de-identifier kept, readable by whoever holds its key; red team 13 found a
#: name and an MRN in an EncryptedContent that the binary-VR rule kept) with its content wherever it appears.
_UNLISTED_REMOVED = frozenset(
    {"ReferencedFileID", "FileSetID", "ReferencedFileIDInFile", "EncryptedAttributesSequence", "EncryptedContent"}
)

#: What Safe Harbor forbids whatever a PS3.15 option keeps: device identifiers and serial numbers (M: serials,
#: UDIs, plate/cassette/generator/detector/transducer IDs, station and machine names) and geographic subdivisions
#: smaller than a state (B: the locations Retain Device Identity would keep). Matched against the keyword.
_SAFE_HARBOR_NEVER_RETAIN = re.compile(
    r"Serial|DeviceUID|DeviceID|DetectorID|StationName|SourceID|GantryID|Label$|DeviceIdentifier|UDISequence"
    r"|CassetteID|PlateID|GeneratorID|Identification|MachineName|Location"
)

#: Sequences whose items identify a person or an institution: emptied, never walked into. (An irradiation event's
#: identification holds its UID, which is remapped like any other.)
_IDENTIFYING_SEQUENCE = re.compile(
    # who someone is: a person, an organisation, a user, the patient's own identity and photographs. Not what a
    # sequence identifies that is no one (a segment, an algorithm, a coding scheme, a dose, a device) nor the
    # patient's species, size, state, setup or position: until red teams 6 and 7 (2026-12-06) every unlisted
    # sequence naming "Identification" or "Patient" was emptied, and each SEG frame lost its segment
    # (SegmentIdentificationSequence), each RT plan its patient setup (PatientSetupSequence).
    r"Person|Physician(?!Intent)|Operator|Observer|Asserter|Author|Institution|User(?!Content)"
    r"|Patient(?:Identification|Photo|Group)|GroupOfPatients|SourcePatientGroup|OtherPatient|IssuerOfPatient"
    r"|PatientSetupPhoto|PatientClinicalTrialParticipation"
)


def _walked_dummy(code: str, keyword: str) -> bool:
    """A sequence the table says D for ("replace with a dummy"), whose items are walked so that each attribute in
    them gets its own action (VerifyingObserverSequence: the name, the organisation and the date-time are D
    themselves; emptying the sequence left a VERIFIED SR without its required verifier, red team 4). A
    person's identification codes stay emptied."""
    return code == "D" and "Identification" not in keyword


@dataclass(frozen=True)
class DeidOptions:
    """Per-project choice of PS3.15 options (names follow the standard's option columns).

    Defaults are HIPAA Safe Harbor: patient characteristics (sex, age <= 89, size, weight) kept; dates reduced
    to the year; device make and model kept but serials removed; institution replaced by the coded site.
    """

    retain_patient_characteristics: bool = True
    retain_device_identity: bool = False
    retain_longitudinal_modified_dates: bool = False
    clean_descriptors: bool = True
    clean_structured_content: bool = True
    retain_safe_private: bool = False
    date_shift_max_days: int = 365

    def enabled_columns(self) -> tuple[str, ...]:
        """Table columns that override the Basic Profile, in precedence order."""
        cols: list[str] = []
        if self.retain_safe_private:
            cols.append("rtn_safe_priv")
        if self.retain_device_identity:
            cols.append("rtn_dev_id")
        if self.retain_patient_characteristics:
            cols.append("rtn_pat_chars")
        if self.retain_longitudinal_modified_dates:
            cols.append("rtn_long_mod")
        if self.clean_descriptors:
            cols.append("clean_desc")
        if self.clean_structured_content:
            cols.append("clean_struct")
        return tuple(cols)

    def method_codes(self) -> tuple[tuple[str, str], ...]:
        """CID 7050 codes (code value, meaning) for DeidentificationMethodCodeSequence."""
        codes = [("113100", "Basic Application Confidentiality Profile")]
        if self.clean_descriptors:
            codes.append(("113105", "Clean Descriptors Option"))
        if self.clean_structured_content:
            codes.append(("113104", "Clean Structured Content Option"))
        if self.retain_longitudinal_modified_dates:
            codes.append(("113107", "Retain Longitudinal Temporal Information Modified Dates Option"))
        if self.retain_patient_characteristics:
            codes.append(("113108", "Retain Patient Characteristics Option"))
        if self.retain_device_identity:
            codes.append(("113109", "Retain Device Identity Option"))
        if self.retain_safe_private:
            codes.append(("113111", "Retain Safe Private Option"))
        return tuple(codes)


def _vr_of(tag: int) -> str | None:
    try:
        return str(dictionary_VR(tag))
    except KeyError:
        return None


def resolve(code: str, vr: str | None, keyword: str, longitudinal: bool) -> Act:
    """Turn a table code for an attribute of ``vr`` into one engine action (see module docstring)."""
    vr = vr or "UN"
    if code == "X":
        return Act.REMOVE
    if vr in _DATE_VRS:
        return Act.DATE
    if vr == "TM":
        return Act.KEEP if longitudinal and code in {"C", "K"} else Act.EMPTY
    if vr == "SQ":
        if code in {"K", "C", "U", "X/Z/U*"}:
            return Act.RECURSE
        if "Z" in code or (_IDENTIFYING_SEQUENCE.search(keyword) and not _walked_dummy(code, keyword)):
            return Act.EMPTY
        return Act.RECURSE
    if vr == "UI":
        if code == "K":
            return Act.KEEP
        if "U" in code or "D" in code:
            return Act.UID
        return Act.EMPTY
    if vr == "AS":
        return Act.AGE if code == "K" else Act.EMPTY
    if code == "K":
        return Act.KEEP
    if code == "C":
        return Act.CLEAN
    if code == "U":
        return Act.UID
    if "Z" in code:
        return Act.EMPTY
    return Act.DUMMY


#: Free text that Table E.1-1 does not list and a researcher reads: cleaned like a description (emptied without a
#: cleaner), never removed. ContentDescription is Type 2 in the Content Identification module of segmentations,
#: presentation states and surfaces; a segment's or an annotation group's description says what was outlined.
UNLISTED_CLEANED = frozenset(
    {
        "TextValue",
        "UnformattedTextValue",
        "ContentDescription",
        "SegmentDescription",
        "SurfaceComments",
        "AnnotationGroupDescription",
        # a presentation state's layer and a multi-frame's frame, by what they show ("Renal mass", "Terminal ileum
        # - Crohn follow-up"; red team 18 counted them lost), and a microscopy annotation group's label
        "GraphicLayerDescription",
        "FrameLabel",
        "AnnotationGroupLabel",
        # a gamma camera's energy window, named by its isotope and peak ("Tc99m_EM"; red team 22 counted it lost)
        "EnergyWindowName",
    }
)


def unlisted_action(vr: str | None, keyword: str) -> Act:
    """The explicit policy for standard attributes that Table E.1-1 does not list."""
    if vr is None or vr == "UN":
        return Act.REMOVE  # unknown to the dictionary: nothing says it is safe
    if keyword in _UNLISTED_REMOVED:
        return Act.REMOVE
    if vr == "SQ":
        return Act.EMPTY if _IDENTIFYING_SEQUENCE.search(keyword) else Act.RECURSE
    if vr == "UI":
        return Act.UID_IF_LOCAL
    if vr in _DATE_VRS:
        return Act.DATE
    if vr == "TM":
        return Act.EMPTY
    if vr == "AS":
        return Act.AGE
    if vr in _KEEP_VRS or all(choice in _KEEP_VRS for choice in vr.split(" or ")):
        # ("US or SS", "OB or OW", "US or OW": pixel padding, LUT and waveform data, whichever the file holds)
        return Act.KEEP
    if keyword in UNLISTED_TEXT_ALLOWLIST:
        return Act.KEEP
    if keyword in UNLISTED_CLEANED:
        return Act.CLEAN
    return Act.REMOVE


def load_safe_private() -> dict[tuple[str, int, int], frozenset[str]]:
    """PS3.15 Table E.3.10-1 as ``{(creator, group, element low byte): the VRs the table gives}`` (empty if the
    table is not packaged; an empty set of VRs where the table gives none)."""
    import json
    from importlib import resources

    res = resources.files("aiminer.dicom").joinpath("data", "safe_private.json")
    if not res.is_file():
        return {}
    data = json.loads(res.read_text(encoding="utf-8"))
    return {
        (str(a["creator"]).strip(), int(a["group"], 16), int(a["element"], 16)): frozenset(
            v for v in str(a.get("vr", "")).split("/") if v
        )
        for a in data.get("attributes", [])
    }


@dataclass
class CompiledPolicy:
    """Everything the engine needs, precomputed: one dict lookup per element."""

    options: DeidOptions
    table: ConfidentialityTable
    actions: dict[int, Act] = field(default_factory=dict)
    masked: tuple[tuple[int, int, Act], ...] = ()
    #: the safe private attributes kept (Retain Safe Private), with the VRs the table gives each
    safe_private: Mapping[tuple[str, int, int], frozenset[str]] = field(default_factory=dict)
    _unlisted_cache: dict[tuple[int, str | None], Act] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """``policy@version`` recorded in every output and audit row."""
        return f"{POLICY_ID}@{POLICY_VERSION}"

    def describe(self) -> tuple[str, ...]:
        """Values for DeidentificationMethod (LO, 64 characters each)."""
        opts = ",".join(c.removeprefix("rtn_") for c in self.options.enabled_columns()) or "none"
        return (
            f"AI MINER {self.id}",
            f"PS3.15 E.1-1 {self.table.edition} Basic Profile",
            "HIPAA Safe Harbor 45 CFR 164.514(b)(2)",
            f"options: {opts}"[:64],
        )

    def action_for(self, tag: int, vr: str | None) -> Act:
        """Action for a public (even group) tag."""
        act = self.actions.get(tag)
        if act is not None:
            return act
        for mask, value, masked_act in self.masked:
            if tag & mask == value:
                return masked_act
        key = (tag, vr)
        cached = self._unlisted_cache.get(key)
        if cached is not None:
            return cached
        dict_vr = _vr_of(tag)
        keyword = dictionary_keyword(tag) if dict_vr is not None else ""
        act = unlisted_action(dict_vr or vr, keyword)
        if act is Act.KEEP and vr and dict_vr and vr != dict_vr and vr not in _KEEP_VRS:
            act = Act.REMOVE  # the file says text where the dictionary says a code or number: trust neither
        self._unlisted_cache[key] = act
        return act


def _code_for(row: TableRow, options: DeidOptions) -> str:
    for col in options.enabled_columns():
        code = row.options.get(col)
        if code is None:
            continue
        if code == "K" and _SAFE_HARBOR_NEVER_RETAIN.search(row.keyword or ""):
            continue  # Safe Harbor: device identifiers and serial numbers go whatever the option says
        return code
    return row.basic


def compile_policy(options: DeidOptions | None = None, table_path: str | None = None) -> CompiledPolicy:
    """Compile Table E.1-1 with ``options`` into a :class:`CompiledPolicy` (cached: options are immutable)."""
    return _compile_policy(options or DeidOptions(), table_path)


@lru_cache(maxsize=16)
def _compile_policy(options: DeidOptions, table_path: str | None) -> CompiledPolicy:
    table = load_table(table_path)
    longitudinal = options.retain_longitudinal_modified_dates
    actions: dict[int, Act] = {}
    for tag, row in table.exact().items():
        vr = _vr_of(tag)
        keyword = row.keyword or (keyword_for_tag(tag) if vr else "")
        actions[tag] = resolve(_code_for(row, options), vr, keyword, longitudinal)
    # Identity attributes are rewritten with coded values after the walk; the walk must not drop them first.
    masked = tuple(
        (row.mask, row.tag, resolve(_code_for(row, options), None, row.keyword, longitudinal)) for row in table.masked()
    )
    safe_private = load_safe_private() if options.retain_safe_private else {}
    return CompiledPolicy(options=options, table=table, actions=actions, masked=masked, safe_private=safe_private)
