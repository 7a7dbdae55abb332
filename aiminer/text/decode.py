"""Bytes to text for reports and tables in any common encoding; undecodable input is a quarantine reason."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from aiminer.text.errors import TextDeidError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v\x0b\x1c\x1d\x1e")  # HL7 MLLP framing and FS/GS/RS are allowed


def _looks_textual(text: str) -> bool:
    if not text:
        return True
    if "\x00" in text.rstrip("\x00"):  # NUL inside text: binary, or wide characters the scrubber would read past
        return False
    bad = sum(1 for ch in text if (ord(ch) < 32 and ch not in _ALLOWED_CONTROLS) or 0x7F <= ord(ch) < 0xA0)
    return bad <= max(2, len(text) // 200)


def decode_text(data: bytes) -> str:
    """Decode a report or table from bytes in any common encoding.

    Order: byte-order marks (UTF-8/16/32), strict UTF-8, UTF-16 without BOM (NUL pattern), then
    charset-normalizer's best guess (cp1252, latin-1, ...). Text with many control characters is refused.

    Parameters
    ----------
    data
        Raw file content.

    Returns
    -------
    str
        The decoded text (BOM removed).

    Raises
    ------
    TextDeidError
        ``reason="decode_error"`` when the bytes are binary or no encoding fits.
    """
    if not data:
        return ""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise TextDeidError("decode_error", f"invalid {encoding} after byte-order mark") from exc
            if not _looks_textual(text):
                raise TextDeidError("decode_error", "binary content")
            return text
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    else:
        if _looks_textual(text):
            return text
        raise TextDeidError("decode_error", "binary content")
    sample = data[:4096]
    if len(data) >= 4 and data.count(0) >= len(data) // 4:
        # The whole object, not its head: text that turns wide part-way is not UTF-16, and decoded as UTF-16 its
        # ASCII part would become CJK characters the scrubber reads past (found by the fuzz suite).
        even_nuls = data[0::2].count(0)
        odd_nuls = data[1::2].count(0)
        encoding = "utf-16-le" if odd_nuls > even_nuls else "utf-16-be"
        if max(even_nuls, odd_nuls) < 0.9 * (len(data) // 2):  # UTF-16 of Latin text: every other byte is NUL
            raise TextDeidError("decode_error", "mixed or binary content")
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise TextDeidError("decode_error", "binary content") from exc
        if _looks_textual(text):
            return text
        raise TextDeidError("decode_error", "binary content")
    if b"\x00" in sample:
        raise TextDeidError("decode_error", "binary content")
    # The encoding is guessed on the head only: charset-normalizer decodes its whole input once per candidate
    # encoding, which took a 9.5 MB table to 670 MB (a fuzz input). The whole object is then decoded with the guess.
    best = from_bytes(data[:DETECT_BYTES]).best()
    if best is None:
        # charset-normalizer finds no fit for some short single-byte texts (an ISO 8859-1 HL7 message of 434 bytes,
        # red team 17, quarantined whole): what US and European systems write, if the result reads as text
        for encoding in ("cp1252", "latin-1"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if _looks_textual(text):
                return text
        raise TextDeidError("decode_error", "no encoding fits")
    text = str(best) if len(data) <= DETECT_BYTES else _decode_whole(data, best.encoding)
    if best.encoding.startswith(("cp", "latin", "iso8859", "mac", "windows", "kz", "ptcp", "hp")):
        # Among single-byte code pages, short texts are ambiguous; cp1252 is what US systems write.
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    if not _looks_textual(text):
        raise TextDeidError("decode_error", "binary content")
    return text


#: Bytes of a text object that charset-normalizer reads to guess its encoding (see :func:`decode_text`).
DETECT_BYTES = 256 * 1024


def _decode_whole(data: bytes, encoding: str) -> str:
    """``data`` decoded with the encoding guessed from its head; if the rest does not fit it (a text whose encoding
    changes part-way), as cp1252, else Latin-1, which the textual check then judges."""
    for candidate in (encoding, "cp1252", "latin-1"):
        try:
            return data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    raise TextDeidError("decode_error", "no encoding fits")  # unreachable: Latin-1 decodes any bytes
