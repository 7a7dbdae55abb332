"""The long fuzz run (issue #8): 100,000+ mutated real inputs through ``process_object``, on every core.

The mutations, seeds, contexts and judge are the CI suite's (``tests/reliability/test_fuzz_inputs.py``); this
script only draws many more of them (``random_case``: DICOM byte mutations, DICOM structural attacks, reports, HL7
and tables) in parallel processes, each with its own seed, and adds up what happened.

    .venv/bin/python bench/fuzz_long.py --inputs 100000 --workers 2

Prints the tally and writes ``bench/results/fuzz-<UTC time>.json``: inputs per path and mutation family, outcomes
per status and reason, the slowest input, the inputs with a problem (crash, hang, unreadable reason, swallowed
defect, PHI in an output) with enough to replay them (worker seed and index), and the misses next to garbled
text (a free-text recall limit the judge counts apart, see ``intact_in``). Exit status 1 when any input had a
problem. Memory is not traced here (tracemalloc would triple the run time); the CI suite traces the gigantic
values and the whole run's peak RSS per worker is reported.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
#: Address-space ceiling of each worker process.
WORKER_MEMORY_BYTES = 6 * 1024**3


def _work(args: tuple[int, int, int, int]) -> dict[str, Any]:
    """Run ``count`` inputs drawn with ``random.Random(seed)``; return this worker's tally."""
    worker, seed, count, report_every = args
    # An input that made memory grow without bound would get this process killed by the kernel, and the pool would
    # wait for its lost result forever: with a ceiling the allocation fails instead (a MemoryError, reported as a
    # crash problem of that input) and the run goes on.
    resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, WORKER_MEMORY_BYTES))
    sys.path.insert(0, str(ROOT))
    from tests.reliability.test_fuzz_inputs import make_fuzzer, random_case

    fuzzer = make_fuzzer(Path(tempfile.mkdtemp(prefix=f"aiminer-fuzz-{worker}-")))
    rng = random.Random(seed)
    paths: Counter[str] = Counter()
    labels: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    problems: list[dict[str, Any]] = []
    garbled = 0
    slowest = (0.0, "")
    started = time.time()
    for i in range(count):
        case, ctx = random_case(fuzzer, rng)
        result = fuzzer.run(case, ctx)
        paths[result.path] += 1
        labels[f"{result.path}:{result.label}"] += 1
        outcomes[f"{result.status}:{result.reason or '-'}"] += 1
        garbled += bool(result.garbled_misses)
        if result.seconds > slowest[0]:
            slowest = (result.seconds, f"{result.path}/{result.label} ({result.size} B)")
        if result.problems:
            problems.append(
                {
                    "worker_seed": seed,
                    "index": i,
                    "case": f"{result.path}/{result.label}",
                    "size": result.size,
                    "status": result.status,
                    "reason": result.reason,
                    "problems": list(result.problems),
                }
            )
        if report_every and (i + 1) % report_every == 0:
            rate = (i + 1) / (time.time() - started)
            print(f"  worker {worker}: {i + 1:,}/{count:,} ({rate:.0f}/s), problems {len(problems)}", flush=True)
    return {
        "paths": paths,
        "labels": labels,
        "outcomes": outcomes,
        "problems": problems,
        "garbled": garbled,
        "slowest": slowest,
        "seconds": time.time() - started,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=int, default=100_000, help="mutated inputs in all (default 100,000)")
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--seed", type=int, default=20261204, help="base seed; worker w uses seed + w")
    args = parser.parse_args(argv)
    per = [args.inputs // args.workers + (w < args.inputs % args.workers) for w in range(args.workers)]
    jobs = [(w, args.seed + w, n, max(1000, n // 20)) for w, n in enumerate(per)]
    print(f"fuzzing {args.inputs:,} inputs in {args.workers} processes (seeds {args.seed}..)", flush=True)
    started = time.time()
    with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
        parts = pool.map(_work, jobs)
    wall = time.time() - started
    paths: Counter[str] = Counter()
    labels: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    for p in parts:
        paths.update(p["paths"])
        labels.update(p["labels"])
        outcomes.update(p["outcomes"])
    problems = [x for p in parts for x in p["problems"]]
    slowest = max((p["slowest"] for p in parts), key=lambda s: s[0])
    summary = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "total": sum(paths.values()),
        "workers": args.workers,
        "seed": args.seed,
        "wall_seconds": round(wall, 1),
        "inputs_per_second": round(sum(paths.values()) / wall, 1),
        "paths": dict(sorted(paths.items())),
        "outcomes": dict(outcomes.most_common()),
        "mutations": dict(sorted(labels.items())),
        "slowest_input": {"seconds": round(slowest[0], 2), "case": slowest[1]},
        "peak_rss_mb_per_worker": [round(p["peak_rss_mb"], 1) for p in parts],
        "inputs_with_problems": len(problems),
        "misses_next_to_garbled_text": sum(p["garbled"] for p in parts),
        "problems": problems[:200],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"fuzz-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in summary.items() if k not in ("mutations", "problems")}, indent=1))
    for p in problems[:20]:
        print("PROBLEM", p)
    print(f"written {out.relative_to(ROOT)}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
