"""Run every benchmark (``make bench``): the DICOM bench, then the reports bench when it exists.

Arguments are passed to the DICOM bench (``--quick``, ``--huge``, ``--repeat N``, ``--tools ...``); the reports
bench's ``main()`` is called with no arguments.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    """Run the benches in turn; the exit code is the first non-zero one."""
    argv = sys.argv[1:] if argv is None else argv
    from bench import bench_dicom

    print("== DICOM de-identification bench ==", flush=True)
    rc = bench_dicom.main(argv) or 0
    try:
        reports = importlib.import_module("bench.bench_reports")
    except ImportError:
        print("\n(bench/bench_reports.py not available: reports bench skipped)")
        return rc
    print("\n== reports bench ==", flush=True)
    saved = sys.argv
    sys.argv = [str(ROOT / "bench" / "bench_reports.py")]  # the DICOM bench's flags are not its flags
    try:
        rc_reports = reports.main()
    except SystemExit as exc:  # an argparse-based main() may exit
        rc_reports = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = saved
    return rc or (rc_reports or 0)


if __name__ == "__main__":
    raise SystemExit(main())
