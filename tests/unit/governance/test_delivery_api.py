"""The delivery API's request rules (caller -> partner, which DUA applies) and the core's purity."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest

from aiminer.governance.dua import transition
from lambdas.issue_delivery_links.service import choose_dua, partner_of

from .conftest import NOW, draft_dua


@pytest.mark.parametrize(
    ("arn", "partner"),
    [
        ("arn:aws:sts::111122223333:assumed-role/aiminer-industry-pharma-x/s1", "pharma-x"),
        ("arn:aws:sts::111122223333:assumed-role/prod-ai-industry-bio2/s", "bio2"),
        ("arn:aws:sts::111122223333:assumed-role/aiminer-curator/s1", None),
        ("arn:aws:iam::111122223333:user/industry-pharma-x", None),
        (None, None),
    ],
)
def test_partner_comes_only_from_an_industry_partner_role(arn: str | None, partner: str | None) -> None:
    assert partner_of(arn) == partner


def test_choose_dua_prefers_a_permitting_dua_and_explains_otherwise() -> None:
    # GIVEN a revoked DUA and an active one for the same dataset
    active = transition(draft_dua(), "active", "c", NOW)
    revoked = transition(active, "revoked", "c", NOW)
    # WHEN chosen THEN the active one is used; alone, the revoked one yields its reason; none -> no_dua
    assert choose_dua([revoked, active], "DS-TEST01", None, NOW) == (active, "")
    assert choose_dua([revoked], "DS-TEST01", 1, NOW) == (revoked, "dua_revoked")
    assert choose_dua([active], "DS-TEST01", 2, NOW) == (None, "no_dua")
    assert choose_dua([active], "DS-OTHER", None, NOW) == (None, "no_dua")
    assert choose_dua([active], "DS-TEST01", None, NOW + timedelta(days=400))[1] == "dua_ended"


def test_governance_core_imports_no_aws_sdk() -> None:
    # GIVEN the pure core WHEN its imports are read THEN none is boto3/botocore/moto
    root = Path(__file__).resolve().parents[3] / "aiminer" / "governance"
    for path in [*root.glob("*.py"), root.parent / "fetch.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not any(n.split(".")[0] in {"boto3", "botocore", "moto"} for n in names), path
