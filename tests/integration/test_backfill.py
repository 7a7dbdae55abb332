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
