"""A 1 GB multi-frame file is de-identified with flat memory and its pixel data copied byte for byte."""

from __future__ import annotations

import hashlib
import json
import struct
import subprocess
import sys
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.filebase import DicomFileLike
from pydicom.filewriter import write_dataset, write_file_meta_info

pytestmark = pytest.mark.slow

ROWS = COLS = 512
FRAMES = 2048  # 512 x 512 x 2 bytes x 2048 frames = 1 GiB


def _write_big(path: Path) -> str:
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    del ds.PixelData
    ds.Rows, ds.Columns, ds.NumberOfFrames = ROWS, COLS, FRAMES
    ds.PatientName = "Vandermeer^Octavia"
    digest = hashlib.sha256()
    with path.open("wb") as fh:
        fh.write(b"\x00" * 128 + b"DICM")
        fp = DicomFileLike(fh)
        fp.is_little_endian, fp.is_implicit_VR = True, False
        write_file_meta_info(fp, ds.file_meta)
        write_dataset(fp, ds)
        length = ROWS * COLS * 2 * FRAMES
        fh.write(struct.pack("<HH2sHL", 0x7FE0, 0x0010, b"OW", 0, length))
        block = bytes(range(256)) * (ROWS * COLS * 2 // 256)
        for _ in range(FRAMES):
            fh.write(block)
            digest.update(block)
    return digest.hexdigest()


def _pixel_digest(path: Path) -> str:
    with path.open("rb") as fh:
        pydicom.dcmread(fh, stop_before_pixels=True)
        fh.read(12)
        digest = hashlib.sha256()
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def test_one_gigabyte_multiframe_with_flat_memory(tmp_path: Path) -> None:
    src = tmp_path / "in" / "big.dcm"
    src.parent.mkdir()
    expected = _write_big(src)
    out = tmp_path / "out"
    # The run measures its own peak: VmHWM of its own address space. (RUSAGE_CHILDREN would count other tests'
    # subprocesses, and Linux carries the forking parent's peak into the child's RUSAGE_SELF across exec: a test
    # worker grown to 440 MB by earlier tests made this file's de-identification look 440 MB big.)
    probe = (
        "import sys\n"
        "from aiminer.cli.main import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as exc:\n    code = exc.code\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].split()[1]\n"
        "print('MAXRSS_KB', hwm)\n"
        "sys.exit(code)\n"
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            probe,
            "deid",
            str(src.parent),
            "--out",
            str(out),
            "--project",
            "BIG",
            "--site",
            "S",
            "--crosswalk",
            str(tmp_path / "cw.sqlite"),
            "--receipt",
            str(tmp_path / "r.jsonl"),
            "--workers",
            "1",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    peak_mb = int(proc.stdout.rsplit("MAXRSS_KB", 1)[1].split()[0]) / 1024
    assert proc.returncode == 0, proc.stderr
    line = json.loads((tmp_path / "r.jsonl").read_text())
    assert line["status"] == "deidentified"
    result = out / line["output"]
    assert result.stat().st_size > ROWS * COLS * 2 * FRAMES
    assert _pixel_digest(result) == expected
    assert peak_mb < 150, f"peak RSS {peak_mb:.0f} MB"
