"""PS3.15 Annex E Table E.1-1 as data: every attribute, its Basic Profile action and its option columns.

The table ships inside the package (``data/ps315_e11_2026c.json``) with the edition it was taken from; see
``data/README.md`` for provenance. Nothing here reads ``../shared`` or the network at run time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from aiminer.errors import PolicyError

#: Option columns of Table E.1-1, in the order the engine lets them override the Basic Profile.
OPTION_COLUMNS: tuple[str, ...] = (
    "rtn_safe_priv",
    "rtn_uids",
    "rtn_dev_id",
    "rtn_inst_id",
    "rtn_pat_chars",
    "rtn_long_full",
    "rtn_long_mod",
    "clean_desc",
    "clean_struct",
    "clean_graph",
)

#: Every action code the standard uses (single and compound).
KNOWN_ACTIONS = frozenset({"D", "Z", "X", "K", "C", "U", "X/Z", "X/D", "Z/D", "X/Z/D", "X/Z/U*", "Z/U*", "U*"})


@dataclass(frozen=True)
class TableRow:
    """One attribute of Table E.1-1."""

    tag: int
    mask: int
    keyword: str
    basic: str
    options: dict[str, str | None]


@dataclass(frozen=True)
class ConfidentialityTable:
    """The whole table plus its provenance."""

    edition: str
    source: str
    rows: tuple[TableRow, ...]

    def exact(self) -> dict[int, TableRow]:
        """Rows that name one tag (mask ``FFFFFFFF``), by tag."""
        return {r.tag: r for r in self.rows if r.mask == 0xFFFFFFFF}

    def masked(self) -> tuple[TableRow, ...]:
        """Rows for repeating groups (``50xx``, ``60xx``), matched with ``tag & mask == row.tag``."""
        return tuple(r for r in self.rows if r.mask != 0xFFFFFFFF)


DEFAULT_TABLE = "ps315_e11_2026c.json"


@cache
def load_table(path: str | None = None) -> ConfidentialityTable:
    """Load and validate Table E.1-1 (the packaged edition unless ``path`` is given)."""
    if path is None:
        text = resources.files("aiminer.dicom").joinpath("data", DEFAULT_TABLE).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    raw = json.loads(text)
    rows: list[TableRow] = []
    for item in raw["rows"]:
        basic = item["basic"]
        if basic not in KNOWN_ACTIONS:
            raise PolicyError(detail=f"unknown Basic Profile action {basic!r} for tag {item['tag']}")
        options = {col: item.get(col) for col in OPTION_COLUMNS}
        for col, code in options.items():
            if code is not None and code not in KNOWN_ACTIONS:
                raise PolicyError(detail=f"unknown {col} action {code!r} for tag {item['tag']}")
        rows.append(
            TableRow(
                tag=int(item["tag"], 16),
                mask=int(item.get("mask", "FFFFFFFF"), 16),
                keyword=item.get("keyword", ""),
                basic=basic,
                options=options,
            )
        )
    return ConfidentialityTable(edition=raw.get("edition", "unknown"), source=raw.get("source", ""), rows=tuple(rows))
