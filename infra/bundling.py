"""Lambda code bundling without Docker.

One asset holds ``lambdas/``, the ``aiminer`` package and the runtime dependencies that ``pyproject.toml``
declares (``[project] dependencies`` plus the ``aws`` extra, minus moto),
installed by ``pip --target`` for the Lambda platform (``--platform manylinux2014_aarch64 --python-version 3.14
--only-binary=:all:``). Wheels only, so nothing is compiled on the build machine and no container is needed.

Unit tests skip bundling with the context ``aws:cdk:bundling-stacks: []``; the asset hash is computed from the
sources and requirements, so it changes exactly when the bundle would.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any, cast

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_

from aiminer import topology

REPO_ROOT = Path(__file__).resolve().parents[1]
_SOURCES = ("lambdas", "aiminer")
# Only used by tests and the local runtime. boto3 *is* bundled: aws-xray-sdk pulls in botocore, and a bundled
# botocore next to the runtime's boto3 could mismatch; bundling both keeps one consistent, pinned SDK.
_NOT_BUNDLED = frozenset({"moto"})
_PLATFORMS = (topology.LAMBDA_WHEEL_PLATFORM, "manylinux_2_28_aarch64")


def lambda_requirements(pyproject: Path = REPO_ROOT / "pyproject.toml") -> list[str]:
    """Runtime requirements for the Lambda bundle, read from ``pyproject.toml``."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *project.get("optional-dependencies", {}).get("aws", [])]
    return [req for req in wanted if _dist_name(req) not in _NOT_BUNDLED]


def _dist_name(requirement: str) -> str:
    name = requirement
    for sep in "[<>=!~; ":
        name = name.split(sep, 1)[0]
    return name.strip().lower()


def _ignore(_dir: str, names: list[str]) -> set[str]:
    return {n for n in names if n == "__pycache__" or n.endswith((".pyc", ".pyo"))}


def source_hash() -> str:
    """Hash of everything that goes into the bundle: sources, requirements, Python version and platform."""
    digest = hashlib.sha256()
    for top in _SOURCES:
        for path in sorted((REPO_ROOT / top).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
                digest.update(path.relative_to(REPO_ROOT).as_posix().encode())
                digest.update(path.read_bytes())
    digest.update("\n".join([*lambda_requirements(), topology.LAMBDA_PYTHON_VERSION, *_PLATFORMS]).encode())
    return digest.hexdigest()


@jsii.implements(cdk.ILocalBundling)
class LocalPipBundler:
    """Bundle with the local ``pip`` (``ILocalBundling``): copy the sources, install wheels for Lambda."""

    def try_bundle(self, output_dir: str, options: Any = None) -> bool:
        """Fill ``output_dir`` with the function code; return ``True`` so CDK never falls back to Docker."""
        out = Path(output_dir)
        for top in _SOURCES:
            shutil.copytree(REPO_ROOT / top, out / top, ignore=_ignore, dirs_exist_ok=True)
        platforms = [arg for p in _PLATFORMS for arg in ("--platform", p)]
        # Offline synth: point AIMINER_WHEELHOUSE at a directory filled once by `pip download` (docs/deploy.md).
        wheelhouse = os.environ.get("AIMINER_WHEELHOUSE")
        index = ["--no-index", "--find-links", wheelhouse] if wheelhouse else []
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",
            "--target",
            str(out),
            *platforms,
            *index,
            "--implementation",
            "cp",
            "--python-version",
            topology.LAMBDA_PYTHON_VERSION,
            "--only-binary=:all:",
            *lambda_requirements(),
        ]
        subprocess.run(cmd, check=True)
        return True


def lambda_code() -> lambda_.Code:
    """A fresh code asset (an asset binds to one stack; CDK caches the bundle across stacks by hash)."""
    return lambda_.Code.from_asset(
        str(REPO_ROOT / "lambdas"),
        asset_hash_type=cdk.AssetHashType.CUSTOM,
        asset_hash=source_hash(),
        bundling=cdk.BundlingOptions(
            # Only used if the local bundler declined, which it never does; kept because the field is required.
            image=lambda_.Runtime.PYTHON_3_14.bundling_image,
            # jsii calls try_bundle(output_dir, options) positionally although the stubs show keywords.
            local=cast("cdk.ILocalBundling", LocalPipBundler()),
            command=["false"],
        ),
    )
