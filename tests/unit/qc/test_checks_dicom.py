"""QC of de-identified DICOM: real engine outputs pass clean; every planted problem yields its exact code."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import pydicom
import pytest
from PIL import Image
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from aiminer.qc.checks import CODES, QcPolicy, QcResult, check_object
from tests.unit.qc.conftest import Deidentified, template_file, to_bytes, ultrasound_file

if TYPE_CHECKING:
    from collections.abc import Callable

    from aiminer.samples import Corpus

CLEAN_TEMPLATES = (
    "ct",
    "mr",
    "mr_implicit",
    "mr_bigendian",
    "mr_rle",
    "enhanced_ct",
    "sr",
    "rtstruct",
    "rtplan",
    "rtdose",
    "ecg",
    "overlay",
)


def _check(ds: Dataset, policy: QcPolicy | None = None) -> QcResult:
    return check_object(to_bytes(ds), "dicom", policy or QcPolicy())


def _assert_no_value_in_details(result: QcResult, *values: str) -> None:
    for finding in result.findings:
        for value in values:
            assert value not in finding.detail, f"{finding.code} detail quotes a value from the file"


@pytest.fixture(scope="module")
def ct(corpus: Corpus, deid: Callable[..., Deidentified]) -> Deidentified:
    return deid(template_file(corpus, "ct"))


@pytest.mark.parametrize("template", CLEAN_TEMPLATES)
def test_engine_output_passes_with_zero_findings(
    template: str, corpus: Corpus, deid: Callable[..., Deidentified]
) -> None:
    # GIVEN a real file full of synthetic PHI, de-identified by the engine as `aiminer deid` runs it
    out = deid(template_file(corpus, template))

    # WHEN QC checks the output
    result = check_object(out.data, "dicom", QcPolicy())

    # THEN it passes with no finding at all (not even a warning)
    assert result.findings == ()
    assert result.passed


def test_masked_ultrasound_passes_and_is_marked_masked(corpus: Corpus, deid: Callable[..., Deidentified]) -> None:
    # GIVEN an ultrasound whose burned-in text the engine masked (113101 recorded)
    out = deid(ultrasound_file(corpus))
    assert out.masked

    # WHEN QC checks it
    result = check_object(out.data, "dicom", QcPolicy())

    # THEN it passes, is reported masked, and gets an RGB thumbnail no larger than 256 px
    assert result.findings == ()
    assert result.passed and result.masked
    assert result.thumbnail is not None
    img = Image.open(io.BytesIO(result.thumbnail))
    assert img.mode == "RGB"
    assert max(img.size) <= 256


def test_options_retain_safe_private_and_longitudinal_pass_under_matching_policy(
    corpus: Corpus, deid: Callable[..., Deidentified]
) -> None:
    # GIVEN outputs made with Retain Safe Private and Retain Longitudinal (shifted full dates)
    out = deid(template_file(corpus, "ct"), retain_safe_private=True, retain_longitudinal_modified_dates=True)

    # WHEN QC checks them under the matching policy, and under plain Safe Harbor
    matching = check_object(out.data, "dicom", QcPolicy(longitudinal=True, retain_safe_private=True))
    strict = check_object(out.data, "dicom", QcPolicy())

    # THEN the matching policy passes; Safe Harbor QC flags the full dates the option keeps
    assert matching.passed, matching.findings
    assert "date_not_year_only" in strict.codes


def test_thumbnail_is_a_grey_png_for_ct_and_none_for_sr(corpus: Corpus, deid: Callable[..., Deidentified]) -> None:
    # GIVEN a CT (native pixels) and an SR (no pixels)
    ct_out = deid(template_file(corpus, "ct"))
    sr_out = deid(template_file(corpus, "sr"))

    # WHEN QC checks both
    ct_result = check_object(ct_out.data, "dicom", QcPolicy())
    sr_result = check_object(sr_out.data, "dicom", QcPolicy())

    # THEN the CT gets a windowed (full-range) greyscale PNG and the SR none
    assert ct_result.thumbnail is not None
    img = Image.open(io.BytesIO(ct_result.thumbnail))
    assert img.mode == "L"
    assert img.getextrema() == (0, 255)
    assert sr_result.thumbnail is None


def test_compressed_pixels_get_no_thumbnail_but_are_checked(corpus: Corpus, deid: Callable[..., Deidentified]) -> None:
    # GIVEN an output with JPEG 2000 pixel data (compressed: never decoded by QC)
    out = deid(template_file(corpus, "mr_j2k"))

    # WHEN QC checks it
    result = check_object(out.data, "dicom", QcPolicy())

    # THEN the header passes and no thumbnail is attempted
    assert result.passed and result.findings == ()
    assert result.thumbnail is None


class _NonSeekable(io.RawIOBase):
    """A stream like an S3 StreamingBody: readable, not seekable."""

    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        chunk = self._inner.read(len(b))
        b[: len(chunk)] = chunk
        return len(chunk)


def test_streams_are_accepted_like_bytes(ct: Deidentified, tmp_path: Path) -> None:
    # GIVEN the same output as bytes, as an open file and as a non-seekable stream
    path = tmp_path / "out.dcm"
    path.write_bytes(ct.data)

    # WHEN QC checks all three
    from_bytes = check_object(ct.data, "dicom")
    with path.open("rb") as fh:
        from_file = check_object(fh, "dicom")
    from_stream = check_object(_NonSeekable(ct.data), "dicom")  # type: ignore[arg-type]

    # THEN the results are the same (thumbnail included)
    assert from_bytes.thumbnail is not None
    assert from_file == from_bytes
    assert from_stream == from_bytes


# ---------------------------------------------------------------------------------------------------------------
# planted problems


NAME = "Octavia Brannigan"


@pytest.mark.parametrize(
    ("keyword", "value", "category"),
    [
        ("ImageComments", f"Reviewed with Dr. {NAME}", "NAME"),
        ("SeriesDescription", f"Axial for {NAME}", "NAME"),
        ("StudyDescription", "CT chest, call (555) 301-4412", "PHONE"),
        ("ImageComments", "MRN: 48213377", "MRN"),
        ("ImageComments", "prior exam 03/14/2019", "DATE"),
    ],
)
def test_residual_phi_in_text_attribute(ct: Deidentified, keyword: str, value: str, category: str) -> None:
    # GIVEN a clean output with PHI typed into a descriptive attribute
    ds = ct.dataset()
    setattr(ds, keyword, value)

    # WHEN QC checks it
    result = _check(ds)

    # THEN residual_phi names the attribute and category, and never the value
    assert not result.passed
    assert [f.code for f in result.findings] == ["residual_phi"]
    assert keyword in result.findings[0].detail
    assert category in result.findings[0].detail
    _assert_no_value_in_details(result, value, NAME, "48213377")


def test_residual_phi_nested_in_sequence_names_the_path(ct: Deidentified) -> None:
    # GIVEN a name hidden two levels down in a sequence
    ds = ct.dataset()
    inner = Dataset()
    inner.ImageComments = f"Tech {NAME}"
    outer = Dataset()
    outer.ReferencedImageSequence = Sequence([inner])
    ds.SourceImageSequence = Sequence([outer])

    # WHEN QC checks it
    result = _check(ds)

    # THEN the finding locates it by path
    details = [f.detail for f in result.findings if f.code == "residual_phi"]
    assert details == ["NAME in SourceImageSequence[0].ReferencedImageSequence[0].ImageComments (0020,4000)"]


def test_person_name_attribute_with_any_name_is_residual_phi(ct: Deidentified) -> None:
    # GIVEN a person-name attribute holding a name no dictionary knows
    ds = ct.dataset()
    ds.ReferringPhysicianName = "Zyxwq^Qwzx"

    # WHEN QC checks it
    result = _check(ds)

    # THEN PN attributes may only hold coded IDs or dummies
    assert result.codes == ("residual_phi",)
    assert "ReferringPhysicianName" in result.findings[0].detail
    _assert_no_value_in_details(result, "Zyxwq", "Qwzx")


def test_patient_name_replaced_by_a_real_name(ct: Deidentified) -> None:
    # GIVEN PatientName holding a name instead of the coded patient
    ds = ct.dataset()
    ds.PatientName = "Brannigan^Octavia"

    # WHEN QC checks it
    result = _check(ds)

    # THEN both the malformed code and the residual name are reported
    assert set(result.codes) == {"coded_id_malformed", "residual_phi"}
    _assert_no_value_in_details(result, "Brannigan", "Octavia")


@pytest.mark.parametrize(
    ("keyword", "value"),
    [("StudyDate", "20190314"), ("ContentDate", "20190201"), ("AcquisitionDateTime", "20190314101500")],
)
def test_full_dates_are_date_not_year_only(ct: Deidentified, keyword: str, value: str) -> None:
    # GIVEN a date that keeps month and day
    ds = ct.dataset()
    setattr(ds, keyword, value)

    # WHEN QC checks it under Safe Harbor, and under the longitudinal policy
    strict = _check(ds)
    longitudinal = _check(ds, QcPolicy(longitudinal=True))

    # THEN Safe Harbor flags it (by attribute, not value); longitudinal accepts shifted full dates
    assert strict.codes == ("date_not_year_only",)
    assert keyword in strict.findings[0].detail
    _assert_no_value_in_details(strict, value, value[:8])
    assert longitudinal.passed and longitudinal.findings == ()


def test_nested_full_date_is_found(ct: Deidentified) -> None:
    # GIVEN a full date inside a sequence item
    ds = ct.dataset()
    item = Dataset()
    item.ScheduledProcedureStepStartDate = "20190314"
    ds.ScheduledProcedureStepSequence = Sequence([item])

    # WHEN QC checks it
    result = _check(ds)

    # THEN the nested date is flagged
    assert result.codes == ("date_not_year_only",)
    assert result.findings[0].detail.startswith("date at ScheduledProcedureStepSequence[0].")


def test_time_is_a_warning_and_does_not_fail(ct: Deidentified) -> None:
    # GIVEN a time of day left in place
    ds = ct.dataset()
    ds.StudyTime = "101500"

    # WHEN QC checks it
    result = _check(ds)

    # THEN time_present is reported as a warning and the object still passes
    assert [(f.code, f.severity) for f in result.findings] == [("time_present", "warning")]
    assert result.passed


def test_private_attribute_is_flagged_unless_safe_and_allowed(ct: Deidentified) -> None:
    # GIVEN a vendor private block that is not on the safe-private list
    ds = ct.dataset()
    block = ds.private_block(0x0019, "ACME IMAGING 1.0", create=True)
    block.add_new(0x10, "LO", "whatever")

    # WHEN QC checks it, with and without the Retain Safe Private option
    strict = _check(ds)
    allowed = _check(ds, QcPolicy(retain_safe_private=True))

    # THEN both flag it (creator and data element), by tag only
    assert strict.codes == ("private_attribute",)
    assert {f.detail for f in strict.findings} == {
        "private attribute at private (0019,0010)",
        "private attribute at private (0019,1010)",
    }
    assert allowed.codes == ("private_attribute",)
    _assert_no_value_in_details(strict, "ACME", "whatever")


def test_safe_private_attribute_passes_only_with_the_option(ct: Deidentified) -> None:
    # GIVEN a private attribute that PS3.15 Table E.3.10-1 lists as safe (GEMS_ACQU_01 (0019,xx23))
    ds = ct.dataset()
    block = ds.private_block(0x0019, "GEMS_ACQU_01", create=True)
    block.add_new(0x23, "DS", "1.0")

    # WHEN QC checks it with and without the Retain Safe Private option
    allowed = _check(ds, QcPolicy(retain_safe_private=True))
    strict = _check(ds)

    # THEN it is fine only when the project retains safe private attributes
    assert allowed.findings == ()
    assert strict.codes == ("private_attribute",)


def test_identity_not_removed(ct: Deidentified) -> None:
    # GIVEN an output whose PatientIdentityRemoved was deleted, or set to NO
    ds = ct.dataset()
    del ds.PatientIdentityRemoved
    no = ct.dataset()
    no.PatientIdentityRemoved = "NO"

    # WHEN QC checks them
    # THEN both are identity_not_removed
    assert _check(ds).codes == ("identity_not_removed",)
    assert _check(no).codes == ("identity_not_removed",)


def test_method_not_recorded(ct: Deidentified) -> None:
    # GIVEN an output without DeidentificationMethod, and one without code 113100
    no_text = ct.dataset()
    del no_text.DeidentificationMethod
    no_code = ct.dataset()
    no_code.DeidentificationMethodCodeSequence = Sequence(
        [i for i in no_code.DeidentificationMethodCodeSequence if i.CodeValue != "113100"]
    )

    # WHEN QC checks them
    # THEN both are method_not_recorded
    assert _check(no_text).codes == ("method_not_recorded",)
    assert _check(no_code).codes == ("method_not_recorded",)


@pytest.mark.parametrize(
    ("age", "code"),
    [("093Y", ("age_over_89",)), ("120Y", ("age_over_89",)), ("090Y", ()), ("089Y", ()), ("999M", ()), ("999W", ())],
)
def test_ages_over_89_must_be_aggregated(ct: Deidentified, age: str, code: tuple[str, ...]) -> None:
    # GIVEN a patient age (090Y is Safe Harbor's aggregate "90 or older"; 999M is 83 years, 999W 19 years)
    ds = ct.dataset()
    ds.PatientAge = age
    ds.PatientBirthDate = ""  # tested on its own below

    # WHEN QC checks it
    result = _check(ds)

    # THEN only an unaggregated age over 89 is flagged
    assert result.codes == code


def test_birth_date_of_a_patient_over_89_is_flagged(ct: Deidentified) -> None:
    # GIVEN an aggregated age but the birth year still present
    ds = ct.dataset()
    ds.PatientAge = "090Y"
    ds.PatientBirthDate = "19250101"

    # WHEN QC checks it
    result = _check(ds)

    # THEN the birth year that reveals the age is flagged
    assert result.codes == ("age_over_89",)
    assert "PatientBirthDate" in result.findings[0].detail


def test_burned_in_annotation_yes_is_unresolved(ct: Deidentified) -> None:
    # GIVEN an image that says it carries burned-in text
    ds = ct.dataset()
    ds.BurnedInAnnotation = "YES"

    # WHEN QC checks it
    # THEN burned_in_unresolved
    assert _check(ds).codes == ("burned_in_unresolved",)


def test_risk_modality_without_clean_pixel_data_is_unresolved(
    corpus: Corpus, deid: Callable[..., Deidentified]
) -> None:
    # GIVEN the masked ultrasound, with its Clean Pixel Data code (113101) removed
    ds = deid(ultrasound_file(corpus)).dataset()
    ds.DeidentificationMethodCodeSequence = Sequence(
        [i for i in ds.DeidentificationMethodCodeSequence if i.CodeValue != "113101"]
    )

    # WHEN QC checks it
    result = _check(ds)

    # THEN the burned-in risk is unresolved and the thumbnail is not labelled masked
    assert result.codes == ("burned_in_unresolved",)
    assert not result.masked


def test_recognizable_features(ct: Deidentified) -> None:
    # GIVEN an image flagged as showing a face
    ds = ct.dataset()
    ds.RecognizableVisualFeatures = "YES"

    # WHEN QC checks it
    # THEN recognizable_features
    assert _check(ds).codes == ("recognizable_features",)


@pytest.mark.parametrize(
    ("keyword", "value"),
    [
        ("PatientID", "48213377"),
        ("PatientID", "P-0123456789X"),
        ("ClinicalTrialSubjectID", "P-01234567IL"),  # I and L are not in the code alphabet
        ("ClinicalTrialSiteID", "S-12345"),
        ("StudyInstanceUID", "1.2.840.113619.2.55.3.604688119"),
        ("SeriesInstanceUID", "2.25.12a"),
        ("SOPInstanceUID", "2.25." + "1" * 61),
    ],
)
def test_coded_id_malformed(ct: Deidentified, keyword: str, value: str) -> None:
    # GIVEN a coded identifier or instance UID without the AI MINER shape
    ds = ct.dataset()
    setattr(ds, keyword, value)

    # WHEN QC checks it
    result = _check(ds)

    # THEN coded_id_malformed names the attribute, never the value
    assert "coded_id_malformed" in result.codes
    assert any(keyword in f.detail for f in result.findings if f.code == "coded_id_malformed")
    _assert_no_value_in_details(result, value)


def test_missing_coded_subject_is_malformed(ct: Deidentified) -> None:
    # GIVEN an output without ClinicalTrialSubjectID
    ds = ct.dataset()
    del ds.ClinicalTrialSubjectID

    # WHEN QC checks it
    # THEN coded_id_malformed
    assert _check(ds).codes == ("coded_id_malformed",)


def test_original_uid_in_a_reference_is_not_remapped(ct: Deidentified) -> None:
    # GIVEN a reference to an original (unregistered, not 2.25) UID
    ds = ct.dataset()
    ref = Dataset()
    ref.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"  # registered: fine
    ref.ReferencedSOPInstanceUID = "1.3.6.1.4.1.9590.100.1.2.1"
    ds.ReferencedImageSequence = Sequence([ref])

    # WHEN QC checks it
    result = _check(ds)

    # THEN only the original instance UID is flagged
    assert result.codes == ("uid_not_remapped",)
    assert "ReferencedSOPInstanceUID" in result.findings[0].detail


@pytest.mark.parametrize(
    "data",
    [b"", b"not dicom at all, just text", b"\x00" * 128 + b"DICM" + b"\xff" * 40],
    ids=["empty", "text", "no-dataset"],
)
def test_unreadable_input_is_parse_error(data: bytes) -> None:
    # GIVEN bytes that are not readable DICOM
    # WHEN QC checks them
    result = check_object(data, "dicom")

    # THEN one parse_error, no crash, no thumbnail
    assert result.codes == ("parse_error",)
    assert not result.passed and result.thumbnail is None


def test_raw_corpus_file_fails_on_many_checks_without_quoting_phi(corpus: Corpus) -> None:
    # GIVEN an original file full of synthetic PHI (never de-identified)
    raw = template_file(corpus, "ct").read_bytes()

    # WHEN QC checks it
    result = check_object(raw, "dicom")

    # THEN it fails on the core checks and no finding quotes any injected value
    assert {
        "identity_not_removed",
        "method_not_recorded",
        "private_attribute",
        "residual_phi",
        "date_not_year_only",
        "coded_id_malformed",
    } <= set(result.codes)
    assert all(f.code in CODES for f in result.findings)
    _assert_no_value_in_details(result, *sorted(corpus.phi))


def test_a_flood_of_findings_is_capped(ct: Deidentified) -> None:
    # GIVEN an output with hundreds of private attributes
    ds = ct.dataset()
    for group in range(0x0011, 0x0011 + 2 * 250, 2):
        ds.add_new((group << 16) | 0x1010, "LO", "x")

    # WHEN QC checks it
    result = _check(ds)

    # THEN at most 200 findings are listed, plus one warning that more were dropped
    assert len(result.findings) == 201
    assert result.findings[-1].code == "findings_truncated"


def test_truncated_pixel_data_is_parse_error(ct: Deidentified) -> None:
    # GIVEN an output cut short inside its pixel data (pydicom itself reads such files silently)
    truncated = ct.data[: len(ct.data) - 1000]

    # WHEN QC checks it
    result = check_object(truncated, "dicom")

    # THEN it fails as parse_error and no thumbnail is made from half an image
    assert result.codes == ("parse_error",)
    assert "truncated" in result.findings[0].detail
    assert result.thumbnail is None


def test_pydicom_reads_our_thumbnail_free_path_without_pixels(ct: Deidentified) -> None:
    # GIVEN thumbnails turned off by policy
    # WHEN QC checks an image
    result = check_object(ct.data, "dicom", QcPolicy(thumbnails=False))

    # THEN no thumbnail is rendered
    assert result.thumbnail is None
    assert pydicom.dcmread(io.BytesIO(ct.data)).Rows  # the image itself is fine
