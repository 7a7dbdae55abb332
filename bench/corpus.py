"""The benchmark corpus: real DICOM headers (pydicom's test files) with synthetic PHI, in a realistic size mix.

Built deterministically (seeded) under a cache directory (default ``.aiminer/bench-corpus``, gitignored) and
reused while :data:`CORPUS_VERSION` and the parameters are unchanged. Three sets:

``mix`` (``quick-mix`` with ``--quick``)
    The throughput mix: CT series of 512 x 512 slices (explicit and implicit VR), MR series of 256 x 256 slices,
    copies of pydicom's bundled files in every transfer syntax (MR in RLE, JPEG 2000, JPEG-LS, big endian; CT in
    JPEG 2000; SEG, SR, RT dose/plan, ECG waveform, overlays) and native multi-frame CT/MR of 5-50 MB.
    Pixels are the test files' own, upscaled (slices) or replicated with a shift per frame (multi-frame).
    Secondary capture and ultrasound templates are left out: aiminer quarantines them (burned-in text).
``large`` (``quick-large``)
    Multi-frame CT over 50 MB (about 100, 150 and 200 MB; one of about 60 MB in quick mode).
``huge`` (only with ``--huge``)
    One multi-frame CT of about 1 GB.

Every file has a unique name (deid writes outputs by base name). Multi-frame pixel data is streamed to disk, so
building the 1 GB file does not need 1 GB of memory.

Usage: ``python bench/corpus.py [--quick] [--huge] [--dir DIR]`` prints what it built.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import shutil
import struct
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pydicom
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    generate_uid,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiminer.samples import HOSPITALS, inject_phi, make_patient

CORPUS_VERSION = 4
DEFAULT_DIR = Path(".aiminer/bench-corpus")
SEED = 20260515
ENHANCED_CT = "1.2.840.10008.5.1.4.1.1.2.1"
ENHANCED_MR = "1.2.840.10008.5.1.4.1.1.4.1"

#: pydicom test files copied as they are (one copy per study that gets them): every transfer syntax and IOD.
SMALL_TEMPLATES = (
    "CT_small.dcm",
    "MR_small.dcm",
    "MR_small_implicit.dcm",
    "MR_small_bigendian.dcm",
    "MR_small_expb.dcm",
    "MR_small_padded.dcm",
    "MR_small_RLE.dcm",
    "MR_small_jp2klossless.dcm",
    "MR_small_jpeg_ls_lossless.dcm",
    "693_J2KI.dcm",
    "J2K_pixelrep_mismatch.dcm",
    "liver_1frame.dcm",
    "liver_expb_1frame.dcm",
    "reportsi.dcm",
    "test-SR.dcm",
    "rtdose.dcm",
    "rtdose_expb.dcm",
    "rtdose_rle.dcm",
    "rtplan.dcm",
    "rtstruct.dcm",
    "waveform_ecg.dcm",
    "examples_overlay.dcm",
)


@dataclass(frozen=True)
class Plan:
    """How many of each kind of file a set gets."""

    ct_series: tuple[tuple[int, bool], ...]  # (slices, implicit VR) per CT series of 512 x 512 slices
    mr_series: tuple[int, ...]  # slices per MR series of 256 x 256
    template_copies: int  # copies of every SMALL_TEMPLATES file
    multiframe: tuple[tuple[str, int], ...]  # ("ct" 512x512 | "mr" 256x256, frames)


FULL_MIX = Plan(
    ct_series=((60, False), (60, False), (60, True), (60, False), (60, True), (60, False)),
    mr_series=(20, 20, 20),
    template_copies=3,
    multiframe=(
        ("ct", 10),
        ("ct", 16),
        ("ct", 20),
        ("ct", 24),
        ("ct", 30),
        ("mr", 150),
        ("mr", 200),
        ("mr", 240),
        ("mr", 300),
        ("mr", 360),
    ),
)
QUICK_MIX = Plan(
    ct_series=((40, False), (20, True)), mr_series=(20,), template_copies=1, multiframe=(("ct", 10), ("mr", 150))
)
FULL_LARGE = Plan(ct_series=(), mr_series=(), template_copies=0, multiframe=(("ct", 192), ("ct", 288), ("ct", 384)))
QUICK_LARGE = Plan(ct_series=(), mr_series=(), template_copies=0, multiframe=(("ct", 116),))
HUGE = Plan(ct_series=(), mr_series=(), template_copies=0, multiframe=(("ct", 2048),))


class _Namer:
    """Deterministic UIDs and unique file names."""

    def __init__(self, seed: int, set_name: str) -> None:
        self.seed = seed
        self.set_name = set_name
        self.n = 0

    def uid(self, *parts: object) -> str:
        return generate_uid(entropy_srcs=[str(self.seed), self.set_name, *map(str, parts)])

    def file(self, kind: str) -> str:
        self.n += 1
        return f"{self.set_name}_{self.n:05d}_{kind}.dcm"


def _read_template(name: str) -> Dataset:
    ds = pydicom.dcmread(get_testdata_file(name), force=True)
    if not getattr(ds, "file_meta", None) or "TransferSyntaxUID" not in ds.file_meta:
        meta = FileMetaDataset()
        meta.TransferSyntaxUID = ImplicitVRLittleEndian if ds.original_encoding[0] else ExplicitVRLittleEndian
        ds.file_meta = meta
    return ds


def _finish_meta(ds: Dataset) -> None:
    meta = ds.file_meta
    meta.FileMetaInformationVersion = b"\x00\x01"
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID


def _personalize(ds: Dataset, ctx: _StudyCtx, series_uid: str, instance_uid: str) -> None:
    ds.StudyInstanceUID = ctx.study_uid
    ds.SeriesInstanceUID = series_uid
    ds.SOPInstanceUID = instance_uid
    if "FrameOfReferenceUID" in ds:
        ds.FrameOfReferenceUID = ctx.for_uid
    # The staff, the station and its serial number are drawn once per series, as a scanner writes them: every slice
    # of a real series has the same operator, station and device (corpus v3 drew them per file).
    inject_phi(ds, ctx.patient, ctx.accession, ctx.study_date, ctx.hospital, random.Random(series_uid))
    ds.ReferencedPatientSequence[0].ReferencedSOPInstanceUID = ctx.namer.uid(instance_uid, "refpat")
    _finish_meta(ds)


@dataclass
class _StudyCtx:
    namer: _Namer
    patient: object
    accession: str
    study_date: str
    hospital: str
    study_uid: str
    for_uid: str
    folder: Path


def _upscaled(template: str, size: int) -> Dataset:
    """A template slice with its pixels upscaled to ``size`` x ``size`` (native, little endian)."""
    ds = _read_template(template)
    arr = ds.pixel_array
    factor = size // arr.shape[0]
    big = np.repeat(np.repeat(arr, factor, axis=0), factor, axis=1)
    ds.Rows, ds.Columns = big.shape
    ds.PixelData = big.astype(arr.dtype.newbyteorder("<")).tobytes()
    return ds


def _write_multiframe(path: Path, ds: Dataset, frame: np.ndarray, frames: int) -> None:
    """Write ``ds`` (explicit VR little endian, no Pixel Data) and stream ``frames`` shifted copies of ``frame``."""
    ds.NumberOfFrames = frames
    if "PixelData" in ds:
        del ds.PixelData
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    frame = frame.astype(frame.dtype.newbyteorder("<"))
    length = frame.nbytes * frames
    with path.open("wb") as fh:
        ds.save_as(fh, enforce_file_format=True)
        fh.write(struct.pack("<HH2sHL", 0x7FE0, 0x0010, b"OW", 0, length))
        _stream_frames(fh, frame, frames)


def _stream_frames(fh: BinaryIO, frame: np.ndarray, frames: int) -> None:
    for i in range(frames):
        fh.write(np.roll(frame, i % frame.shape[0], axis=0).tobytes())


def _save(ds: Dataset, path: Path, implicit: bool | None = None) -> None:
    if implicit is not None:
        ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
    ds.save_as(path, enforce_file_format=True)


def build_set(root: Path, set_name: str, plan: Plan, seed: int = SEED) -> dict[str, object]:
    """Write one set under ``root / set_name``; return its manifest."""
    warnings.simplefilter("ignore")
    dest = root / set_name
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    rng = random.Random(f"{seed}/{set_name}")
    namer = _Namer(seed, set_name)
    ct_slice = _upscaled("CT_small.dcm", 512)
    mr_slice = _upscaled("MR_small.dcm", 256)
    n_studies = max(len(plan.ct_series) + len(plan.mr_series), 1)
    patients = [make_patient(rng, old=(i == 3)) for i in range(max(2, n_studies // 2 + 1))]
    studies: list[_StudyCtx] = []
    for i in range(n_studies):
        patient = patients[i % len(patients)]
        accession = f"A{rng.randint(1_000_000, 9_999_999)}"
        study_date = f"2019{rng.randint(1, 12):02d}{rng.randint(10, 28):02d}"
        folder = dest / f"{patient.last}_{patient.first}_{patient.mrn}" / f"{study_date}_{accession}"
        folder.mkdir(parents=True, exist_ok=True)
        studies.append(
            _StudyCtx(
                namer,
                patient,
                accession,
                study_date,
                rng.choice(HOSPITALS),
                namer.uid("study", i),
                namer.uid("for", i),
                folder,
            )
        )

    def series_dir(ctx: _StudyCtx, label: str, series_uid: str) -> Path:
        path = ctx.folder / f"{label}_{series_uid[-6:]}"
        path.mkdir(exist_ok=True)
        return path

    s = 0
    for slices, implicit in plan.ct_series:
        ctx = studies[s % len(studies)]
        series_uid = namer.uid("ct-series", s)
        folder = series_dir(ctx, "CT", series_uid)
        for k in range(slices):
            ds = copy.deepcopy(ct_slice)
            _personalize(ds, ctx, series_uid, namer.uid("ct", s, k))
            ds.InstanceNumber = k + 1
            _save(ds, folder / namer.file("ct"), implicit=implicit)
        s += 1
    for slices in plan.mr_series:
        ctx = studies[s % len(studies)]
        series_uid = namer.uid("mr-series", s)
        folder = series_dir(ctx, "MR", series_uid)
        for k in range(slices):
            ds = copy.deepcopy(mr_slice)
            _personalize(ds, ctx, series_uid, namer.uid("mr", s, k))
            ds.InstanceNumber = k + 1
            _save(ds, folder / namer.file("mr"), implicit=False)
        s += 1
    for c in range(plan.template_copies):
        ctx = studies[c % len(studies)]
        folder = series_dir(ctx, "MISC", namer.uid("misc", c))
        for t, name in enumerate(SMALL_TEMPLATES):
            ds = _read_template(name)
            _personalize(ds, ctx, namer.uid("misc-series", c, t), namer.uid("misc", c, t))
            _save(ds, folder / namer.file(Path(name).stem.replace("_", "-").lower()))
    for m, (kind, frames) in enumerate(plan.multiframe):
        ctx = studies[m % len(studies)]
        base = ct_slice if kind == "ct" else mr_slice
        ds = copy.deepcopy(base)
        ds.SOPClassUID = ENHANCED_CT if kind == "ct" else ENHANCED_MR
        frame = base.pixel_array
        series_uid = namer.uid("mf-series", m)
        _personalize(ds, ctx, series_uid, namer.uid("mf", m))
        folder = series_dir(ctx, f"MF{kind.upper()}", series_uid)
        _write_multiframe(folder / namer.file(f"{kind}mf{frames}"), ds, frame, frames)
    return _manifest(dest, set_name, plan, seed)


def _manifest(dest: Path, set_name: str, plan: Plan, seed: int) -> dict[str, object]:
    files = sorted(p for p in dest.rglob("*") if p.is_file())
    manifest = {
        "version": CORPUS_VERSION,
        "set": set_name,
        "seed": seed,
        "plan": repr(plan),
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
        "largest_bytes": max((p.stat().st_size for p in files), default=0),
    }
    (dest.parent / f"{set_name}.manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def ensure_set(root: Path, set_name: str, plan: Plan, seed: int = SEED) -> dict[str, object]:
    """The set's manifest, building the set first unless an up-to-date copy is cached."""
    manifest_path = root / f"{set_name}.manifest.json"
    if manifest_path.exists() and (root / set_name).is_dir():
        try:
            manifest = json.loads(manifest_path.read_text())
        except ValueError:
            manifest = {}
        if (
            manifest.get("version") == CORPUS_VERSION
            and manifest.get("plan") == repr(plan)
            and manifest.get("seed") == seed
        ):
            files = [p for p in (root / set_name).rglob("*") if p.is_file()]
            if len(files) == manifest.get("files"):
                return manifest
    return build_set(root, set_name, plan, seed)


def ensure_corpus(root: Path = DEFAULT_DIR, quick: bool = False, huge: bool = False) -> dict[str, Path]:
    """Build (or reuse) the sets the bench needs; return set label -> directory."""
    root.mkdir(parents=True, exist_ok=True)
    sets = (
        {"mix": ("quick-mix", QUICK_MIX), "large": ("quick-large", QUICK_LARGE)}
        if quick
        else {"mix": ("mix", FULL_MIX), "large": ("large", FULL_LARGE)}
    )
    if huge:
        sets["huge"] = ("huge", HUGE)
    out: dict[str, Path] = {}
    for label, (name, plan) in sets.items():
        ensure_set(root, name, plan)
        out[label] = root / name
    return out


def main(argv: list[str] | None = None) -> int:
    """Build the corpus and print what is there."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="cache directory (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="the ~100-file development corpus")
    parser.add_argument("--huge", action="store_true", help="also the ~1 GB multi-frame file")
    args = parser.parse_args(argv)
    for label, path in ensure_corpus(args.dir, quick=args.quick, huge=args.huge).items():
        manifest = json.loads((path.parent / f"{path.name}.manifest.json").read_text())
        print(
            f"{label:6} {path}: {manifest['files']} files, {manifest['bytes'] / 1e6:.1f} MB "
            f"(largest {manifest['largest_bytes'] / 1e6:.1f} MB)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
