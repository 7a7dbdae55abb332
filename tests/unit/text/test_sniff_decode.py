"""Type sniffing and decoding."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiminer.text.decode import decode_text
from aiminer.text.errors import TextDeidError
from aiminer.text.sniff import sniff


@pytest.mark.parametrize(
    ("head", "name", "kind"),
    [
        (b"\x00" * 128 + b"DICM" + b"\x02\x00\x00\x00", "x.txt", "dicom"),
        (b"\x08\x00\x05\x00\x0a\x00\x00\x00ISO_IR 100", "noext", "dicom"),
        (b"\x08\x00\x05\x00CS\x0a\x00ISO_IR 100", "noext", "dicom"),
        (b"MSH|^~\\&|RIS|X\rPID|1", "export.txt", "hl7"),
        (b"\xef\xbb\xbfMSH|^~\\&|RIS|X\r", "a.dat", "hl7"),
        (json.dumps([{"a": 1}, {"a": 2}]).encode(), "t.txt", "table_json"),
        (b"mrn,date,notes\n1,2020-01-01,x\n2,2020-01-02,y\n", "t.txt", "table_csv"),
        (b"mrn\tdate\tnotes\n1\t2020\tx\n2\t2021\ty\n", "t.txt", "table_tsv"),
        (b"CT CHEST\nFINDINGS: Normal, no change.\nIMPRESSION: Normal.", "r.csv", "report"),
        ("R\u00e9sultat: normal".encode("cp1252"), "r.txt", "report"),
        (bytes(range(256)) * 4, "x.bin", "other"),
    ],
)
def test_sniff_by_content(head: bytes, name: str, kind: str) -> None:
    # GIVEN the first bytes of an object / WHEN sniffing / THEN the kind comes from the content
    assert sniff(head, name) == kind


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("caf\u00e9 r\u00e9sum\u00e9".encode(), "caf\u00e9 r\u00e9sum\u00e9"),
        ("\ufeffhello".encode(), "hello"),
        ("Patient Jos\u00e9".encode("utf-16"), "Patient Jos\u00e9"),
        ("Patient Jos\u00e9 G\u00f3mez".encode("utf-16-le"), "Patient Jos\u00e9 G\u00f3mez"),
        ("Impression: normal \u2013 no change \u201cquoted\u201d".encode("cp1252"), None),
    ],
)
def test_decode_common_encodings(data: bytes, text: str | None) -> None:
    # GIVEN text in a common encoding / WHEN decoding / THEN the text comes back
    out = decode_text(data)
    assert out == text if text is not None else "normal" in out and "\u2013" in out


def test_binary_is_a_decode_error() -> None:
    # GIVEN binary bytes / WHEN decoding / THEN a named reason
    with pytest.raises(TextDeidError) as err:
        decode_text(b"\x00\x01\x02\xff\xfe\x00\x89PNG" * 50)
    assert err.value.reason == "decode_error"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=512))
def test_decode_never_crashes(data: bytes) -> None:
    # GIVEN random bytes / WHEN decoding / THEN text or a decode_error, nothing else
    try:
        assert isinstance(decode_text(data), str)
    except TextDeidError as exc:
        assert exc.reason == "decode_error"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=512), st.text(max_size=20))
def test_sniff_never_crashes(data: bytes, name: str) -> None:
    # GIVEN random bytes and names / WHEN sniffing / THEN one of the known kinds
    assert sniff(data, name) in {"dicom", "hl7", "report", "table_csv", "table_tsv", "table_json", "other"}


def test_a_large_text_in_a_code_page_is_decoded_whole_with_little_memory() -> None:
    # GIVEN 3 MB of Latin-1/cp1252 report text (not UTF-8), its encoding changing near the end
    import tracemalloc

    from aiminer.text.decode import decode_text

    line = "Patient Zoë Müller seen; señor Peña's café note. Temperature 37°C.\n"
    data = (line * (3_000_000 // len(line))).encode("cp1252") + "\u0400 end".encode()
    # WHEN decoding it
    tracemalloc.start()
    try:
        text = decode_text(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # THEN the whole object is text, and the encoding was guessed from its head: charset-normalizer decodes what it
    # is given once per candidate encoding (70 times the size for a 9.5 MB table)
    assert text.startswith("Patient Zoë Müller") and text.count("Peña") == len(data) // len(line)
    assert peak < 8 * len(data), peak / len(data)


def test_a_short_latin1_message_that_charset_detection_cannot_place_is_read_as_cp1252() -> None:
    # red team 17: a 434-byte ISO 8859-1 HL7 message was quarantined whole (unsupported_type)
    from aiminer.text.decode import decode_text
    from aiminer.text.sniff import sniff

    data = (
        "MSH|^~\\&|ORBIS|SBH|||20210930120000||ORU^R01|OB22190|P|2.3.1|||||DEU|8859/1\r"
        "PID|1||E3390012^^^SBH||MÜLLER-LÜDENSCHEIDT^JÜRGEN^^^Dr.||19530704|M|||Königsallee 14^^Düsseldorf^^40212^DEU\r"
        "OBR|1||MR21-0093310|70553^MRI BRAIN W/WO^CPT4\r"
        "OBX|1|TX|24590-2^MR Brain^LN||Befund: Multiple periventrikuläre T2-hyperintense Läsionen.||||||F\r"
    ).encode("latin-1")
    assert sniff(data, "result.hl7") == "hl7"
    assert "MÜLLER-LÜDENSCHEIDT" in decode_text(data)
