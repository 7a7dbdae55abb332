"""Bulk backfill: objects already in the landing bucket go through the same handler, once each."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aiminer.cli.main import app
from aiminer.samples import get_testdata_file
from tests.local_runtime import World

pytestmark = pytest.mark.integration


def test_backfill_reprocesses_nothing_twice_and_picks_up_objects_that_had_no_event(
    world: World, tmp_path: Path
) -> None:
    # GIVEN a processed submission
    root = tmp_path / "upload"
    root.mkdir()
    shutil.copy(get_testdata_file("CT_small.dcm"), root / "ct.dcm")
    shutil.copy(get_testdata_file("MR_small.dcm"), root / "mr.dcm")
    report = world.upload(root)
    world.settle(2, report.submission_id)
    before = sorted(world.keys(world.rt.names.inbound))
    items_before = len(world.catalogue.items("lung-ai", "object#"))
    prefix = f"site-1/lung-ai/{report.submission_id}/"
    assert world.rt.deidentify is not None
    messages_before = world.rt.deidentify.stats.messages
    # WHEN its whole prefix is backfilled
    result = CliRunner().invoke(
        app, ["backfill", "--key-prefix", prefix, "--endpoint-url", world.rt.endpoint], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "3 objects" in result.output and "3 enqueued" in result.output  # two files and the manifest
    world.rt.drain(timeout=10)
    assert world.rt.deidentify.stats.messages >= messages_before + 3  # the handler did receive the backfill
    # THEN idempotency makes the replay a no-op: same objects, same catalogue items
    assert sorted(world.keys(world.rt.names.inbound)) == before
    assert len(world.catalogue.items("lung-ai", "object#")) == items_before


def test_backfill_of_an_empty_prefix_enqueues_nothing(world: World) -> None:
    result = CliRunner().invoke(
        app, ["backfill", "--key-prefix", "site-9/none/", "--endpoint-url", world.rt.endpoint], catch_exceptions=False
    )
    assert result.exit_code == 0
    assert "0 objects" in result.output and "0 enqueued" in result.output


HL7 = (
    "MSH|^~\\&|RIS|GENERAL HOSP|PACS|GENERAL HOSP|20190304101500||ORU^R01|MSG00042|P|2.5\r"
    "PID|1||12345678^^^GENERAL HOSP^MR||ROE^JANE||19700101|F\r"
    "OBX|1|TX|||No acute findings.\r"
)


def test_backfill_of_a_processed_submission_writes_no_new_version_and_changes_no_record(
    world: World, tmp_path: Path
) -> None:
    # GIVEN a processed submission with an image and an HL7 report
    root = tmp_path / "upload"
    root.mkdir()
    shutil.copy(get_testdata_file("CT_small.dcm"), root / "ct.dcm")
    (root / "R1.hl7").write_text(HL7)
    report = world.upload(root)
    world.settle(2, report.submission_id)
    inbound = world.rt.names.inbound
    versions = world.versions(inbound)
    bodies = {k: world.s3.get_object(Bucket=inbound, Key=k)["Body"].read() for k in world.keys(inbound)}
    files = {f["item"]: f for f in world.files(report.submission_id)}
    items = world.catalogue.items("lung-ai", "object#")
    # WHEN its prefix is backfilled (events that name each object's version, unlike the first S3 events)
    result = CliRunner().invoke(
        app,
        ["backfill", "--key-prefix", f"site-1/lung-ai/{report.submission_id}/", "--endpoint-url", world.rt.endpoint],
        catch_exceptions=False,
    )
    assert result.exit_code == 0 and "3 enqueued" in result.output, result.output
    world.rt.drain(timeout=10)
    # THEN no output got a new version or new bytes, and the file records and catalogue items are as they were
    assert world.versions(inbound) == versions
    assert {k: world.s3.get_object(Bucket=inbound, Key=k)["Body"].read() for k in world.keys(inbound)} == bodies
    assert {f["item"]: f for f in world.files(report.submission_id)} == files
    assert world.catalogue.items("lung-ai", "object#") == items
    assert len(set(world.rt.executions)) == 1
