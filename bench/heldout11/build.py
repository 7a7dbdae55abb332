#!/usr/bin/env python3
"""Build corpus/*.txt and labels/*.json from the marked-up sources in src/.
Markup: [[CATEGORY|text]] marks PHI, {{text}} marks a hard negative (text that must survive).
Stem ending _cp1252 -> Windows-1252 with CRLF; stem ending _bom -> UTF-8 with BOM; else UTF-8, LF."""
import json, os, re
ROOT = os.path.dirname(os.path.abspath(__file__))
TAG = re.compile(r"\[\[([A-Z0-9_]+)\|(.+?)\]\]|\{\{(.+?)\}\}")

for fn in sorted(os.listdir(os.path.join(ROOT, "src"))):
    if not fn.endswith(".txt"): continue
    stem = fn[:-4]
    src = open(os.path.join(ROOT, "src", fn), encoding="utf-8").read()
    phi, negs = [], []
    def sub(m):
        if m.group(1):
            it = {"text": m.group(2), "category": m.group(1)}
            if it["text"] not in [p["text"] for p in phi]: phi.append(it)
            return m.group(2)
        if m.group(3) not in negs: negs.append(m.group(3))
        return m.group(3)
    text = TAG.sub(sub, src)
    assert "[[" not in text and "{{" not in text, fn
    path = os.path.join(ROOT, "corpus", fn)
    if stem.endswith("_cp1252"):
        open(path, "wb").write(text.replace("\n", "\r\n").encode("cp1252"))
    elif stem.endswith("_bom"):
        open(path, "wb").write(b"\xef\xbb\xbf" + text.encode("utf-8"))
    else:
        open(path, "w", encoding="utf-8", newline="\n").write(text)
    json.dump({"phi": phi, "negatives": negs}, open(os.path.join(ROOT, "labels", stem + ".json"), "w", encoding="utf-8"),
              ensure_ascii=False, indent=1)
    print(f"{stem:<40}{len(text.splitlines()):>4} lines {len(phi):>4} phi {len(negs):>3} neg")
