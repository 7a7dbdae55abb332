"""Comments inside compressed frames: the text a JPEG or JPEG 2000 encoder wrote in its headers.

A compressed frame's codestream may carry free text that no DICOM attribute shows: JPEG's COM segment (``FFFE``)
and its metadata application segments (Exif and XMP in APP1, IPTC in APP13, the unclaimed APPn: see
``_TEXT_APPS``), and JPEG 2000's COM marker (``FF64``, in the main header or a tile-part header). Encoders write
their name there ("Kakadu-v8.0"), and some scanners and converters the patient's name, ID or the study date. The
engine never decodes pixels, so it blanks that text where it is: a comment's bytes become spaces (zeros for a
binary JPEG 2000 comment), an application segment's payload after its identifier ("Exif\\0") becomes zeros, the
segment keeps its length, and nothing else in the codestream changes. A comment that is only an encoder's name
and version is kept, so such codestreams pass through byte-identical. Decoders skip comments and these
application segments, so the decoded image is the same; every offset (the Basic Offset Table's, a tile's) stays
valid.

Only the markers before the compressed data are read: a JPEG up to its first SOS, a JPEG 2000 codestream's main
header and the header of each tile-part up to SOD. A codestream whose markers do not parse is left as it is (the
decoder would reject it too).
"""

from __future__ import annotations

import re
import struct

#: A comment that is only an encoder's signature, its name and version, is kept: such a codestream passes through
#: byte-identical ("Kakadu-2.2", "Created by GDCM/OpenJPEG version 2.3.0", "Creator: JasPer Version 1.701.0").
#: Anything more than that ("Kakadu; pt Maria Jones") is blanked.
_SIGNATURE = re.compile(
    rb"(?:(?:Created|Encoded|Generated|Written|Compressed)\s+(?:by|with)\s+|Creator:\s*|Encoder:\s*)?"
    rb"(?:[A-Za-z]{2,12}/)?"
    rb"(?:Kakadu|Kdu|OpenJPEG|OpenJPH|JasPer|GDCM|LEADTOOLS|LEAD\s+Technologies(?:,?\s+Inc\.?)?|IJG(?:\s+JPEG)?|"
    rb"libjpeg(?:-turbo)?|CharLS|Pegasus|Accusoft|Aware|DCMTK|dcmtk|ImageMagick|JJ2000|Grok|pylibjpeg|"
    rb"Intel(?:\(R\))?\s+JPEG\s+Library)"
    rb"(?:[-_ ]?(?:v|ver\.?|version|Version)?[-_ ]?\d+(?:\.\d+){0,3}(?:[-.]?[A-Za-z0-9]{1,8})?)?[\x00 ]*"
)

_JPEG_SOI = b"\xff\xd8"
_J2K_SOC_SIZ = b"\xff\x4f\xff\x51"
# JPEG markers without a length: TEM, RST0-7, SOI, EOI
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8), 0xD8, 0xD9})


def blank_comments(data: bytearray, start: int = 0, end: int | None = None) -> int:
    """Blank the comments of the codestream at ``data[start:end]`` in place; return how many were blanked.

    ``data`` may hold only the head of a fragment: markers past ``end`` are not read, and a comment cut by ``end``
    is blanked up to it.
    """
    end = len(data) if end is None else end
    if data[start : start + 2] == _JPEG_SOI:
        return _jpeg(data, start + 2, end)
    if data[start : start + 4] == _J2K_SOC_SIZ:
        return _j2k(data, start + 2, end)
    return 0


def _blank_comment(data: bytearray, start: int, stop: int, fill: int) -> bool:
    """Blank ``data[start:stop]`` unless it is empty, already blank or an encoder's signature; whether it was."""
    text = bytes(data[start:stop])
    if not text.strip(b"\x00 ") or _SIGNATURE.fullmatch(text):
        return False
    data[start:stop] = bytes([fill]) * (stop - start)
    return True


#: JPEG application segments that carry metadata, not decoding parameters: Exif and XMP (APP1: a capture's date,
#: its GPS position, its owner), Photoshop's IPTC (APP13: captions and names) and the markers no standard claims
#: (APP3-7, APP9, APP10, APP12, APP15), where a station may write anything ("APP9 owner Delphine Hargreave").
#: JFIF (APP0), ICC profiles (APP2), SPIFF and JPEG-LS colour transforms (APP8), JPEG XT (APP11) and Adobe's colour
#: transform (APP14) change how the image decodes and stay.
_TEXT_APPS = frozenset({0xE1, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE9, 0xEA, 0xEC, 0xED, 0xEF})
#: What names an application segment's kind: up to 32 printable bytes and a NUL ("Exif\x00", "Photoshop 3.0\x00",
#: "http://ns.adobe.com/xap/1.0/\x00"). It stays, so a reader still knows what the segment was.
_APP_IDENTIFIER = re.compile(rb"[\x20-\x7e]{1,32}\x00")


def _blank_application(data: bytearray, start: int, stop: int) -> bool:
    """Zero an application segment's payload after its identifier; whether anything was zeroed."""
    ident = _APP_IDENTIFIER.match(bytes(data[start : min(stop, start + 33)]))
    first = start + (ident.end() if ident else 0)
    if first >= stop or not any(data[first:stop]):
        return False
    data[first:stop] = bytes(stop - first)
    return True


def _jpeg(data: bytearray, pos: int, end: int) -> int:
    blanked = 0
    while pos + 4 <= end:
        if data[pos] != 0xFF:
            return blanked  # not a marker where one must be: leave the rest alone
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xDA, 0xD9):  # SOS: entropy-coded data follows; EOI: the end
            return blanked
        if marker in _STANDALONE:
            pos += 2
            continue
        (length,) = struct.unpack_from(">H", data, pos + 2)
        if length < 2:
            return blanked
        if marker == 0xFE and _blank_comment(data, pos + 4, min(pos + 2 + length, end), 0x20):  # COM
            blanked += 1
        elif marker in _TEXT_APPS and _blank_application(data, pos + 4, min(pos + 2 + length, end)):
            blanked += 1
        pos += 2 + length
    return blanked


def _j2k(data: bytearray, pos: int, end: int) -> int:
    """The main header from ``pos`` (at SIZ), then each tile-part's header, found by SOT's tile-part length."""
    blanked, pos = _j2k_header(data, pos, end)
    while pos + 12 <= end and data[pos : pos + 2] == b"\xff\x90":  # SOT
        (psot,) = struct.unpack_from(">L", data, pos + 6)
        count, _ = _j2k_header(data, pos, end)
        blanked += count
        if psot == 0:  # the last tile-part runs to EOC
            break
        pos += psot
    return blanked


def _j2k_header(data: bytearray, pos: int, end: int) -> tuple[int, int]:
    """Blank the COM markers of one header from ``pos``; return the count and where the header stopped (at the
    first SOT after a main header, or at SOD in a tile-part header)."""
    blanked = 0
    first = True
    while pos + 4 <= end:
        (marker,) = struct.unpack_from(">H", data, pos)
        if marker < 0xFF30:
            return blanked, end  # not a marker: stop reading this codestream
        if marker in (0xFF93, 0xFFD9):  # SOD, EOC
            return blanked, pos
        if marker == 0xFF90 and not first:  # the next tile-part
            return blanked, pos
        (length,) = struct.unpack_from(">H", data, pos + 2)
        if length < 2:
            return blanked, end
        if marker == 0xFF64 and length >= 4:  # COM: Lcom, Rcom (0 binary, 1 Latin text), the comment
            (registration,) = struct.unpack_from(">H", data, pos + 4) if pos + 6 <= end else (1,)
            fill = 0x20 if registration == 1 else 0x00
            blanked += _blank_comment(data, pos + 6, min(pos + 2 + length, end), fill)
        pos += 2 + length
        first = False
    return blanked, end


def blank_encapsulated(value: bytearray) -> int:
    """Blank the comments of every fragment of an encapsulated Pixel Data value held in memory (the Basic Offset
    Table first, then the fragments, each an item); return how many were blanked."""
    blanked = 0
    pos = 0
    first = True
    while pos + 8 <= len(value):
        group, element, length = struct.unpack_from("<HHL", value, pos)
        if (group, element) != (0xFFFE, 0xE000) or length == 0xFFFFFFFF:
            break
        if not first:
            blanked += blank_comments(value, pos + 8, min(pos + 8 + length, len(value)))
        pos += 8 + length
        first = False
    return blanked
