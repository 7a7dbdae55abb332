"""Shared fixtures for CDK template tests: synthesize the whole app once per module, offline, without bundling."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# jsii prints a banner on end-of-life Node versions; it is noise in test output.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "1")

REPO_ROOT = Path(__file__).resolve().parents[2]

# Fake, test-only account IDs: one partner deploys in its own account, one shares the repository account.
REPOSITORY_ACCOUNT = "123456789012"
PARTNER_ACCOUNT = "111111111111"
INDUSTRY_ACCOUNT = "222222222222"


def app_context() -> dict[str, Any]:
    """cdk.json context plus a second partner in its own account and an industry partner; no bundling."""
    context: dict[str, Any] = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    context = {
        **context,
        "aws:cdk:bundling-stacks": [],
        "repositoryAccount": REPOSITORY_ACCOUNT,
        "repositoryRegion": "us-east-1",
        "partners": [
            {"id": "uni-a", "account": REPOSITORY_ACCOUNT, "sites": ["site-1", "site-2"]},
            {"id": "uni-b", "account": PARTNER_ACCOUNT, "sites": ["main"]},
        ],
        "industryPartners": [{"id": "pharma-x", "account": INDUSTRY_ACCOUNT}],
    }
    return context


@dataclass
class Synth:
    """One synthesized app: templates and metadata by stack name, plus the validation report."""

    outdir: Path
    templates: dict[str, dict[str, Any]]
    metadata: dict[str, dict[str, Any]]
    validation_report: dict[str, Any]


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """Synthesize the app once for the module (about 5 s). cdk-nag errors make ``app.synth()`` raise."""
    import aws_cdk as cdk

    from infra.application import build_app

    outdir = tmp_path_factory.mktemp("cdk.out")
    app = cdk.App(outdir=str(outdir), context=app_context())
    build_app(app)
    app.synth()
    templates = {
        p.name.removesuffix(".template.json"): json.loads(p.read_text()) for p in outdir.glob("*.template.json")
    }
    metadata = {
        p.name.removesuffix(".metadata.json"): json.loads(p.read_text()) for p in outdir.glob("*.metadata.json")
    }
    report_path = outdir / "validation-report.json"
    report = json.loads(report_path.read_text()) if report_path.exists() else {"pluginReports": []}
    return Synth(outdir, templates, metadata, report)
