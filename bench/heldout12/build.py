#!/usr/bin/env python3
"""Build corpus/ and labels/ from the marked-up sources in src/.
Markup: [[CAT|text]] marks PHI, {{text}} marks a negative (clinical text that must survive).
A source whose name ends in .cp1252.txt is written as Windows-1252 with CRLF line endings.
After building, simulate a perfect redaction and run score.find_leak on it: any hit means a
label design problem (a PHI word that also occurs unlabelled in the document)."""
import json, os, re, sys
ROOT = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, ROOT)
import score
PAT = re.compile(r"\[\[([A-Z_0-9]+)\|(.+?)\]\]|\{\{(.+?)\}\}")
bad = 0
for fn in sorted(os.listdir(os.path.join(ROOT, "src"))):
    src = open(os.path.join(ROOT, "src", fn), encoding="utf-8").read()
    cp = fn.endswith(".cp1252.txt")
    stem = fn.replace(".cp1252.txt", "").replace(".txt", "")
    phi, negs = [], []
    def sub(m):
        if m.group(1):
            if m.group(2) not in [p["text"] for p in phi]:
                phi.append({"text": m.group(2), "category": m.group(1)})
            return m.group(2)
        if m.group(3) not in negs: negs.append(m.group(3))
        return m.group(3)
    text = PAT.sub(sub, src)
    assert "[[" not in text and "{{" not in text, fn
    n = len(text.splitlines())
    if not 40 <= n <= 55: print(f"{stem}: {n} lines"); bad += 1
    if cp:
        open(os.path.join(ROOT, "corpus", stem + ".txt"), "wb").write(text.replace("\n", "\r\n").encode("cp1252"))
    else:
        open(os.path.join(ROOT, "corpus", stem + ".txt"), "w", encoding="utf-8", newline="\n").write(text)
    json.dump({"phi": phi, "negatives": negs}, open(os.path.join(ROOT, "labels", stem + ".json"), "w", encoding="utf-8"), indent=1, ensure_ascii=False)
    # perfect-redaction simulation
    out = text
    for p in sorted(phi, key=lambda p: -len(p["text"])):
        out = out.replace(p["text"], "[" + p["category"] + "]")
    for it in phi:
        score.OTHER_SPANS[:] = []
        hit = score.find_leak(it, out)
        if hit: print(f"{stem}: SIM LEAK [{it['category']}] {it['text']!r} ({hit[0]}) -> {score.line_of(out, hit[1])}"); bad += 1
    for g in negs:
        if g not in out: print(f"{stem}: SIM negative lost {g!r}"); bad += 1
print("build done", "problems:", bad)
