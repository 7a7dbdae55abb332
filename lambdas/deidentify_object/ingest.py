"""The ingest use case behind the de-identify function: one landing object in, exactly one outcome out.

Composition only: the decisions are the core's (:func:`aiminer.objects.process_object`), the I/O is the adapters'.
Per object: parse the landing key (``<site>/<project>/<submission>/files/<path>`` or the submission manifest),
check the site and the project, stream the object through the core engine into a spool (memory-bounded,
spilling to ephemeral storage), verify its SHA-256, then write the de-identified object to the repository
inbound bucket under its PHI-free key, or copy the original to quarantine under
``<project>/<site>/<sha256 of the key>``; record the outcome in the submission and, when it was the last file,
complete the submission (which starts QC).

Three rules keep what was published, reviewed and released as it is (red team 12): an object version whose
outcome is recorded is never processed again (a backfill, a replay); nothing joins a submission once it was
published (``submission_closed``); and an output key belongs to the first file that claimed it, so the same image
under a second name or in a second submission is recorded as a duplicate (``duplicate_instance``,
``already_in_submission``) and never overwrites it (:mod:`aiminer.adapters.aws.outputs`).

This function writes nothing to the repository's tables (a cross-account PutItem grant covers every item of a
table: another partner's catalogue items, audit entries that must never change). Each file's outcome, with its
PHI-free catalogue fields, arrival time and sizes, is kept in the partner's submissions table and goes into the
inbound manifest; the repository's ``validate_manifest`` step turns that into catalogue items, audit entries
(``upload``, ``deidentification``, ``quarantine``) and usage events (``received``, ``deidentified``,
``quarantined``; :mod:`aiminer.governance.intake`). An object outside any submission (a key that does not follow
the layout, a site not enrolled) is quarantined in the partner zone, counted in the metrics and logged by reason.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import IO, TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from aiminer import topology
from aiminer.adapters.aws.outputs import Owner
from aiminer.adapters.aws.s3 import HashingWriter, is_not_found
from aiminer.adapters.aws.submissions import MANIFEST, file_item, key_hash
from aiminer.crosswalk import Coder
from aiminer.governance.intake import CATALOGUE_FIELDS
from aiminer.objects import ObjectContext, ObjectOutcome, process_object
from aiminer.runner import OS_METADATA_NAMES
from lambdas.shared.contracts import ObjectResult, ObjectTask

if TYPE_CHECKING:
    from aiminer.adapters.aws.governance import GovernanceRepository
    from aiminer.adapters.aws.outputs import OutputClaims
    from aiminer.adapters.aws.s3 import S3ObjectStore, Written
    from aiminer.adapters.aws.submissions import Progress, SubmissionRepository
    from aiminer.crosswalk import Crosswalk
    from lambdas.shared.settings import DeidentifyObjectSettings

MIB = 1024 * 1024
#: Outputs spill from memory to ephemeral storage beyond this.
SPOOL_MEMORY_BYTES = 16 * MIB
#: Largest object handled: the function's ephemeral storage less a margin for the spool of the output.
MAX_OBJECT_BYTES = (topology.DEIDENTIFY_OBJECT.ephemeral_storage_mb - 512) * MIB
#: Object metadata the upload command sets: the SHA-256 of the file as the partner had it.
SHA256_METADATA = "aiminer-sha256"
#: Why an object sent to a submission that was already published (under QC, reviewed, released or rejected) is
#: quarantined instead of processed into it.
CLOSED_REASON = "submission_closed"
#: Why a file whose output key another submission already holds is rejected (``duplicate_of`` names that one).
DUPLICATE_REASON = "already_in_submission"


@dataclass(frozen=True)
class _Source:
    """Which version of a landing object was processed (recorded with its outcome, to recognise a replay)."""

    version_id: str | None
    etag: str | None

    def fields(self) -> dict[str, Any]:
        return {k: v for k, v in (("source_version_id", self.version_id), ("source_etag", self.etag)) if v}


def _same_source(recorded: dict[str, Any], task: ObjectTask, source: _Source) -> bool:
    """The recorded outcome is of this very object version. S3's own events and a backfill may name one version
    differently (an event without a version ID is keyed by its ETag), so the version ID S3 reports is compared;
    an outcome recorded before it was stored is matched by its ``object_ref``."""
    if recorded.get("source_version_id") and source.version_id:
        return bool(recorded["source_version_id"] == source.version_id)
    if recorded.get("object_ref") == object_ref(task):
        return True
    return bool(not source.version_id and source.etag and recorded.get("source_etag") == source.etag)


@dataclass(frozen=True)
class LandingKey:
    """A landing key, parsed. ``relative`` (the partner's file path) may hold PHI: never logged or copied."""

    site: str
    project: str
    submission_id: str
    relative: str
    is_manifest: bool

    @property
    def prefix(self) -> str:
        """The submission's landing prefix."""
        return topology.landing_submission_prefix(self.site, self.project, self.submission_id)


def parse_landing_key(key: str) -> LandingKey | None:
    """``None`` when the key does not follow the submission layout."""
    parts = key.split("/")
    if len(parts) < 4:
        return None
    site, project, submission = parts[0], parts[1], parts[2]
    try:
        topology.check_id("site", site)
        topology.check_submission_id(submission)
    except ValueError:
        return None
    if not project or len(project) > 64:
        return None
    if len(parts) == 4 and parts[3] == topology.SUBMISSION_MANIFEST_NAME:
        return LandingKey(site, project, submission, "", True)
    if parts[3] != topology.SUBMISSION_FILES_FOLDER or len(parts) < 5 or not parts[-1]:
        return None
    return LandingKey(site, project, submission, "/".join(parts[4:]), False)


@dataclass
class Adapters:
    """Everything the use case talks to (built once per Lambda container)."""

    settings: DeidentifyObjectSettings
    store: S3ObjectStore
    crosswalk: Crosswalk
    governance: GovernanceRepository
    submissions: SubmissionRepository
    outputs: OutputClaims


#: Seconds an engine context (the project's policy options and table schema, the enrolled site code) is reused
#: before the project record is read again, so a curator's change reaches running containers within this time.
CONTEXT_TTL_SECONDS = 300.0


class Ingest:
    """The use case; keeps one engine context per (project, site), refreshed every :data:`CONTEXT_TTL_SECONDS`."""

    def __init__(self, adapters: Adapters) -> None:
        self.a = adapters
        self._contexts: dict[tuple[str, str], tuple[float, ObjectContext]] = {}

    def clear_cache(self) -> None:
        """Forget the engine contexts (a new container would; the local runtime's reset does)."""
        self._contexts.clear()

    # ------------------------------------------------------------------------------------------------ entry

    def process(self, task: ObjectTask) -> ObjectResult:
        """Handle one landing object; raise only for transient failures (the message is then redelivered)."""
        parsed = parse_landing_key(task.key)
        khash = key_hash(task.key)
        if parsed is None:
            return self._quarantine(task, khash, None, "bad_key_layout", kind="other")
        if parsed.site not in self.a.settings.sites:
            return self._quarantine(task, khash, parsed, "site_not_enrolled", kind="other")
        if parsed.is_manifest:
            return self._manifest(task, khash, parsed)
        try:
            head = self.a.store.client.head_object(Bucket=task.bucket, Key=task.key, **_version(task))
        except ClientError as exc:
            if is_not_found(exc):
                return _missing(khash)
            raise
        source = _Source(task.version_id or head.get("VersionId"), str(head.get("ETag") or "").strip('"') or None)
        settled = self._settled(task, khash, parsed, source)
        if settled is not None:
            return settled
        reason = self.a.governance.check(self.a.settings.PARTNER_ID, parsed.site, parsed.project)
        if reason is not None:
            return self._quarantine(task, khash, parsed, reason, kind="other", source=source)
        return self._object(task, khash, parsed, head, source)

    def _settled(self, task: ObjectTask, khash: str, parsed: LandingKey, source: _Source) -> ObjectResult | None:
        """The result for an object this function must not process again, else ``None``.

        * The same landing object version was recorded before (a backfill, a replayed or redelivered event whose
          idempotency record is gone or was keyed differently): the recorded outcome stands; nothing is written.
        * The submission was published (its manifest went to the repository and QC started, so it may be under
          review, released or rejected): a changed file, or a new one, cannot join it. It is quarantined as
          ``submission_closed`` and the submission's record is left as it was.
        """
        recorded = self.a.submissions.get(parsed.submission_id, file_item(task.key))
        if recorded is not None and _same_source(recorded, task, source):
            # An attempt that recorded the outcome may have died before completing the submission or tagging the
            # object: finish those (both are idempotent), write nothing else.
            completed = self._maybe_complete(parsed, None)
            self._tag(task)
            return ObjectResult(
                key_hash=khash,
                kind=str(recorded.get("kind") or "other"),
                status="ignored",
                reason="already_processed",
                submission_id=parsed.submission_id,
                submission_completed=completed,
            )
        progress = self.a.submissions.progress(parsed.submission_id)
        if progress is not None and progress.published:
            return self._closed(task, khash, parsed)
        return None

    def _closed(self, task: ObjectTask, khash: str, parsed: LandingKey) -> ObjectResult:
        """Quarantine an object sent to a submission that is no longer open (see :meth:`_settled`)."""
        qkey = f"{parsed.project}/{parsed.site}/{CLOSED_REASON}/{khash}"
        if not self._copy_to_quarantine(task, qkey):
            return _missing(khash)
        self._tag(task)
        return ObjectResult(
            key_hash=khash,
            kind="other",
            status="quarantined",
            reason=CLOSED_REASON,
            output_key=qkey,
            submission_id=parsed.submission_id,
        )

    # ------------------------------------------------------------------------------------------------ objects

    def context(self, project: str, site: str) -> ObjectContext:
        """The engine context of a project at a site (policy options from the project record)."""
        key = (project, site)
        cached = self._contexts.get(key)
        if cached is None or time.monotonic() - cached[0] > CONTEXT_TTL_SECONDS:
            from aiminer.dicom import burnedin
            from aiminer.dicom.engine import EngineConfig, configure_pydicom
            from aiminer.dicom.policy import DeidOptions, compile_policy
            from aiminer.text.table import TableSchema

            configure_pydicom()
            record = self.a.governance.project(project)
            options = dict(record.policy_options) if record else {}
            coder = Coder(self.a.crosswalk, project)
            enrolled = self.a.governance.site(self.a.settings.PARTNER_ID, site)
            # The coded site ID assigned at enrollment (what curators search by); a crosswalk code only for a
            # legacy site record without one.
            site_code = enrolled.site_code if enrolled and enrolled.site_code else coder.site(site)
            engine = EngineConfig(
                policy=compile_policy(DeidOptions(**options)),
                coder=coder,
                site_code=site_code,
                mask_rules=burnedin.load_mask_rules(()),
                cleaner_factory=_cleaner_factory(),  # type: ignore[arg-type]
                site_name=site,  # the partner's own label for the site: removed from texts like InstitutionName
            )
            schema = TableSchema.from_mapping(record.table_schema) if record and record.table_schema else None
            self._contexts[key] = (time.monotonic(), ObjectContext(engine=engine, table_schema=schema))
        return self._contexts[key][1]

    def _object(
        self, task: ObjectTask, khash: str, parsed: LandingKey, head: dict[str, Any], source: _Source
    ) -> ObjectResult:
        name = PurePosixPath(parsed.relative).name
        ids = source.fields()
        if name in OS_METADATA_NAMES or name.startswith("._"):
            return self._finish(task, khash, parsed, ObjectOutcome("other", "rejected", "os_metadata"), None, ids)
        size = int(head["ContentLength"])
        if size > MAX_OBJECT_BYTES:
            return self._quarantine(task, khash, parsed, "too_large", kind="other", size=size, source=source)
        ctx = self.context(parsed.project, parsed.site)
        src = self.a.store.open(task.bucket, task.key, version_id=task.version_id, size=size, etag=head.get("ETag"))
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES) as spool:
            out = HashingWriter(spool)
            outcome = process_object(src, out, parsed.relative, ctx)  # type: ignore[arg-type]
            expected_sha = (head.get("Metadata") or {}).get(SHA256_METADATA)
            sha = src.sha256() if expected_sha else None
            if expected_sha and sha != expected_sha.lower():
                outcome = ObjectOutcome(outcome.kind, "quarantined", "checksum_mismatch")
            if outcome.status == "quarantined":
                reason = outcome.reason or "quarantined"
                return self._quarantine(task, khash, parsed, reason, outcome.kind, size, source=source)
            if outcome.status != "deidentified" or outcome.output is None:
                return self._finish(task, khash, parsed, outcome, None, {"size": size, **ids})
            inbound_key = f"{topology.inbound_prefix(self.a.settings.PARTNER_ID)}{outcome.output}"
            spool.seek(0)
            written, holder = self._write_owned(inbound_key, spool, Owner(parsed.submission_id, khash))
        if written is None:
            # The key holds another file's output (the same image or report under two names, or sent again in a
            # new submission): never overwritten; this file is recorded as a duplicate of it.
            same = holder.submission_id == parsed.submission_id
            duplicate = ObjectOutcome(outcome.kind, "rejected", "duplicate_instance" if same else DUPLICATE_REASON)
            extra: dict[str, Any] = {"size": size, **ids, "duplicate_key": inbound_key}
            if not same:
                extra["duplicate_of"] = holder.submission_id
            return self._finish(task, khash, parsed, duplicate, None, extra)
        catalogue = {name: getattr(outcome, name) for name in CATALOGUE_FIELDS}
        return self._finish(
            task,
            khash,
            parsed,
            outcome,
            inbound_key,
            {
                "size": size,
                "output_size": written.size,
                "output_sha256": out.sha256,
                "source_sha256": sha,
                "catalogue": catalogue,
                **ids,
            },
        )

    def _write_owned(self, inbound_key: str, spool: IO[bytes], me: Owner) -> tuple[Written | None, Owner]:
        """Write the output unless another landing object owns its key; ``(None, owner)`` when one does.

        The key is claimed in the partner zone first (:class:`aiminer.adapters.aws.outputs.OutputClaims`). Its own
        key (a retry, or a changed file re-sent before its submission was published) is overwritten. A key of
        another submission is written only if its object is gone (that submission was rejected, which moves its
        objects out of the inbound bucket): a conditional write that never replaces an object, after which the
        claim is handed over.
        """
        bucket = self.a.settings.REPOSITORY_INBOUND_BUCKET
        holder = self.a.outputs.claim(inbound_key, me)
        if holder == me:
            return self.a.store.put_stream(bucket, inbound_key, spool), me
        if holder.submission_id == me.submission_id:
            return None, holder  # the same instance twice in one submission
        written = self.a.store.put_stream(bucket, inbound_key, spool, if_absent=True)
        if written is None:
            return None, holder
        self.a.outputs.take_over(inbound_key, me, holder)
        return written, me

    def _copy_to_quarantine(self, task: ObjectTask, qkey: str) -> bool:
        """Copy the landing object to ``qkey`` in the quarantine bucket; ``False`` when it is gone meanwhile."""
        try:
            self.a.store.copy(task.bucket, task.key, task.version_id, self.a.settings.QUARANTINE_BUCKET, qkey)
        except ClientError as exc:
            if is_not_found(exc):
                return False
            raise
        return True

    def _quarantine(
        self,
        task: ObjectTask,
        khash: str,
        parsed: LandingKey | None,
        reason: str,
        kind: str,
        size: int = 0,
        source: _Source | None = None,
    ) -> ObjectResult:
        where = f"{parsed.project}/{parsed.site}" if parsed else "_unsorted"
        qkey = f"{where}/{khash}"
        if not self._copy_to_quarantine(task, qkey):
            return _missing(khash)
        outcome = ObjectOutcome(kind, "quarantined", reason)  # type: ignore[arg-type]
        if parsed is None:  # no submission to report it in: the quarantine bucket, the logs and the metrics
            self._tag(task)
            return ObjectResult(key_hash=khash, kind=kind, status="quarantined", reason=reason, output_key=qkey)
        ids = source.fields() if source else {}
        return self._finish(task, khash, parsed, outcome, None, {"size": size, "quarantine_key": qkey, **ids})

    def _finish(
        self,
        task: ObjectTask,
        khash: str,
        parsed: LandingKey,
        outcome: ObjectOutcome,
        inbound_key: str | None,
        extra: dict[str, Any],
    ) -> ObjectResult:
        fields = {
            "relative_path": parsed.relative,
            "status": outcome.status,
            "reason": outcome.reason,
            "kind": outcome.kind,
            "output_key": inbound_key,
            "object_ref": object_ref(task),
            "event_time": _event_time(task).isoformat(),
            **extra,
        }
        progress = self.a.submissions.record_file(parsed.submission_id, task.key, fields)
        completed = self._maybe_complete(parsed, progress)
        self._tag(task)
        return ObjectResult(
            key_hash=khash,
            kind=outcome.kind,
            status=outcome.status,
            reason=outcome.reason,
            output_key=inbound_key or extra.get("quarantine_key"),
            submission_id=parsed.submission_id,
            size=int(extra.get("size", 0) or 0),
            submission_completed=completed,
        )

    def _tag(self, task: ObjectTask) -> None:
        self.a.store.tag_processed(
            task.bucket, task.key, task.version_id, (topology.PROCESSED_TAG_KEY, topology.PROCESSED_TAG_VALUE)
        )

    # ------------------------------------------------------------------------------------------------ submissions

    def _manifest(self, task: ObjectTask, khash: str, parsed: LandingKey) -> ObjectResult:
        try:
            raw = self.a.store.get_bytes(task.bucket, task.key, task.version_id)
        except ClientError as exc:
            if is_not_found(exc):
                return _missing(khash)
            raise
        try:
            manifest = json.loads(raw)
            files = manifest["files"]
            if not isinstance(files, list):
                raise TypeError("files must be a list")
            paths = [f.get("path") if isinstance(f, dict) else None for f in files]
            if not all(isinstance(p, str) and p for p in paths) or len(set(paths)) != len(paths):
                raise TypeError("every file needs its own path")  # completion reads them; duplicates never complete
        except (ValueError, KeyError, TypeError):
            return self._quarantine(task, khash, None, "invalid_manifest", kind="manifest")
        published = self.a.submissions.progress(parsed.submission_id)
        if published is not None and published.published:
            # Sent again after the submission went to QC (a re-run upload re-sends it): what was published stands.
            self._tag(task)
            return ObjectResult(
                key_hash=khash,
                kind="manifest",
                status="ignored",
                reason=CLOSED_REASON,
                submission_id=parsed.submission_id,
            )
        meta = {
            "partner_id": self.a.settings.PARTNER_ID,
            "site": parsed.site,
            "project": parsed.project,
            "uploaded_at": _event_time(task).isoformat(),
        }
        progress = self.a.submissions.record_manifest(parsed.submission_id, task.key, len(files), meta)
        completed = self._maybe_complete(parsed, progress)
        return ObjectResult(
            key_hash=khash,
            kind="manifest",
            status="manifest",
            submission_id=parsed.submission_id,
            submission_completed=completed,
        )

    def _maybe_complete(self, parsed: LandingKey, progress: Progress | None) -> bool:
        if progress is None:  # a replay of a file counted before: look at the summary as it is now
            progress = self.a.submissions.progress(parsed.submission_id)
        if progress is None or not progress.complete or progress.published:
            return False
        if progress.completed:
            # Claimed by an earlier attempt that failed before publishing (its message is being redelivered):
            # finish it. Publishing writes a deterministic key, so doing it again is harmless.
            self.complete_submission(parsed)
            return True
        if not self.a.submissions.claim_completion(parsed.submission_id):
            return False
        self.complete_submission(parsed)
        return True

    def complete_submission(self, parsed: LandingKey) -> str:
        """Write the PHI-free submission manifest to the inbound bucket; its creation starts QC, whose first step
        (``validate_manifest``) checks it and records it in the catalogue, the audit trail and the usage ledger."""
        s = self.a.settings
        landing_manifest = f"{parsed.prefix}{topology.SUBMISSION_MANIFEST_NAME}"
        files = json.loads(self.a.store.get_bytes(s.LANDING_BUCKET, landing_manifest))["files"]
        objects: list[dict[str, Any]] = []
        counts: dict[str, int] = {}
        for entry in files:
            landing_key = f"{parsed.prefix}{topology.SUBMISSION_FILES_FOLDER}/{entry['path']}"
            item = self.a.submissions.get(parsed.submission_id, file_item(landing_key)) or {"status": "missing"}
            status = str(item.get("status"))
            counts[status] = counts.get(status, 0) + 1
            facts = {"file": item.get("object_ref", ""), "at": item.get("event_time")}
            if status == "deidentified":
                objects.append(
                    {
                        "key": item["output_key"],
                        "sha256": item.get("output_sha256"),
                        "size": int(item.get("output_size", 0)),
                        "kind": item.get("kind"),
                        **facts,
                        "received_bytes": int(item.get("size", 0) or 0),
                        "catalogue": item.get("catalogue") or {},
                    }
                )
            else:  # quarantined/rejected: reason only, no names (the partner sees names with `aiminer status`)
                objects.append(
                    {
                        **facts,
                        "status": status,
                        "reason": item.get("reason"),
                        "kind": item.get("kind"),
                        "bytes": int(item.get("size", 0) or 0),
                    }
                )
        site_code = self.context(parsed.project, parsed.site).site_code
        base = (
            f"{topology.inbound_prefix(s.PARTNER_ID)}{parsed.project}/{site_code}/submissions/{parsed.submission_id}/"
        )
        manifest_key = f"{base}{topology.MANIFEST_SUFFIX}"
        body = {
            "submission_id": parsed.submission_id,
            "partner_id": s.PARTNER_ID,
            "project": parsed.project,
            "site": site_code,
            "uploaded_at": (self.a.submissions.get(parsed.submission_id, MANIFEST) or {}).get("uploaded_at"),
            "counts": counts,
            "objects": objects,
            "qc_policy": _qc_policy(self.context(parsed.project, parsed.site)),
        }
        # Written once: a replay after a crash between this write and the summary update must not write a second
        # version, whose event would start a second QC execution (and a second review of the same submission).
        self.a.store.put_bytes(
            s.REPOSITORY_INBOUND_BUCKET, manifest_key, json.dumps(body, indent=1).encode(), if_absent=True
        )
        self.a.submissions.set_summary(parsed.submission_id, {"inbound_manifest_key": manifest_key})
        return manifest_key


def _cleaner_factory() -> object | None:
    """The report scrubber as the DICOM free-text cleaner, when it is installed (as ``aiminer deid`` does)."""
    try:
        from aiminer.text.dicom_cleaner import cleaner_factory
    except ImportError:
        return None
    return cleaner_factory


def _qc_policy(ctx: ObjectContext) -> dict[str, bool]:
    """What the project's de-identification promised, for QC (``aiminer.qc.QcPolicy``): shifted full dates are
    expected with Retain Longitudinal, safe private attributes with Retain Safe Private, fake names with
    surrogates."""
    options = ctx.engine.policy.options
    return {
        "longitudinal": bool(options.retain_longitudinal_modified_dates),
        "retain_safe_private": bool(options.retain_safe_private),
        "surrogates": ctx.report_style == "surrogates",
    }


def object_ref(task: ObjectTask) -> str:
    """The PHI-free handle of one landing object version in repository-side records (audit trail, inbound manifest).

    Not the key's hash: a landing key may hold a name (``SMITH_JOHN/CT.dcm``), and an unsalted hash of a guessable
    string can be guessed back. The version ID S3 assigns is random and never leaves the partner zone, so a digest
    over bucket, key and version can be matched by the partner (who has all three) and by no one else.
    """
    return hashlib.sha256(f"{task.bucket}\n{task.key}\n{task.version}".encode()).hexdigest()


def _missing(khash: str) -> ObjectResult:
    """The event names an object (version) that does not exist (deleted before it was processed, or a forged
    event): nothing to de-identify or quarantine, and retrying cannot change that."""
    return ObjectResult(key_hash=khash, kind="other", status="ignored", reason="object_missing")


def _version(task: ObjectTask) -> dict[str, str]:
    return {"VersionId": task.version_id} if task.version_id else {}


def _event_time(task: ObjectTask) -> datetime:
    """When the object arrived (the S3 event's time; now for an event without one)."""
    if task.event_time:
        try:
            at = datetime.fromisoformat(task.event_time.replace("Z", "+00:00"))
            return at if at.tzinfo else at.replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime.now(UTC)
