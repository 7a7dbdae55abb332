#!/usr/bin/env python3
"""Every labelled item and hard negative must occur verbatim in its document."""
import json, re, sys
from pathlib import Path
HERE = Path(__file__).resolve().parent
bad = 0; ni = nn = 0
for lf in sorted((HERE / "labels").glob("*.json")):
    lab = json.loads(lf.read_text(encoding="utf-8"))
    doc = (HERE / "docs" / lab["doc"]).read_text(encoding="utf-8")
    for it in lab["items"]:
        ni += 1
        if it["text"] not in doc:
            bad += 1; print(f"MISSING item {lab['doc']}: {it}")
    for ng in lab["negatives"]:
        nn += 1
        if ng["text"] not in doc:
            bad += 1; print(f"MISSING negative {lab['doc']}: {ng}")
        for it in lab["items"]:
            if ng["text"] in it["text"] or (len(it["text"]) > 3 and it["text"] in ng["text"]):
                print(f"WARN overlap {lab['doc']}: negative {ng['text']!r} / item {it['text']!r}")
print(f"{ni} items, {nn} negatives checked, {bad} problems")
sys.exit(1 if bad else 0)
