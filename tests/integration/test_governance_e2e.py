"""End to end on a loopback moto server: curator commands build a project, a dataset and a DUA; `aiminer deliver`
and the delivery Lambda issue presigned links; `aiminer fetch` downloads them over HTTP and verifies every
SHA-256; a revoked or out-of-date DUA gets no links; every signed expiry is at most the configured maximum.
(moto enforces neither expiry nor signature, so expiry is checked on what was signed.)"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from aiminer import topology
from aiminer.adapters.aws.governance import to_item
from aiminer.cli.main import app
from aiminer.governance.delivery import signed_expiry
from aiminer.governance.dua import Dua, new_dua, transition
from aiminer.governance.usage import GIB, usage_event

from .governance_support import create_tables, seed_released

# One moto server per module. Each test builds what it uses or takes it from a module fixture (`curated`: the
# project, the enrolled site and the frozen dataset), so the tests pass in any order and on any xdist worker.
pytestmark = pytest.mark.integration

ACCOUNT, REGION = "123456789012", "us-east-1"
RELEASED = topology.bucket_name("aiminer", topology.REPOSITORY_QUALIFIER, "released", ACCOUNT, REGION)
MAX_EXPIRY = 600
CREDS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    from aiminer.local.runtime import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="module")
def world(endpoint: str) -> dict[str, Any]:
    """Tables, bucket and released objects (one large enough to be fetched in ranges)."""
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    ddb = session.client("dynamodb", endpoint_url=endpoint)
    s3 = session.client("s3", endpoint_url=endpoint)
    tables = create_tables(ddb)
    s3.create_bucket(Bucket=RELEASED)
    keys = [seed_released(ddb, s3, tables["catalogue"], RELEASED, n) for n in range(4)]
    big = b"\x00\x01coded-pixels" * 120_000  # ~1.6 MB: fetched in 1 MB ranges below
    import hashlib

    big_key = "uni-a/lung-ai/S-ABC123/P-9999/ST-9999/big.dcm"
    s3.put_object(Bucket=RELEASED, Key=big_key, Body=big)
    ddb.put_item(
        TableName=tables["catalogue"],
        Item=to_item(
            {
                "dataset_id": "lung-ai",
                "item": f"object#{big_key}",
                "key": big_key,
                "status": "released",
                "size": len(big),
                "sha256": hashlib.sha256(big).hexdigest(),
                "site": "S-ABC123",
                "modality": "CT",
                "body_part": "CHEST",
                "year": 2021,
                "kind": "dicom",
            }
        ),
    )
    seed_released(ddb, s3, tables["catalogue"], RELEASED, 50, modality="MR")  # outside the cohort
    seed_released(ddb, s3, tables["catalogue"], RELEASED, 51, status="deidentified")  # not released
    return {"ddb": ddb, "s3": s3, "tables": tables, "keys": [*keys, big_key]}


def _env(endpoint: str) -> dict[str, str]:
    return {**CREDS, "AIMINER_ENDPOINT_URL": endpoint, "AIMINER_ACTOR": "curator-1"}


def _runner() -> Any:
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    return run


@pytest.fixture
def cli(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    for k, v in _env(endpoint).items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return _runner()


@pytest.fixture(scope="module")
def curated(endpoint: str, world: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The project `lung-ai`, site-1 of uni-a enrolled in it, and a CT dataset frozen from the catalogue, made with
    the curator commands; the commands' output is kept for the test that checks it."""
    query = tmp_path_factory.mktemp("curated") / "q.json"
    with pytest.MonkeyPatch.context() as mp:
        for k, v in _env(endpoint).items():
            mp.setenv(k, v)
        mp.delenv("AWS_PROFILE", raising=False)
        cli = _runner()
        cli(
            "project",
            "create",
            "lung-ai",
            "--objective",
            "nodule detection",
            "--irb-number",
            "IRB-2026-0042",
            "--approved-on",
            "2026-01-01",
            "--expires-on",
            "2030-12-31",
        )
        enrolled = cli("site", "enroll", "--partner", "uni-a", "--site", "site-1", "--project", "lung-ai")
        listing = cli("catalogue", "search", "--modality", "CT", "--year-from", "2019", "--save", str(query))
        frozen = cli("dataset", "freeze", "--name", "chest ct", "--query", str(query))
    return {"enrolled": enrolled, "listing": listing, "frozen": frozen, "dataset": frozen.split(":")[0].strip()}


def links_ok(manifest: dict[str, Any], maximum: int) -> None:
    issued = datetime.fromisoformat(manifest["issued_at"])
    for obj in manifest["objects"]:
        s = signed_expiry(obj["url"])
        assert s.expires_in <= maximum
        assert s.expires_at <= issued + timedelta(seconds=maximum + 1)


def test_curated_delivery_is_fetched_and_verified_over_http(
    cli: Any, world: dict[str, Any], curated: dict[str, str], tmp_path: Path
) -> None:
    # GIVEN a project, an enrolled site, a frozen CT dataset and an active DUA, made with the curator commands
    assert " as S-" in curated["enrolled"]
    assert "5 items" in curated["listing"]
    ds_ref = curated["dataset"]
    assert ds_ref.startswith("DS-") and ds_ref.endswith("@1") and "5 objects" in curated["frozen"]
    dua_id = cli(
        "dua",
        "create",
        "--partner",
        "pharma-x",
        "--dataset",
        ds_ref,
        "--purpose",
        "model training",
        "--start",
        "2026-01-01",
        "--end",
        "2030-12-31",
    ).strip()
    cli("dua", "activate", dua_id, "--note", "signed 2026-01-02")

    # WHEN links are issued asking for 2 hours with a 10-minute configured maximum, and fetched over HTTP
    manifest_path = tmp_path / "out" / "manifest.json"
    cli("deliver", "--dua", dua_id, "--out", str(manifest_path), "--expiry", "7200", "--max-expiry", str(MAX_EXPIRY))
    manifest = json.loads(manifest_path.read_text())
    assert manifest_path.with_suffix(".csv").read_text().count("\n") == 6  # header + 5 rows
    dest = tmp_path / "download"
    fetched = cli("fetch", str(manifest_path), "--to", str(dest), "--chunk-mb", "1", "--large-mb", "1")

    # THEN every object arrived byte-identical and verified, and each link was signed for at most 600 s
    assert "5/5 objects present and verified" in fetched
    assert sorted(o["path"] for o in manifest["objects"]) == sorted(world["keys"])
    for key in world["keys"]:
        body = world["s3"].get_object(Bucket=RELEASED, Key=key)["Body"].read()
        assert (dest / key).read_bytes() == body
    links_ok(manifest, MAX_EXPIRY)
    assert manifest["expiry_seconds"] == MAX_EXPIRY

    # AND a second fetch re-verifies without downloading; a damaged file is fetched again
    (dest / world["keys"][0]).write_bytes(b"tampered")
    again = cli("fetch", str(manifest_path), "--to", str(dest))
    assert "5/5" in again and (dest / world["keys"][0]).read_bytes() != b"tampered"

    # AND the issuance is audited (who, which DUA, which objects, expiry) and metered
    trail = cli("audit", "--dua", dua_id, "--json")
    events = [json.loads(line) for line in trail.splitlines() if line.startswith("{")]
    kinds = [e["kind"] for e in events]
    assert kinds == ["dua_created", "dua_changed", "delivery_issued"]
    issued = events[-1]["details"]
    assert events[-1]["actor"] == "curator-1" and issued["expiry_seconds"] == MAX_EXPIRY
    assert sorted(issued["objects"]) == sorted(world["keys"])

    # WHEN the DUA is revoked THEN no links, a clear reason, exit code 3, and the refusal is audited
    cli("dua", "revoke", dua_id, "--note", "breach")
    refused = cli("deliver", "--dua", dua_id, "--out", str(tmp_path / "r.json"), code=3)
    assert "dua_revoked" in refused and not (tmp_path / "r.json").exists()
    refusals = cli("audit", "--dua", dua_id, "--kind", "delivery_refused", "--json").strip().splitlines()
    assert [json.loads(r)["details"]["reason"] for r in refusals] == ["dua_revoked"]
    assert "1 events" in cli("audit", "--dua", dua_id, "--kind", "delivery_refused")
    cli("dua", "activate", dua_id, code=1)  # revoked is final


def _put_dua(world: dict[str, Any], dua: Dua) -> None:
    world["ddb"].put_item(TableName=world["tables"]["duas"], Item=to_item(dua.to_record()))


def _dataset(curated: dict[str, str]) -> tuple[str, int]:
    ds, ver = curated["dataset"].split("@")
    return ds, int(ver)


def test_out_of_date_duas_get_no_links(
    cli: Any, world: dict[str, Any], curated: dict[str, str], tmp_path: Path
) -> None:
    # GIVEN an active DUA whose end date has passed and one that has not started
    ds, ver = _dataset(curated)
    now = datetime.now(UTC)
    ended = transition(
        new_dua("DUA-ENDED", "pharma-y", ds, ver, "eval", "2026-01-01", now.date().isoformat(), "c", now),
        "active",
        "c",
        now,
    )
    ended = Dua(**{**ended.__dict__, "end_date": (now.date() - timedelta(days=1)).isoformat()})
    future = (now.date() + timedelta(days=10)).isoformat()
    early = transition(
        new_dua("DUA-EARLY", "pharma-y", ds, ver, "eval", future, "2031-01-01", "c", now), "active", "c", now
    )
    _put_dua(world, ended)
    _put_dua(world, early)
    # WHEN links are requested THEN both are refused with their reason and nothing is written
    for dua_id, reason in (("DUA-ENDED", "dua_ended"), ("DUA-EARLY", "dua_not_started")):
        text = cli("deliver", "--dua", dua_id, "--out", str(tmp_path / f"{dua_id}.json"), code=3)
        assert reason in text and not (tmp_path / f"{dua_id}.json").exists()


class Context:
    function_name = "aiminer-issue-delivery-links"
    memory_limit_in_mb = 512
    invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:aiminer-issue-delivery-links"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def api_event(partner: str, body: dict[str, Any]) -> dict[str, Any]:
    arn = f"arn:aws:sts::111122223333:assumed-role/aiminer-industry-{partner}/session-1"
    return {
        "resource": "/deliveries",
        "path": "/deliveries",
        "httpMethod": "POST",
        "headers": {},
        "body": json.dumps(body),
        "isBase64Encoded": False,
        "requestContext": {"identity": {"userArn": arn, "caller": "AROA:session-1"}, "stage": "v1"},
    }


def test_delivery_lambda_issues_capped_links_and_refuses(
    endpoint: str, world: dict[str, Any], curated: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # GIVEN the delivery function's environment (exactly the topology keys) aimed at the loopback server
    import importlib
    import sys

    ds, ver = _dataset(curated)
    now = datetime.now(UTC)
    _put_dua(
        world,
        transition(
            new_dua("DUA-API", "pharma-z", ds, ver, "eval", "2026-01-01", "2031-01-01", "c", now), "active", "c", now
        ),
    )
    t = world["tables"]
    env = {
        **CREDS,
        "AWS_ENDPOINT_URL": endpoint,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "AIMiner",
        "POWERTOOLS_SERVICE_NAME": "delivery",
        "RELEASED_BUCKET": RELEASED,
        "CATALOGUE_TABLE": t["catalogue"],
        "DUAS_TABLE": t["duas"],
        "PROJECTS_TABLE": t["projects"],
        "USAGE_TABLE": t["usage"],
        "IDEMPOTENCY_TABLE": "unused",
        "AUDIT_TABLE": t["audit"],
        "LINK_EXPIRY_SECONDS": "300",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    sys.modules.pop("lambdas.issue_delivery_links.handler", None)
    mod = importlib.import_module("lambdas.issue_delivery_links.handler")
    # WHEN the partner asks for the dataset, then for an object outside it, then another partner asks
    ok = mod.handler(api_event("pharma-z", {"dataset_id": f"{ds}@{ver}"}), Context())
    outside = mod.handler(api_event("pharma-z", {"dataset_id": ds, "object_keys": ["uni-a/other.dcm"]}), Context())
    stranger = mod.handler(api_event("pharma-q", {"dataset_id": ds}), Context())
    # THEN links capped at 300 s for the first, and reasons for the refusals
    assert ok["statusCode"] == 200 and ok["headers"]["Cache-Control"] == "no-store"
    manifest = json.loads(ok["body"])
    assert manifest["count"] == 5 and manifest["dua_id"] == "DUA-API"
    links_ok(manifest, 300)
    assert (outside["statusCode"], json.loads(outside["body"])["reason"]) == (403, "object_not_in_dataset")
    assert (stranger["statusCode"], json.loads(stranger["body"])["reason"]) == (403, "no_dua")
    # AND the links really download from the loopback server
    (tmp_path / "m.json").write_text(ok["body"])
    from aiminer.fetch import Fetcher, load_manifest

    assert Fetcher(tmp_path / "d").run(load_manifest(tmp_path / "m.json")).ok
    # AND while the project's IRB approval is suspended, the same DUA gets no links (red team 12: the Lambda did)
    from aiminer.adapters.aws.governance_tables import ProjectsTable

    projects = ProjectsTable(world["ddb"], t["projects"])
    approved = projects.require("lung-ai")
    projects.replace(dataclasses.replace(approved, irb_status="suspended"), expected_irb_status="approved")
    try:
        held = mod.handler(api_event("pharma-z", {"dataset_id": f"{ds}@{ver}"}), Context())
    finally:
        projects.replace(approved, expected_irb_status="suspended")
    assert (held["statusCode"], json.loads(held["body"])["reason"]) == (403, "project_suspended")
    assert "url" not in held["body"]


def test_usage_report_writes_csv_and_png(cli: Any, world: dict[str, Any], tmp_path: Path) -> None:
    # GIVEN pipeline events for a month (plus the deliveries above, metered by the delivery service)
    from aiminer.adapters.aws.governance_tables import UsageTable

    ledger = UsageTable(world["ddb"], world["tables"]["usage"])
    month = date.today().strftime("%Y-%m")
    at = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    ledger.record(usage_event("lung-ai", "received", 7, 3 * GIB, at))
    ledger.record(usage_event("lung-ai", "deidentified", 6, 2 * GIB, at))
    ledger.record(usage_event("lung-ai", "quarantined", 1, GIB, at))
    rates = tmp_path / "rates.json"
    rates.write_text(json.dumps({"storage_gb_months": 0.05, "delivered_gb": 0.09}))
    # WHEN the report is made THEN a CSV with the counts and a PNG chart exist
    text = cli(
        "usage", "report", "--project", "lung-ai", "--month", month, "--out-dir", str(tmp_path), "--rates", str(rates)
    )
    assert "received 7 objects" in text and "quarantined 1" in text
    csv_text = (tmp_path / f"usage-lung-ai-{month}.csv").read_text()
    assert f"lung-ai,{month},received,7,{3 * GIB}" in csv_text and "total" in csv_text
    assert f"lung-ai,{month},delivered," in csv_text
    assert (tmp_path / f"usage-lung-ai-{month}.png").read_bytes()[:4] == b"\x89PNG"


def test_commands_find_the_local_runtime_from_its_state_file(
    cli: Any, endpoint: str, curated: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # GIVEN no --endpoint-url but a state file as the local runtime writes it
    from aiminer.cli import governance

    monkeypatch.delenv("AIMINER_ENDPOINT_URL")
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"endpoint": endpoint}))
    monkeypatch.setattr(governance, "_state_file", lambda: state)
    # WHEN projects are listed THEN the curated project is shown
    assert "lung-ai" in cli("project", "list")
    # AND without a state file the command explains what to do
    monkeypatch.setattr(governance, "_state_file", lambda: tmp_path / "missing.json")
    assert "no local runtime state" in cli("project", "list", code=2)


def test_curator_views_and_suspension(cli: Any, world: dict[str, Any], curated: dict[str, str]) -> None:
    # GIVEN a project WHEN shown, listed, suspended THEN its status follows and re-suspending fails
    cli(
        "project",
        "create",
        "brain-mr",
        "--objective",
        "tumour segmentation",
        "--irb-number",
        "IRB-7",
        "--approved-on",
        "2026-01-01",
        "--expires-on",
        "2030-01-01",
        "--option",
        "retain_device_identity=true",
    )
    shown = json.loads(cli("project", "show", "brain-mr"))
    assert shown["status_today"] == "active" and shown["policy_options"] == {"retain_device_identity": True}
    cli("project", "suspend", "brain-mr", "--reason", "IRB query")
    assert json.loads(cli("project", "show", "brain-mr"))["status_today"] == "suspended"
    assert "already suspended" in cli("project", "suspend", "brain-mr", "--reason", "again", code=1)
    # AND each change is in the audit trail with who did it and why
    trail = [json.loads(line) for line in cli("audit", "--subject", "project#brain-mr", "--json").splitlines()]
    assert [(e["kind"], e["actor"]) for e in trail] == [
        ("project_created", "curator-1"),
        ("project_suspended", "curator-1"),
    ]
    assert trail[0]["details"] == {"irb_number": "IRB-7", "irb_status": "approved"}
    assert trail[1]["details"] == {"reason": "IRB query", "previous": "approved"}
    frozen = json.loads(
        cli("audit", "--subject", f"dataset#{curated['dataset'].split('@')[0]}", "--json").splitlines()[0]
    )
    assert frozen["kind"] == "dataset_frozen" and frozen["details"]["version"] == 1 and frozen["details"]["count"] > 0
    enrolled = cli("audit", "--kind", "site_enrolled", "--json").splitlines()
    assert [json.loads(e)["details"] for e in enrolled] == [{"partner_id": "uni-a", "project": "lung-ai"}]
    assert "invalid_policy_option" in cli(
        "project",
        "create",
        "x1",
        "--objective",
        "o",
        "--irb-number",
        "I",
        "--approved-on",
        "2026-01-01",
        "--expires-on",
        "2027-01-01",
        "--option",
        "keep_names=true",
        code=1,
    )
    # AND DUAs can be listed and shown with whether delivery is permitted today
    ds, ver = _dataset(curated)
    now = datetime.now(UTC)
    dua = new_dua("DUA-VIEW", "pharma-v", ds, ver, "eval", "2026-01-01", "2031-01-01", "c", now)
    _put_dua(world, transition(dua, "active", "c", now))
    assert "DUA-VIEW" in cli("dua", "list", "--partner", "pharma-v")
    assert json.loads(cli("dua", "show", "DUA-VIEW"))["delivery_today"] == "permitted"
    assert "not_found" in cli("dua", "show", "DUA-NOPE", code=1)
