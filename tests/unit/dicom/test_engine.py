"""Behaviour of the engine on real DICOM with realistic PHI: Safe Harbor, coded IDs, UIDs, streaming."""

from __future__ import annotations

import io
import pathlib
import random
import re

import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.filebase import DicomFileLike
from pydicom.filewriter import write_dataset
from pydicom.sequence import Sequence
from pydicom.uid import generate_uid

from aiminer.errors import QuarantineError, RejectedError, StreamError
from aiminer.leakcheck import scan_bytes
from aiminer.samples import TEMPLATES, inject_phi, make_patient


def _with_phi(template: str, seed: int = 1, old: bool = False):
    rng = random.Random(seed)
    ds = pydicom.dcmread(get_testdata_file(template), force=True)
    patient = make_patient(rng, old=old)
    phi = inject_phi(ds, patient, "A7654321", "20190314", "Saint Brendan Regional Medical Center", rng)
    return ds, patient, {v for v in phi if len(v) >= 4}


def _header_bytes(data: bytes) -> bytes:
    with io.BytesIO(data) as fp:
        pydicom.dcmread(fp, stop_before_pixels=True)
        return data[: fp.tell()]


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_no_injected_phi_survives_in_any_template(engine, key: str) -> None:
    # GIVEN a real file of each kind (transfer syntaxes, SR, RT, multi-frame, waveform) with PHI everywhere
    ds, _, phi = _with_phi(TEMPLATES[key])
    # WHEN it is de-identified
    out, result, data = engine(ds)
    # THEN no injected value appears in any byte outside the pixel data
    assert scan_bytes(_header_bytes(data), phi) == set()
    assert out.PatientIdentityRemoved == "YES"
    assert result.coded.patient == out.PatientID == str(out.PatientName)


def test_pixel_data_passes_through_byte_identical(engine) -> None:
    for name in ("CT_small.dcm", "MR_small_RLE.dcm", "MR_small_jp2klossless.dcm", "MR_small_bigendian.dcm"):
        src = pydicom.dcmread(get_testdata_file(name))
        out, _, _ = engine(src)
        assert out.PixelData == src.PixelData, name
        assert out.file_meta.TransferSyntaxUID == src.file_meta.TransferSyntaxUID


def test_dates_keep_the_year_only_and_times_go(engine) -> None:
    ds, _, _ = _with_phi("CT_small.dcm")
    out, result, _ = engine(ds)
    assert out.StudyDate == "20190101"
    assert out.SeriesDate == "20190101"
    assert out.PatientBirthDate.endswith("0101") and out.PatientBirthDate != ds.PatientBirthDate
    assert not out.get("StudyTime")
    assert result.year == "2019"
    assert out.LongitudinalTemporalInformationModified == "MODIFIED"


def test_ages_over_89_become_090Y_and_the_birth_year_goes(engine) -> None:
    ds, patient, _ = _with_phi("CT_small.dcm", old=True)
    assert int(patient.age[:3]) > 89
    out, _, _ = engine(ds)
    assert out.PatientAge == "090Y"
    assert not out.get("PatientBirthDate")


def test_birth_year_goes_when_only_the_dates_say_over_89(engine) -> None:
    ds, _, _ = _with_phi("CT_small.dcm")
    del ds.PatientAge
    ds.PatientBirthDate = "19200505"
    out, _, _ = engine(ds)
    assert not out.get("PatientBirthDate")


def test_birth_year_goes_when_the_patient_is_over_89_today_though_not_at_the_study(engine) -> None:
    # GIVEN a patient 80 at a 2010 study, born in 1930: over 89 now, when the file is shared
    ds, _, _ = _with_phi("CT_small.dcm")
    ds.PatientBirthDate, ds.StudyDate, ds.PatientAge = "19300505", "20100101", "080Y"
    out, _, _ = engine(ds)
    # THEN the birth year goes (it tells an age over 89) while the age at the study stays
    assert not out.get("PatientBirthDate") and out.PatientAge == "080Y"
    # AND a patient born 1970 keeps the birth year only
    ds.PatientBirthDate = "19700505"
    out, _, _ = engine(ds)
    assert out.PatientBirthDate.startswith("1970") and out.PatientBirthDate != "19700505"


def test_patient_characteristics_kept_by_default_and_removable(engine) -> None:
    ds, patient, _ = _with_phi("CT_small.dcm")
    ds.PatientWeight, ds.PatientSize = 71.5, 1.74
    out, _, _ = engine(ds)
    assert (out.PatientSex, out.PatientAge, float(out.PatientWeight)) == (patient.sex, patient.age, 71.5)
    out2, _, _ = engine(ds, retain_patient_characteristics=False)
    assert "PatientWeight" not in out2 and not out2.get("PatientSex")


def test_serials_and_station_go_even_with_retain_device_identity(engine) -> None:
    ds, _, _ = _with_phi("CT_small.dcm")
    out, _, _ = engine(ds, retain_device_identity=True)
    assert not out.get("DeviceSerialNumber") and not out.get("StationName")
    assert out.Manufacturer == ds.Manufacturer


@pytest.mark.parametrize(
    "keyword",
    [
        "UniqueDeviceIdentifier",
        "UDISequence",
        "ManufacturerDeviceIdentifier",
        "PlateID",
        "CassetteID",
        "GeneratorID",
        "TransducerIdentificationSequence",
        "TreatmentMachineName",
        "ScheduledStudyLocation",
        "ScheduledProcedureStepLocation",
        "PerformedStationGeographicLocationCodeSequence",
    ],
)
def test_retain_device_identity_never_keeps_device_identifiers_or_locations(keyword: str) -> None:
    # PS3.15's Retain Device Identity option says K for these; Safe Harbor (M: device identifiers, B: geographic
    # units smaller than a state) does not allow keeping them, so the option never does.
    from aiminer.dicom.policy import Act, DeidOptions, compile_policy

    tag = pydicom.datadict.tag_for_keyword(keyword)
    assert tag is not None
    basic = compile_policy(DeidOptions()).actions[tag]
    with_option = compile_policy(DeidOptions(retain_device_identity=True)).actions[tag]
    assert with_option == basic and with_option != Act.KEEP
    # while what the option is for (make, model, software) is kept
    for kept in ("Manufacturer", "ManufacturerModelName", "SoftwareVersions"):
        kept_tag = pydicom.datadict.tag_for_keyword(kept)
        assert kept_tag is not None
        assert compile_policy(DeidOptions(retain_device_identity=True)).actions.get(kept_tag, Act.KEEP) == Act.KEEP


def test_coded_identities_go_where_dicom_puts_them(engine, coder) -> None:
    ds, _, _ = _with_phi("MR_small.dcm")
    out, result, _ = engine(ds)
    site = coder.site("Test General")
    assert out.ClinicalTrialProtocolID == "PRJ-TEST"
    assert out.ClinicalTrialSiteID == site == result.coded.site
    assert out.ClinicalTrialSubjectID == result.coded.patient
    assert out.InstitutionName == site
    assert out.AccessionNumber == result.coded.study
    codes = [item.CodeValue for item in out.DeidentificationMethodCodeSequence]
    assert codes[0] == "113100" and "113108" in codes
    assert all(item.CodingSchemeDesignator == "DCM" for item in out.DeidentificationMethodCodeSequence)
    assert any("2026c" in m for m in out.DeidentificationMethod)


def test_private_attributes_removed_at_every_depth(engine) -> None:
    ds, _, _ = _with_phi("CT_small.dcm")
    item = Dataset()
    item.add_new(0x00291010, "LO", "private in a sequence")
    ds.ReferencedImageSequence = Sequence([item])
    out, result, _ = engine(ds)

    def privates(d: Dataset) -> int:
        n = sum(1 for e in d if e.tag.is_private)
        return n + sum(privates(i) for e in d if e.VR == "SQ" for i in e.value)

    assert privates(out) == 0
    assert result.counts["private_removed"] > 0


def test_uids_are_remapped_consistently_and_references_stay_linked(engine) -> None:
    # GIVEN two instances of one series, the second referencing the first
    a, _, _ = _with_phi("CT_small.dcm")
    b, _, _ = _with_phi("CT_small.dcm")
    b.StudyInstanceUID, b.SeriesInstanceUID = a.StudyInstanceUID, a.SeriesInstanceUID
    b.SOPInstanceUID = generate_uid()
    ref = Dataset()
    ref.ReferencedSOPClassUID = a.SOPClassUID
    ref.ReferencedSOPInstanceUID = a.SOPInstanceUID
    b.ReferencedImageSequence = Sequence([ref])
    # WHEN both are de-identified
    out_a, res_a, _ = engine(a)
    out_b, res_b, _ = engine(b)
    # THEN they share new study/series UIDs, the reference points at A's new UID, and no original UID survives
    assert out_a.StudyInstanceUID == out_b.StudyInstanceUID != a.StudyInstanceUID
    assert out_a.SeriesInstanceUID == out_b.SeriesInstanceUID
    assert out_b.ReferencedImageSequence[0].ReferencedSOPInstanceUID == out_a.SOPInstanceUID
    assert out_b.ReferencedImageSequence[0].ReferencedSOPClassUID == a.SOPClassUID  # registered UIDs stay
    assert out_a.file_meta.MediaStorageSOPInstanceUID == out_a.SOPInstanceUID
    assert out_a.StudyInstanceUID.startswith("2.25.") and len(out_a.StudyInstanceUID) <= 64
    assert res_a.coded.study == res_b.coded.study and res_a.coded.series == res_b.coded.series


def test_sr_content_tree_is_walked_and_names_removed(engine) -> None:
    ds, _, _ = _with_phi("test-SR.dcm")
    names = [e.value for e in ds.iterall() if e.VR == "PN" and e.value]
    out, _, data = engine(ds)
    assert "ContentSequence" in out
    for name in names:
        assert str(name).encode() not in _header_bytes(data)


def test_unlisted_free_text_removed_but_acquisition_parameters_kept(engine) -> None:
    ds, _, _ = _with_phi("CT_small.dcm")
    ds.add_new(0x00189004, "CS", "RESEARCH")  # ContentQualification (CS): kept
    ds.add_new(0x00400254, "LO", "Step for Jane Roe")  # PerformedProcedureStepDescription: in the table
    ds.add_new(0x00189424, "LT", "Acquisition protocol for Jane Roe")  # AcquisitionProtocolDescription
    ds.KVP = "120"
    source = Dataset()
    source.SourceIsotopeName = "Ir-192"  # a brachytherapy plan's source: no identity, and the plan needs it
    ds.SourceSequence = Sequence([source])
    out, _, _ = engine(ds)
    assert out.KVP == 120
    assert out.ContentQualification == "RESEARCH"
    assert out.SourceSequence[0].SourceIsotopeName == "Ir-192"
    assert "Jane Roe" not in str(out.get("AcquisitionProtocolDescription", ""))


@pytest.mark.parametrize(
    ("name", "keywords"),
    [
        ("CT_small.dcm", ["PixelPaddingValue"]),  # "US or SS": without it a viewer shows the padding as tissue
        ("waveform_ecg.dcm", ["WaveformSequence"]),  # WaveformData is "OB or OW": the signal itself
        ("examples_palette.dcm", ["RedPaletteColorLookupTableDescriptor", "BluePaletteColorLookupTableData"]),
    ],
)
def test_attributes_of_either_binary_vr_are_kept_as_they_are(engine, name: str, keywords: list[str]) -> None:
    """Attributes whose dictionary VR is a choice of binary VRs ("US or SS", "OB or OW", "US or OW"): pixel
    padding, palette and LUT descriptors and data, waveform samples. They are kept byte for byte (red team 3 found
    an ECG whose samples were gone, 2026-12-06)."""
    ds = pydicom.dcmread(get_testdata_file(name))
    if name == "examples_palette.dcm":
        # (an ultrasound is quarantined for burned-in text: the same palette image, said to be an MR)
        ds.Modality, ds.BurnedInAnnotation = "MR", "NO"
        ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.4"
    out, _, _ = engine(ds)
    for keyword in keywords:
        assert keyword in out, keyword
    if name == "waveform_ecg.dcm":
        for before, after in zip(ds.WaveformSequence, out.WaveformSequence, strict=True):
            assert after.WaveformData == before.WaveformData
            assert after.get("WaveformPaddingValue") == before.get("WaveformPaddingValue")
    if name == "examples_palette.dcm":
        from pydicom.pixels import apply_color_lut

        assert (apply_color_lut(out.pixel_array, out) == apply_color_lut(ds.pixel_array, ds)).all()
    if name == "CT_small.dcm":
        assert out.PixelPaddingValue == ds.PixelPaddingValue


def _num_item(code: str, scheme: str, meaning: str, value: str, units: str) -> Dataset:
    item = Dataset()
    item.RelationshipType, item.ValueType = "CONTAINS", "NUM"
    concept = Dataset()
    concept.CodeValue, concept.CodingSchemeDesignator, concept.CodeMeaning = code, scheme, meaning
    item.ConceptNameCodeSequence = Sequence([concept])
    unit = Dataset()
    unit.CodeValue, unit.CodingSchemeDesignator, unit.CodeMeaning = units, "UCUM", units
    measured = Dataset()
    measured.NumericValue = value
    measured.MeasurementUnitsCodeSequence = Sequence([unit])
    item.MeasuredValueSequence = Sequence([measured])
    return item


def test_an_sr_measurement_of_an_age_over_89_says_90(engine) -> None:
    # GIVEN an SR whose content holds the subject's age in years and in months, and another measurement
    ds, _, _ = _with_phi("test-SR.dcm")
    ds.ContentSequence.append(_num_item("121033", "DCM", "Subject Age", "94", "a"))
    ds.ContentSequence.append(_num_item("397669002", "SCT", "Age", "1140", "mo"))
    ds.ContentSequence.append(_num_item("410668003", "SCT", "Length", "94", "mm"))
    # WHEN de-identifying
    out, _, _ = engine(ds)
    values = [i.MeasuredValueSequence[0].NumericValue for i in out.ContentSequence if "MeasuredValueSequence" in i]
    # THEN the ages say 90 years (in their own units), the length stays
    assert [float(v) for v in values[-3:]] == [90.0, 1080.0, 94.0]


def _text_item(code: str, meaning: str, value: str) -> Dataset:
    item = Dataset()
    item.RelationshipType, item.ValueType = "HAS OBS CONTEXT", "TEXT"
    concept = Dataset()
    concept.CodeValue, concept.CodingSchemeDesignator, concept.CodeMeaning = code, "DCM", meaning
    item.ConceptNameCodeSequence = Sequence([concept])
    item.TextValue = value
    return item


def test_an_sr_device_observer_s_name_serial_and_location_go_whole(scrubbing_engine) -> None:
    # GIVEN an SR whose observer context names its device, serial number and room (red team 3: "SBRH-MAMMO-CAD1")
    ds, _, _ = _with_phi("test-SR.dcm")
    ds.ContentSequence.append(_text_item("121013", "Device Observer Name", "SBRH-MAMMO-CAD1"))
    ds.ContentSequence.append(_text_item("121016", "Device Observer Serial Number", "R2-CAD-554120"))
    ds.ContentSequence.append(_text_item("121017", "Device Observer Physical Location", "Breast Centre Room 4"))
    ds.ContentSequence.append(_text_item("121014", "Device Observer Manufacturer", "Hologic"))
    # WHEN de-identifying
    out, _, data = scrubbing_engine(ds)
    texts = [i.TextValue for i in out.ContentSequence if i.get("ValueType") == "TEXT"][-4:]
    # THEN name, serial and location go whole; the maker stays
    assert texts == ["REMOVED", "REMOVED", "REMOVED", "Hologic"]
    assert b"SBRH" not in data and b"554120" not in data


def test_a_dose_report_s_person_participant_id_goes_whole(scrubbing_engine) -> None:
    # GIVEN a dose SR's person participant (TID 1020): an employee number glued to a surname, its issuer, its
    # organisation (red team 8 found "E48813-[NAME]": the surname cleaned, the number kept)
    ds, _, _ = _with_phi("test-SR.dcm")
    ds.ContentSequence.append(_text_item("113871", "Person ID", "E48813-SOLVANG"))
    ds.ContentSequence.append(_text_item("113872", "Person ID Issuer", "St Aldric HR"))
    ds.ContentSequence.append(_text_item("113873", "Organization Name", "St Aldric Memorial"))
    # WHEN de-identifying
    out, _, data = scrubbing_engine(ds)
    # THEN the three texts go whole
    assert [i.TextValue for i in out.ContentSequence if i.get("ValueType") == "TEXT"][-3:] == ["REMOVED"] * 3
    assert b"E48813" not in data and b"Aldric" not in data


def test_a_label_made_of_a_top_level_person_s_name_is_replaced(scrubbing_engine) -> None:
    # GIVEN a presentation state whose ContentLabel is its creator's surname (red team 8: "WRENFIELD_KEY", with
    # ContentCreatorName WRENFIELD^THADDEUS, a PN no fixed list named)
    ds, _, _ = _with_phi("CT_small.dcm")
    ds.ContentCreatorName = "WRENFIELD^THADDEUS^^DR^MD"
    ds.ContentLabel = "WRENFIELD_KEY"
    # WHEN de-identifying / THEN the label is a neutral one and the surname is nowhere
    out, _, data = scrubbing_engine(ds)
    assert out.ContentLabel == "DEIDENTIFIED"
    assert b"WRENFIELD" not in data.upper()


def test_a_required_label_that_names_the_patient_becomes_a_neutral_one(scrubbing_engine) -> None:
    # GIVEN a presentation state's ContentLabel (CS, Type 1) made of the patient's surname
    ds, _, _ = _with_phi("CT_small.dcm")
    ds.PatientName = "PELLEGRINI^OSWIN"
    ds.ContentLabel = "PELLEGRINI_ANN"
    # WHEN de-identifying / THEN it says DEIDENTIFIED, not nothing
    out, _, _ = scrubbing_engine(ds)
    assert out.ContentLabel == "DEIDENTIFIED"


def test_a_segmentation_s_descriptions_are_cleaned_not_removed(scrubbing_engine, engine) -> None:
    # GIVEN a segmentation's ContentDescription (Type 2, not in Table E.1-1) and a segment's description, both with
    # what was outlined and the patient's MRN (red team 5: "Lung nodule seg for LUNG-AI, pt MRN 88213407")
    ds, _, _ = _with_phi("CT_small.dcm")
    ds.PatientID = "88213407"
    ds.ContentDescription = "Lung nodule seg for LUNG-AI, pt MRN 88213407"
    segment = Dataset()
    segment.SegmentNumber, segment.SegmentLabel = 1, "Nodule 1"
    segment.SegmentDescription = "RUL nodule outlined by Dr. Vanterpool"
    ds.SegmentSequence = Sequence([segment])
    # WHEN de-identifying with the cleaner
    out, _, data = scrubbing_engine(ds)
    # THEN both stay, cleaned: what was outlined is kept, the MRN and the name go
    assert "Lung nodule seg" in out.ContentDescription and "RUL nodule" in out.SegmentSequence[0].SegmentDescription
    assert b"88213407" not in data and b"Vanterpool" not in data
    # and without a cleaner the Type 2 description is there, empty
    bare, _, _ = engine(ds)
    assert "ContentDescription" in bare and bare.ContentDescription in ("", None)


def test_a_number_printed_longer_than_its_vr_allows_is_kept_not_quarantined(engine) -> None:
    # GIVEN an image whose position a writer printed as a float's repr (19 characters; DS allows 16: red team 6's OCT)
    ds, _, _ = _with_phi("CT_small.dcm")
    reading, writing = pydicom.config.settings.reading_validation_mode, pydicom.config.settings.writing_validation_mode
    pydicom.config.settings.reading_validation_mode = pydicom.config.settings.writing_validation_mode = (
        pydicom.config.IGNORE
    )
    try:
        ds.ImagePositionPatient = ["0.0", "0.0", "0.14100000000000001"]
        buf = io.BytesIO()
        ds.save_as(buf, enforce_file_format=False)
    finally:
        pydicom.config.settings.reading_validation_mode = reading
        pydicom.config.settings.writing_validation_mode = writing
    assert b"0.14100000000000001" in buf.getvalue()
    # WHEN de-identifying / THEN the file passes and the position is the writer's, digit for digit
    _, result, out_bytes = engine(buf.getvalue())
    assert result is not None and b"0.14100000000000001" in out_bytes


def test_a_veterinary_patient_keeps_its_species_and_breed(engine) -> None:
    # GIVEN a dog's image: species and breed (not identifiers) and the breed registration's number (one)
    ds, _, _ = _with_phi("CT_small.dcm")
    ds.PatientSpeciesDescription = "Canis lupus familiaris"
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "448771007", "SCT", "Canis lupus familiaris"
    ds.PatientSpeciesCodeSequence = Sequence([code])
    ds.PatientBreedDescription = "Border Collie"
    registration = Dataset()
    registration.BreedRegistrationNumber = "AKC-DN55512301"
    ds.BreedRegistrationSequence = Sequence([registration])
    # WHEN de-identifying / THEN species and breed stay (red team 6 found them removed), the registration goes
    out, _, data = engine(ds)
    assert out.PatientSpeciesDescription == "Canis lupus familiaris" and out.PatientBreedDescription == "Border Collie"
    assert out.PatientSpeciesCodeSequence[0].CodeValue == "448771007"
    assert b"DN55512301" not in data


def test_what_quantitative_research_reads_survives(engine) -> None:
    # GIVEN a SEG frame's segment, an RT plan's patient setup, PET corrections and an MR nucleus (red team 7 found
    # each removed or emptied: a SEG whose frames map to no segment, a plan whose beam points at no setup)
    ds, _, _ = _with_phi("CT_small.dcm")
    frame, segment = Dataset(), Dataset()
    segment.ReferencedSegmentNumber = 1
    frame.SegmentIdentificationSequence = Sequence([segment])
    ds.PerFrameFunctionalGroupsSequence = Sequence([frame])
    setup = Dataset()
    setup.PatientSetupNumber, setup.PatientPosition = 1, "HFS"
    ds.PatientSetupSequence = Sequence([setup])
    ds.AttenuationCorrectionMethod, ds.ScatterCorrectionMethod, ds.ImagedNucleus = "CTAC", "Model-based", "1H"
    ds.RadiopharmaceuticalInformationSequence = Sequence([Dataset()])
    ds.RadiopharmaceuticalInformationSequence[0].RadiopharmaceuticalRoute = "Intravenous route"
    # WHEN de-identifying / THEN every one of them is there
    out, _, _ = engine(ds)
    assert out.PerFrameFunctionalGroupsSequence[0].SegmentIdentificationSequence[0].ReferencedSegmentNumber == 1
    assert out.PatientSetupSequence[0].PatientPosition == "HFS"
    assert (out.AttenuationCorrectionMethod, out.ScatterCorrectionMethod, out.ImagedNucleus) == (
        "CTAC",
        "Model-based",
        "1H",
    )
    assert out.RadiopharmaceuticalInformationSequence[0].RadiopharmaceuticalRoute == "Intravenous route"


def test_an_overlay_goes_whole_with_its_data(engine) -> None:
    # GIVEN an image with an overlay plane (its data is X in Table E.1-1)
    ds, _, _ = _with_phi("CT_small.dcm")
    ds.add_new(0x60000010, "US", 128)  # OverlayRows
    ds.add_new(0x60000011, "US", 128)  # OverlayColumns
    ds.add_new(0x60000040, "CS", "G")  # OverlayType
    ds.add_new(0x60000050, "SS", [1, 1])  # OverlayOrigin
    ds.add_new(0x60000100, "US", 1)  # OverlayBitsAllocated
    ds.add_new(0x60000102, "US", 0)  # OverlayBitPosition
    ds.add_new(0x60003000, "OW", b"\xff" * (128 * 128 // 8))  # OverlayData
    # WHEN de-identifying / THEN no element of the overlay's group is left (no overlay without its data)
    out, _, _ = engine(ds)
    assert not [e for e in out if e.tag.group == 0x6000]


def test_an_element_stored_as_un_is_read_with_its_dictionary_vr(engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """An explicit-VR file may carry standard attributes as UN (a transcoding system that did not know them): the
    policy and its checks see the dictionary VR, as pydicom reads the value, whether or not the engine read it."""
    ds, _, _ = _with_phi("CT_small.dcm")
    with monkeypatch.context() as m:  # pydicom would turn them into their dictionary VR right away
        m.setattr(pydicom.config, "replace_un_with_known_vr", False)
        ds[0x00080060] = pydicom.DataElement(0x00080060, "UN", b"CT")  # Modality, read for the catalogue
        ds[0x00189004] = pydicom.DataElement(0x00189004, "UN", b"RESEARCH")  # ContentQualification, CS
        ds[0x00280030] = pydicom.DataElement(0x00280030, "UN", b"0.5\\0.5 ")  # PixelSpacing, DS
        ds[0x00180050] = pydicom.DataElement(0x00180050, "UN", b"Jane Roe")  # SliceThickness (DS): not a number
        buf = io.BytesIO()
        ds.save_as(buf, enforce_file_format=False)
    out, result, _ = engine(buf.getvalue())
    assert result.modality == "CT"
    assert out.Modality == "CT"
    assert out.ContentQualification == "RESEARCH"
    assert [float(v) for v in out.PixelSpacing] == [0.5, 0.5]
    assert "SliceThickness" not in out  # what is neither a DS nor trusted goes (the file is not quarantined)


def test_an_mrn_sent_again_with_spaces_around_it_keeps_its_patient_code(engine) -> None:
    # GIVEN a study of a patient, and a later study whose PatientID and issuer (LO) arrive padded with spaces
    a, _, _ = _with_phi("CT_small.dcm", seed=4)
    a.PatientID, a.IssuerOfPatientID = "MG10045", "MERCYGEN"
    b, _, _ = _with_phi("MR_small.dcm", seed=4)
    b.PatientID, b.IssuerOfPatientID = " MG10045 ", " MERCYGEN"
    # WHEN both are de-identified
    _, first, _ = engine(a)
    _, second, _ = engine(b)
    # THEN the spaces, insignificant in LO values (PS3.5 6.2), do not make a new patient
    assert second.coded.patient == first.coded.patient


@pytest.mark.parametrize("issuer_first", [True, False])
def test_the_files_of_one_study_get_one_patient_when_only_some_carry_the_issuer(engine, issuer_first: bool) -> None:
    # GIVEN three files of one study and one MRN; only the first series' file carries IssuerOfPatientID (a second
    # workstation left it out; red teams 20 and 22)
    files = []
    for template in ("CT_small.dcm", "MR_small.dcm", "CT_small.dcm"):
        ds, _, _ = _with_phi(template, seed=6)
        ds.StudyInstanceUID, ds.PatientID = "1.2.826.0.1.3680043.8.498.77", "ML-20931"
        ds.SOPInstanceUID = generate_uid()
        files.append(ds)
    files[0].IssuerOfPatientID = "MERCYLAB"
    for ds in files[1:]:
        if "IssuerOfPatientID" in ds:
            del ds.IssuerOfPatientID
    # WHEN they are de-identified in either order
    order = files if issuer_first else files[::-1]
    codes = {engine(ds)[1].coded.patient for ds in order}
    # THEN the study has one coded patient
    assert len(codes) == 1


def test_another_study_keeps_the_code_its_issuer_and_mrn_were_given(engine) -> None:
    # GIVEN a patient coded with an issuer in one study
    a, _, _ = _with_phi("CT_small.dcm", seed=7)
    a.PatientID, a.IssuerOfPatientID, a.StudyInstanceUID = "ML-55120", "MERCYLAB", "1.2.826.0.1.3680043.8.498.81"
    first = engine(a)[1].coded.patient
    # WHEN a later study of the same issuer + MRN arrives, its first file without the issuer
    b, _, _ = _with_phi("MR_small.dcm", seed=7)
    b.PatientID, b.StudyInstanceUID = "ML-55120", "1.2.826.0.1.3680043.8.498.82"
    if "IssuerOfPatientID" in b:
        del b.IssuerOfPatientID
    c, _, _ = _with_phi("CT_small.dcm", seed=7)
    c.PatientID, c.IssuerOfPatientID, c.StudyInstanceUID = "ML-55120", "MERCYLAB", "1.2.826.0.1.3680043.8.498.82"
    engine(b)
    # THEN a file of that study with the issuer keeps the patient's code; one of another issuer is another patient
    assert engine(c)[1].coded.patient == first
    d, _, _ = _with_phi("CT_small.dcm", seed=7)
    d.PatientID, d.IssuerOfPatientID, d.StudyInstanceUID = "ML-55120", "OTHERLAB", "1.2.826.0.1.3680043.8.498.81"
    assert engine(d)[1].coded.patient != first


@pytest.mark.parametrize(
    ("name", "description", "initials"),
    [
        ("DE LA CRUZ-MONTOYA^Rosalind^Inés", "PANO DE LA CRUZ R", "R"),
        ("DE LA CRUZ-MONTOYA^Rosalind^Inés", "BWX + PA for Rosalind DLC", "DLC"),
        ("OKONKWO-BAPTISTE^Adaeze^Chiamaka", "Craniospinal PBS for Adaeze O-B, approved", "O-B"),
        ("VAN DER BERG-O'NEILL^María José", "Macula OCT OD Maria VDB", "VDB"),
    ],
)
def test_the_patient_s_initials_beside_the_name_go_with_it(
    scrubbing_engine, name: str, description: str, initials: str
) -> None:
    # GIVEN a description that writes the patient's given or family name and then initials (red team 22)
    ds, _, _ = _with_phi("CT_small.dcm", seed=8)
    ds.PatientName, ds.SeriesDescription = name, description
    # WHEN de-identified
    out, _, _ = scrubbing_engine(ds)
    # THEN the initials went with the name, and the words around them stayed
    assert re.search(rf"(?<![\w-]){re.escape(initials)}(?![\w-])", out.SeriesDescription) is None
    assert out.SeriesDescription.split()[0] == description.split(maxsplit=1)[0]


def test_an_abbreviation_beside_the_patient_s_name_stays(scrubbing_engine) -> None:
    ds, _, _ = _with_phi("CT_small.dcm", seed=8)
    ds.PatientName, ds.SeriesDescription = "CARTER^Tobias", "Tobias Carter CT chest"
    out, _, _ = scrubbing_engine(ds)
    assert "CT chest" in out.SeriesDescription and "Carter" not in out.SeriesDescription


def test_eye_imaging_and_an_energy_window_stay(scrubbing_engine) -> None:
    # GIVEN an ophthalmic study's description and a gamma camera's energy window name (red team 22 counted both lost)
    ds, _, _ = _with_phi("CT_small.dcm", seed=8)
    ds.StudyDescription = "RETINAL IMAGING BILATERAL"
    window = Dataset()
    window.EnergyWindowName = "Tc99m_EM"
    ds.EnergyWindowInformationSequence = Sequence([window])
    out, _, _ = scrubbing_engine(ds)
    assert out.StudyDescription == "RETINAL IMAGING BILATERAL"
    assert out.EnergyWindowInformationSequence[0].EnergyWindowName == "Tc99m_EM"


def test_longitudinal_option_shifts_dates_by_one_offset_per_patient(engine) -> None:
    a, _, _ = _with_phi("CT_small.dcm", seed=3)
    b, _, _ = _with_phi("MR_small.dcm", seed=3)  # same seed: same patient
    b.StudyDate = "20190320"
    out_a, _, _ = engine(a, retain_longitudinal_modified_dates=True)
    out_b, _, _ = engine(b, retain_longitudinal_modified_dates=True)
    import datetime as dt

    def day(v: str) -> dt.date:
        return dt.datetime.strptime(v, "%Y%m%d").date()

    assert out_a.StudyDate != "20190314"
    assert (day(out_b.StudyDate) - day(out_a.StudyDate)).days == 6  # intervals preserved
    codes = [i.CodeValue for i in out_a.DeidentificationMethodCodeSequence]
    assert "113107" in codes


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty_file"),
        (b"hello, this is a radiology note", "not_dicom"),
        (b"\x00" * 128 + b"DICM" + b"\x02\x00\x10\x00UI\xff\x7f", "truncated"),
    ],
)
def test_bad_bytes_are_quarantined_with_a_reason(engine, data: bytes, reason: str) -> None:
    with pytest.raises(QuarantineError) as info:
        engine(data)
    assert info.value.reason == reason


def test_truncated_pixel_data_is_quarantined(engine) -> None:
    with pytest.raises(QuarantineError) as info:
        engine(pathlib.Path(get_testdata_file("MR_truncated.dcm")))
    assert info.value.reason == "truncated"


def test_elements_out_of_tag_order_are_quarantined(engine) -> None:
    """A corrupt tag can rename an identifier into an attribute the policy keeps; out of order, nothing is trusted."""
    ds, _, _ = _with_phi("CT_small.dcm")
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    data = buf.getvalue()
    study_time = b"\x08\x00\x30\x00TM"  # (0008,0030) StudyTime, explicit VR little endian
    assert data.count(study_time) == 1
    engine(data)  # as written: fine
    with pytest.raises(QuarantineError) as info:
        engine(data.replace(study_time, b"\x08\x00\x01\x00TM"))  # now (0008,0001), after (0008,0023)
    assert info.value.reason == "invalid_dicom"


def test_missing_uids_and_dicomdir_and_documents(engine) -> None:
    ds, _, _ = _with_phi("CT_small.dcm")
    del ds.StudyInstanceUID
    with pytest.raises(QuarantineError, match="missing_uid"):
        engine(ds)
    ds, _, _ = _with_phi("CT_small.dcm")
    ds.SOPClassUID = "1.2.840.10008.1.3.10"
    with pytest.raises(RejectedError, match="dicomdir"):
        engine(ds)
    ds, _, _ = _with_phi("CT_small.dcm")
    ds.EncapsulatedDocument = b"%PDF-1.4 report for Jane Roe"
    with pytest.raises(QuarantineError, match="encapsulated_document"):
        engine(ds)


def test_deeply_nested_sequences_are_quarantined_not_crashing(engine) -> None:
    ds, _, _ = _with_phi("CT_small.dcm")
    inner = Dataset()
    inner.ReferencedSOPInstanceUID = generate_uid()
    for _ in range(200):
        outer = Dataset()
        outer.ReferencedImageSequence = Sequence([inner])
        inner = outer
    ds.ReferencedImageSequence = Sequence([inner])
    with pytest.raises(QuarantineError) as info:
        engine(ds)
    assert info.value.reason == "nesting_too_deep"


def test_odd_character_sets_are_handled(engine) -> None:
    ds, _, _ = _with_phi("CT_small.dcm")
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.PatientName = "Müller^Jürgen"
    ds.ImageComments = "Patient Jürgen Müller, Straße 5"
    out, _, data = engine(ds)
    header = _header_bytes(data)
    assert "Müller".encode("latin-1") not in header and "Müller".encode() not in header
    assert out.SpecificCharacterSet == "ISO_IR 100"


def test_safe_private_list_keeps_only_listed_private_attributes_when_asked(engine) -> None:
    # GIVEN a Siemens diffusion b-value (PS3.15 Table E.3.10-1) next to a private attribute holding a name
    ds, _, _ = _with_phi("MR_small.dcm")
    block = ds.private_block(0x0019, "SIEMENS MR HEADER", create=True)
    block.add_new(0x0C, "IS", "1000")
    block.add_new(0x77, "LO", "Quintero Marisol")
    # WHEN de-identified with and without Retain Safe Private
    kept, _, _ = engine(ds, retain_safe_private=True)
    dropped, _, _ = engine(ds)
    # THEN only the listed attribute (and its creator) survives, and only with the option
    kept_values = {str(e.value) for e in kept if e.tag.is_private}
    assert "1000" in kept_values and "SIEMENS MR HEADER" in kept_values
    assert "Quintero Marisol" not in kept_values
    assert not any(e.tag.is_private for e in dropped)
    assert "113111" in [i.CodeValue for i in kept.DeidentificationMethodCodeSequence]


def test_a_safe_private_value_is_checked_like_any_kept_value(scrubbing_engine) -> None:
    # GIVEN listed private slots (PS3.15 Table E.3.10-1) as red team 11 filled them: the patient's ID in a GE SH
    # slot, LO text in a Philips FL slot, a thumbnail whose JPEG comment names the patient in a Hologic OB slot
    ds, _, _ = _with_phi("MR_small.dcm")
    ds.PatientID = "7310068"
    ge = ds.private_block(0x0043, "GEMS_PARM_01", create=True)
    ge.add_new(0x27, "SH", "7310068")
    philips = ds.private_block(0x2001, "Philips Imaging DD 001", create=True)
    philips.add_new(0x03, "LO", "Tattersall")  # listed as FL (diffusion b-factor)
    siemens = ds.private_block(0x0019, "SIEMENS MR HEADER", create=True)
    siemens.add_new(0x0C, "IS", "1000")
    jpeg = b"\xff\xd8\xff\xfe\x00\x1cowner Ellsworth MRN 7310068\xff\xd9"
    item = Dataset()
    item.private_block(0x7E01, "HOLOGIC, Inc.", create=True).add_new(0x12, "OB", b"\x00\x00" + jpeg)
    ds.private_block(0x7E01, "HOLOGIC, Inc.", create=True).add_new(0x10, "SQ", Sequence([item]))
    # WHEN de-identified with Retain Safe Private
    out, _, data = scrubbing_engine(ds, retain_safe_private=True)
    # THEN the ID, the misplaced text and the comment are gone; the b-value and the creators stay
    assert b"7310068" not in data and b"Tattersall" not in data and b"Ellsworth" not in data
    assert out.private_block(0x0019, "SIEMENS MR HEADER")[0x0C].value == "1000"
    assert out[0x7E01, 0x1010][0][0x7E01, 0x1012].value.startswith(b"\x00\x00\xff\xd8")


def test_clean_descriptors_scrubs_descriptions_instead_of_dropping_them(coder) -> None:
    # GIVEN descriptions that mix research value with the patient's identity
    from aiminer.dicom.burnedin import load_mask_rules
    from aiminer.dicom.engine import EngineConfig, deidentify_stream
    from aiminer.dicom.policy import compile_policy
    from aiminer.text.dicom_cleaner import cleaner_factory

    ds, patient, _ = _with_phi("CT_small.dcm")
    ds.SeriesDescription = f"Axial 5mm for {patient.first} {patient.last}"
    ds.StudyDescription = f"CT CHEST W CONTRAST {patient.last.upper()} MRN {patient.mrn}"
    buf = io.BytesIO()
    ds.save_as(buf)
    cfg = EngineConfig(compile_policy(), coder, coder.site("T"), load_mask_rules(), cleaner_factory)
    out_buf = io.BytesIO()
    # WHEN the report scrubber is the Clean Descriptors cleaner
    result = deidentify_stream(io.BytesIO(buf.getvalue()), out_buf, cfg)
    out = pydicom.dcmread(io.BytesIO(out_buf.getvalue()))
    # THEN the descriptions stay, readable, without the identity (name and MRN become the coded patient)
    assert "Axial 5mm" in out.SeriesDescription and patient.last not in out.SeriesDescription
    assert "CT CHEST" in out.StudyDescription and patient.mrn not in out.StudyDescription
    assert patient.last.upper() not in out.StudyDescription
    assert result.counts["text_cleaned"] >= 2


def test_structured_report_text_is_scrubbed_not_dropped(coder) -> None:
    # GIVEN an SR whose TEXT content item names the patient and quotes the MRN
    from aiminer.dicom.burnedin import load_mask_rules
    from aiminer.dicom.engine import EngineConfig, deidentify_stream
    from aiminer.dicom.policy import compile_policy
    from aiminer.text.dicom_cleaner import cleaner_factory

    ds, patient, _ = _with_phi("test-SR.dcm")
    texts = [e for e in ds.iterall() if e.keyword == "TextValue"]
    assert texts
    texts[0].value = f"Findings discussed with {patient.first} {patient.last} (MRN {patient.mrn}): 4 mm nodule."
    buf = io.BytesIO()
    ds.save_as(buf)
    out_buf = io.BytesIO()
    cfg = EngineConfig(compile_policy(), coder, coder.site("T"), load_mask_rules(), cleaner_factory)
    # WHEN de-identified with the report scrubber as cleaner
    deidentify_stream(io.BytesIO(buf.getvalue()), out_buf, cfg)
    out = pydicom.dcmread(io.BytesIO(out_buf.getvalue()))
    cleaned = [e.value for e in out.iterall() if e.keyword == "TextValue"]
    # THEN the medical content stays and the identity is gone
    assert any("4 mm nodule" in v for v in cleaned)
    assert not any(patient.last in v or patient.mrn in v for v in cleaned)


def test_a_name_hidden_in_an_iso_2022_multibyte_region_is_not_written_back(coder) -> None:
    # GIVEN (found by the 100,000-input fuzz run) a description whose name sits after ESC $ B under ISO 2022 IR 87:
    # pydicom decodes those bytes as kanji, the cleaner sees no name, and re-encoding writes the same bytes back
    from aiminer.dicom.burnedin import load_mask_rules
    from aiminer.dicom.engine import EngineConfig, deidentify_stream
    from aiminer.dicom.policy import compile_policy
    from aiminer.text.dicom_cleaner import cleaner_factory

    ds, patient, _ = _with_phi("CT_small.dcm")
    ds.SpecificCharacterSet = ["ISO 2022 IR 6", "ISO 2022 IR 87"]
    hidden = f"CT CHEST \x1b$B^{patient.first}\x1b(B".encode("ascii")
    placeholder = "Q" * len(hidden)
    ds.StudyDescription = placeholder
    buf = io.BytesIO()
    ds.save_as(buf)
    data = buf.getvalue().replace(placeholder.encode(), hidden)
    cfg = EngineConfig(compile_policy(), coder, coder.site("T"), load_mask_rules(), cleaner_factory)
    out_buf = io.BytesIO()
    # WHEN de-identified with the report scrubber as cleaner
    deidentify_stream(io.BytesIO(data), out_buf, cfg)
    # THEN the name is nowhere in the output bytes (the value is emptied: its bytes read as ASCII name the patient)
    assert patient.first.encode() not in out_buf.getvalue()
    assert pydicom.dcmread(io.BytesIO(out_buf.getvalue())).get("StudyDescription", "") == ""


class _FailingStream(io.BytesIO):
    """A source whose reads fail after the header, like an S3 ranged GET that times out."""

    def __init__(self, data: bytes, fail_after: int) -> None:
        super().__init__(data)
        self.fail_after = fail_after

    def read(self, size: int | None = -1) -> bytes:
        if self.tell() >= self.fail_after:
            raise StreamError("simulated network failure")
        return super().read(size)


def test_io_failures_are_raised_for_a_retry_not_quarantined(coder) -> None:
    # GIVEN a good file whose source stream breaks while the pixel data is copied
    from aiminer.dicom.burnedin import load_mask_rules
    from aiminer.dicom.engine import EngineConfig, deidentify_stream
    from aiminer.dicom.policy import compile_policy

    data = pathlib.Path(get_testdata_file("CT_small.dcm")).read_bytes()
    cfg = EngineConfig(compile_policy(), coder, coder.site("T"), load_mask_rules())
    # WHEN it is de-identified THEN the I/O error reaches the caller (the object is not at fault)
    with pytest.raises(StreamError, match="simulated"):
        deidentify_stream(_FailingStream(data, len(data) - 1000), io.BytesIO(), cfg)


class _FullDisk(io.BytesIO):
    """An output on a full disk: every write past ``room`` bytes fails as the operating system fails it."""

    def __init__(self, room: int) -> None:
        super().__init__()
        self.room = room

    def write(self, data) -> int:  # type: ignore[no-untyped-def, override]
        if self.tell() + len(data) > self.room:
            raise OSError(28, "No space left on device")
        return super().write(data)


@pytest.mark.parametrize("room", [0, 2000, 10000])
def test_a_write_the_disk_refuses_is_an_io_failure_not_an_unparsable_file(coder, room: int) -> None:
    # GIVEN a good file and an output whose disk fills up in the header, or while the pixel data is copied
    from aiminer.dicom.burnedin import load_mask_rules
    from aiminer.dicom.engine import EngineConfig, deidentify_stream
    from aiminer.dicom.policy import compile_policy

    data = pathlib.Path(get_testdata_file("CT_small.dcm")).read_bytes()
    cfg = EngineConfig(compile_policy(), coder, coder.site("T"), load_mask_rules())
    # WHEN it is de-identified THEN the I/O error reaches the caller: the file is not quarantined invalid_dicom
    with pytest.raises(StreamError, match="No space left"):
        deidentify_stream(io.BytesIO(data), _FullDisk(room), cfg)


def test_a_name_found_in_one_description_goes_from_the_others(coder) -> None:
    # GIVEN (found by the 100,000-input fuzz run) a file whose PatientName is damaged, so the cleaner does not know
    # the patient, while one description names them in a form the rules find and another only by surname
    from aiminer.dicom.burnedin import load_mask_rules
    from aiminer.dicom.engine import EngineConfig, deidentify_stream
    from aiminer.dicom.policy import compile_policy
    from aiminer.text.dicom_cleaner import cleaner_factory

    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.PatientName = "X"
    ds.StudyDescription = "CT CHEST W CONTRAST OYELARAN"
    ds.SeriesDescription = "Axial 5mm for Thaddeus Oyelaran"
    buf = io.BytesIO()
    ds.save_as(buf)
    cfg = EngineConfig(compile_policy(), coder, coder.site("T"), load_mask_rules(), cleaner_factory)
    out = io.BytesIO()
    # WHEN de-identified with the report scrubber as cleaner
    deidentify_stream(io.BytesIO(buf.getvalue()), out, cfg)
    # THEN the surname is gone from both descriptions, and the medical words stay
    result = pydicom.dcmread(io.BytesIO(out.getvalue()))
    assert b"OYELARAN" not in out.getvalue().upper() and b"THADDEUS" not in out.getvalue().upper()
    assert result.StudyDescription.startswith("CT CHEST W CONTRAST")
    assert result.SeriesDescription.startswith("Axial 5mm for")


def test_a_deflated_file_is_written_deflated_and_readable(engine) -> None:
    # GIVEN a CT saved as Deflated Explicit VR Little Endian (pydicom deflates what it writes)
    original = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    original.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.1.99"
    buf = io.BytesIO()
    original.save_as(buf)
    assert b"CT_small" not in buf.getvalue() and b"ORIGINAL" not in buf.getvalue()  # really deflated
    # WHEN it is de-identified (the reader above opens the output: a deflate stream it must inflate)
    out, _result, data = engine(buf.getvalue())
    # THEN the output says what it is, inflates, and holds the same pixels
    assert out.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1.99"
    assert out.PixelData == original.PixelData
    assert out.PatientIdentityRemoved == "YES"
    assert b"PatientIdentityRemoved" not in data and b"YES" not in data[data.index(b"DICM") + 200 :]  # compressed


def test_a_dataset_without_preamble_keeps_its_pixels(engine) -> None:
    # GIVEN a bare dataset (no preamble, no file meta: read whole, not streamed)
    original = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    buf = io.BytesIO()
    fp = DicomFileLike(buf)
    fp.is_little_endian, fp.is_implicit_VR = True, True
    write_dataset(fp, original)
    # WHEN it is de-identified
    out, _result, _data = engine(buf.getvalue())
    # THEN the image is still there, byte for byte
    assert out.PixelData == original.PixelData


def _deid_with_cleaner(coder, ds: pydicom.Dataset) -> tuple[pydicom.Dataset, bytes]:
    from aiminer.dicom.burnedin import load_mask_rules
    from aiminer.dicom.engine import EngineConfig, deidentify_stream
    from aiminer.dicom.policy import compile_policy
    from aiminer.text.dicom_cleaner import cleaner_factory

    buf = io.BytesIO()
    ds.save_as(buf)
    cfg = EngineConfig(compile_policy(), coder, coder.site("T"), load_mask_rules(), cleaner_factory)
    out_buf = io.BytesIO()
    deidentify_stream(io.BytesIO(buf.getvalue()), out_buf, cfg)
    return pydicom.dcmread(io.BytesIO(out_buf.getvalue())), out_buf.getvalue()


def test_kept_values_lose_the_files_known_identities(coder) -> None:
    # GIVEN attributes the policy keeps as they are, typed with the patient's name, MRN and the station's name
    # (a surname written without its apostrophe, as a RIS or a protocol would)
    ds, patient, _ = _with_phi("CT_small.dcm")
    ds.PatientName = f"O'{patient.last}^{patient.first}"
    ds.StationName = "CTROOM07"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL", f"O{patient.last.upper()}"]
    ds.ConvolutionKernel = f"O{patient.last.upper()}_B30"
    ds.AcquisitionNumber = patient.mrn
    ds.SoftwareVersions = "VB42 station CTROOM07"
    ds.AnatomicRegionSequence = Sequence([Dataset()])
    ds.AnatomicRegionSequence[0].CodeValue = "T-D3000"
    ds.AnatomicRegionSequence[0].CodingSchemeDesignator = "SRT"
    ds.AnatomicRegionSequence[0].CodeMeaning = f"Chest of {patient.first} O'{patient.last}"
    # WHEN de-identified with the report scrubber as cleaner
    out, data = _deid_with_cleaner(coder, ds)
    # THEN none of them is left anywhere in the header, and what has research value stays
    assert scan_bytes(_header_bytes(data), {patient.last, patient.first, patient.mrn, "CTROOM07"}) == set()
    assert list(out.ImageType)[:3] == ["ORIGINAL", "PRIMARY", "AXIAL"]
    assert out.SoftwareVersions.startswith("VB42 station")
    assert out.AnatomicRegionSequence[0].CodeMeaning.startswith("Chest of")


def test_kept_values_lose_identifiers_that_no_header_holds(coder) -> None:
    # GIVEN kept attributes typed with a serial number after its cue, a phone number and an email that no other
    # attribute of the file holds, and kept values with versions and codes
    ds, _patient, _ = _with_phi("CT_small.dcm")
    ds.AcquisitionDeviceProcessingCode = "SN 44718XK2231"
    ds.ContrastBolusRoute = "IV, call 617-555-0199"
    ds.SoftwareVersions = "VE11C 20190301 c.ortega@stbrigid.org"
    ds.ConvolutionKernel = "B30f"
    # WHEN de-identified with the report scrubber as cleaner
    out, data = _deid_with_cleaner(coder, ds)
    # THEN the identifiers are gone and the values around them stay
    assert scan_bytes(_header_bytes(data), {"44718XK2231", "555-0199", "ortega", "stbrigid"}) == set()
    assert out.ContrastBolusRoute.startswith("IV, call") and out.SoftwareVersions.startswith("VE11C")
    assert out.ConvolutionKernel == "B30f"


def test_kept_values_lose_names_after_a_cue_and_the_patients_other_names(coder) -> None:
    # GIVEN (DICOM red team 2) an SR-style code meaning naming a relative and a staff member, and an alias of the
    # patient (OtherPatientNames) in the patient's comments
    ds, _patient, _ = _with_phi("CT_small.dcm")
    ds.AnatomicRegionSequence = Sequence([Dataset(), Dataset()])
    ds.AnatomicRegionSequence[0].CodeValue = "99-FH"
    ds.AnatomicRegionSequence[0].CodingSchemeDesignator = "99LOCAL"
    ds.AnatomicRegionSequence[0].CodeMeaning = "Family hx - mother Maude Ingersoll"
    ds.AnatomicRegionSequence[1].CodeValue = "99-CM"
    ds.AnatomicRegionSequence[1].CodingSchemeDesignator = "99LOCAL"
    ds.AnatomicRegionSequence[1].CodeMeaning = "Comment by Linnea Abernathy-Kohl"
    ds.OtherPatientNames = "LYNCHFORD^DEL"
    ds.PatientComments = "aka Del Lynchford, prefers mornings"
    # WHEN de-identified with the report scrubber as cleaner
    out, data = _deid_with_cleaner(coder, ds)
    # THEN the names are gone; the meanings' words and the comment's rest stay
    assert scan_bytes(_header_bytes(data), {"Ingersoll", "Maude", "Linnea", "Abernathy", "Lynchford"}) == set()
    assert out.AnatomicRegionSequence[0].CodeMeaning.startswith("Family hx - mother")


def test_utf8_in_a_file_that_declares_no_character_set_is_cleaned_as_utf8(coder) -> None:
    # GIVEN (DICOM red team 2) a file with no Specific Character Set whose name and comments are UTF-8 bytes
    ds, _patient, _ = _with_phi("CT_small.dcm")
    del ds.SpecificCharacterSet
    as_read = lambda text: text.encode("utf-8").decode("latin-1")  # noqa: E731 (how pydicom reads such bytes)
    ds.PatientName = as_read("欧阳^巧云")
    ds.ImageComments = as_read("患者欧阳巧云 住址 浙江省杭州市西湖区文三路478号 复查")
    ds.AnatomicRegionSequence = Sequence([Dataset()])
    ds.AnatomicRegionSequence[0].CodeMeaning = as_read("胸部 欧阳巧云")
    # WHEN de-identified with the report scrubber as cleaner
    _out, data = _deid_with_cleaner(coder, ds)
    # THEN neither the name nor the street is left in any encoding; the rest of the comment stays, as UTF-8
    assert scan_bytes(_header_bytes(data), {"欧阳", "巧云", "文三路"}) == set()
    assert "欧阳".encode() not in data and "文三路".encode() not in data
    assert "复查".encode() in data


def test_a_kept_attribute_stored_with_a_vr_the_standard_does_not_give_it_is_removed(coder) -> None:
    # GIVEN a patient characteristic the policy keeps (Retain Patient Characteristics) stored as free text
    ds, patient, _ = _with_phi("CT_small.dcm")
    ds.add_new(0x00101030, "LO", f"72 {patient.first} {patient.last}")  # PatientWeight is DS
    # WHEN de-identified / THEN it is gone, and a well-formed one stays
    out, _ = _deid_with_cleaner(coder, ds)
    assert "PatientWeight" not in out
    del ds.PatientWeight
    ds.PatientWeight = "72"  # DS, as the dictionary says
    out, _ = _deid_with_cleaner(coder, ds)
    assert out.PatientWeight == 72


# --- red team 4 (2026-12-06): what research needs is kept, what names the site or the patient goes ---------------


def test_what_a_multiframe_a_dx_lut_and_a_dose_report_need_is_kept(scrubbing_engine) -> None:
    # GIVEN a frame's stack ID, a modality LUT's type, a detector's model and an irradiation event's identification
    ds, _, _ = _with_phi("CT_small.dcm")
    frame = Dataset()
    frame.StackID = "1"
    content = Dataset()
    content.FrameContentSequence = Sequence([frame])
    ds.PerFrameFunctionalGroupsSequence = Sequence([content])
    lut = Dataset()
    lut.ModalityLUTType, lut.LUTDescriptor = "OD", [2, 0, 16]
    lut.add_new(0x00283006, "US", [0, 1])  # LUTData ("US or OW")
    ds.ModalityLUTSequence = Sequence([lut])
    ds.DetectorManufacturerModelName = "Pixium 4600"
    event = Dataset()
    event.IrradiationEventUID = "1.2.840.113619.2.55.3.1234.1"
    ds.IrradiationEventIdentificationSequence = Sequence([event])
    # WHEN de-identifying
    out, _, _ = scrubbing_engine(ds)
    # THEN all of it is there; the event's UID is a new one, not nothing
    assert out.PerFrameFunctionalGroupsSequence[0].FrameContentSequence[0].StackID == "1"
    assert out.ModalityLUTSequence[0].ModalityLUTType == "OD"
    assert out.DetectorManufacturerModelName == "Pixium 4600"
    new_uid = out.IrradiationEventIdentificationSequence[0].IrradiationEventUID
    assert new_uid and new_uid != event.IrradiationEventUID


def test_a_verified_sr_keeps_a_verifier_with_dummy_values(scrubbing_engine) -> None:
    # GIVEN a VERIFIED SR whose verifier is a person of the hospital
    ds, _, _ = _with_phi("test-SR.dcm")
    verifier = Dataset()
    verifier.VerifyingObserverName = "OYELARAN^CHIDINMA"
    verifier.VerifyingOrganization = "Saint Aurelia Medical Center"
    verifier.VerificationDateTime = "20250304143000"
    ds.VerificationFlag = "VERIFIED"
    ds.VerifyingObserverSequence = Sequence([verifier])
    # WHEN de-identifying
    out, _, data = scrubbing_engine(ds)
    # THEN the sequence keeps an item (the module requires it), with no name, organisation or full date in it
    item = out.VerifyingObserverSequence[0]
    assert item.VerifyingObserverName and "OYELARAN" not in str(item.VerifyingObserverName)
    assert "Aurelia" not in str(item.VerifyingOrganization) and str(item.VerificationDateTime).startswith("2025")
    assert b"OYELARAN" not in data


def test_names_the_sequences_hold_are_known_in_the_file_s_texts(scrubbing_engine) -> None:
    # GIVEN an SR signed at the end of a TextValue by its author, whom only the AuthorObserverSequence names
    ds, _, _ = _with_phi("test-SR.dcm")
    author = Dataset()
    author.ObserverType, author.PersonName = "PSN", "OYELARAN^CHIDINMA"
    ds.AuthorObserverSequence = Sequence([author])
    ds.ContentSequence.append(_text_item("121106", "Comment", "Benign-appearing nodule. -- OYELARAN"))
    # WHEN de-identifying / THEN the signature goes
    _, _, data = scrubbing_engine(ds)
    assert b"OYELARAN" not in data


def test_a_local_coding_scheme_named_after_the_site_becomes_99local(scrubbing_engine, coder) -> None:
    # GIVEN a procedure code of a local scheme named after the site's acronym, and a file path with the MRN
    ds, _, _ = _with_phi("CT_small.dcm")
    ds.InstitutionName = "Saint Aurelia Medical Center"
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "CT0042", "99SAMC", "CT chest"
    ds.ProcedureCodeSequence = Sequence([code])
    ds.ReferencedFileID = ["SAMC", "P7731904", "IMG0002"]
    # WHEN de-identifying
    out, _, _ = scrubbing_engine(ds)
    # THEN the scheme is still local, not the site's; the code and its meaning stay; the path goes
    kept = out.ProcedureCodeSequence[0]
    assert (kept.CodeValue, kept.CodingSchemeDesignator, kept.CodeMeaning) == ("CT0042", "99LOCAL", "CT chest")
    assert "ReferencedFileID" not in out


def test_an_sr_birth_date_of_a_patient_over_89_goes(scrubbing_engine) -> None:
    # GIVEN an SR of a patient of 91 whose subject context gives the birth date
    ds, _, _ = _with_phi("test-SR.dcm")
    ds.PatientAge = "091Y"
    item = Dataset()
    item.RelationshipType, item.ValueType, item.Date = "HAS OBS CONTEXT", "DATE", "19340215"
    concept = Dataset()
    concept.CodeValue, concept.CodingSchemeDesignator, concept.CodeMeaning = "121031", "DCM", "Subject Birth Date"
    item.ConceptNameCodeSequence = Sequence([concept])
    ds.ContentSequence.append(item)
    # WHEN de-identifying / THEN the item is gone (its year would tell the age), and so is the year anywhere
    out, _, data = scrubbing_engine(ds)
    assert all(i.get("ValueType") != "DATE" for i in out.ContentSequence)
    # (outside the new random UIDs, whose digits hold "1934" in one run of a few dozen: CI saw it once)
    assert b"1934" not in re.sub(rb"2\.25\.\d+", b"", data)


@pytest.mark.parametrize(
    ("code", "scheme", "meaning"),
    [("21112-8", "LN", "Birth date"), ("184099003", "SCT", "Date of birth"), ("X-77", "99LOCAL", "Patient DOB")],
)
def test_an_sr_birth_date_of_a_patient_over_89_goes_whatever_its_code(
    scrubbing_engine, code: str, scheme: str, meaning: str
) -> None:
    # GIVEN an SR of a patient of 93 with a DATE item whose concept is a birth date in LOINC, SNOMED or a local
    # scheme that says so (red team 18: a TID 1500 report's LOINC 21112-8 item kept 19250101)
    ds, _, _ = _with_phi("test-SR.dcm")
    ds.PatientAge = "093Y"
    item = Dataset()
    item.RelationshipType, item.ValueType, item.Date = "HAS OBS CONTEXT", "DATE", "19320611"
    concept = Dataset()
    concept.CodeValue, concept.CodingSchemeDesignator, concept.CodeMeaning = code, scheme, meaning
    item.ConceptNameCodeSequence = Sequence([concept])
    ds.ContentSequence.append(item)
    # WHEN de-identifying / THEN the item is gone, and its year with it
    out, _, data = scrubbing_engine(ds)
    assert all(i.get("ValueType") != "DATE" for i in out.ContentSequence)
    assert b"1932" not in re.sub(rb"2\.25\.\d+", b"", data)


def test_layer_and_frame_labels_are_cleaned_not_removed(scrubbing_engine) -> None:
    # GIVEN a presentation state's layer description and a multi-frame's frame labels (not in Table E.1-1), saying
    # what they show, one with the patient's MRN (red team 18: "Renal mass", "Terminal ileum - Crohn follow-up" lost)
    ds, _, _ = _with_phi("CT_small.dcm")
    ds.PatientID = "77302155"
    layer = Dataset()
    layer.GraphicLayer, layer.GraphicLayerOrder = "LAYER1", 1
    layer.GraphicLayerDescription = "Renal mass, MRN 77302155"
    ds.GraphicLayerSequence = Sequence([layer])
    frame = Dataset()
    content = Dataset()
    content.FrameLabel = "Terminal ileum - Crohn follow-up"
    frame.FrameContentSequence = Sequence([content])
    ds.PerFrameFunctionalGroupsSequence = Sequence([frame])
    # WHEN de-identifying with the cleaner
    out, _, data = scrubbing_engine(ds)
    # THEN both stay, cleaned
    assert "Renal mass" in out.GraphicLayerSequence[0].GraphicLayerDescription
    label = out.PerFrameFunctionalGroupsSequence[0].FrameContentSequence[0].FrameLabel
    assert label == "Terminal ileum - Crohn follow-up"
    assert b"77302155" not in data


def test_a_public_coding_scheme_is_kept_as_it_is(scrubbing_engine) -> None:
    # GIVEN an SR's language concept coded in RFC 5646 (red team 18: "RFC5646" became "RFC[ID]", read as a Mexican
    # tax number after its cue)
    ds, _, _ = _with_phi("test-SR.dcm")
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "eng", "RFC5646", "English"
    ds.ContentSequence[0].ConceptCodeSequence = Sequence([code])
    # WHEN de-identifying / THEN the code is intact
    out, _, _ = scrubbing_engine(ds)
    kept = out.ContentSequence[0].ConceptCodeSequence[0]
    assert (kept.CodeValue, kept.CodingSchemeDesignator, kept.CodeMeaning) == ("eng", "RFC5646", "English")


def test_raw_pixels_under_a_compressed_transfer_syntax_are_quarantined(engine) -> None:
    # GIVEN a file whose meta says RLE Lossless but whose Pixel Data is native (no items, a defined length)
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    data = bytearray(buf.getvalue())
    explicit, jpeg = b"1.2.840.10008.1.2.1\x00", b"1.2.840.10008.1.2.5\x00"  # RLE Lossless: encapsulated
    assert len(explicit) == len(jpeg) and explicit in data
    data[data.index(explicit) : data.index(explicit) + len(explicit)] = jpeg
    # WHEN de-identifying / THEN quarantined: copied, it would make a file no one can decode
    with pytest.raises(QuarantineError) as err:
        engine(bytes(data))
    assert err.value.reason == "invalid_dicom"


def test_a_long_cleaned_description_is_shortened_at_its_tags_not_inside_a_number() -> None:
    from aiminer.dicom.engine import _fit

    text = "AX LUNG 1.25 MM [PATIENT P-ABCDEFGHIJ] [PATIENT P-ABCDEFGHIJ] [DATE 2025] [NAME] thin recon"
    fitted = _fit(text, 64)
    assert len(fitted) <= 64 and "1.25 MM" in fitted and fitted.count("[") == fitted.count("]")
    assert _fit("CT " + "word " * 20, 16) == "CT word word"


def test_another_deidentifiers_encrypted_originals_go_whole(engine) -> None:
    # GIVEN a file that another de-identifier processed: its Encrypted Attributes Sequence holds the originals (here
    # readable, as a key holder would read them)
    ds, patient, _ = _with_phi("CT_small.dcm")
    item = Dataset()
    item.EncryptedContentTransferSyntaxUID = "1.2.840.10008.1.2.1"
    item.EncryptedContent = f"PatientName={patient.last}^{patient.first} PatientID={patient.mrn}".encode()
    ds.EncryptedAttributesSequence = Sequence([item])
    # WHEN de-identified
    out, _, data = engine(ds)
    # THEN the sequence is gone with everything in it
    assert "EncryptedAttributesSequence" not in out
    assert scan_bytes(_header_bytes(data), {patient.last, patient.mrn}) == set()


@pytest.mark.parametrize(
    ("family", "given", "labels"),
    [
        ("Vasquez-Thorne", "Eleanor", [("Lesion VTHORNE #1", "VTHORNE", "Lesion"), ("ETHORNE_ADC", "ETHORNE", "ADC"),
                                       ("EVASQUEZ T1", "EVASQUEZ", "T1")]),
        ("Søndergaard-Øyen", "Birgitte", [("OYEN_B_KNEE", "OYEN", "KNEE"), ("SONDERGAARD knee", "SONDERGAARD", "knee"),
                                          ("Oeyen left", "Oeyen", "left")]),
        ("Müller", "Jörg", [("MUELLER_J_GTV", "MUELLER", "GTV"), ("MULLER hip", "MULLER", "hip")]),
    ],
)  # fmt: skip
def test_labels_with_the_name_as_a_system_without_its_letters_writes_it(
    coder, family: str, given: str, labels: list[tuple[str, str, str]]
) -> None:
    # GIVEN kept labels (segments, LUTs, content labels) written from the patient's name as red team 13 found them:
    # the first initial glued to a part of a double-barrelled name, and the name without its letters (Ø, ü)
    ds, _, _ = _with_phi("CT_small.dcm")
    ds.PatientName = f"{family}^{given}"
    ds.AnatomicRegionSequence = Sequence([Dataset() for _ in labels])
    for item, (label, _, _) in zip(ds.AnatomicRegionSequence, labels, strict=True):
        item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = "99X", "99LOCAL", label
    # WHEN de-identified with the report scrubber as cleaner
    out, _ = _deid_with_cleaner(coder, ds)
    # THEN no spelling of the name is left in any label, and the rest of each label is
    for item, (_, name, rest) in zip(out.AnatomicRegionSequence, labels, strict=True):
        assert name not in item.CodeMeaning and rest in item.CodeMeaning, item.CodeMeaning


def test_identities_in_other_forms_leave_kept_labels_and_descriptions(coder) -> None:
    # GIVEN a header and kept values typed from it in other forms, as red team 16 found them: the name run together
    # in an RT label, the family name with the given initial, a typo, a given name cut by a 16-character field,
    # the MRN without the site's prefix, the institution's possessive without its apostrophe and its dotted acronym,
    # an age in words in a code meaning
    ds, _, _ = _with_phi("CT_small.dcm")
    ds.PatientName = "Hargreaves^Katherine"
    ds.PatientID = "SB-004417"
    ds.InstitutionName = "Saint Brendan Hospital"
    labels = {
        "GTV_HARGREAVESKATHERINE": "GTV",
        "HARGREAVESK_RT": "RT",
        "Hargreavs knee": "knee",
        "HARGREAVES KATHER AX": "AX",
        "004417 repeat": "repeat",
        "St. Brendans CT": "CT",
        "S.B.H. protocol": "protocol",
        "Aged ninety-three": "Aged",
    }
    ds.AnatomicRegionSequence = Sequence([Dataset() for _ in labels])
    for item, text in zip(ds.AnatomicRegionSequence, labels, strict=True):
        item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = "99X", "99LOCAL", text
    # WHEN de-identified with the report scrubber as cleaner
    out, data = _deid_with_cleaner(coder, ds)
    # THEN none of the forms is left, and the rest of each value is
    for item, (text, rest) in zip(out.AnatomicRegionSequence, labels.items(), strict=True):
        assert item.CodeMeaning != text and rest in item.CodeMeaning, (text, item.CodeMeaning)
    assert scan_bytes(_header_bytes(data), {"HARGREAV", "Hargreav", "KATHER", "004417", "Brendans", "S.B.H."}) == set()
