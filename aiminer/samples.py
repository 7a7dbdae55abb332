"""Bundled sample data: real DICOM (pydicom's test files) with realistic synthetic PHI injected everywhere PHI hides.

Used by ``aiminer demo`` and by the tests. Every injected value is recorded in the returned :class:`Corpus`, so
a leak check can scan every output byte for every one of them. All identities are synthetic (seeded random
combinations of common names, fake MRNs, 555 phone numbers), never real people.
"""

from __future__ import annotations

import random
import shutil
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pydicom
from pydicom.data import get_testdata_file as _get_testdata_file
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import generate_uid

if TYPE_CHECKING:
    from pathlib import Path


def get_testdata_file(name: str) -> str:
    """Path of one of pydicom's bundled test files (they ship inside the wheel, no download)."""
    path = _get_testdata_file(name)
    if not isinstance(path, str):
        raise FileNotFoundError(name)
    return path


FIRST = [
    "Marisol",
    "Theodore",
    "Evangeline",
    "Bartholomew",
    "Octavia",
    "Leopold",
    "Rosalind",
    "Cornelius",
    "Philippa",
    "Ignatius",
    "Winifred",
    "Thaddeus",
    "Henrietta",
    "Percival",
    "Lucinda",
    "Ambrose",
]
LAST = [
    "Quintero",
    "Abernathy",
    "Vandermeer",
    "Okonkwo",
    "Haverford",
    "Kowalczyk",
    "Delacroix",
    "Fitzgerald",
    "Nakamura",
    "Lindqvist",
    "Castellanos",
    "Whitfield",
    "Ravensworth",
    "Brannigan",
    "Szymanski",
    "Oyelaran",
]
STREETS = ["Juniper Hollow Rd", "Wexford Lane", "Tamarack Court", "Bellweather Ave", "Quarry Ridge Dr"]
CITIES = [
    ("Millbrook", "NY", "12545"),
    ("Fairhaven", "MA", "02719"),
    ("Brookings", "OR", "97415"),
    ("Yellow Springs", "OH", "45387"),
]
HOSPITALS = [
    "Saint Brendan Regional Medical Center",
    "Mercy Hollow Community Hospital",
    "Lakeshore University Health Clinic",
]

#: Templates taken from pydicom's bundled test files: many transfer syntaxes, SR, RT, multi-frame, waveform.
TEMPLATES = {
    "ct": "CT_small.dcm",  # explicit VR little endian, CT
    "mr": "MR_small.dcm",  # explicit VR little endian, MR
    "mr_implicit": "MR_small_implicit.dcm",  # implicit VR
    "mr_bigendian": "MR_small_bigendian.dcm",  # explicit VR big endian
    "mr_rle": "MR_small_RLE.dcm",  # encapsulated RLE
    "mr_j2k": "MR_small_jp2klossless.dcm",  # encapsulated JPEG 2000 lossless
    "mr_jls": "MR_small_jpeg_ls_lossless.dcm",  # encapsulated JPEG-LS
    "enhanced_ct": "liver_1frame.dcm",  # enhanced multi-frame with functional groups
    "sr": "test-SR.dcm",  # structured report
    "rtstruct": "rtstruct.dcm",
    "rtplan": "rtplan.dcm",
    "rtdose": "rtdose.dcm",  # multi-frame dose grid
    "ecg": "waveform_ecg.dcm",  # waveform
    "overlay": "examples_overlay.dcm",  # overlay planes (60xx)
}


@dataclass(frozen=True)
class Patient:
    """One synthetic patient and the PHI we give them."""

    last: str
    first: str
    mrn: str
    issuer: str
    birth_date: str
    age: str
    sex: str
    street: str
    city: str
    state: str
    zip: str
    phone: str
    email: str
    ssn: str

    @property
    def dicom_name(self) -> str:
        """DICOM PN form LAST^FIRST."""
        return f"{self.last}^{self.first}"


@dataclass
class Corpus:
    """What was generated: files, the PHI injected, and what each file should become."""

    root: Path
    files: list[Path] = field(default_factory=list)
    phi: set[str] = field(default_factory=set)
    expected: dict[str, str] = field(default_factory=dict)  # relative path -> "deidentified" | quarantine reason
    report_study: dict[str, str] = field(default_factory=dict)  # report path -> accession of the study it belongs to
    table_schema: Path | None = None
    patients: list[Patient] = field(default_factory=list)
    accessions: dict[str, str] = field(default_factory=dict)  # accession -> patient MRN


def make_patient(rng: random.Random, old: bool = False) -> Patient:
    """A synthetic patient; ``old`` makes them over 89 (Safe Harbor aggregates those ages)."""
    year = rng.randint(1925, 1931) if old else rng.randint(1950, 1995)
    birth = f"{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    city, state, zip_code = rng.choice(CITIES)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return Patient(
        last=last,
        first=first,
        mrn=f"{rng.randint(10_000_000, 99_999_999)}",
        issuer="SBRMC-MRN",
        birth_date=birth,
        age=f"{2019 - year:03d}Y",
        sex=rng.choice("MF"),
        street=f"{rng.randint(100, 9999)} {rng.choice(STREETS)}",
        city=city,
        state=state,
        zip=zip_code,
        phone=f"(555) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
        email=f"{first.lower()}.{last.lower()}{rng.randint(10, 99)}@examplemail.com",
        ssn=f"{rng.randint(100, 665)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}",
    )


def _private_block(ds: Dataset, patient: Patient, hospital: str) -> None:
    block = ds.private_block(0x0009, "ACME IMAGING 1.0", create=True)
    block.add_new(0x10, "LO", patient.dicom_name.replace("^", " "))
    block.add_new(0x11, "LO", patient.mrn)
    block.add_new(0x12, "LT", f"Scanned at {hospital} for {patient.first} {patient.last}")
    inner = Dataset()
    inner.add_new(0x00100010, "PN", patient.dicom_name)
    deep = Dataset()
    deep.add_new(0x00100020, "LO", patient.mrn)
    inner.add_new(0x00081115, "SQ", Sequence([deep]))
    block.add_new(0x13, "SQ", Sequence([inner]))


def inject_phi(
    ds: Dataset, patient: Patient, accession: str, study_date: str, hospital: str, rng: random.Random
) -> set[str]:
    """Put ``patient``'s PHI into every place it hides in real headers; return the values a leak check must find."""
    phys_first, phys_last = rng.choice(FIRST), rng.choice(LAST)
    tech_first, tech_last = rng.choice(FIRST), rng.choice(LAST)
    serial = f"SN{rng.randint(100000, 999999)}"
    station = f"CTSCAN{rng.randint(10, 99)}WEST"
    ds.PatientName = patient.dicom_name
    ds.PatientID = patient.mrn
    ds.IssuerOfPatientID = patient.issuer
    ds.OtherPatientIDs = f"SSN{patient.ssn}"
    other = Dataset()
    other.PatientID = f"ALT{patient.mrn}"
    other.IssuerOfPatientID = "OLD-HIS"
    ds.OtherPatientIDsSequence = Sequence([other])
    ds.PatientBirthDate = patient.birth_date
    ds.PatientAge = patient.age
    ds.PatientSex = patient.sex
    ds.PatientAddress = f"{patient.street}, {patient.city}, {patient.state} {patient.zip}"
    ds.PatientTelephoneNumbers = patient.phone
    ds.PatientMotherBirthName = f"{rng.choice(LAST)}^{rng.choice(FIRST)}"
    ds.PatientComments = f"Pt {patient.first} {patient.last}, email {patient.email}, SSN {patient.ssn}"
    ds.AdditionalPatientHistory = f"Referred by Dr. {phys_last}; home phone {patient.phone}"
    ds.ReferringPhysicianName = f"{phys_last}^{phys_first}^^Dr."
    ds.ReferringPhysicianAddress = f"{rng.randint(1, 99)} Hospital Plaza, {patient.city}"
    ds.ReferringPhysicianTelephoneNumbers = f"(555) 010-{rng.randint(1000, 9999)}"
    ds.OperatorsName = f"{tech_last}^{tech_first}"
    ds.PerformingPhysicianName = f"{phys_last}^{phys_first}"
    ds.InstitutionName = hospital
    ds.InstitutionAddress = f"1 Medical Center Drive, {patient.city}, {patient.state} {patient.zip}"
    ds.InstitutionalDepartmentName = "Radiology West Wing"
    ds.StationName = station
    ds.DeviceSerialNumber = serial
    ds.AccessionNumber = accession
    ds.StudyDate = study_date
    ds.SeriesDate = study_date
    ds.AcquisitionDate = study_date
    ds.ContentDate = study_date
    ds.StudyTime = "143512"
    ds.StudyDescription = f"CT CHEST W CONTRAST {patient.last.upper()}"
    ds.SeriesDescription = f"Axial 5mm for {patient.first} {patient.last}"
    ds.ImageComments = f"MRN {patient.mrn} acc {accession} tech {tech_first} {tech_last}"
    ds.RequestingPhysician = f"{phys_last}^{phys_first}"
    req = Dataset()
    req.RequestedProcedureID = f"RP{accession}"
    req.ScheduledProcedureStepID = f"SPS{accession}"
    req.RequestedProcedureDescription = f"CT chest, call {patient.phone}"
    ds.RequestAttributesSequence = Sequence([req])
    ref_pat = Dataset()
    ref_pat.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.1.1"
    ref_pat.ReferencedSOPInstanceUID = generate_uid()
    ds.ReferencedPatientSequence = Sequence([ref_pat])
    _private_block(ds, patient, hospital)
    return {
        patient.dicom_name,
        patient.last,
        patient.first,
        patient.mrn,
        f"ALT{patient.mrn}",
        patient.ssn,
        patient.birth_date,
        patient.street,
        patient.city,
        patient.zip,
        patient.phone,
        patient.email,
        accession,
        phys_last,
        phys_first,
        tech_last,
        tech_first,
        serial,
        station,
        hospital,
        study_date,
        "Radiology West Wing",
        ds.PatientMotherBirthName.family_name,
        "Hospital Plaza",
        "1 Medical Center Drive",
    }


def _retarget_uids(ds: Dataset, study_uid: str, series_uid: str, for_uid: str) -> set[str]:
    """Give a template copy its own study/series/instance UIDs; return the originals a leak check must not see."""
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.SOPInstanceUID = generate_uid()
    if "FrameOfReferenceUID" in ds:
        ds.FrameOfReferenceUID = for_uid
    if hasattr(ds, "file_meta"):
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    return {study_uid, series_uid, ds.SOPInstanceUID}


def make_corpus(
    dest: Path,
    seed: int = 20261125,
    patients: int = 3,
    studies_per_patient: int = 2,
    templates: tuple[str, ...] = tuple(TEMPLATES),
) -> Corpus:
    """Write a study tree of real DICOM with synthetic PHI under ``dest`` and return what was injected."""
    warnings.simplefilter("ignore")
    rng = random.Random(seed)
    corpus = Corpus(root=dest)
    dest.mkdir(parents=True, exist_ok=True)
    for p in range(patients):
        patient = make_patient(rng, old=(p == patients - 1))
        corpus.patients.append(patient)
        hospital = rng.choice(HOSPITALS)
        for s in range(studies_per_patient):
            accession = f"A{rng.randint(1_000_000, 9_999_999)}"
            corpus.accessions[accession] = patient.mrn
            study_date = f"2019{rng.randint(1, 12):02d}{rng.randint(10, 28):02d}"
            study_uid = generate_uid()
            folder = dest / f"{patient.last}_{patient.first}_{patient.mrn}" / f"{study_date}_{accession}"
            folder.mkdir(parents=True, exist_ok=True)
            _write_report(corpus, folder, patient, accession, study_date, hospital, rng)
            for t_index, key in enumerate(templates):
                if (t_index + s) % studies_per_patient and len(templates) > 4 and key not in ("ct", "sr"):
                    continue  # spread templates across studies, keep each study realistic in size
                ds = pydicom.dcmread(get_testdata_file(TEMPLATES[key]), force=True)
                corpus.phi |= _retarget_uids(ds, study_uid, generate_uid(), generate_uid())
                corpus.phi |= inject_phi(ds, patient, accession, study_date, hospital, rng)
                name = f"{patient.last.upper()}_{patient.first.upper()}_{key}_{t_index:02d}.dcm"
                path = folder / name
                ds.save_as(path, enforce_file_format=False)
                corpus.files.append(path)
                corpus.expected[str(path.relative_to(dest))] = "deidentified"
    _add_problem_files(corpus, rng)
    _add_hl7_and_table(corpus, rng)
    corpus.phi = {v for v in corpus.phi if len(v) >= 4}
    return corpus


def _add_problem_files(corpus: Corpus, rng: random.Random) -> None:
    """Files every real export contains: corrupt, empty, not DICOM, burned-in text, OS junk."""
    patient = corpus.patients[0]
    bad = corpus.root / "problems"
    bad.mkdir(exist_ok=True)
    truncated = bad / f"{patient.last}_truncated.dcm"
    shutil.copy(get_testdata_file("MR_truncated.dcm"), truncated)
    corpus.expected[str(truncated.relative_to(corpus.root))] = "truncated"
    empty = bad / "empty.dcm"
    empty.write_bytes(b"")
    corpus.expected[str(empty.relative_to(corpus.root))] = "empty_file"
    notdicom = bad / "scan_notes.dcm"
    notdicom.write_bytes(b"%PDF-1.4 not really an image\n")
    corpus.expected[str(notdicom.relative_to(corpus.root))] = "not_dicom"
    junk = bad / ".DS_Store"
    junk.write_bytes(b"\x00\x00\x00\x01Bud1")
    corpus.expected[str(junk.relative_to(corpus.root))] = "os_metadata"
    # A screen capture with burned-in text and no known layout: must be quarantined, never passed through.
    sc = pydicom.dcmread(get_testdata_file("SC_rgb_small_odd.dcm"), force=True)
    corpus.phi |= _retarget_uids(sc, generate_uid(), generate_uid(), generate_uid())
    corpus.phi |= inject_phi(sc, patient, "A0000001", "20190505", HOSPITALS[0], rng)
    sc.BurnedInAnnotation = "YES"
    burned = bad / f"{patient.last}_screen_capture.dcm"
    sc.save_as(burned, enforce_file_format=False)
    corpus.expected[str(burned.relative_to(corpus.root))] = "burned_in_risk"
    corpus.files.extend([truncated, empty, notdicom, junk, burned])
    us = make_ultrasound(rng)
    corpus.phi |= _retarget_uids(us, generate_uid(), generate_uid(), generate_uid())
    corpus.phi |= inject_phi(us, patient, "A0000002", "20190606", HOSPITALS[0], rng)
    us_path = corpus.root / f"{patient.last}_{patient.first}_{patient.mrn}" / "ultrasound" / "US_0001.dcm"
    us_path.parent.mkdir(parents=True, exist_ok=True)
    us.save_as(us_path, enforce_file_format=False)
    corpus.expected[str(us_path.relative_to(corpus.root))] = "deidentified"
    corpus.files.append(us_path)


#: The layout of the ultrasound sample: ATL HDI 5000, 640 x 476 (rule ctp from CTP's DicomPixelAnonymizer).
US_ROWS, US_COLUMNS = 476, 640
US_TEXT_BOXES = ((40, 0, 200, 40), (240, 0, 190, 16))


def make_ultrasound(rng: random.Random) -> Dataset:
    """An uncompressed RGB ultrasound frame from a layout the mask table knows, with 'text' burned in."""
    ds = pydicom.dcmread(get_testdata_file("SC_rgb_small_odd.dcm"), force=True)
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.6.1"
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.Modality = "US"
    ds.Manufacturer = "ATL"
    ds.ManufacturerModelName = "HDI 5000"
    ds.Rows, ds.Columns = US_ROWS, US_COLUMNS
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "RGB", 0
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.BurnedInAnnotation = "YES"
    pixels = bytearray(rng.randrange(30, 90) for _ in range(256)) * (US_ROWS * US_COLUMNS * 3 // 256 + 1)
    pixels = pixels[: US_ROWS * US_COLUMNS * 3]
    for x, y, w, h in US_TEXT_BOXES:  # bright "characters" where the scanner prints the patient's name
        for row in range(y, y + h, 2):
            start = (row * US_COLUMNS + x) * 3
            pixels[start : start + w * 3] = b"\xff" * (w * 3)
    ds.PixelData = bytes(pixels)
    return ds


REPORT_TEMPLATE = """{hospital}
Department of Radiology - {street_h}, {city}, {state} {zip}
Phone (555) 010-4400

PATIENT: {last}, {first}        MRN: {mrn}        DOB: {dob}
ACCESSION: {accession}          EXAM DATE: {exam_date}
REFERRING PHYSICIAN: Dr. {ref_first} {ref_last}

EXAM: CT CHEST WITH CONTRAST

CLINICAL HISTORY: {age}-year-old with cough. Patient can be reached at {phone} or {email}.

COMPARISON: Outside CT from {prior_date}.

FINDINGS:
There is a 1.2 x 0.9 cm nodule in the right upper lobe (series 3, image 42). No Hodgkin-pattern adenopathy.
Mild degenerative change at T11-T12. Foley catheter in place. No pleural effusion.

IMPRESSION:
1. Right upper lobe nodule, Lung-RADS 4A. Follow-up CT in 3 months recommended.

Discussed with Dr. {ref_last} by telephone on {exam_date_us} at 14:35.
Electronically signed by: {rad_first} {rad_last}, MD on {exam_date_us}
"""


def _write_report(
    corpus: Corpus, folder: Path, patient: Patient, accession: str, study_date: str, hospital: str, rng: random.Random
) -> None:
    """A radiology report in the study's folder, full of the PHI radiologists actually write."""
    ref_first, ref_last = rng.choice(FIRST), rng.choice(LAST)
    rad_first, rad_last = rng.choice(FIRST), rng.choice(LAST)
    us_date = f"{study_date[4:6]}/{study_date[6:8]}/{study_date[:4]}"
    text = REPORT_TEMPLATE.format(
        hospital=hospital,
        street_h=f"{rng.randint(10, 999)} Lakeview Terrace",
        city=patient.city,
        state=patient.state,
        zip=patient.zip,
        last=patient.last.upper(),
        first=patient.first.upper(),
        mrn=patient.mrn,
        dob=f"{patient.birth_date[4:6]}/{patient.birth_date[6:8]}/{patient.birth_date[:4]}",
        accession=accession,
        exam_date=us_date,
        ref_first=ref_first,
        ref_last=ref_last,
        age=int(patient.age[:3]),
        phone=patient.phone,
        email=patient.email,
        prior_date="March 3, 2018",
        exam_date_us=us_date,
        rad_first=rad_first,
        rad_last=rad_last,
    )
    path = folder / "report.txt"
    path.write_text(text, encoding="cp1252")
    corpus.phi |= {
        patient.last,
        patient.first,
        patient.mrn,
        accession,
        patient.phone,
        patient.email,
        ref_last,
        rad_last,
        us_date,
        f"{patient.birth_date[4:6]}/{patient.birth_date[6:8]}/{patient.birth_date[:4]}",
        patient.city,
        patient.zip,
        hospital,
    }
    rel = str(path.relative_to(corpus.root))
    corpus.expected[rel] = "deidentified"
    corpus.report_study[rel] = accession
    corpus.files.append(path)


def _add_hl7_and_table(corpus: Corpus, rng: random.Random) -> None:
    """An HL7 ORU export named .txt (linked by its OBR accession) and an outcomes table with its schema."""
    patient = corpus.patients[1 % len(corpus.patients)]
    accession = next(a for a, mrn in corpus.accessions.items() if mrn == patient.mrn)
    doc_last, doc_first = rng.choice(LAST), rng.choice(FIRST)
    dob = patient.birth_date
    segments = [
        "MSH|^~\\&|RIS|SBRMC|AIMINER|AIMINER|20190315103000||ORU^R01|MSG00001|P|2.3",
        f"PID|1||{patient.mrn}^^^SBRMC-MRN^MR||{patient.last.upper()}^{patient.first.upper()}||{dob}|"
        f"{patient.sex}|||{patient.street}^^{patient.city}^{patient.state}^{patient.zip}||{patient.phone}|||||"
        f"ACCT{patient.mrn[:6]}|{patient.ssn}",
        f"PV1|1|O|RAD||||{rng.randint(1000, 9999)}^{doc_last.upper()}^{doc_first.upper()}",
        f"OBR|1|{accession}|{accession}|71260^CT CHEST W CONTRAST|||20190314093000|||||||||"
        f"{rng.randint(1000, 9999)}^{doc_last.upper()}^{doc_first.upper()}",
        f"OBX|1|TX|IMP^Impression||Patient {patient.first} {patient.last} seen. Stable 4 mm nodule. "
        f"Call {patient.phone}.||||||F",
    ]
    hl7 = corpus.root / "ris-export" / f"ORU_{rng.randint(100000, 999999)}.txt"
    hl7.parent.mkdir(exist_ok=True)
    hl7.write_bytes("\r".join(segments).encode() + b"\r")
    corpus.phi |= {
        patient.mrn,
        patient.last.upper(),
        patient.first.upper(),
        doc_last.upper(),
        patient.ssn,
        patient.street,
        patient.phone,
        dob,
    }
    rel = str(hl7.relative_to(corpus.root))
    corpus.expected[rel] = "deidentified"
    corpus.report_study[rel] = accession

    rows = ["mrn,accession,exam_date,notes,outcome"]
    for acc, mrn in corpus.accessions.items():
        p = next(x for x in corpus.patients if x.mrn == mrn)
        rows.append(
            f'{mrn},{acc},2019-03-14,"Followed by Dr. {doc_last}; pt {p.first} {p.last} doing well",'
            f"{rng.choice(['stable', 'resolved', '=HYPERLINK(1)'])}"
        )
    table = corpus.root / "outcomes.csv"
    table.write_text("\n".join(rows) + "\n", encoding="utf-8")
    corpus.expected[str(table.relative_to(corpus.root))] = "deidentified"
    schema = corpus.root.parent / f"{corpus.root.name}-table-schema.toml"
    schema.write_text(
        'issuer = "SBRMC-MRN"\n[columns]\nmrn = "patient_id"\naccession = "accession"\nexam_date = "date"\n'
        'notes = "free_text"\noutcome = "keep"\n',
        encoding="utf-8",
    )
    corpus.table_schema = schema
    corpus.files.extend([hl7, table])
