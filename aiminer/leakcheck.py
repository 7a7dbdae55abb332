"""Scan de-identified outputs for known PHI values: every byte outside pixel data, and every path.

Used by the demo, by the tests and by QC. Values are matched case-insensitively in the encodings a DICOM file may
use for them (ASCII/UTF-8, Latin-1, UTF-16) and, for DICOM person names, with ``^`` read as a space too.
"""

from __future__ import annotations

import re
import warnings
from typing import TYPE_CHECKING

import pydicom

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path


def _pixel_span(path: Path) -> tuple[int, int] | None:
    """Byte range of the top-level Pixel Data value, if any."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with path.open("rb") as fp:
                pydicom.dcmread(fp, stop_before_pixels=True, force=True)
                start = fp.tell()
            full = pydicom.dcmread(path, force=True, defer_size=0)
        except Exception:
            return None
    elem = full.get_item(0x7FE00010, keep_deferred=True) if 0x7FE00010 in full else None
    if elem is None:
        return None
    length = int(getattr(elem, "length", 0xFFFFFFFF))
    return start, start + 12 + (length if length != 0xFFFFFFFF else path.stat().st_size - start)


def _needles(values: Iterable[str]) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    for value in values:
        forms = {value, value.replace("^", " ")}
        for form in forms:
            low = form.lower()
            for enc in ("utf-8", "latin-1", "utf-16-le"):
                try:
                    out.append((value, low.encode(enc)))
                except UnicodeEncodeError:
                    continue
    return out


def scan_bytes(data: bytes, values: Iterable[str]) -> set[str]:
    """Values found in ``data`` (case-insensitive).

    All-digit values (MRNs, ZIP codes, dates) only count as whole numbers: a random 39-digit UID contains
    every 5-digit string sooner or later, and that is not a leak.
    """
    low = data.lower()
    found: set[str] = set()
    for value, needle in _needles(values):
        if not needle or value in found or needle not in low:
            continue
        if value.isdigit():
            if re.search(rb"(?<![0-9])" + re.escape(needle) + rb"(?![0-9])", low) is None:
                continue
        found.add(value)
    return found


def scan_file(path: Path, values: Iterable[str]) -> set[str]:
    """Values found in a file, outside its pixel data."""
    data = path.read_bytes()
    span = _pixel_span(path)
    if span is not None:
        data = data[: span[0]] + data[span[1] :]
    return scan_bytes(data, values)


def scan_tree(root: Path, values: Iterable[str]) -> dict[str, set[str]]:
    """``{relative path: values found}`` for every file under ``root`` and for the paths themselves."""
    values = list(values)
    hits: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        found = scan_bytes(rel.encode("utf-8", "surrogateescape"), values)
        if path.is_file():
            found |= scan_file(path, values)
        if found:
            hits[rel] = found
    return hits
