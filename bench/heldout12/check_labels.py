#!/usr/bin/env python3
"""Verify every label text and every negative occurs verbatim in its document.
Documents may be UTF-8, UTF-16 (with BOM) or Latin-1; line endings are preserved."""
import json, os, sys, re
ROOT = os.path.dirname(os.path.abspath(__file__))
CATS = set("NAME DATE AGE90 MRN ACCESSION ACCOUNT HEALTH_PLAN SSN LICENSE DEVICE_ID OTHER_ID PHONE FAX EMAIL URL IP ADDRESS CITY ZIP INSTITUTION EMPLOYER".split())

def read_doc(path):
    b = open(path, "rb").read()
    if b[:2] in (b"\xff\xfe", b"\xfe\xff"): return b.decode("utf-16"), "utf-16"
    if b[:3] == b"\xef\xbb\xbf": return b[3:].decode("utf-8"), "utf-8-sig"
    try: return b.decode("utf-8"), "utf-8"
    except UnicodeDecodeError: return b.decode("latin-1"), "latin-1"

def main():
    errors = 0; docs = 0; nphi = 0; nneg = 0; cats = {}
    corpus = os.path.join(ROOT, "corpus"); labels = os.path.join(ROOT, "labels")
    names = sorted(f[:-4] for f in os.listdir(corpus) if f.endswith(".txt"))
    lab_names = sorted(f[:-5] for f in os.listdir(labels) if f.endswith(".json"))
    for n in set(names) ^ set(lab_names):
        print(f"MISMATCH: {n} has a document or a label file but not both"); errors += 1
    for n in names:
        if n not in lab_names: continue
        docs += 1
        text, enc = read_doc(os.path.join(corpus, n + ".txt"))
        lab = json.load(open(os.path.join(labels, n + ".json"), encoding="utf-8"))
        nlines = len(text.splitlines())
        if not 15 <= nlines <= 60: print(f"{n}: {nlines} lines (want 15-60)"); errors += 1
        seen = set()
        for it in lab["phi"]:
            t, c = it["text"], it["category"]; nphi += 1; cats[c] = cats.get(c, 0) + 1
            if c not in CATS: print(f"{n}: bad category {c!r} for {t!r}"); errors += 1
            if t not in text: print(f"{n}: PHI not found [{c}] {t!r}"); errors += 1
            if t in seen: print(f"{n}: duplicate label {t!r}"); errors += 1
            seen.add(t)
            if c == "AGE90" and not re.search(r"\d", t): print(f"{n}: AGE90 label without digits {t!r}"); errors += 1
            if not t.strip(): print(f"{n}: empty label"); errors += 1
        negs = lab["negatives"]
        if not 4 <= len(negs) <= 8: print(f"{n}: {len(negs)} negatives (want 4-8)"); errors += 1
        for g in negs:
            nneg += 1
            if g not in text: print(f"{n}: negative not found {g!r}"); errors += 1
            for it in lab["phi"]:
                if it["text"] in g or g in it["text"]:
                    print(f"{n}: negative {g!r} overlaps PHI {it['text']!r}"); errors += 1
    print(f"\n{docs} documents, {nphi} PHI labels, {nneg} negatives")
    for c in sorted(cats): print(f"  {c:<12}{cats[c]:>4}")
    print("OK" if not errors else f"{errors} PROBLEM(S)")
    return 1 if errors else 0

if __name__ == "__main__":
    sys.exit(main())
