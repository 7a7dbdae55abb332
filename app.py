#!/usr/bin/env python3
"""AI MINER CDK app: ``npx cdk synth`` / ``npx cdk deploy``, or ``.venv/bin/python app.py`` to synth to cdk.out.

Stacks, constructs and configuration are described in docs/infrastructure.md and docs/deploy.md.
"""

import json
import os
from pathlib import Path

import aws_cdk as cdk

from infra.application import build_app

CDK_JSON = Path(__file__).resolve().parent / "cdk.json"


def cdk_json_context() -> dict[str, object]:
    """The ``context`` of cdk.json, so ``python app.py`` synthesizes exactly what ``cdk synth`` does.

    Under the CDK CLI the same values also arrive through the CLI, which takes precedence (as do ``-c`` flags).
    """
    context: dict[str, object] = json.loads(CDK_JSON.read_text(encoding="utf-8")).get("context", {})
    return context


def main() -> None:
    """Build and synthesize the app; cdk-nag findings fail the synth."""
    # Under the CLI, CDK_OUTDIR names the output; `python app.py` alone writes to ./cdk.out like `cdk synth`.
    outdir = None if os.environ.get("CDK_OUTDIR") else str(CDK_JSON.parent / "cdk.out")
    app = cdk.App(context=cdk_json_context(), outdir=outdir)
    build_app(app)
    app.synth()


if __name__ == "__main__":
    main()
