"""A labeled synthetic set of radiology reports for tests and benchmarks (no real PHI anywhere).

:func:`generate_reports` builds seeded reports across CT, MR, XR, US, mammography and pathology addenda, with
PHI in varied forms (header fields, prose, signature blocks, addenda, communication notes) and hard
negatives (eponyms, measurements, vertebral levels, sequences, drugs, years, BI-RADS, ages under 90...).
Every PHI value and every hard negative is labeled by offsets.

Honesty rules of the set:

- Half the person names come from ``heldout_names.txt``, names the detector's dictionary does not contain, so
  recall on those measures the cue, credential and context rules rather than the dictionary.
- Cities, institutions and street names include invented ones that are in no list of the detector.
- Scoring (:func:`score`) is token-level: a PHI token counts as found when any detection covers it, whatever
  category the detector gave it (a removed identifier is removed); precision is measured on hard-negative
  tokens and, separately, on all non-PHI tokens.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiminer.text.lexicon import dictionary_names, heldout_names

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence


@dataclass(frozen=True)
class Span:
    """A labeled range of a synthetic report."""

    start: int
    end: int
    label: str


@dataclass(frozen=True)
class LabeledReport:
    """A synthetic report, its modality, its PHI spans and its hard-negative spans."""

    text: str
    modality: str
    phi: tuple[Span, ...]
    negatives: tuple[Span, ...]
    identity: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


Segment = tuple[str, str | None]  # (text, label); label: PHI category, "NEG:<kind>" or None


class _Builder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.phi: list[Span] = []
        self.neg: list[Span] = []

    def add(self, text: str, label: str | None = None) -> None:
        if label and text:
            if label.startswith("NEG:"):
                self.neg.append(Span(self.pos, self.pos + len(text), label[4:]))
            else:
                self.phi.append(Span(self.pos, self.pos + len(text), label))
        self.parts.append(text)
        self.pos += len(text)

    def segs(self, segments: Iterable[Segment]) -> None:
        for text, label in segments:
            self.add(text, label)


_FIELD_RE = re.compile(r"\{(\w+)\}")

# ---------------------------------------------------------------------------------------------------------------
# value pools (invented; none is a real person, and the places are generic or made up)
# ---------------------------------------------------------------------------------------------------------------
_INVENTED_CITIES = (
    "Shelbyville", "Maplewood", "Cedarville", "Brookhaven", "Pine Ridge", "Fox Hollow", "Eastborough",
    "Kingsford", "Willow Creek", "Ashford", "Glenmoor", "Stonebridge", "Harborview", "Elmhurst Falls",
)  # fmt: skip
_KNOWN_CITIES = (
    "Boston", "Worcester", "Springfield", "Hartford", "Providence", "Albany", "Rochester", "Baltimore", "Cleveland",
    "Pittsburgh", "Nashville", "Memphis", "Omaha", "Tucson", "Sacramento", "Seattle", "Denver", "Chicago",
    "Philadelphia", "San Antonio", "Ann Arbor", "Iowa City", "Salt Lake City", "New Haven", "Chapel Hill",
)  # fmt: skip
_STATES = ("MA", "NY", "CT", "RI", "NH", "PA", "OH", "TN", "NE", "AZ", "CA", "WA", "CO", "IL", "TX", "MI", "IA")
_STATE_NAMES = ("Massachusetts", "New York", "Ohio", "Texas", "California", "Illinois", "Michigan", "Iowa")
_STREETS = (
    "Main", "Oak", "Maple", "Elm", "Washington", "Lake", "Hillside", "Pleasant", "Cedar", "Park", "Highland",
    "Chestnut", "Prospect", "Sycamore", "Quarry", "Wren Hollow", "Old Mill", "Juniper", "Beacon", "Tremont",
)  # fmt: skip
_SUFFIXES = ("Street", "St", "St.", "Avenue", "Ave", "Road", "Rd.", "Drive", "Dr", "Lane", "Ln", "Court", "Blvd",
             "Boulevard", "Way", "Place", "Terrace", "Circle", "Parkway")  # fmt: skip
_INSTITUTIONS = (
    "St. Mary's Hospital", "Mercy Medical Center", "Lakeview Clinic", "Saint Anne's Hospital",
    "University of Vermont Medical Center", "Brigham and Women's Hospital", "Massachusetts General Hospital",
    "Beth Israel Deaconess Medical Center", "Johns Hopkins Hospital", "Northwestern Memorial Hospital",
    "Cedars-Sinai Medical Center", "Mayo Clinic", "Cleveland Clinic", "Baystate Health", "Hartwell Regional Hospital",
    "Fox Hollow Imaging Center", "Granite State Radiology Associates", "Riverbend Family Clinic",
    "Mount Sinai Hospital", "Yale New Haven Hospital", "Vanderbilt University Medical Center",
    "Kingsford Community Hospital", "Ashford Cancer Center", "Stonebridge Urgent Care", "Pinecrest Medical Group",
    "Children's Hospital of Eastborough", "University of Glenmoor Health", "Our Lady of Mercy Medical Center",
)  # fmt: skip
_DOMAINS = ("gmail.com", "yahoo.com", "hospital.org", "partners.org", "mednet.edu", "outlook.com", "aol.com")
_NAME_PARTICLE_SURNAMES = ("O'Brien", "McAllister", "de la Cruz", "Van Buren", "Smith-Jones", "D'Angelo", "MacLeod",
                           "O'Neill", "St. Clair", "Nguyen-Tran")  # fmt: skip

# Hard negatives: text that must survive.
_EPONYM_PHRASES = (
    "Hodgkin lymphoma", "Parkinson disease", "Foley catheter", "Bankart lesion", "Chiari I malformation",
    "Wilms tumor", "Crohn disease", "Baker cyst", "Colles fracture", "Monteggia fracture", "Hill-Sachs deformity",
    "Schmorl node", "Morison pouch", "Kerley B lines", "Hashimoto thyroiditis", "Graves disease", "Paget disease",
    "Osgood-Schlatter disease", "Legg-Calve-Perthes disease", "Meckel diverticulum", "Zenker diverticulum",
    "Barrett esophagus", "Lisfranc injury", "Jones fracture", "Salter-Harris II fracture", "Segond fracture",
    "Bosniak 2F cyst", "Virchow node", "Ewing sarcoma", "Kaposi sarcoma", "Pancoast tumor", "Whipple procedure",
    "Swan-Ganz catheter", "Hickman catheter", "Greenfield filter", "Fleischner Society guidelines",
    "Modic type 1 changes",
    "Gleason score 3+4=7", "Cobb angle of 24 degrees", "Hounsfield units", "Budd-Chiari syndrome", "Wilson disease",
    "Cushing syndrome", "Addison disease", "Dandy-Walker malformation", "Charcot joint", "Boerhaave syndrome",
    "Mallory-Weiss tear", "pouch of Douglas", "circle of Willis", "foramen of Monro", "ligament of Treitz",
)  # fmt: skip
_MEASUREMENTS = (
    "3.2 x 1.5 cm", "5 mm", "1.2 cm", "12 x 9 x 7 mm", "2.4 cm", "0.8 cm", "120 mGy", "DLP 456 mGy-cm",
    "CTDIvol 12.3 mGy", "45 mL", "100 mL", "4.5 cm", "17 mm", "6 x 4 mm", "3 mm", "25 degrees", "1.5 T", "3 T",
    "120 kVp", "250 mAs", "512 x 512", "-5 HU", "35 HU", "0.5 mm", "8.1 cm", "2.5 mSv", "11 cm craniocaudal",
)  # fmt: skip
_LEVELS = ("L4-L5", "L5-S1", "C5/6", "C6-7", "T12", "L1", "C2", "T4-T5", "S1", "L3-4", "C3-C4", "T11-12")
_SEQUENCES = ("T1", "T2", "FLAIR", "DWI", "STIR", "ADC", "SWI", "T1 post-contrast", "T2*", "GRE", "MPRAGE", "DTI")
_DRUGS = ("Omnipaque 350", "Gadavist", "Isovue-370", "heparin", "warfarin", "Eliquis", "tamoxifen", "Lasix",
          "aspirin", "metformin", "Keytruda", "Herceptin", "Dotarem", "Visipaque 320", "morphine")  # fmt: skip
_CLASSIFICATIONS = ("BI-RADS 4A", "BI-RADS 2", "BI-RADS 0", "LI-RADS 5", "TI-RADS 3", "PI-RADS 4", "Lung-RADS 2",
                    "ACR category C", "T2N1M0", "stage IIIA", "grade 2", "CPT 71250", "ICD-10 C50.911")  # fmt: skip
_LATERALITY = ("right", "left", "bilateral", "Right", "Left")
_PROTOCOL_TIMES = ("70 seconds", "at 35 seconds", "10 minutes delayed", "3-hour delayed", "20 minute")


class _Gen:
    """Random PHI and negative values, seeded."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng
        hf, hl = heldout_names()
        df, dl = dictionary_names()
        self.first_pools = (hf, df[:1500])
        self.last_pools = (hl, dl[:4000])

    # --- names -------------------------------------------------------------------------------------------------
    def person(self) -> tuple[str, str, str]:
        r = self.r
        held = r.random() < 0.5
        first = r.choice(self.first_pools[0] if held else self.first_pools[1])
        if r.random() < 0.07:
            last = r.choice(_NAME_PARTICLE_SURNAMES)
        else:
            last = r.choice(self.last_pools[0] if held else self.last_pools[1])
        middle = r.choice("ABCDEFGHJKLMNPRSTW")
        return first, middle, last

    def name_forms(self, person: tuple[str, str, str], formal: bool) -> list[Segment]:
        first, mid, last = person
        r = self.r
        forms: list[list[Segment]] = [
            [(f"{first} {last}", "NAME")],
            [(f"{first} {mid}. {last}", "NAME")],
            [(f"{last.upper()}, {first.upper()}", "NAME")],
            [(f"{last}, {first} {mid}", "NAME")],
            [(f"{last.upper()}^{first.upper()}^{mid}", "NAME")],
            [(f"{first[0]}. {last}", "NAME")],
            [(f"{last.upper()}, {first.upper()} {mid}", "NAME")],
        ]
        if not formal:
            forms += [[("Mr. " if r.random() < 0.5 else "Ms. ", None), (last, "NAME")]]
        return r.choice(forms)

    def doctor(self, person: tuple[str, str, str] | None = None) -> list[Segment]:
        first, mid, last = person or self.person()
        r = self.r
        cred = r.choice(("MD", "M.D.", "DO", "MD, PhD", "MBBS"))
        forms: list[list[Segment]] = [
            [("Dr. ", None), (f"{first} {last}", "NAME")],
            [("Dr. ", None), (last, "NAME")],
            [(f"{first} {last}", "NAME"), (f", {cred}", None)],
            [(f"{first} {mid}. {last}", "NAME"), (f", {cred}", None)],
            [(f"{last}, {first}", "NAME"), (f" {cred}", None)],
            [("Dr. ", None), (f"{first[0]}. {last}", "NAME")],
            [(f"{first[0]}. {last}", "NAME"), (f", {cred}", None)],
            [("DR. ", None), (last.upper(), "NAME")],
        ]
        return r.choice(forms)

    # --- identifiers -------------------------------------------------------------------------------------------
    def digits(self, n: int) -> str:
        return "".join(self.r.choice("0123456789") for _ in range(n))

    def letters(self, n: int) -> str:
        return "".join(self.r.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(n))

    def mrn(self) -> str:
        r = self.r
        return r.choice(
            (
                self.digits(8),
                "00" + self.digits(6),
                f"{self.digits(3)}-{self.digits(2)}-{self.digits(3)}",
                "E" + self.digits(7),
                self.digits(7),
                f"MRN{self.digits(6)}",
                self.digits(10),
            )
        )

    def accession(self) -> str:
        r = self.r
        y = r.randint(10, 24)
        return r.choice(
            (
                self.digits(8),
                f"RAD-20{y}-{self.digits(6)}",
                f"CT{y}-{self.digits(5)}",
                f"A{self.digits(9)}",
                f"{self.letters(2)}{self.digits(7)}",
                f"S{y}-{self.digits(5)}",
                f"SP-{y}-{self.digits(6)}",
            )
        )

    def date(self) -> list[Segment]:
        r = self.r
        y, m, d = r.randint(1995, 2024), r.randint(1, 12), r.randint(1, 28)
        months = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December")  # fmt: skip
        mon = months[m - 1]
        hh, mm = r.randint(0, 23), r.randint(0, 59)
        form = r.choice(
            (
                f"{m:02d}/{d:02d}/{y}",
                f"{m}/{d}/{y}",
                f"{m}/{d}/{y % 100:02d}",
                f"{y}-{m:02d}-{d:02d}",
                f"{d}-{mon[:3]}-{y}",
                f"{d:02d}-{mon[:3].upper()}-{y}",
                f"{mon} {d}, {y}",
                f"{mon[:3]} {d} {y}",
                f"{d} {mon[:3]} {y}",
                f"{d} {mon} {y}",
                f"{mon} {y}",
                f"{mon[:3]}. {y}",
                f"{m:02d}/{d:02d}",
                f"{m:02d}/{d:02d}/{y} {hh:02d}:{mm:02d}",
                f"{y}-{m:02d}-{d:02d}T{hh:02d}:{mm:02d}:00",
                f"{mon} {d}",
                f"{m:02d}-{d:02d}-{y}",
                f"{m:02d}.{d:02d}.{y}",
                f"{y}{m:02d}{d:02d}",
                f"{mon} {d}th, {y}",
                f"{m}/{d}/{y} at {hh % 12 + 1}:{mm:02d} {r.choice(('AM', 'PM'))}",
            )
        )
        return [(form, "DATE")]

    def age(self) -> list[Segment]:
        r = self.r
        n = r.randint(90, 104)
        return r.choice(
            (
                [(str(n), "AGE_OVER_89"), ("-year-old", None)],
                [(str(n), "AGE_OVER_89"), (" year old", None)],
                [(str(n), "AGE_OVER_89"), (" yo", None)],
                [(str(n), "AGE_OVER_89"), (" y/o", None)],
                [("age ", None), (str(n), "AGE_OVER_89")],
                [(str(n), "AGE_OVER_89"), (r.choice(("F", "M")), None)],
                [(r.choice(("ninety-three", "ninety-one", "ninety-seven")), "AGE_OVER_89"), ("-year-old", None)],
                [(str(n), "AGE_OVER_89"), (" years of age", None)],
            )
        )

    def phone(self) -> str:
        a, b, c = self.digits(3).replace("0", "6", 1), self.digits(3), self.digits(4)
        a = str(self.r.randint(201, 989))
        return self.r.choice(
            (
                f"({a}) {b}-{c}",
                f"{a}-{b}-{c}",
                f"{a}.{b}.{c}",
                f"+1 {a} {b} {c}",
                f"1-{a}-{b}-{c}",
                f"{a}-{b}-{c} x{self.digits(3)}",
            )
        )

    def ssn(self) -> str:
        a = str(self.r.randint(100, 665))
        return self.r.choice((f"{a}-{self.digits(2)}-{self.digits(4)}", f"{a} {self.digits(2)} {self.digits(4)}"))

    def street(self) -> str:
        r = self.r
        return r.choice(
            (
                f"{r.randint(1, 9999)} {r.choice(_STREETS)} {r.choice(_SUFFIXES)}",
                f"{r.randint(1, 999)} {r.choice(('N', 'S', 'E', 'W', 'North', 'West'))} {r.choice(_STREETS)} "
                f"{r.choice(_SUFFIXES)}",
                f"{r.randint(1, 9999)} {r.choice(_STREETS)} {r.choice(_SUFFIXES)}, Apt {r.randint(1, 40)}",
                f"PO Box {r.randint(10, 9999)}",
                f"{r.randint(100, 999)} {r.randint(2, 99)}th Street",
            )
        )

    def city(self) -> str:
        return self.r.choice(_INVENTED_CITIES if self.r.random() < 0.4 else _KNOWN_CITIES)

    def zip(self) -> str:
        return self.digits(5) if self.r.random() < 0.7 else f"{self.digits(5)}-{self.digits(4)}"

    def email(self, person: tuple[str, str, str]) -> str:
        first, _, last = person
        local = re.sub(r"[^a-z]", "", last.lower()) or "pt"
        return self.r.choice((f"{first.lower()}.{local}", f"{first[0].lower()}{local}{self.r.randint(1, 99)}")) + (
            "@" + self.r.choice(_DOMAINS)
        )

    def url(self) -> str:
        r = self.r
        return r.choice(
            (
                f"https://portal.{r.choice(('mercyhealth', 'stmarys', 'lakeview'))}.org/patient/{self.digits(6)}",
                f"http://www.{r.choice(('hartwellhospital', 'foxhollowimaging'))}.com",
                f"www.{r.choice(('kingsfordclinic', 'baystatehealth'))}.org/results",
                f"https://mychart.{r.choice(('ashford', 'glenmoor'))}.edu/view?id={self.digits(8)}",
            )
        )

    def ip(self) -> str:
        r = self.r
        if r.random() < 0.15:
            return f"fe80::{r.randint(1, 65535):x}:{r.randint(1, 65535):x}"
        return f"{r.choice((10, 172, 192, 128, 155))}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"


# ---------------------------------------------------------------------------------------------------------------
# templates
# ---------------------------------------------------------------------------------------------------------------
_HEADERS = (
    "PATIENT: {PT}    MRN: {MRN}    DOB: {DOB}\nEXAM DATE: {DATE}    ACCESSION: {ACC}\n",
    "Patient Name: {PT}\nMedical Record Number: {MRN}\nDate of Birth: {DOB}\nAcc#: {ACC}\nReferring Physician: {DR}\n",
    "Name: {PT} | MR#: {MRN} | Acc: {ACC} | DOS: {DATE}\n",
    "{PT}  ({MRN})  Exam: {DATE}\nOrdering provider: {DR}\n",
    "Pt: {PT}\nPatient ID: {MRN}\nAccession Number: {ACC}\nAccount #: {ACCOUNT}\nService date: {DATE}\n",
    "RE: {PT}, DOB {DOB}, MRN {MRN}\n",
    "PATIENT NAME: {PT}\nDOB: {DOB} AGE: {AGE}\nFIN: {ACCOUNT}\nACC NO: {ACC}\n",
    "Exam: {EXAM}\nDate: {DATE}\nPatient: {PT}\nMRN: {MRN}\nLocation: {INST}\n",
    "",
)
_HISTORY = (
    "CLINICAL HISTORY: {AGE} {SEX} with {EPONYM}. {NEG_DRUG} therapy.\n",
    "INDICATION: {SEX_CAP} patient, {AGE}, fall at home on {DATE}. Evaluate for fracture.\n",
    "HISTORY: {EPONYM}. Prior {NEG_LEVEL} fusion in {YEAR}. Referred by {DR}.\n",
    "CLINICAL INFORMATION: Follow-up of {EPONYM}; on {NEG_DRUG} since {YEAR}. Patient {PT_SHORT} reports pain.\n",
    "REASON FOR EXAM: {AGE} with cough. Lives in {CITY_CUE}.\n",
    "History: {NEG_AGE} {SEX} with {EPONYM}, transferred from {INST} on {DATE}.\n",
    "INDICATION: Screening. Family history of {EPONYM}. Patient's daughter {REL} present.\n",
)
_TECHNIQUE = {
    "CT": (
        "TECHNIQUE: Axial CT images of the {BODY} were obtained after {NEG_DRUG} IV contrast ({NEG_MEAS}). "
        "{NEG_MEAS}. Coronal and sagittal reformats.\n",
        "TECHNIQUE: Helical CT {BODY}, {NEG_TIME} post injection, {NEG_MEAS}, {NEG_MEAS}.\n",
    ),
    "MR": (
        "TECHNIQUE: Multiplanar {NEG_SEQ} and {NEG_SEQ} images of the {BODY} at {NEG_MEAS}, with {NEG_SEQ} "
        "after {NEG_DRUG}.\n",
        "SEQUENCES: sagittal {NEG_SEQ}, axial {NEG_SEQ}, coronal {NEG_SEQ}. Scanner station {DEVICE}.\n",
    ),
    "XR": ("TECHNIQUE: {NEG_LAT} frontal and lateral views of the {BODY}.\n", "VIEWS: 3 views.\n"),
    "US": ("TECHNIQUE: Grayscale and color Doppler ultrasound of the {BODY}. {NEG_MEAS}.\n",),
    "MG": ("TECHNIQUE: Bilateral CC and MLO tomosynthesis views. ACR category C density.\n",),
    "PATH": ("SPECIMEN: {NEG_LAT} breast, core biopsy ({NEG_MEAS}). Case #: {ACC}.\n",),
}
_COMPARISON = (
    "COMPARISON: {DATE}.\n",
    "COMPARISON: Outside CT from {INST} dated {DATE}.\n",
    "COMPARISON: None.\n",
    "COMPARISON: {DATE} and {DATE}.\n",
    "Comparison is made to the prior study of {DATE} (accession {ACC}).\n",
)
_FINDINGS = (
    "There is a {NEG_MEAS} nodule in the {NEG_LAT} upper lobe, previously {NEG_MEAS}. ",
    "Degenerative disc disease at {NEG_LEVEL} and {NEG_LEVEL} with a {NEG_MEAS} disc protrusion. ",
    "No acute fracture. {EPONYM} is again seen. ",
    "Findings consistent with {EPONYM}. ",
    "The {NEG_SEQ} signal is increased in the {NEG_LAT} hippocampus. ",
    "{NEG_CLASS}. ",
    "Stable {NEG_MEAS} cyst, unchanged since {YEAR}. ",
    "Pacemaker generator with leads in place (serial number {DEVICE}). ",
    "Right IJ {EPONYM} tip in the SVC. ",
    "Mild {NEG_LAT} hydronephrosis measuring {NEG_MEAS}. ",
    "Lymph nodes: {NEG_FRAC} positive. ",
    "Patient {PT_SHORT} was unable to hold breath. ",
    "Prior {NEG_LEVEL} laminectomy ({YEAR}). ",
    "Images were transferred from workstation {IP}. ",
    "A {NEG_MEAS} hypodensity in segment 7 of the liver, {NEG_CLASS}. ",
    "Cardiomegaly. {EPONYM} noted. Aortic calcification. ",
)
_IMPRESSION = (
    "IMPRESSION:\n1. {EPONYM}.\n2. {NEG_CLASS}. Recommend follow-up in 6 months.\n",
    "IMPRESSION: No acute intracranial abnormality. Chronic {NEG_LEVEL} changes.\n",
    "IMPRESSION: Findings discussed with {DR} by telephone on {DATE} at {NEG_CLOCK}.\n",
    "IMPRESSION: {NEG_CLASS}. Results communicated to {DR} at {PHONE}.\n",
    "IMPRESSION: Suspicious {NEG_MEAS} mass; biopsy recommended. Call {PHONE} to schedule.\n",
)
_SIGNATURE = (
    "\nElectronically signed by: {DR} on {DATE}\n",
    "\nDictated by: {DR}\nTranscribed by: {STAFF_INIT} {DATE}\n{INITIALS}\n",
    "\nRadiologist: {DR}\nTechnologist: {TECH}\nReport finalized {DATE}\n",
    "\nAttending: {DR}\nResident: {DR}\n",
    "\nRead by {DR}. Verified {DATE}.\ncc: {DR}\n",
    "\n{DR_CRED}\nDepartment of Radiology, {INST}\n{ADDRESS}, {CITY}, {STATE} {ZIP}\nTel {PHONE}  Fax {FAX}\n",
    "\nSigned: {DR_CRED} {DATE}\nQuestions: {EMAIL}\n",
)
_EXTRAS = (
    "\nNOTE: Patient contact: {PT_SHORT}, {ADDRESS}, {CITY}, {STATE} {ZIP}. Home phone {PHONE}. Email {EMAIL}.\n",
    "\nInsurance: Member ID {PLAN}. SSN {SSN}.\n",
    "\nImages available at {URL}\n",
    "\nAddendum {DATE}: Outside images from {INST} reviewed with {DR}. No change.\n",
    "\nNext of kin: {REL_FULL} (son), phone {PHONE}.\n",
    "\nImplanted device ID {DEVICE}. Patient's driver's license {LICENSE} on file.\n",
    "\nMedicare ID: {PLAN}. Visit #: {ACCOUNT}.\n",
    "\nPatient resides in {CITY_CUE}, {STATE_NAME}.\n",
    "\nTransported by vehicle plate {PLATE}.\n",
    "\nDICOM study UID {UID} archived on server {IP}.\n",
    "\nPATHOLOGY ADDENDUM ({DATE}): Surgical pathology {ACC} from {INST}: invasive ductal carcinoma, grade 2, "
    "{NEG_MEAS}, margins negative, {NEG_FRAC} nodes. Pathologist: {DR}. {NEG_CLASS}.\n",
    "\n{AGE} {SEX}, DOB {DOB}, seen in the {INST} emergency department.\n",
)
_BODY = {
    "CT": ("chest", "abdomen and pelvis", "head", "cervical spine", "chest, abdomen and pelvis"),
    "MR": ("brain", "lumbar spine", "right knee", "left shoulder", "pelvis", "cervical spine"),
    "XR": ("chest", "left wrist", "right ankle", "pelvis", "lumbar spine"),
    "US": ("abdomen", "right upper quadrant", "thyroid", "pelvis", "left lower extremity veins"),
    "MG": ("breasts",),
    "PATH": ("breast",),
}
_EXAMS = {
    "CT": "CT CHEST W CONTRAST",
    "MR": "MRI BRAIN WO/W CONTRAST",
    "XR": "XR CHEST 2 VIEWS",
    "US": "US ABDOMEN COMPLETE",
    "MG": "MAMMO SCREENING BILATERAL W TOMO",
    "PATH": "US GUIDED BREAST BIOPSY",
}
_MODALITIES = ("CT", "MR", "XR", "US", "MG", "PATH")


def _fill(b: _Builder, template: str, g: _Gen, ctx: dict[str, object], modality: str) -> None:
    r = g.r
    pos = 0
    for m in _FIELD_RE.finditer(template):
        b.add(template[pos : m.start()])
        pos = m.end()
        b.segs(_value(m.group(1), g, ctx, modality, r))
    b.add(template[pos:])


def _value(key: str, g: _Gen, ctx: dict[str, object], modality: str, r: random.Random) -> list[Segment]:
    patient = ctx["patient"]
    assert isinstance(patient, tuple)
    if key == "PT":
        return g.name_forms(patient, formal=True)
    if key == "PT_SHORT":
        return g.name_forms(patient, formal=False)
    if key in ("DR", "DR_CRED"):
        doctors = ctx["doctors"]
        assert isinstance(doctors, list)
        return g.doctor(r.choice(doctors))
    if key == "TECH":
        first, _, last = g.person()
        options: list[list[Segment]] = [
            [(f"{first} {last}", "NAME"), (", RT(R)", None)],
            [(f"{first[0]}{last[0]}", "NAME")],
            [(last, "NAME")],
        ]
        return r.choice(options)
    if key == "STAFF_INIT":
        first, _, last = g.person()
        return [(f"{first[0]}{last[0]}".lower(), "NAME")]
    if key == "INITIALS":
        first, _, last = g.person()
        return [(f"{first[0]}{last[0]}/{g.letters(2).lower()}", "NAME")]
    if key == "REL":
        first, _, _ = g.person()
        return [(first, "NAME")]
    if key == "REL_FULL":
        first, _, last = g.person()
        return [(f"{first} {last}", "NAME")]
    simple: dict[str, Callable[[], list[Segment]]] = {
        "MRN": lambda: [(str(ctx["mrn"]), "MRN")],
        "ACC": lambda: [(str(ctx["acc"]), "ACCESSION")],
        "ACCOUNT": lambda: [(r.choice((g.digits(10), "V" + g.digits(8), g.digits(9))), "ACCOUNT")],
        "DOB": lambda: [(str(ctx["dob"]), "DATE")],
        "DATE": g.date,
        "AGE": g.age,
        "PHONE": lambda: [(g.phone(), "PHONE")],
        "FAX": lambda: [(g.phone(), "FAX")],
        "SSN": lambda: [(g.ssn(), "SSN")],
        "EMAIL": lambda: [(g.email(patient), "EMAIL")],
        "URL": lambda: [(g.url(), "URL")],
        "IP": lambda: [(g.ip(), "IP")],
        "ADDRESS": lambda: [(g.street(), "ADDRESS")],
        "CITY": lambda: [(g.city(), "CITY")],
        "CITY_CUE": lambda: [(g.city(), "CITY")],
        "STATE": lambda: [(r.choice(_STATES), None)],
        "STATE_NAME": lambda: [(r.choice(_STATE_NAMES), None)],
        "ZIP": lambda: [(g.zip(), "ZIP")],
        "INST": lambda: [(r.choice(_INSTITUTIONS), "INSTITUTION")],
        "DEVICE": lambda: [
            (
                r.choice(
                    (
                        f"PJN{g.digits(6)}H",
                        f"{g.digits(4)}-{g.digits(4)}-{g.digits(2)}",
                        f"SN{g.digits(8)}",
                        f"0{g.digits(13)}",
                        ":".join(f"{r.randint(0, 255):02X}" for _ in range(6)),
                    )
                ),
                "DEVICE_ID",
            )
        ],
        "LICENSE": lambda: [(r.choice((f"D{g.digits(7)}", f"S{g.digits(3)}-{g.digits(4)}-{g.digits(4)}")), "LICENSE")],
        "PLATE": lambda: [
            (r.choice((f"{g.digits(1)}{g.letters(3)}{g.digits(3)}", f"{g.letters(3)}-{g.digits(4)}")), "LICENSE")
        ],
        "PLAN": lambda: [
            (
                r.choice(
                    (
                        f"{g.letters(3)}{g.digits(9)}",
                        f"1{g.letters(2)}{g.digits(1)}-{g.letters(2)}{g.digits(1)}-{g.letters(2)}{g.digits(2)}",
                        f"H{g.digits(8)}",
                    )
                ),
                "HEALTH_PLAN",
            )
        ],
        "UID": lambda: [(f"1.2.840.{g.digits(6)}.{r.randint(1, 9)}.{g.digits(8)}.{g.digits(4)}", "OTHER_ID")],
        "SEX": lambda: [(r.choice(("male", "female", "man", "woman")), None)],
        "SEX_CAP": lambda: [(r.choice(("Male", "Female")), None)],
        "EXAM": lambda: [(_EXAMS[modality], None)],
        "BODY": lambda: [(r.choice(_BODY[modality]), None)],
        "YEAR": lambda: [(str(r.randint(1998, 2023)), "NEG:year")],
        "EPONYM": lambda: [(r.choice(_EPONYM_PHRASES), "NEG:eponym")],
        "NEG_MEAS": lambda: [(r.choice(_MEASUREMENTS), "NEG:measurement")],
        "NEG_LEVEL": lambda: [(r.choice(_LEVELS), "NEG:level")],
        "NEG_SEQ": lambda: [(r.choice(_SEQUENCES), "NEG:sequence")],
        "NEG_DRUG": lambda: [(r.choice(_DRUGS), "NEG:drug")],
        "NEG_CLASS": lambda: [(r.choice(_CLASSIFICATIONS), "NEG:classification")],
        "NEG_LAT": lambda: [(r.choice(_LATERALITY), "NEG:laterality")],
        "NEG_TIME": lambda: [(r.choice(_PROTOCOL_TIMES), "NEG:protocol_time")],
        "NEG_CLOCK": lambda: [(f"{r.randint(1, 12)}:{r.randint(0, 59):02d} {r.choice(('AM', 'PM'))}", None)],
        "NEG_AGE": lambda: [(f"{r.randint(18, 89)}-year-old", "NEG:age_under_90")],
        "NEG_FRAC": lambda: [(f"{r.randint(0, 3)}/{r.randint(4, 22)}", "NEG:fraction")],
    }
    return simple[key]()


def _one_report(g: _Gen, modality: str) -> LabeledReport:
    r = g.r
    b = _Builder()
    y, m, d = r.randint(1920, 1990), r.randint(1, 12), r.randint(1, 28)
    dob = r.choice((f"{m:02d}/{d:02d}/{y}", f"{y}-{m:02d}-{d:02d}", f"{m}/{d}/{y}", f"{y}{m:02d}{d:02d}"))
    patient = g.person()
    ctx: dict[str, object] = {
        "patient": patient,
        "mrn": g.mrn(),
        "acc": g.accession(),
        "dob": dob,
        "doctors": [g.person() for _ in range(r.randint(1, 3))],
    }
    template_parts = [r.choice(_HEADERS), f"\n{_EXAMS[modality]}\n\n" if r.random() < 0.6 else ""]
    template_parts.append(r.choice(_HISTORY))
    template_parts.append(r.choice(_TECHNIQUE[modality]))
    template_parts.append(r.choice(_COMPARISON))
    template_parts.append("\nFINDINGS:\n" + "".join(r.sample(_FINDINGS, r.randint(2, 5))) + "\n\n")
    template_parts.append(r.choice(_IMPRESSION))
    template_parts.append(r.choice(_SIGNATURE))
    for extra in r.sample(_EXTRAS, r.randint(0, 3)):
        template_parts.append(extra)
    if modality == "PATH" and _EXTRAS[10] not in template_parts:
        template_parts.append(_EXTRAS[10])
    for part in template_parts:
        _fill(b, part, g, ctx, modality)
    text = "".join(b.parts)
    if r.random() < 0.1:  # some systems still send everything in capitals
        text = text.upper()
    first, mid, last = patient
    identity = {
        "patient_name": f"{last.upper()}^{first.upper()}^{mid}",
        "mrn": str(ctx["mrn"]),
        "accession": str(ctx["acc"]),
    }
    return LabeledReport(text, modality, tuple(b.phi), tuple(b.neg), identity)


def generate_reports(n: int = 300, seed: int = 20240501) -> list[LabeledReport]:
    """Generate ``n`` labeled synthetic reports (deterministic for a seed).

    Parameters
    ----------
    n
        Number of reports, spread evenly over CT, MR, XR, US, mammography and pathology addenda.
    seed
        Random seed.

    Returns
    -------
    list of LabeledReport
        Reports with PHI spans (by Safe Harbor category) and hard-negative spans (by kind).
    """
    g = _Gen(random.Random(seed))
    return [_one_report(g, _MODALITIES[i % len(_MODALITIES)]) for i in range(n)]


# ---------------------------------------------------------------------------------------------------------------
# scoring
# ---------------------------------------------------------------------------------------------------------------
_TOKEN_RE = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True)
class Score:
    """Token-level recall per PHI category and precision on hard negatives and on all non-PHI tokens."""

    recall: dict[str, float]
    support: dict[str, int]
    negative_precision: float
    negative_precision_by_kind: dict[str, float]
    token_precision: float
    missed_examples: dict[str, list[str]]
    false_positive_examples: list[str]

    @property
    def min_recall(self) -> float:
        """Lowest per-category recall."""
        return min(self.recall.values()) if self.recall else 1.0

    @property
    def overall_recall(self) -> float:
        """Recall over all PHI tokens."""
        total = sum(self.support.values())
        return sum(self.recall[c] * self.support[c] for c in self.recall) / total if total else 1.0


def score(reports: Sequence[LabeledReport], predict: Callable[[LabeledReport], Iterable[tuple[int, int]]]) -> Score:
    """Score a detector that returns ``(start, end)`` spans for each report.

    Parameters
    ----------
    reports
        The labeled set.
    predict
        Returns the spans a detector would remove from ``report.text``.

    Returns
    -------
    Score
        Recall per category (token level, category-agnostic coverage), precision on hard negatives and on all
        tokens that are not PHI, and a few examples of misses (synthetic values only) to debug.
    """
    hit: dict[str, int] = {}
    tot: dict[str, int] = {}
    neg_tot: dict[str, int] = {}
    neg_hit: dict[str, int] = {}
    nonphi_total = 0
    nonphi_removed = 0
    missed: dict[str, list[str]] = {}
    fps: list[str] = []
    for rep in reports:
        covered = bytearray(len(rep.text) + 1)
        for s, e in predict(rep):
            covered[max(0, s) : max(0, e)] = b"\x01" * (max(0, e) - max(0, s))
        phi_mask = bytearray(len(rep.text) + 1)
        for sp in rep.phi:
            phi_mask[sp.start : sp.end] = b"\x01" * (sp.end - sp.start)
            for t in _TOKEN_RE.finditer(rep.text, sp.start, sp.end):
                tot[sp.label] = tot.get(sp.label, 0) + 1
                if any(covered[t.start() : t.end()]):
                    hit[sp.label] = hit.get(sp.label, 0) + 1
                else:
                    example = rep.text[max(0, sp.start - 25) : sp.end + 10].replace("\n", " ")
                    bucket = missed.setdefault(sp.label, [])
                    if len(bucket) < 20 and example not in bucket:
                        bucket.append(example)
        for sp in rep.negatives:
            for t in _TOKEN_RE.finditer(rep.text, sp.start, sp.end):
                neg_tot[sp.label] = neg_tot.get(sp.label, 0) + 1
                if any(covered[t.start() : t.end()]):
                    neg_hit[sp.label] = neg_hit.get(sp.label, 0) + 1
                    if len(fps) < 12:
                        fps.append(rep.text[max(0, sp.start - 20) : sp.end + 10].replace("\n", " "))
        for t in _TOKEN_RE.finditer(rep.text):
            if not any(phi_mask[t.start() : t.end()]):
                nonphi_total += 1
                if any(covered[t.start() : t.end()]):
                    nonphi_removed += 1
    recall = {c: hit.get(c, 0) / n for c, n in sorted(tot.items())}
    neg_total = sum(neg_tot.values())
    neg_bad = sum(neg_hit.values())
    return Score(
        recall=recall,
        support=dict(sorted(tot.items())),
        negative_precision=1 - neg_bad / neg_total if neg_total else 1.0,
        negative_precision_by_kind={k: 1 - neg_hit.get(k, 0) / v for k, v in sorted(neg_tot.items())},
        token_precision=1 - nonphi_removed / nonphi_total if nonphi_total else 1.0,
        missed_examples=missed,
        false_positive_examples=fps,
    )
