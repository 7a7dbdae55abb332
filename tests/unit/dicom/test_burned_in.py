"""Burned-in text: masked by a known layout when pixels are native, quarantined otherwise, never passed through."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file

from aiminer.dicom import burnedin
from aiminer.dicom.burnedin import at_risk, load_mask_rules
from aiminer.errors import QuarantineError
from aiminer.samples import US_COLUMNS, US_TEXT_BOXES, make_ultrasound


def _pixel(data: bytes, x: int, y: int) -> bytes:
    start = (y * US_COLUMNS + x) * 3
    return data[start : start + 3]


def test_known_ultrasound_layout_is_masked_and_the_rest_is_untouched(engine) -> None:
    # GIVEN an uncompressed ultrasound frame from a layout the CTP-derived table knows, with text burned in
    us = make_ultrasound(random.Random(1))
    original = us.PixelData
    # WHEN it is de-identified
    out, result, _ = engine(us)
    # THEN every text box is black, every other pixel is unchanged, and the cleaning is recorded
    masked = out.PixelData
    for x, y, w, h in US_TEXT_BOXES:
        for yy in range(y, y + h):
            assert _pixel(masked, x, yy) == b"\x00\x00\x00"
            assert _pixel(masked, x + w - 1, yy) == b"\x00\x00\x00"
    assert _pixel(masked, 300, 300) == _pixel(original, 300, 300)
    assert masked[-3000:] == original[-3000:]
    assert result.pixels_masked
    assert out.BurnedInAnnotation == "NO"
    assert "113101" in [i.CodeValue for i in out.DeidentificationMethodCodeSequence]


def test_screen_capture_without_a_known_layout_is_quarantined(engine) -> None:
    sc = pydicom.dcmread(get_testdata_file("SC_rgb_small_odd.dcm"))
    with pytest.raises(QuarantineError) as info:
        engine(sc)
    assert info.value.reason == "burned_in_risk"


def test_burned_in_flag_on_any_modality_is_a_risk(engine) -> None:
    ct = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ct.BurnedInAnnotation = "YES"
    with pytest.raises(QuarantineError, match="burned_in_risk"):
        engine(ct)


def test_compressed_pixels_with_a_matching_rule_are_quarantined(engine, tmp_path: Path) -> None:
    mr = pydicom.dcmread(get_testdata_file("MR_small_RLE.dcm"))
    mr.BurnedInAnnotation = "YES"
    with pytest.raises(QuarantineError, match="burned_in_risk"):
        engine(mr)


def test_user_rules_extend_the_table(tmp_path: Path) -> None:
    extra = tmp_path / "ours.toml"
    extra.write_text('[[rule]]\nid = "ours-1"\nmodality = "SC"\nrows = 3\ncolumns = 3\nregions = [[0, 0, 3, 1]]\n')
    base = load_mask_rules()
    rules = load_mask_rules((extra,))
    assert len(rules) == len(base) + 1 and len(base) >= 50
    attrs = {"Modality": "SC", "Rows": "3", "Columns": "3"}
    assert burnedin.regions_for(attrs, rules) == ((0, 0, 3, 1),)
    assert burnedin.regions_for(attrs, base) == ()


def test_user_rule_masks_a_screen_capture(coder, tmp_path: Path) -> None:
    from aiminer.dicom.engine import EngineConfig, deidentify_stream
    from aiminer.dicom.policy import compile_policy

    sc = pydicom.dcmread(get_testdata_file("SC_rgb_small_odd.dcm"))
    extra = tmp_path / "ours.toml"
    extra.write_text(
        f'[[rule]]\nid = "sc"\nmodality = "{sc.Modality}"\nrows = {sc.Rows}\ncolumns = {sc.Columns}\n'
        "regions = [[0, 0, 2, 1]]\n"
    )
    cfg = EngineConfig(compile_policy(), coder, coder.site("X"), load_mask_rules((extra,)))
    buf = io.BytesIO()
    sc.save_as(buf)
    out = io.BytesIO()
    deidentify_stream(io.BytesIO(buf.getvalue()), out, cfg)
    ds = pydicom.dcmread(io.BytesIO(out.getvalue()))
    assert ds.PixelData[:6] == b"\x00" * 6
    assert ds.PixelData[6:] == sc.PixelData[6:]


def test_malformed_rule_files_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nid = "x"\nregions = [[0, 0, -1, 5]]\n')
    with pytest.raises(Exception, match="region"):
        load_mask_rules((bad,))


_OP = "1.2.840.10008.5.1.4.1.1.77.1.5.1"  # ophthalmic photography 8 bit
_WSI = "1.2.840.10008.5.1.4.1.1.77.1.6"  # VL whole slide microscopy
_VL_PHOTO = "1.2.840.10008.5.1.4.1.1.77.1.4"


@pytest.mark.parametrize(
    ("attrs", "risk"),
    [
        # a fundus photograph, an OCT, a tissue slide that declare no burned-in text pass (red team 6)
        ({"Modality": "OP", "SOPClassUID": _OP, "BurnedInAnnotation": "NO"}, False),
        ({"Modality": "OPT", "SOPClassUID": _OP + ".4", "BurnedInAnnotation": "NO"}, False),
        (
            {
                "Modality": "SM",
                "SOPClassUID": _WSI,
                "BurnedInAnnotation": "NO",
                "ImageType": "ORIGINAL\\PRIMARY\\VOLUME",
            },
            False,
        ),
        # ... but not when they say nothing, say YES, or show the slide's label
        ({"Modality": "OP", "SOPClassUID": _OP}, True),
        ({"Modality": "OP", "SOPClassUID": _OP, "BurnedInAnnotation": "YES"}, True),
        (
            {
                "Modality": "SM",
                "SOPClassUID": _WSI,
                "BurnedInAnnotation": "NO",
                "ImageType": "ORIGINAL\\PRIMARY\\LABEL",
            },
            True,
        ),
        (
            {
                "Modality": "SM",
                "SOPClassUID": _WSI,
                "BurnedInAnnotation": "NO",
                "ImageType": "ORIGINAL\\PRIMARY\\OVERVIEW",
            },
            True,
        ),
        # the modalities and the photographs are at risk whatever the file says
        ({"Modality": "US", "BurnedInAnnotation": "NO"}, True),
        ({"Modality": "XC", "SOPClassUID": _VL_PHOTO, "BurnedInAnnotation": "NO"}, True),
        ({"Modality": "OP", "SOPClassUID": _VL_PHOTO, "BurnedInAnnotation": "NO"}, True),  # an external photograph
        ({"Modality": "ES", "BurnedInAnnotation": "NO"}, True),
        ({"Modality": "CT"}, False),
    ],
)
def test_which_images_are_at_risk(attrs: dict[str, str], risk: bool) -> None:
    assert at_risk(attrs) is risk
