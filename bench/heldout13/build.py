#!/usr/bin/env python3
"""Render src/*.src (inline-annotated) into docs/*.txt and labels/*.json.

Markup:  ⟦CAT:text⟧ = PHI item (may nest), ⟪text⟫ = hard negative (keep).
         ⇥ = TAB.  A line '#!eol crlf|lf|cr' sets the line ending of following lines.
"""
import json, pathlib, sys

CATS = {
    "P": "NAME_PATIENT", "R": "NAME_RELATIVE", "S": "NAME_STAFF", "EMP": "EMPLOYER",
    "D": "DATE", "A": "AGE_OVER_89", "PH": "PHONE", "FX": "FAX", "EM": "EMAIL",
    "SSN": "SSN", "NID": "NATIONAL_ID", "MRN": "MRN", "HP": "HEALTH_PLAN",
    "ACC": "ACCOUNT", "LIC": "LICENSE", "DEV": "DEVICE_ID", "VEH": "VEHICLE",
    "URL": "URL", "IP": "IP", "ST": "STREET", "C": "CITY", "GEO": "GEO_OTHER",
    "Z": "POSTCODE", "ID": "OTHER_ID", "UID": "USER_ID", "INI": "INITIALS",
}
EOLS = {"crlf": "\r\n", "lf": "\n", "cr": "\r"}
ROOT = pathlib.Path(__file__).resolve().parent


def render(src: str):
    lines = src.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    eol = "\n"
    out = []
    for ln in lines:
        if ln.startswith("#!eol "):
            eol = EOLS[ln.split()[1]]
            continue
        out.append(ln + eol)
    s = "".join(out).replace("⇥", "\t")
    text, stack, phi, neg = [], [], [], []
    i = 0
    while i < len(s):
        ch = s[i]
        if ch == "⟦":
            j = s.index(":", i)
            cat = s[i + 1:j]
            if cat not in CATS:
                raise ValueError(f"bad category {cat!r} near {s[i:i+40]!r}")
            stack.append(("phi", CATS[cat], len(text)))
            i = j + 1
            continue
        if ch == "⟪":
            stack.append(("neg", None, len(text)))
            i += 1
            continue
        if ch in "⟧⟫":
            kind, cat, start = stack.pop()
            if (kind == "phi") != (ch == "⟧"):
                raise ValueError(f"mismatched close near {s[max(0,i-40):i]!r}")
            span = "".join(text[start:])
            (phi.append({"category": cat, "text": span, "span": [start, len(text)]}) if kind == "phi" else neg.append(span))
            i += 1
            continue
        text.append(ch)
        i += 1
    if stack:
        raise ValueError("unclosed markup")
    return "".join(text), phi, neg


def main():
    tot_p = tot_n = 0
    for f in sorted((ROOT / "src").glob("*.src")):
        text, phi, neg = render(f.read_text(encoding="utf-8"))
        seen, uphi = set(), []
        spans = sorted(it["span"] for it in phi)
        for it in phi:
            k = (it["category"], it["text"])
            if k not in seen:
                seen.add(k); uphi.append({"category": it["category"], "text": it["text"]})
        uneg = list(dict.fromkeys(neg))
        (ROOT / "docs" / (f.stem + ".txt")).write_bytes(text.encode("utf-8"))
        (ROOT / "labels" / (f.stem + ".json")).write_text(json.dumps(
            {"doc": f.stem + ".txt", "phi": uphi, "negatives": uneg, "phi_spans": spans}, indent=1, ensure_ascii=False) + "\n",
            encoding="utf-8")
        tot_p += len(uphi); tot_n += len(uneg)
        print(f"{f.stem}: {len(uphi)} phi, {len(uneg)} neg")
    print(f"TOTAL {tot_p} phi, {tot_n} negatives")


if __name__ == "__main__":
    main()
