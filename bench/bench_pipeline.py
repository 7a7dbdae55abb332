"""Throughput, memory and AWS request counts of the ingest pipeline on the local runtime.

uploader -> landing bucket -> S3 event -> SQS -> poller (real batches of 10) -> the real de-identify handler
(Powertools idempotency, crosswalk, submissions, catalogue) -> moto. moto runs in its own process (as in the
integration tests), so the peak RSS measured here is the handler's side (plus the uploader and corpus
generation), not moto's; moto's own peak is reported separately.

    .venv/bin/python bench/bench_pipeline.py [--objects 1000]

Prints a summary and writes ``bench/results/pipeline-<UTC time>.json``. See docs/ingest.md for the numbers and
the cost estimate built from them.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import shutil
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# List prices, us-east-1, as known in late 2026 (re-check before relying on them: prices change).
PRICES = {
    "lambda_arm64_gb_s": 0.0000133334,  # first 6 billion GB-s per month
    "lambda_request": 0.20 / 1e6,
    "s3_put_class": 0.005 / 1000,  # PUT, COPY, POST, LIST (S3 Standard)
    "s3_get_class": 0.0004 / 1000,  # GET, HEAD and all other requests
    "sqs_request": 0.40 / 1e6,  # standard queue, per 64 KB chunk, after the free tier
    "ddb_write_request_unit": 0.625 / 1e6,  # on-demand
    "ddb_read_request_unit": 0.125 / 1e6,
}
S3_PUT_CLASS = {
    "PutObject",
    "CopyObject",
    "UploadPart",
    "UploadPartCopy",
    "CreateMultipartUpload",
    "CompleteMultipartUpload",
    "ListObjectsV2",
    "ListObjects",
    "PutObjectTagging",
}
DDB_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
DDB_READS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}
FILES_PER_PATIENT = 17.5  # make_corpus: about 17-18 uploadable files per patient with 2 studies each


def _rss_kib_of(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def build_corpus(dest: Path, objects: int) -> tuple[int, int, dict[str, int]]:
    """A mixed export (DICOM of many kinds, reports, HL7, a table, problem files) of exactly ``objects`` files."""
    from aiminer.samples import make_corpus

    shutil.rmtree(dest, ignore_errors=True)
    corpus = make_corpus(dest, patients=max(3, math.ceil(objects / FILES_PER_PATIENT)), studies_per_patient=2)
    everything = sorted(p for p in dest.rglob("*") if p.is_file() and p.name != ".DS_Store")
    names = {f"{p.last}_{p.first}_{p.mrn}" for p in corpus.patients}
    # keep the problem files, the HL7 export and the table; trim patients' studies to the requested count
    special = [p for p in everything if p.relative_to(dest).parts[0] not in names]
    studies = [p for p in everything if p.relative_to(dest).parts[0] in names]
    files = special + studies[: max(0, objects - len(special))]
    for extra in set(everything) - set(files):
        extra.unlink()
    kinds = Counter(p.suffix or "none" for p in files)
    return len(files), sum(p.stat().st_size for p in files), dict(kinds)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def main(argv: list[str] | None = None) -> int:
    """Run the bench once."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--workdir", type=Path, default=ROOT / ".aiminer" / "bench-pipeline")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)

    import botocore.client

    from aiminer import topology
    from aiminer.adapters.aws.submissions import SubmissionRepository
    from aiminer.adapters.aws.uploader import upload_submission
    from aiminer.local import control
    from aiminer.local.runtime import LocalRuntime

    calls: Counter[str] = Counter()
    real_call = botocore.client.BaseClient._make_api_call

    def counting_call(self: Any, operation_name: str, api_params: Any) -> Any:
        calls[f"{self.meta.service_model.service_name}:{operation_name}"] += 1
        return real_call(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = counting_call

    t0 = time.perf_counter()
    n_files, n_bytes, kinds = build_corpus(args.workdir / "export", args.objects)
    print(f"corpus: {n_files} files, {n_bytes / 1e6:.1f} MB ({time.perf_counter() - t0:.1f} s to generate)")
    state_dir = args.workdir / "local"
    state = control.up(state_dir, pollers=False)
    try:
        rt = LocalRuntime(visibility_timeout=60, endpoint=state["endpoint"]).attach()
        from lambdas.deidentify_object import handler as handler_module
        from lambdas.shared import observability

        # the handler's JSON logs and EMF metrics are written as on Lambda, to a file instead of the terminal
        log = (args.workdir / "handler.log").open("w")
        observability.logger.registered_handler.setStream(log)  # type: ignore[attr-defined]
        sys.stdout = log

        per_object: list[float] = []
        real_once = handler_module.process_once

        def timed_once(*a: Any, **kw: Any) -> Any:
            start = time.perf_counter()
            try:
                return real_once(*a, **kw)
            finally:
                per_object.append(time.perf_counter() - start)

        handler_module.process_once = timed_once  # record_handler looks the name up per call
        assert rt.deidentify is not None
        per_batch: list[tuple[int, float]] = []
        real_handler = rt.deidentify._handler

        def timed_handler(event: dict[str, Any], context: Any) -> Any:
            start = time.perf_counter()
            try:
                return real_handler(event, context)
            finally:
                per_batch.append((len(event["Records"]), time.perf_counter() - start))

        rt.deidentify._handler = timed_handler

        s3 = rt.client("s3")
        t_up = time.perf_counter()
        report = upload_submission(s3, rt.names.landing, args.workdir / "export", site="site-1", project="lung-ai")
        upload_s = time.perf_counter() - t_up
        upload_calls = Counter(calls)
        calls.clear()
        print(f"upload: {len(report.uploaded)} files in {upload_s:.1f} s", file=sys.__stdout__)

        submissions = SubmissionRepository(rt.client("dynamodb"), rt.names.tables["partner:submissions"])
        t_proc = time.perf_counter()
        deadline = t_proc + args.timeout
        summary: dict[str, Any] | None = None
        status_reads = 0  # the bench's own completion checks: not the pipeline's requests
        while time.perf_counter() < deadline:
            rt.deidentify.poll_once(wait=1)
            summary = submissions.get(report.submission_id, "summary")
            status_reads += 1
            if summary and summary.get("inbound_manifest_key"):
                break
        process_s = time.perf_counter() - t_proc
        pipeline_calls = Counter(calls)
        pipeline_calls["dynamodb:GetItem"] -= status_reads
        sys.stdout = sys.__stdout__
        moto_peak = _rss_kib_of(int(state["pid"]))
        if not summary or not summary.get("inbound_manifest_key"):
            print("the submission did not complete in time", file=sys.stderr)
            return 1
    finally:
        sys.stdout = sys.__stdout__
        control.down(state_dir)

    handled = len(per_object)
    by_service: dict[str, Counter[str]] = {}
    for key, n in pipeline_calls.items():
        service, op = key.split(":", 1)
        by_service.setdefault(service, Counter())[op] += n
    per_obj_calls = {k: round(v / n_files, 3) for k, v in sorted(pipeline_calls.items())}

    mem_gb = topology.DEIDENTIFY_OBJECT.memory_mb / 1024
    p50, p95 = percentile(per_object, 50), percentile(per_object, 95)
    mean = statistics.fmean(per_object)
    batch_total = sum(t for _, t in per_batch)
    s3 = by_service.get("s3", Counter())
    ddb = by_service.get("dynamodb", Counter())
    sqs = by_service.get("sqs", Counter())
    s3_put = sum(n for op, n in s3.items() if op in S3_PUT_CLASS)
    s3_get = sum(n for op, n in s3.items() if op not in S3_PUT_CLASS)
    ddb_w = sum(n for op, n in ddb.items() if op in DDB_WRITES)
    ddb_r = sum(n for op, n in ddb.items() if op in DDB_READS)
    upload_s3_put = sum(n for k, n in upload_calls.items() if k.split(":")[1] in S3_PUT_CLASS)
    upload_s3_get = sum(n for k, n in upload_calls.items() if k.startswith("s3:")) - upload_s3_put
    million = 1e6
    per_million = {
        "lambda_compute": batch_total / n_files * mem_gb * PRICES["lambda_arm64_gb_s"] * million,
        "lambda_requests": len(per_batch) / n_files * PRICES["lambda_request"] * million,
        "s3_requests_pipeline": (s3_put * PRICES["s3_put_class"] + s3_get * PRICES["s3_get_class"]) / n_files * million,
        "s3_requests_upload": (upload_s3_put * PRICES["s3_put_class"] + upload_s3_get * PRICES["s3_get_class"])
        / n_files
        * million,
        "sqs_requests": sqs.total() / n_files * PRICES["sqs_request"] * million,
        "dynamodb_writes": ddb_w / n_files * PRICES["ddb_write_request_unit"] * million,
        "dynamodb_reads": ddb_r / n_files * PRICES["ddb_read_request_unit"] * million,
    }
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "objects": n_files,
        "bytes": n_bytes,
        "kinds_by_suffix": kinds,
        "outcomes": {k: int(summary.get(k, 0)) for k in ("deidentified", "quarantined", "rejected")},
        "upload_seconds": round(upload_s, 2),
        "process_seconds": round(process_s, 2),
        "objects_per_second": round(n_files / process_s, 2),
        "handled_records": handled,
        "invocations": len(per_batch),
        "per_object_seconds": {"p50": round(p50, 4), "p95": round(p95, 4), "mean": round(mean, 4)},
        "per_invocation_seconds_mean": round(batch_total / max(1, len(per_batch)), 4),
        "peak_rss_mib_handler_process": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_rss_mib_moto_process": round(moto_peak / 1024, 1) if moto_peak else None,
        "requests_per_object": per_obj_calls,
        "upload_requests_per_object": {k: round(v / n_files, 3) for k, v in sorted(upload_calls.items())},
        "lambda_memory_mb": topology.DEIDENTIFY_OBJECT.memory_mb,
        "prices_us_east_1": PRICES,
        "cost_per_million_objects_usd": {k: round(v, 2) for k, v in per_million.items()},
        "cost_per_million_objects_total_usd": round(sum(per_million.values()), 2),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"pipeline-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(result, indent=1))
    print(json.dumps({k: v for k, v in result.items() if k not in ("prices_us_east_1",)}, indent=1))
    print(f"written: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
