#!/usr/bin/env python3
"""Check that every label really occurs in its document, and warn where scoring could give a false miss."""
import json, pathlib, re, sys
from matching import NAME_CATS, name_tokens, date_core, pattern, bounded_in

ROOT = pathlib.Path(__file__).resolve().parent
errors = warnings = 0
tot_phi = tot_neg = tot_tok = 0
for lf in sorted((ROOT / "labels").glob("*.json")):
    lab = json.loads(lf.read_text(encoding="utf-8"))
    doc = (ROOT / "docs" / lab["doc"]).read_bytes().decode("utf-8")
    spans = lab["phi_spans"]

    def inside(a, b):
        return any(s <= a and b <= e for s, e in spans)

    def outside_occurrences(text, bounded=True):
        pat = pattern(text, bounded and bounded_in(text, doc))
        return [m for m in pat.finditer(doc) if not inside(m.start(), m.end())]

    for it in lab["phi"]:
        tot_phi += 1
        t = it["text"]
        if not pattern(t, False).search(doc):
            print(f"ERROR {lab['doc']}: label not in doc: {it}"); errors += 1; continue
        if not bounded_in(t, doc):
            print(f"note  {lab['doc']}: glued item (substring match used): {t!r}")
        for m in outside_occurrences(t):
            print(f"WARN  {lab['doc']}: {it['category']} {t!r} also occurs unlabelled: {doc[max(0,m.start()-30):m.end()+30]!r}")
            warnings += 1
        if it["category"] in NAME_CATS:
            for tok in name_tokens(t):
                tot_tok += 1
                for m in outside_occurrences(tok):
                    print(f"WARN  {lab['doc']}: name token {tok!r} occurs outside PHI: {doc[max(0,m.start()-30):m.end()+30]!r}")
                    warnings += 1
        if it["category"] == "DATE":
            c = date_core(t)
            if c:
                for m in outside_occurrences(c):
                    print(f"WARN  {lab['doc']}: date core {c!r} occurs outside PHI: {doc[max(0,m.start()-30):m.end()+30]!r}")
                    warnings += 1
        if len(t.strip()) <= 2:
            print(f"note  {lab['doc']}: very short item {it}")
    for n in lab["negatives"]:
        tot_neg += 1
        if not pattern(n, False).search(doc):
            print(f"ERROR {lab['doc']}: negative not in doc: {n!r}"); errors += 1
        for it in lab["phi"]:
            if pattern(n, False).search(it["text"]) or pattern(it["text"], True).search(n):
                print(f"ERROR {lab['doc']}: negative {n!r} overlaps PHI {it['text']!r}"); errors += 1
    # unlabelled long digit runs / emails / urls outside any span
    for m in re.finditer(r"\d{5,}|[\w.+-]+@[\w-]+\.[\w.]+|https?://\S+", doc):
        if not inside(m.start(), m.end()) and not any(pattern(n, False).search(m.group()) or m.group() in n for n in lab["negatives"]):
            print(f"check {lab['doc']}: unlabelled {m.group()!r} in {doc[max(0,m.start()-40):m.end()+20]!r}")
print(f"\n{tot_phi} labelled PHI items (+{tot_tok} name tokens), {tot_neg} hard negatives, "
      f"{errors} errors, {warnings} warnings")
sys.exit(1 if errors else 0)
