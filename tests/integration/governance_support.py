"""Helpers for the governance integration tests: repository tables from ``aiminer.topology`` specs, seeded
catalogue items (coded, PHI-free), and released objects."""

from __future__ import annotations

import hashlib
from typing import Any

from aiminer import topology
from aiminer.adapters.aws.governance import to_item

REPO_TABLES = (topology.CATALOGUE, topology.PROJECTS, topology.SITES, topology.DUAS, topology.AUDIT, topology.USAGE)


def table_name(spec: topology.TableSpec) -> str:
    return topology.resource_name("aiminer", topology.REPOSITORY_QUALIFIER, spec.key)


def create_tables(ddb: Any) -> dict[str, str]:
    """Create the repository governance tables with the key schemas topology declares; return key -> name."""
    names: dict[str, str] = {}
    for spec in REPO_TABLES:
        keys = [spec.partition_key] + ([spec.sort_key] if spec.sort_key else [])
        attrs = {k.name: k.type for k in keys}
        gsis = []
        for g in spec.gsis:
            gkeys = [g.partition_key] + ([g.sort_key] if g.sort_key else [])
            attrs.update({k.name: k.type for k in gkeys})
            gsis.append(
                {
                    "IndexName": g.name,
                    "KeySchema": [
                        {"AttributeName": k.name, "KeyType": t}
                        for k, t in zip(gkeys, ("HASH", "RANGE")[: len(gkeys)], strict=True)
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            )
        kwargs: dict[str, Any] = {
            "TableName": table_name(spec),
            "KeySchema": [
                {"AttributeName": k.name, "KeyType": t}
                for k, t in zip(keys, ("HASH", "RANGE")[: len(keys)], strict=True)
            ],
            "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in attrs.items()],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if gsis:
            kwargs["GlobalSecondaryIndexes"] = gsis
        ddb.create_table(**kwargs)
        names[spec.key] = table_name(spec)
    return names


def body(n: int) -> bytes:
    """Synthetic object content (not DICOM; the pipeline's bytes are opaque to delivery)."""
    return (f"coded object {n}\n".encode()) * (50 + n)


def seed_released(
    ddb: Any,
    s3: Any,
    catalogue: str,
    bucket: str,
    n: int,
    project: str = "lung-ai",
    status: str = "released",
    **fields: Any,
) -> str:
    """Put object ``n`` in the released bucket and its catalogue item; return its key."""
    data = body(n)
    key = f"uni-a/{project}/S-ABC123/P-{n:04d}/ST-{n:04d}/obj{n}.dcm"
    s3.put_object(Bucket=bucket, Key=key, Body=data)
    item = {
        "dataset_id": project,
        "item": f"object#{key}",
        "key": key,
        "status": status,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "site": "S-ABC123",
        "modality": "CT",
        "body_part": "CHEST",
        "year": 2020,
        "kind": "dicom",
        **fields,
    }
    ddb.put_item(TableName=catalogue, Item=to_item(item))
    return key
