#!/usr/bin/env python3
"""Score de-identification output against hand labels (held-out set 6)."""
import json, re, sys, os
from collections import defaultdict
ROOT = os.path.dirname(os.path.abspath(__file__))
RUN = os.path.join(ROOT, "run")
GENERIC = set("""road rd street st avenue ave drive dr blvd boulevard way lane marg crossing freeway ste suite flat box
hospital hospitals medical center centre university health clinic institute department dept general teaching research national
city care system foundation the and of for nhs trust board plant corporation ltd co inc pllc company family practice house hall campus
global south north east west network authority division unit imaging radiology school services service group memorial children's
queen's cancer singapore hong kong jamaica india kenya wales new zealand mount saint sts mr mrs ms miss dr prof md mbbs frcr phd
tel pacs greater children technischen universität https http www com org net example viewer study gmail locatie afdeling upper lower""".split())
PARTICLES = set("van der den de la dela del binte bin ap von mac le da dos".split())
YEAR = re.compile(r"^(19[0-9]{2}|20[0-3][0-9])$")
MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*|juni|januari|maart|mei|juli|oktober"

def words(s):
    return re.findall(r"[^\W\d_]+", s)

OTHER_SPANS = []
def word_hit(tok, out):
    for v in {tok, tok.upper(), tok.title(), tok.lower() if len(tok) > 5 else tok}:
        for m in re.finditer(r"(?<![^\W\d_])" + re.escape(v) + r"(?![^\W\d_])", out):
            if any(a <= m.start() and m.end() <= b for a, b in OTHER_SPANS): continue
            return m
    return None

def digit_runs(s):
    return [r for r in re.findall(r"\d{4,}", s) if not YEAR.match(r)]

def run_hit(r, out):
    return re.search(r"(?<!\d)" + r + r"(?!\d)", out)

def flex_digits(s, out):
    d = re.sub(r"\D", "", s)
    if len(d) < 5: return None
    pat = r"(?<!\d)" + r"[\s\-./()]*".join(d) + r"(?!\d)"
    return re.search(pat, out)

def date_daymonth(s):
    t = s
    t = re.sub(r"(?<!\d)(19|20)\d{2}(?!\d)", "", t)          # drop 4-digit year
    t = re.sub(r"年", "", t)
    if re.fullmatch(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2}", s):      # dd/mm/yy
        t = s[:s.rfind(re.findall(r"[/.\-]", s)[-1])]
    t = t.strip(" ,/.-")
    return t if len(re.sub(r"\W", "", t)) >= 2 else None

def find_leak(item, out):
    text, cat = item["text"], item["category"]
    m = re.search(re.escape(text), out)
    if m: return ("exact", m)
    if cat in ("NAME", "ADDRESS", "CITY", "INSTITUTION", "EMPLOYER"):
        for w in words(text):
            if len(w) < 3 or w.lower() in GENERIC or w.lower() in PARTICLES: continue
            m = word_hit(w, out)
            if m: return ("token " + w, m)
        if cat == "ADDRESS":
            for r in digit_runs(text):
                m = run_hit(r, out)
                if m: return ("digits " + r, m)
    elif cat == "ZIP":
        m = re.search(r"(?<![\w])" + r"\s*".join(map(re.escape, text.split())) + r"(?![\w])", out)
        if m: return ("zip", m)
    elif cat == "DATE":
        dm = date_daymonth(text)
        if dm:
            pat = r"\s*".join(re.escape(p) for p in dm.split())
            m = re.search(r"(?<![\w])" + pat + r"(?![\w])", out, re.I)
            if m: return ("day-month " + dm, m)
    elif cat == "AGE90":
        n = re.search(r"\d+", text).group()
        pats = [r"age\W{0,3}" + n + r"(?!\d)", r"(?<!\d)" + n + r"\s*-?\s*(?:y|yo|y/o|y\.o\.|yrs?|years?)(?![a-z])", r"\b[MF]\s*/\s*" + n + r"(?!\d)"]
        for p in pats:
            m = re.search(p, out, re.I)
            if m: return ("age " + n, m)
    elif cat in ("EMAIL", "URL"):
        for w in re.findall(r"[A-Za-z]{3,}", text):
            if w.lower() in GENERIC: continue
            m = word_hit(w, out)
            if m: return ("token " + w, m)
        for r in digit_runs(text):
            m = run_hit(r, out)
            if m: return ("digits " + r, m)
    else:  # IDs, phones, IP
        m = flex_digits(text, out)
        if m: return ("digits-flex", m)
        for r in digit_runs(text):
            m = run_hit(r, out)
            if m: return ("digits " + r, m)
    return None

def line_of(out, m):
    a = out.rfind("\n", 0, m.start()) + 1
    b = out.find("\n", m.end())
    return out[a: b if b != -1 else len(out)].strip()

def main():
    rec = {}
    for l in open(os.path.join(ROOT, "receipt.jsonl")):
        r = json.loads(l); rec[r["input"]] = r
    tot = defaultdict(lambda: [0, 0]); leaks = []; neg_tot = neg_kept = 0; neg_lost = []
    for fn in sorted(os.listdir(os.path.join(ROOT, "labels"))):
        name = fn[:-5]; lab = json.load(open(os.path.join(ROOT, "labels", fn), encoding="utf-8"))
        r = rec.get(name + ".txt")
        out = open(os.path.join(RUN, r["output"]), encoding="utf-8").read() if r and r.get("output") else ""
        for it in lab["phi"]:
            OTHER_SPANS[:] = [(m.start(), m.end()) for o in lab["phi"] if o["text"] != it["text"] and it["text"] not in o["text"]
                              for m in re.finditer(re.escape(o["text"]), out)]
            hit = find_leak(it, out)
            tot[it["category"]][0] += 1
            if hit: leaks.append((name, it["category"], it["text"], hit[0], line_of(out, hit[1])))
            else: tot[it["category"]][1] += 1
        for n in lab["negatives"]:
            neg_tot += 1
            if n in out: neg_kept += 1
            else: neg_lost.append((name, n))
    missing = [fn[:-5] for fn in sorted(os.listdir(os.path.join(ROOT, "labels")))
               if not (rec.get(fn[:-5] + ".txt") or {}).get("output")]
    if missing:  # a document without output counts every label as caught; say so
        print("WARNING: no output for", ", ".join(missing))
    print(f"{'category':<12}{'n':>5}{'caught':>8}{'recall':>9}")
    for c in sorted(tot):
        n, ok = tot[c]; print(f"{c:<12}{n:>5}{ok:>8}{ok/n:>9.1%}")
    N = sum(v[0] for v in tot.values()); OK = sum(v[1] for v in tot.values())
    N2 = sum(v[0] for c, v in tot.items() if c not in ("INSTITUTION", "EMPLOYER"))
    OK2 = sum(v[1] for c, v in tot.items() if c not in ("INSTITUTION", "EMPLOYER"))
    print(f"\nOVERALL recall: {OK}/{N} = {OK/N:.1%}")
    print(f"Recall excl. INSTITUTION/EMPLOYER: {OK2}/{N2} = {OK2/N2:.1%}")
    print(f"Negatives kept: {neg_kept}/{neg_tot} = {neg_kept/neg_tot:.1%}")
    print("\nLEAKS:")
    for name, c, t, how, line in leaks:
        print(f"{name}: [{c}] {t!r} ({how}) -> {line}")
    print("\nNEGATIVES LOST:")
    for name, n in neg_lost: print(f"{name}: {n!r}")

if __name__ == "__main__":
    main()
