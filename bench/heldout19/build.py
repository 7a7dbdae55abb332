#!/usr/bin/env python3
"""Build docs/*.txt and labels/*.json from src/*.src.

Held-out set 19. Same markup and categories as heldout18 (EMPLOYER, VEHICLE and INSTITUTION included).

Markup in a source file:  [[CAT:text]]  = a Safe Harbor item (kept verbatim in the doc),
                          {{text}}      = a hard negative (kept verbatim in the doc).
"""
import json, re, sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CATS = {"NAME", "DATE", "AGE", "PHONE", "FAX", "EMAIL", "SSN", "NATIONAL_ID", "MRN", "HEALTH_PLAN",
        "ACCOUNT", "LICENSE", "DEVICE_ID", "URL", "IP", "ADDRESS", "CITY", "ZIP", "ACCESSION",
        "OTHER_ID", "EMPLOYER", "VEHICLE", "INSTITUTION"}
TOK = re.compile(r"\[\[([A-Z_]+):(.+?)\]\]|\{\{(.+?)\}\}", re.S)

def build():
    (HERE / "docs").mkdir(exist_ok=True); (HERE / "labels").mkdir(exist_ok=True)
    tot_i = tot_n = 0
    for src in sorted((HERE / "src").glob("*.src")):
        raw = src.read_text(encoding="utf-8")
        items, negs, out, pos = [], [], [], 0
        for m in TOK.finditer(raw):
            out.append(raw[pos:m.start()]); pos = m.end()
            if m.group(1):
                cat, text = m.group(1), m.group(2)
                if cat not in CATS:
                    sys.exit(f"{src.name}: unknown category {cat}")
                out.append(text)
                if (cat, text) not in [(i["category"], i["text"]) for i in items]:
                    items.append({"category": cat, "text": text})
            else:
                out.append(m.group(3))
                if m.group(3) not in [n["text"] for n in negs]:
                    negs.append({"text": m.group(3)})
        out.append(raw[pos:])
        doc = "".join(out)
        if "[[" in doc or "{{" in doc or "]]" in doc or "}}" in doc:
            sys.exit(f"{src.name}: stray markup")
        name = src.stem + ".txt"
        (HERE / "docs" / name).write_text(doc, encoding="utf-8")
        (HERE / "labels" / (src.stem + ".json")).write_text(
            json.dumps({"doc": name, "items": items, "negatives": negs}, indent=1, ensure_ascii=False),
            encoding="utf-8")
        tot_i += len(items); tot_n += len(negs)
        print(f"{name:48s} items {len(items):4d}  negatives {len(negs):3d}")
    print(f"TOTAL items {tot_i}  negatives {tot_n}")

if __name__ == "__main__":
    build()
