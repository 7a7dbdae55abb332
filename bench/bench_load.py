"""Load test of the local pipeline (issue #8): push >= 10,000 objects of mixed sizes through it, account for each.

What runs: a background local runtime (``aiminer.local.control.up``: moto, the resources, the real de-identify
handler driven by its own SQS poller, the QC state machine) exactly as ``aiminer local up`` starts it; this
process generates the corpus, uploads it with the real uploader (``upload_submission``) as several submissions,
waits for every submission to complete (submissions table), then checks that every uploaded object has exactly
one outcome and exactly one output (inbound bucket + catalogue, or quarantine bucket), and that the usage ledger
and the audit trail count each object once.

    .venv/bin/python bench/bench_load.py --objects 10000 --large 3 --large-mb 300 --workdir /tmp/aiminer-load

The corpus (on disk under ``--workdir/export``, one folder per submission): copies of pydicom's bundled test
files with distinct synthetic PHI and UIDs (``aiminer.samples.make_corpus``, one seed per submission), the
reports and HL7 export that come with it, extra synthetic reports (``aiminer.text.synthetic``), corrupt and
non-DICOM files (quarantined: they are part of the count), and ``--large`` multi-frame CT files of
``--large-mb`` MB each, whose uncompressed pixel data is streamed to disk (``bench/corpus.py``'s writer).

Run on demand (tens of minutes at full size), never in CI. Prints a table and writes
``bench/results/load-<UTC time>.json``. Exit status 1 when an object is missing or duplicated.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import math
import os
import random
import resource
import shutil
import statistics
import sys
import threading
import time
import warnings
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_pipeline import FILES_PER_PATIENT, _rss_kib_of, percentile  # noqa: E402

PROJECT = "lung-ai"
SITE = "site-1"
MB = 1_000_000
MIB = 1024 * 1024
CT_FRAME_BYTES = 512 * 512 * 2


# ------------------------------------------------------------------------------------------------------ corpus


def _small_corpus(dest: Path, objects: int, seed: int) -> None:
    """``objects`` uploadable files of ``make_corpus`` (DICOM of 14 kinds, a report per study, an HL7 export, a
    table, problem files), with this submission's own patients (``seed``); like ``bench_pipeline.build_corpus``."""
    from aiminer.samples import make_corpus

    corpus = make_corpus(dest, seed=seed, patients=max(3, math.ceil(objects / FILES_PER_PATIENT) + 1))
    everything = sorted(p for p in dest.rglob("*") if p.is_file() and p.name != ".DS_Store")
    names = {f"{p.last}_{p.first}_{p.mrn}" for p in corpus.patients}
    special = [p for p in everything if p.relative_to(dest).parts[0] not in names]
    studies = [p for p in everything if p.relative_to(dest).parts[0] in names]
    keep = set(special + studies[: max(0, objects - len(special))])
    for extra in set(everything) - keep:
        extra.unlink()


def _synthetic_reports(dest: Path, n: int, seed: int) -> None:
    """Free-text reports from the report generator (not in a study folder: linked by content, or not at all)."""
    from aiminer.text.synthetic import generate_reports

    folder = dest / "ris-reports"
    folder.mkdir(parents=True, exist_ok=True)
    for k, rep in enumerate(generate_reports(n, seed=seed)):
        (folder / f"RPT_{seed % 100000:05d}_{k:04d}.txt").write_text(rep.text, encoding="utf-8")


def _corrupt_files(dest: Path, rng: random.Random) -> None:
    """Two broken files beyond make_corpus's own: random bytes named .dcm, and a DICOM cut in the middle."""
    folder = dest / "corrupt"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "garbage.dcm").write_bytes(rng.randbytes(3000))
    donor = next((p for p in sorted(dest.rglob("*_ct_*.dcm"))), None)
    if donor is not None:
        data = donor.read_bytes()
        (folder / "cut_in_half.dcm").write_bytes(data[: len(data) // 2])
    else:
        (folder / "cut_in_half.dcm").write_bytes(b"\x00" * 128 + b"DICM" + b"\x02\x00")


def _large_file(dest: Path, size_mb: int, index: int, rng: random.Random) -> int:
    """A multi-frame (Enhanced) CT of ``size_mb`` MB: a real slice upscaled to 512 x 512, replicated per frame
    with a shift, streamed to disk (never whole in memory); returns its size."""
    from pydicom.uid import generate_uid

    from aiminer.samples import HOSPITALS, inject_phi, make_patient
    from bench.corpus import ENHANCED_CT, _finish_meta, _upscaled, _write_multiframe

    warnings.simplefilter("ignore")
    base = _upscaled("CT_small.dcm", 512)
    ds = copy.deepcopy(base)
    ds.SOPClassUID = ENHANCED_CT
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID = generate_uid(), generate_uid(), generate_uid()
    if "FrameOfReferenceUID" in ds:
        ds.FrameOfReferenceUID = generate_uid()
    patient = make_patient(rng)
    accession = f"A{rng.randint(1_000_000, 9_999_999)}"
    study_date = f"2020{rng.randint(1, 12):02d}{rng.randint(10, 28):02d}"
    inject_phi(ds, patient, accession, study_date, rng.choice(HOSPITALS), rng)
    _finish_meta(ds)
    folder = dest / f"{patient.last}_{patient.first}_{patient.mrn}" / f"{study_date}_{accession}" / "MFCT"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"multiframe_{index:02d}.dcm"
    frames = max(1, round(size_mb * MB / CT_FRAME_BYTES))
    _write_multiframe(path, ds, base.pixel_array, frames)
    return path.stat().st_size


def build_load_corpus(
    root: Path, objects: int, submissions: int, large: int, large_mb: int, seed: int = 20261208
) -> list[dict[str, Any]]:
    """One folder per submission under ``root``, ``objects`` uploadable files in all; returns what each holds."""
    from aiminer.adapters.aws.uploader import walk

    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    per = [objects // submissions + (1 if i < objects % submissions else 0) for i in range(submissions)]
    # the large files go to submissions spread over the run (so they meet a backlog of small objects)
    large_at = Counter(min(submissions - 1, (2 * k + 1) * submissions // (2 * max(1, large))) for k in range(large))
    out: list[dict[str, Any]] = []
    for i, n in enumerate(per):
        dest = root / f"submission-{i:02d}"
        rng = random.Random(f"{seed}/{i}")
        n_large = large_at.get(i, 0)
        n_reports = max(1, n // 50)  # ~2 % free-text reports from the generator
        n_corrupt = 2
        n_small = n - n_large - n_reports - n_corrupt
        if n_small < 10:
            raise SystemExit(f"submission {i}: too few objects ({n}) for its large files, reports and corrupt files")
        _small_corpus(dest, n_small, seed + i)
        _synthetic_reports(dest, n_reports, seed + i)
        _corrupt_files(dest, rng)
        large_sizes = [_large_file(dest, large_mb, k, rng) for k in range(n_large)]
        files, junk = walk(dest)
        out.append(
            {
                "dir": dest,
                "files": len(files),
                "bytes": sum(p.stat().st_size for p in files),
                "large_bytes": large_sizes,
                "junk_skipped": len(junk),
                "by_suffix": dict(Counter(p.suffix or "none" for p in files)),
            }
        )
    return out


# ------------------------------------------------------------------------------------------------------ monitoring


class Monitor(threading.Thread):
    """Samples the runtime process and this one every ``interval`` seconds (RSS, CPU), plus progress."""

    def __init__(self, server_pid: int, interval: float = 2.0) -> None:
        super().__init__(daemon=True, name="load-monitor")
        import psutil

        self.server = psutil.Process(server_pid)
        self.me = psutil.Process()
        self.interval = interval
        self.samples: list[dict[str, float]] = []
        self.accounted = 0  # updated by the main thread
        self._halt = threading.Event()
        self.t0 = time.monotonic()
        psutil.cpu_percent()

    def run(self) -> None:
        import psutil

        while not self._halt.wait(self.interval):
            try:
                st, mt = self.server.cpu_times(), self.me.cpu_times()
                self.samples.append(
                    {
                        "t": round(time.monotonic() - self.t0, 1),
                        "server_rss_mib": round(self.server.memory_info().rss / MIB, 1),
                        "server_cpu_s": round(st.user + st.system, 1),
                        "bench_rss_mib": round(self.me.memory_info().rss / MIB, 1),
                        "bench_cpu_s": round(mt.user + mt.system, 1),
                        "machine_cpu_pct": psutil.cpu_percent(),
                        "accounted": self.accounted,
                    }
                )
            except psutil.Error:
                return

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)


def _iso(s: str) -> datetime:
    at = datetime.fromisoformat(str(s).replace("Z", "+00:00"))
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _list_versions(s3: Any, bucket: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        out.extend(page.get("Versions", []))
    return out


def _query_all(ddb: Any, **kwargs: Any) -> list[dict[str, Any]]:
    from aiminer.adapters.aws.governance import from_item

    out: list[dict[str, Any]] = []
    while True:
        resp = ddb.query(**kwargs)
        out.extend(from_item(i) for i in resp.get("Items", []))
        if "LastEvaluatedKey" not in resp:
            return out
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


# ------------------------------------------------------------------------------------------------------ accounting


def account(
    clients: dict[str, Any], names: Any, uploads: list[dict[str, Any]], state_machine_arn: str
) -> dict[str, Any]:
    """Every uploaded file: exactly one outcome, one output, one ledger entry, one audit entry."""
    from aiminer import topology
    from aiminer.adapters.aws.catalogue import CatalogueRepository
    from aiminer.adapters.aws.review import report_key
    from aiminer.adapters.aws.submissions import SubmissionRepository, file_item
    from aiminer.local.resources import PARTNER_ID

    s3, ddb, sqs, sfn = clients["s3"], clients["dynamodb"], clients["sqs"], clients["stepfunctions"]
    repo = SubmissionRepository(ddb, names.tables["partner:submissions"])
    statuses: Counter[str] = Counter()
    missing: list[str] = []  # key hashes of uploaded files with no outcome
    unexpected = 0  # file items for keys that were not uploaded
    summary_mismatch: list[dict[str, Any]] = []
    outputs: dict[str, list[str]] = defaultdict(list)  # inbound key -> key hashes of the inputs that produced it
    quarantine_keys: dict[str, list[str]] = defaultdict(list)
    reasons: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    updated: list[tuple[Any, ...]] = []  # (outcome time, landing key, size[, landing time])
    file_refs: set[str] = set()
    for up in uploads:
        sid = up["submission_id"]
        prefix = topology.landing_submission_prefix(SITE, PROJECT, sid)
        expected = {file_item(f"{prefix}{topology.SUBMISSION_FILES_FOLDER}/{rel}"): rel for rel in up["paths"]}
        items = repo.items(sid)
        files = {str(i["item"]): i for i in items if str(i["item"]).startswith("file#")}
        summary = next((i for i in items if i["item"] == "summary"), {})
        missing += [h.removeprefix("file#") for h in expected if h not in files]
        unexpected += len(set(files) - set(expected))
        sub_counts: Counter[str] = Counter()
        for name, item in files.items():
            status = str(item.get("status"))
            statuses[status] += 1
            sub_counts[status] += 1
            kinds[str(item.get("kind"))] += 1
            if status != "deidentified":
                reasons[f"{status}:{item.get('reason')}"] += 1
            if status == "deidentified" and item.get("output_key"):
                outputs[str(item["output_key"])].append(name)
            if item.get("quarantine_key"):
                quarantine_keys[str(item["quarantine_key"])].append(name)
            updated.append((_iso(item["updated_at"]), str(item["landing_key"]), int(item.get("size", 0) or 0)))
            file_refs.add(str(item.get("object_ref")))
        checks = {
            "expected": (int(summary.get("expected", -1)), len(expected)),
            "accounted": (int(summary.get("accounted", -1)), len(files)),
            **{s: (int(summary.get(s, 0)), sub_counts.get(s, 0)) for s in ("deidentified", "quarantined", "rejected")},
        }
        bad = {k: v for k, v in checks.items() if v[0] != v[1]}
        if bad or not summary.get("inbound_manifest_key"):
            summary_mismatch.append(
                {"submission": sid, "summary_vs_items": bad, "published": bool(summary.get("inbound_manifest_key"))}
            )
        up["summary"] = {
            k: summary.get(k)
            for k in (
                "expected",
                "accounted",
                "deidentified",
                "quarantined",
                "rejected",
                "completed_at",
                "inbound_manifest_key",
            )
        }

    landing_at = {v["Key"]: v["LastModified"] for v in _list_versions(s3, names.landing)}
    updated = [(at, key, size, landing_at.get(key)) for at, key, size in updated]

    # inbound bucket: de-identified objects (one version each) + one manifest per submission
    inbound = _list_versions(s3, names.inbound)
    versions_by_key: Counter[str] = Counter(v["Key"] for v in inbound)
    manifests = {k for k in versions_by_key if "/submissions/" in k and k.endswith("/" + topology.MANIFEST_SUFFIX)}
    inbound_objects = {k: n for k, n in versions_by_key.items() if k not in manifests}
    catalogue = CatalogueRepository(ddb, names.tables["repository:catalogue"])
    cat_objects = {str(i["key"]) for i in catalogue.items(PROJECT, "object#")}
    cat_submissions = {str(i["item"]) for i in catalogue.items(PROJECT, "submission#")}
    quarantine = _list_versions(s3, names.quarantine)
    q_versions: Counter[str] = Counter(v["Key"] for v in quarantine)

    # usage ledger and audit trail
    usage = _query_all(
        ddb,
        TableName=names.tables["repository:usage"],
        KeyConditionExpression="party_id = :p",
        ExpressionAttributeValues={":p": {"S": PROJECT}},
    )
    usage_kinds = Counter(str(u["kind"]) for u in usage)
    usage_received_bytes = sum(int(u.get("bytes", 0)) for u in usage if u["kind"] == "received")
    audit_per_file: Counter[str] = Counter()
    audit_kinds: Counter[str] = Counter()
    for up in uploads:
        for ev in _query_all(
            ddb,
            TableName=names.tables["repository:audit"],
            KeyConditionExpression="subject = :s",
            ExpressionAttributeValues={":s": {"S": f"submission#{up['submission_id']}"}},
        ):
            audit_kinds[str(ev["kind"])] += 1
            if ev["kind"] in ("deidentification", "quarantine"):
                audit_per_file[str((ev.get("details") or {}).get("file"))] += 1
    # Audit entries name a file by its object_ref (a digest over the landing bucket, key and version), which the
    # submission's file item holds; a file with no item is counted under no_outcome already.
    all_files = file_refs

    # queues and QC
    def depth(queue: str) -> dict[str, int]:
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return {k: int(attrs[k]) for k in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")}

    executions = []
    for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=state_machine_arn):
        executions += page["executions"]
    qc_reports = 0
    for up in uploads:
        try:
            s3.head_object(Bucket=names.reports, Key=report_key(PARTNER_ID, PROJECT, up["submission_id"]))
            qc_reports += 1
        except Exception:
            pass

    n_files = sum(len(up["paths"]) for up in uploads)
    deid, quar, rej = statuses.get("deidentified", 0), statuses.get("quarantined", 0), statuses.get("rejected", 0)
    other_status = sum(n for s, n in statuses.items() if s not in ("deidentified", "quarantined", "rejected"))
    dup = {
        # two inputs wrote the same output key (one output would overwrite another)
        "output_key_shared_by_inputs": sum(len(v) - 1 for v in outputs.values() if len(v) > 1),
        # an output written more than once (a second version of the same key)
        "inbound_extra_versions": sum(n - 1 for n in inbound_objects.values()),
        # inbound objects no file item names (an extra output for some input)
        "inbound_orphans": len(set(inbound_objects) - set(outputs)),
        "quarantine_extra_versions": sum(n - 1 for n in q_versions.values()),
        "quarantine_orphans": len(set(q_versions) - set(quarantine_keys)),
        "audit_events_beyond_one_per_file": sum(n - 1 for n in audit_per_file.values() if n > 1),
        "usage_received_beyond_files": max(0, usage_kinds.get("received", 0) - n_files),
    }
    lost = {
        "no_outcome": len(missing),
        "outcome_not_final": other_status,
        "deidentified_without_inbound_object": len(set(outputs) - set(inbound_objects)),
        "deidentified_without_catalogue_item": len(set(outputs) - cat_objects),
        "quarantined_without_quarantine_object": len(set(quarantine_keys) - set(q_versions)),
        "files_without_audit_event": len(all_files - set(audit_per_file)),
        "usage_received_short_of_files": max(0, n_files - usage_kinds.get("received", 0)),
    }
    return {
        "files": n_files,
        "deidentified": deid,
        "quarantined": quar,
        "rejected": rej,
        "missing": len(missing) + other_status,
        "duplicates": sum(dup.values()),
        "unexpected_file_items": unexpected,
        "reasons": dict(sorted(reasons.items())),
        "kinds": dict(sorted(kinds.items())),
        "inbound_objects": len(inbound_objects),
        "inbound_submission_manifests": len(manifests),
        "catalogue_object_items": len(cat_objects),
        "catalogue_submission_items": len(cat_submissions),
        "quarantine_objects": len(q_versions),
        "usage_events": dict(sorted(usage_kinds.items())),
        "usage_received_bytes": usage_received_bytes,
        "audit_events": dict(sorted(audit_kinds.items())),
        "duplicate_checks": dup,
        "loss_checks": lost,
        "summary_mismatches": summary_mismatch,
        "missing_key_hashes": missing[:50],
        "queues": {"landing": depth(names.queue), "dlq": depth(names.dlq)},
        "qc": {"executions": dict(Counter(e["status"] for e in executions)), "reports_written": qc_reports},
        "_updated": updated,
    }


# ------------------------------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    """Run the load test once."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=10_000, help="uploadable files in all (default %(default)s)")
    parser.add_argument("--submissions", type=int, default=10)
    parser.add_argument("--large", type=int, default=3, help="multi-frame files of --large-mb each")
    parser.add_argument("--large-mb", type=int, default=300)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/aiminer-load"))
    parser.add_argument("--timeout", type=float, default=4 * 3600.0, help="seconds to wait for completion")
    parser.add_argument("--qc-wait", type=float, default=300.0, help="seconds to wait for QC reports afterwards")
    parser.add_argument(
        "--max-backlog",
        type=int,
        default=0,
        help="paced mode: before each submission's upload, wait until at most this many uploaded files are still "
        "unprocessed (0: upload everything at once, the default). moto 5.2.5's SendMessage computes the queue's "
        "attributes (three scans over every queued message) on each S3 event, so a deep landing queue makes each "
        "upload, and the whole runtime process, slower",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--keep-corpus", action="store_true", help="leave the generated files in --workdir")
    args = parser.parse_args(argv)

    from botocore.config import Config

    from aiminer.adapters.aws.submissions import SubmissionRepository
    from aiminer.adapters.aws.uploader import upload_submission
    from aiminer.local import control
    from aiminer.local.resources import LocalNames, session_for

    started = datetime.now(UTC)
    t0 = time.perf_counter()
    export = args.workdir / "export"
    corpus = build_load_corpus(export, args.objects, args.submissions, args.large, args.large_mb)
    gen_s = time.perf_counter() - t0
    n_files = sum(c["files"] for c in corpus)
    n_bytes = sum(c["bytes"] for c in corpus)
    print(f"corpus: {n_files} files, {n_bytes / MB:.1f} MB in {len(corpus)} submissions ({gen_s:.0f} s)", flush=True)

    state_dir = args.workdir / "local"
    control.down(state_dir)  # a runtime left over from an earlier run of this bench (same workdir)
    shutil.rmtree(state_dir, ignore_errors=True)
    state = control.up(state_dir, pollers=True)
    server_pid = int(state["pid"])
    names = LocalNames.from_json(json.dumps(state["names"]))
    session = session_for(state["endpoint"])
    cfg = Config(max_pool_connections=32, retries={"mode": "standard", "max_attempts": 10}, read_timeout=300)
    clients = {
        s: session.client(s, endpoint_url=state["endpoint"], config=cfg)
        for s in ("s3", "dynamodb", "sqs", "stepfunctions")
    }
    repo = SubmissionRepository(clients["dynamodb"], names.tables["partner:submissions"])
    monitor = Monitor(server_pid)
    monitor.start()
    print(f"runtime: pid {server_pid}, {state['endpoint']}, log {state_dir / 'server.log'}", flush=True)

    uploads: list[dict[str, Any]] = []
    done: dict[str, float] = {}
    try:
        t_start = time.perf_counter()

        def progress() -> int:
            """Files accounted for so far (summaries); notes completed submissions."""
            total = 0
            for up in uploads:
                sid = up["submission_id"]
                if sid in done:
                    total += len(up["paths"])
                    continue
                summary = repo.get(sid, "summary") or {}
                total += int(summary.get("accounted", 0))
                if summary.get("inbound_manifest_key"):
                    done[sid] = time.perf_counter() - t_start
            monitor.accounted = total
            return total

        paced_s = 0.0
        for c in corpus:
            if args.max_backlog and uploads:
                # paced mode: keep the landing queue short (moto's SendMessage scans the whole queue, see --help)
                t_wait = time.perf_counter()
                while sum(len(u["paths"]) for u in uploads) - progress() > args.max_backlog:
                    time.sleep(2)
                paced_s += time.perf_counter() - t_wait
            t = time.perf_counter()
            rep = upload_submission(clients["s3"], names.landing, c["dir"], site=SITE, project=PROJECT)
            uploads.append(
                {
                    "submission_id": rep.submission_id,
                    "paths": rep.uploaded + rep.skipped_existing,
                    "bytes": c["bytes"],
                    "upload_start_s": round(t - t_start, 2),
                    "upload_seconds": round(time.perf_counter() - t, 2),
                }
            )
            print(
                f"uploaded {rep.submission_id}: {len(rep.uploaded)} files, {c['bytes'] / MB:.1f} MB "
                f"in {time.perf_counter() - t:.1f} s (t={time.perf_counter() - t_start:.0f} s)",
                flush=True,
            )
        upload_s = time.perf_counter() - t_start
        deadline = t_start + args.timeout
        last_print = 0.0
        while len(done) < len(uploads) and time.perf_counter() < deadline:
            total = progress()
            if time.perf_counter() - last_print > 30:
                last_print = time.perf_counter()
                rss = monitor.samples[-1]["server_rss_mib"] if monitor.samples else float("nan")
                print(
                    f"t={time.perf_counter() - t_start:5.0f} s: {total}/{n_files} accounted, "
                    f"{len(done)}/{len(uploads)} submissions complete, runtime RSS {rss} MiB",
                    flush=True,
                )
            if len(done) < len(uploads):
                time.sleep(2)
        wall_s = time.perf_counter() - t_start
        if len(done) < len(uploads):
            print(f"timed out: {len(done)}/{len(uploads)} submissions complete", file=sys.stderr, flush=True)
        # QC runs in the runtime too (one execution per completed submission); give it a moment, then account
        from aiminer.adapters.aws.review import report_key
        from aiminer.local.resources import PARTNER_ID

        t_qc = time.perf_counter()
        pending = {up["submission_id"] for up in uploads}
        while pending and time.perf_counter() - t_qc < args.qc_wait:
            for sid in list(pending):
                try:
                    clients["s3"].head_object(Bucket=names.reports, Key=report_key(PARTNER_ID, PROJECT, sid))
                    pending.discard(sid)
                except Exception:
                    pass
            if pending:
                time.sleep(5)
        qc_wait_s = time.perf_counter() - t_qc
        t_acc = time.perf_counter()
        acc = account(clients, names, uploads, state["state_machine_arn"])
        account_s = time.perf_counter() - t_acc
        monitor.stop()
        server_hwm = _rss_kib_of(server_pid)
        bench_hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        server_cpu = monitor.server.cpu_times()
    finally:
        control.down(state_dir)
        monitor.stop()
    if not args.keep_corpus:
        shutil.rmtree(export, ignore_errors=True)

    # ---------------------------------------------------------------------------------------------- figures
    updated = sorted(acc.pop("_updated"))
    first_out, last_out = updated[0][0], updated[-1][0]
    process_span = (last_out - first_out).total_seconds()
    gaps = [(b[0] - a[0]).total_seconds() for a, b in itertools.pairwise(updated)]
    large_sizes = {s for c in corpus for s in c["large_bytes"]}
    large_gaps = [
        {"size_mb": round(updated[i][2] / MB, 1), "seconds_since_previous_outcome": round(gaps[i - 1], 1)}
        for i in range(1, len(updated))
        if updated[i][2] in large_sizes
    ]
    small_gaps = [g for i, g in enumerate(gaps, start=1) if updated[i][2] not in large_sizes]
    e2e = [(at - landed).total_seconds() for at, _, _, landed in updated if landed is not None]
    samples = monitor.samples
    peak_sample_rss = max((s["server_rss_mib"] for s in samples), default=0.0)
    step = max(1, len(samples) // 60)
    result: dict[str, Any] = {
        "when": started.isoformat(timespec="seconds"),
        "command": "bench/bench_load.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "python": sys.version.split()[0],
        "cpu_cores": os.cpu_count(),
        "submissions": len(uploads),
        "files": acc["files"],
        "deidentified": acc["deidentified"],
        "quarantined": acc["quarantined"],
        "rejected": acc["rejected"],
        "missing": acc["missing"],
        "duplicates": acc["duplicates"],
        "total_mb": round(n_bytes / MB, 1),
        "large_files_mb": sorted(round(s / MB, 1) for s in large_sizes),
        "corpus_by_suffix": dict(sum((Counter(c["by_suffix"]) for c in corpus), Counter())),
        "corpus_generation_seconds": round(gen_s, 1),
        "upload_seconds": round(upload_s, 1),
        "max_backlog": args.max_backlog or None,
        "paced_wait_seconds": round(paced_s, 1),
        "wall_seconds": round(wall_s, 1),
        "objects_per_second": round(acc["files"] / wall_s, 2),
        "mb_per_second": round(n_bytes / MB / wall_s, 2),
        "processing_span_seconds": round(process_span, 1),
        "processing_objects_per_second": round(acc["files"] / process_span, 2) if process_span else None,
        "per_object_service_seconds_small": {
            "p50": round(percentile(small_gaps, 50), 3),
            "p95": round(percentile(small_gaps, 95), 3),
            "mean": round(statistics.fmean(small_gaps), 3),
            "how": "gap between consecutive outcomes (file items' updated_at, ms); one worker, so while a backlog "
            "waits this is each object's handling time including its share of receive/delete",
        },
        "large_objects": large_gaps,
        "end_to_end_latency_seconds": {
            "p50": round(percentile(e2e, 50), 1),
            "p95": round(percentile(e2e, 95), 1),
            "max": round(max(e2e), 1),
            "how": "outcome recorded (file item's updated_at) minus the landing object's LastModified; queueing "
            "behind the backlog dominates",
        },
        "peak_rss_mib_runtime_process": round(server_hwm / 1024, 1) if server_hwm else peak_sample_rss,
        "peak_rss_mib_bench_process": round(bench_hwm / 1024, 1),
        "runtime_cpu_seconds": round(server_cpu.user + server_cpu.system, 1),
        "runtime_cpu_share_of_wall": round((server_cpu.user + server_cpu.system) / wall_s, 2),
        "submission_completed_at_seconds": {sid: round(t, 1) for sid, t in done.items()},
        "qc_wait_seconds": round(qc_wait_s, 1),
        "accounting_seconds": round(account_s, 1),
        "accounting": acc,
        "uploads": [{k: v for k, v in up.items() if k != "paths"} | {"files": len(up["paths"])} for up in uploads],
        "timeline": samples[::step] + samples[-1:],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"load-{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(result, indent=1, default=str))

    rows = [
        ("files", f"{result['files']:,}"),
        ("deidentified", f"{result['deidentified']:,}"),
        ("quarantined", f"{result['quarantined']:,}"),
        ("rejected", f"{result['rejected']:,}"),
        ("missing (must be 0)", str(result["missing"])),
        ("duplicates (must be 0)", str(result["duplicates"])),
        ("inbound objects / catalogue items", f"{acc['inbound_objects']:,} / {acc['catalogue_object_items']:,}"),
        ("quarantine bucket objects", f"{acc['quarantine_objects']:,}"),
        ("usage 'received' events", f"{acc['usage_events'].get('received', 0):,}"),
        ("total MB", f"{result['total_mb']:,} (large: {', '.join(map(str, result['large_files_mb'])) or 'none'})"),
        ("upload time (s)", f"{result['upload_seconds']}"),
        ("wall time (s)", f"{result['wall_seconds']}"),
        ("objects/s (wall)", f"{result['objects_per_second']}"),
        ("MB/s (wall)", f"{result['mb_per_second']}"),
        ("peak RSS runtime process (MiB)", f"{result['peak_rss_mib_runtime_process']}"),
        ("peak RSS bench process (MiB)", f"{result['peak_rss_mib_bench_process']}"),
        (
            "per-object time, small (p50/p95 s)",
            "{p50} / {p95}".format(**result["per_object_service_seconds_small"]),
        ),
        (
            "large objects (MB: s)",
            ", ".join(f"{g['size_mb']}: {g['seconds_since_previous_outcome']}" for g in large_gaps) or "none",
        ),
        (
            "end-to-end latency (p50/p95 s)",
            f"{result['end_to_end_latency_seconds']['p50']} / {result['end_to_end_latency_seconds']['p95']}",
        ),
        ("runtime CPU / wall", f"{result['runtime_cpu_share_of_wall']}"),
    ]
    width = max(len(k) for k, _ in rows)
    print()
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    print()
    print(json.dumps({k: v for k, v in result.items() if k not in ("timeline", "uploads")}, indent=1, default=str))
    print(f"written: {path}")
    return 0 if result["missing"] == 0 and result["duplicates"] == 0 and len(done) == len(uploads) else 1


if __name__ == "__main__":
    raise SystemExit(main())
