#!/usr/bin/env python3
"""Score one aiminer deid run against the hand-labelled held-out corpus.

Usage: python score.py [--run run] [--json results.json]

For every input (receipt line) the output is located; every labelled PHI string is checked
on the output line(s) that correspond to the input line(s) that hold it (same line index when
the line counts agree, else the whole output). A PHI item "leaks" when the exact string or a
distinctive token of it survives (surname/given-name tokens of 2+ letters, case-sensitive,
whole-word; digits/alnum tokens of IDs; month-day part of dates; the number of an age 90+ ...).
Replacement tags ("[NAME]", "[DATE 2019]", "[PATIENT P-..]") are blanked before matching and
so are surviving labelled negatives (so "Murphy sign" does not count as a leak of "Dr. Murphy").
A global check reports the same tokens anywhere else in the output file.
"""
import argparse, difflib, json, pathlib, re, sys
from collections import defaultdict

ROOT = pathlib.Path(__file__).resolve().parent
SOFT = {"ROOM", "EMPLOYER", "ALIAS"}  # not strictly Safe Harbor; reported separately

NAME_STOP = {"dr", "dra", "dre", "mr", "mrs", "ms", "md", "do", "pa", "rn", "np", "iii", "iv", "jr", "sr",
             "de", "la", "del", "van", "von", "der", "den", "bin", "al", "el", "mac", "the", "pt's"}
INST_GENERIC = {w.lower() for w in """hospital medical center centre university health clinic radiology imaging
 services trust nhs foundation community regional memorial general family practice surgery skilled nursing
 private pty ltd women's children's breast trauma county ems elementary sciences assisted living of the and st
 saint our lady royal queen virtual mutual gold plus va greater healthcare system infirmary partners teleradiology
 heart hospital's""".split()}
ADDR_GENERIC = {w.lower() for w in """road rd lane ln ave avenue boulevard blvd suite unit level close cres crescent
 esplanade parade flat box po street st drive dr way via calle boul ouest apt""".split()}
URL_GENERIC = {"https", "http", "www", "com", "org", "net", "co", "uk", "viewer", "patients", "gmail", "yahoo", "acc", "mrn"}
MONTHS = ("jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august "
          "september october november december mars").split()
ID_CATS = {"MRN", "ACCESSION", "ACCOUNT", "HEALTH_PLAN", "SSN", "PHONE", "FAX", "DEVICE_ID", "LICENSE",
           "OTHER_ID", "ZIP", "IP", "ROOM"}

TAG = re.compile(r"\[(?:[A-Z_]+(?: [^\]\n]*)?|PATIENT [^\]]*|STUDY [^\]]*)\]")


def split_lines(t):
    return re.split(r"\r\n|\r|\n", t)


def decode_out(b):
    if b.startswith(b"\xff\xfe") or b.startswith(b"\xfe\xff"):
        return b.decode("utf-16")
    if b.startswith(b"\xef\xbb\xbf"):
        return b[3:].decode("utf-8")
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return b.decode("cp1252", errors="replace")


def word_re(tok, alnum=False):
    t = re.escape(tok)
    if alnum:
        return re.compile(r"(?<![A-Za-z0-9])" + t + r"(?![A-Za-z0-9])")
    return re.compile(r"(?<!\w)" + t + r"(?!\w)")


def date_core(s):
    """month/day part of a date string, or None when only the exact string is testable."""
    s2 = s.strip()
    if re.fullmatch(r"\d{8,14}([+-]\d{4})?", s2):
        return s2[:8]  # compact YYYYMMDD...
    core = re.sub(r"[\s,./@-]*(?<!\d)(19|20)\d\d(?!\d).*$", "", s2)  # year at end (and time after it)
    core = re.sub(r"^(19|20)\d\d[\s,./-]*", "", core)  # ISO year first
    core = re.sub(r"T\d\d:.*$", "", core)
    if core == s2:  # maybe M/D/YY or D-Mon-YY
        core = re.sub(r"([/.-])\d\d$", "", s2)
        core = re.sub(r"\s+\d{1,2}:\d\d.*$", "", core)
    core = core.strip(" ,.-/")
    if not core:
        return None
    has_month = any(w.lower().strip(".") in MONTHS for w in re.findall(r"[A-Za-z.]+", core))
    if has_month or re.search(r"\d[/.-]\d", core):
        return core
    return None


def tokens_for(cat, text):
    """(kind, token) pairs whose survival means the PHI item leaked."""
    toks = []
    if cat == "NAME":
        for w in re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", text):
            if w.lower() in NAME_STOP:
                continue
            if len(w) >= 2:
                toks.append(("word", w))
        if not toks:
            toks.append(("word", text.strip()))
    elif cat == "DATE":
        c = date_core(text)
        if c:
            toks.append(("sub", c))
            mw = [w for w in re.findall(r"[A-Za-z]+", c) if w.lower() in MONTHS]
            nums = re.findall(r"\d{1,2}", c)
            if mw and nums:  # "March 4th" -> also "March 4"
                toks.append(("re", re.escape(mw[0]) + r"\.?\s*0?" + str(int(nums[0])) + r"(?!\d)"))
    elif cat == "AGE":
        n = re.search(r"\d{2,3}", text).group(0)
        toks.append(("num", n))
    elif cat in ("EMAIL", "URL"):
        for w in re.split(r"[@/:?&=.\s]+", text):
            if len(w) >= 4 and w.lower() not in URL_GENERIC and not w.isdigit():
                toks.append(("sub", w))
        digs = re.findall(r"\d{5,}", text)
        toks += [("alnum", d) for d in digs]
    elif cat == "INSTITUTION" or cat == "EMPLOYER":
        for w in re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", text):
            if len(w) >= 4 and w.lower() not in INST_GENERIC:
                toks.append(("word", w))
    elif cat == "ADDRESS":
        for w in re.findall(r"[^\W\d_]+", text):
            if len(w) >= 4 and w.lower() not in ADDR_GENERIC:
                toks.append(("word", w))
        for d in re.findall(r"\d{3,}", text):
            toks.append(("alnum", d))
    elif cat in ("CITY", "ALIAS"):
        for w in re.findall(r"[^\W\d_]+", text):
            if len(w) >= 3:
                toks.append(("word", w))
    elif cat in ID_CATS:
        minlen = 3 if cat in ("ZIP", "ROOM") else 4
        for w in re.split(r"[^A-Za-z0-9]+", text):
            if len(w) >= minlen and re.search(r"\d", w):
                toks.append(("alnum", w))
        d = re.sub(r"\D", "", text)
        if len(d) >= 7:
            toks.append(("digits", d))
    return toks


def survives(kind, tok, line):
    if kind == "word":
        return bool(word_re(tok).search(line))
    if kind == "alnum":
        return bool(word_re(tok, alnum=True).search(line))
    if kind == "num":
        return bool(re.search(r"(?<![\d.])" + tok + r"(?![\d.])", line))
    if kind == "sub":
        return tok in line
    if kind == "re":
        return bool(re.search(tok, line))
    if kind == "digits":
        return tok in re.sub(r"\D", "", line)
    raise ValueError(kind)


def align(in_lines, out_lines):
    """input line index -> output line index (identity when the counts agree, else the most similar
    output line within a small window; the tool sometimes joins a header line with the next one)."""
    if len(in_lines) == len(out_lines):
        return {i: i for i in range(len(in_lines))}
    m = {}
    for i, a in enumerate(in_lines):
        lo, hi = max(0, i - 4), min(len(out_lines), i + 2)
        best = max(range(lo, hi), key=lambda j: difflib.SequenceMatcher(None, a, out_lines[j]).ratio(), default=None)
        if best is not None:
            m[i] = best
    return m


def clean_out_line(line, negatives):
    line = TAG.sub(" ", line)
    for n in negatives:
        line = line.replace(n, " " * 3)
    return line


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default=str(ROOT / "run"))
    ap.add_argument("--json", default=str(ROOT / "results.json"))
    a = ap.parse_args()
    run = pathlib.Path(a.run)
    receipt = [json.loads(l) for l in (run / "receipt.jsonl").read_text().splitlines() if l.strip()]
    by_input = {pathlib.Path(r["input"]).name: r for r in receipt}
    per_cat = defaultdict(lambda: [0, 0])  # cat -> [total, leaked]
    leaks, neg_lost, statuses = [], [], []
    neg_tot = neg_ok = 0
    for lab_f in sorted((ROOT / "labels").glob("*.labels.json")):
        lab = json.loads(lab_f.read_text(encoding="utf-8"))
        name = lab["file"]
        rec = by_input.get(name)
        statuses.append({"file": name, "status": rec and rec["status"], "reason": rec and rec.get("reason"),
                         "output": rec and rec.get("output"), "linked_study": rec and rec.get("linked_study")})
        raw = (ROOT / "corpus" / name).read_bytes()
        inp = raw.decode(lab["encoding"])
        if inp.startswith("\ufeff"):
            inp = inp[1:]
        if not rec or rec["status"] != "deidentified" or not rec.get("output"):
            continue  # nothing was released: no leak possible
        out = decode_out((run / "out" / rec["output"]).read_bytes())
        in_lines, out_lines = split_lines(inp), split_lines(out)
        aligned = len(in_lines) == len(out_lines)
        amap = align(in_lines, out_lines)
        negs = lab["negatives"]
        c_out = [clean_out_line(l, negs) for l in out_lines]
        for p in lab["phi"]:
            cat, text = p["category"], p["text"]
            per_cat[cat][0] += 1
            bre = word_re(text, alnum=True) if re.match(r"[A-Za-z0-9]", text[:1]) and re.search(r"[A-Za-z0-9]$", text) else None
            idx = [i for i, l in enumerate(in_lines) if (bre.search(l) if bre else text in l)]
            if not idx:
                idx = [i for i, l in enumerate(in_lines) if text in l]
            toks = tokens_for(cat, text)
            hit = None
            cand = sorted({amap[i] for i in idx if i in amap}) or range(len(out_lines))
            for i in cand:
                ol = TAG.sub(" ", out_lines[i])
                exact = bool(bre.search(ol)) if bre else text in ol
                surv = [t for k, t in toks if survives(k, t, c_out[i])]
                if exact or surv:
                    hit = (i, exact, surv)
                    break
            elsewhere = []
            if not hit:
                for i, l in enumerate(c_out):
                    s = [t for k, t in toks if survives(k, t, l)]
                    if s:
                        elsewhere.append((i, s))
            if hit:
                per_cat[cat][1] += 1
                i, exact, surv = hit
                in_i = idx[0] if idx else None
                leaks.append({"file": name, "category": cat, "phi": text, "exact": exact,
                              "surviving_tokens": surv, "input_line": in_lines[in_i].strip() if in_i is not None else None,
                              "output_line": out_lines[i].strip(), "line_no": i + 1, "aligned": aligned})
            elif elsewhere:
                leaks.append({"file": name, "category": cat, "phi": text, "exact": False,
                              "surviving_tokens": elsewhere[0][1], "where": "elsewhere_in_output",
                              "input_line": in_lines[idx[0]].strip() if idx else None,
                              "output_line": out_lines[elsewhere[0][0]].strip(), "line_no": elsewhere[0][0] + 1,
                              "aligned": aligned, "counted": False})
        for n in negs:
            k_in, k_out = inp.count(n), out.count(n)
            neg_tot += 1
            if k_out >= k_in:
                neg_ok += 1
            else:
                li = [l for l in in_lines if n in l]
                oi = [out_lines[amap[i]] for i, l in enumerate(in_lines) if n in l and i in amap]
                neg_lost.append({"file": name, "negative": n, "in_count": k_in, "out_count": k_out,
                                 "input_line": li[0].strip() if li else None,
                                 "output_line": oi[0].strip() if oi else None})
    # report
    hard = {c: v for c, v in per_cat.items() if c not in SOFT}
    tot = sum(v[0] for v in hard.values()); lk = sum(v[1] for v in hard.values())
    print(f"{'category':14} {'items':>5} {'leaked':>6} {'recall':>7}")
    for c in sorted(per_cat):
        t, l = per_cat[c]
        print(f"{c + (' (soft)' if c in SOFT else ''):14} {t:5d} {l:6d} {1 - l / t:7.3f}")
    print(f"{'ALL (hard)':14} {tot:5d} {lk:6d} {1 - lk / tot:7.3f}")
    print(f"negatives kept: {neg_ok}/{neg_tot} = {neg_ok / max(neg_tot, 1):.3f}")
    print("\nstatus per input:")
    for s in statuses:
        if s["status"] != "deidentified":
            print("  ", s)
    print("   deidentified:", sum(1 for s in statuses if s["status"] == "deidentified"), "of", len(statuses))
    print(f"\nLEAKS ({sum(1 for x in leaks if x.get('counted', True))} counted):")
    for x in leaks:
        flag = "" if x.get("counted", True) else "  [token found elsewhere in output only - not counted]"
        print(f"- {x['file']} [{x['category']}] {x['phi']!r} exact={x['exact']} tokens={x['surviving_tokens']}{flag}")
        print(f"    IN : {x['input_line']}")
        print(f"    OUT: {x['output_line']}")
    print("\nOVER-REMOVED NEGATIVES:")
    for x in neg_lost:
        print(f"- {x['file']} {x['negative']!r} in={x['in_count']} out={x['out_count']}")
        print(f"    IN : {x['input_line']}")
        print(f"    OUT: {x['output_line']}")
    pathlib.Path(a.json).write_text(json.dumps({"per_category": per_cat, "leaks": leaks,
                                                "negatives_lost": neg_lost, "negatives": [neg_ok, neg_tot],
                                                "statuses": statuses}, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
