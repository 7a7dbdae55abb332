#!/usr/bin/env python3
"""Blind scorer for held-out set 19 (US documents that travel with imaging from the worlds of claims, law and the
military: workers' compensation, IME/UR, auto and no-fault claims, Social Security disability, personal-injury
litigation, VA and DoD records, occupational-health surveillance, HR/return-to-work). Copied from
bench/heldout18/score.py: same matching rules; the per-country table is a per-world table here (the world is
the second field of the file name, e.g. 03_wc_... -> wc), and INSTITUTION and EMPLOYER are again left out of a
second recall line.

Runs `aiminer deid` on docs/ with fresh output, crosswalk and receipt, then for every labelled item checks
whether its text still appears in the output (case-insensitive, whitespace collapsed, word-edged).
 * DATE: found when month/day are gone even if the year remains (the text with its year replaced by any
   token must be absent too).
 * NAME: multi-token names are also scored token by token (each token of 3+ letters, titles and particles
   excepted) in a separate "NAME tokens" line.
 * Tool artefacts (tags such as [NAME], [DATE 2024], [AGE 90+]; coded IDs such as ST-3D92EGHCMR) are blanked
   before matching, so their digits never count as leaks.
 * A quarantined or rejected document: all its items count as found, all its negatives as lost (listed).
Usage: python3 score.py [--aiminer PATH] [--json results.json] [--keep DIR]
"""
import argparse, collections, json, re, shutil, subprocess, sys, tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCS = HERE / "docs"
TAG = re.compile(r"\[[A-Z][A-Z0-9 +_./:-]{0,30}\]")
CODE = re.compile(r"\b(?:S|R|ST|SE|P|PT|T|I|D|PR)-(?=[0-9A-Z]*[0-9])(?=[0-9A-Z]*[A-Z])[0-9A-Z]{6,12}\b")
YEAR = re.compile(r"(?<!\d)(19|20)\d\d(?!\d)")
SKIP_TOK = {"mrs", "miss", "prof", "professor", "doctor", "the", "van", "der", "den", "von", "del", "della",
            "dos", "das", "bin", "ibn", "and", "ten", "ter", "des", "dei", "degli", "tou",
            "binti", "bint", "bte"}

def country_of(doc):
    parts = doc.split("_")
    return parts[1].split("-")[0] if len(parts) > 2 else "?"

def norm(s):
    return re.sub(r"\s+", " ", s).casefold().strip()

def clean_output(text):
    text = TAG.sub(" ", text)
    return CODE.sub(" ", text)

def edged(pat_text):
    """Regex for normalised text with word edges where the text starts/ends with a word character."""
    p = re.escape(pat_text).replace(r"\ ", r"\s+")
    if re.match(r"\w", pat_text): p = r"(?<!\w)" + p
    if re.search(r"\w$", pat_text): p = p + r"(?!\w)"
    return p

def find(text, out_norm):
    return re.search(edged(norm(text)), out_norm)

def date_leaks(text, out_norm):
    m = find(text, out_norm)
    if m: return m
    t = norm(text)
    if YEAR.search(t) and YEAR.sub("", t).strip(" ,./-") and len(re.sub(r"\W", "", YEAR.sub("", t))) >= 2:
        parts = YEAR.split(t)
        # rebuild with the year replaced by any non-space run
        pat = ""
        for seg in YEAR.sub("\x00", t).split("\x00"):
            pat += (r"\S{1,14}" if pat or seg == "" else "")
            pat = pat  # noqa
        pieces = YEAR.sub("\x00", t).split("\x00")
        rx = r"\S{1,14}".join(re.escape(x).replace(r"\ ", r"\s+") for x in pieces)
        if re.match(r"\w", t): rx = r"(?<!\w)" + rx
        return re.search(rx, out_norm)
    return None

def name_tokens(text):
    toks = re.findall(r"[^\W\d_]{3,}", text)
    return [t for t in toks if t.casefold() not in SKIP_TOK]

def ctx(out_norm, m, w=45):
    a, b = max(0, m.start() - w), min(len(out_norm), m.end() + w)
    return ("…" + out_norm[a:b] + "…").replace("\n", " ")

def run_tool(aiminer, work):
    out, cw, rc = work / "out", work / "cw.db", work / "receipt.jsonl"
    cmd = [aiminer, "deid", str(DOCS), "--out", str(out), "--project", "P1", "--site", "Saint Brendan",
           "--crosswalk", str(cw), "--receipt", str(rc)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f"aiminer failed rc={p.returncode}\n{p.stdout}\n{p.stderr}")
    receipt = {}
    for line in rc.read_text().splitlines():
        if line.strip():
            r = json.loads(line); receipt[Path(r["input"]).name] = r
    return out, receipt

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aiminer", default="/work/main/.venv/bin/aiminer")
    ap.add_argument("--json", default=str(HERE / "results.json"))
    ap.add_argument("--keep", default=None, help="copy the tool output (not crosswalk/receipt) here for inspection")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="h19_run_"))
    try:
        out, receipt = run_tool(args.aiminer, work)
        per_cat = collections.defaultdict(lambda: [0, 0])
        per_lang = collections.defaultdict(lambda: {"items": [0, 0], "tok": [0, 0], "neg": [0, 0], "docs": 0})
        tok = [0, 0]; misses = []; tok_misses = []; lost = []; neg = [0, 0]; quarantined = []
        for lf in sorted((HERE / "labels").glob("*.json")):
            lab = json.loads(lf.read_text(encoding="utf-8"))
            L = per_lang[country_of(lab["doc"])]; L["docs"] += 1
            r = receipt.get(lab["doc"])
            status = r["status"] if r else "missing"
            if status != "deidentified" or not r.get("output"):
                quarantined.append((lab["doc"], status, (r or {}).get("reason")))
                for it in lab["items"]:
                    per_cat[it["category"]][0] += 1; per_cat[it["category"]][1] += 1
                    L["items"][0] += 1; L["items"][1] += 1
                    if it["category"] == "NAME":
                        n = len(name_tokens(it["text"]))
                        tok[0] += n; tok[1] += n; L["tok"][0] += n; L["tok"][1] += n
                for ng in lab["negatives"]:
                    neg[1] += 1; L["neg"][1] += 1; lost.append((lab["doc"], ng["text"], f"document {status}"))
                continue
            raw = (out / r["output"]).read_text(encoding="utf-8", errors="replace")
            o = norm(clean_output(raw)); o_raw = norm(raw)
            seen_tok = set()
            for it in lab["items"]:
                cat, text = it["category"], it["text"]
                if CODE.fullmatch(text.strip()):
                    print(f"WARN label looks like a tool code: {text}")
                m = date_leaks(text, o) if cat == "DATE" else find(text, o)
                per_cat[cat][1] += 1; L["items"][1] += 1
                if m:
                    mr = find(text, o_raw)
                    misses.append((lab["doc"], cat, text, ctx(o_raw, mr) if mr else ctx(o, m)))
                else: per_cat[cat][0] += 1; L["items"][0] += 1
                if cat == "NAME":
                    for t in name_tokens(text):
                        if t.casefold() in seen_tok: continue
                        seen_tok.add(t.casefold())
                        tok[1] += 1; L["tok"][1] += 1
                        mt = find(t, o)
                        if mt:
                            mr = find(t, o_raw)
                            tok_misses.append((lab["doc"], t, text, ctx(o_raw, mr) if mr else ctx(o, mt)))
                        else: tok[0] += 1; L["tok"][0] += 1
            for ng in lab["negatives"]:
                neg[1] += 1; L["neg"][1] += 1
                if find(ng["text"], o): neg[0] += 1; L["neg"][0] += 1
                else: lost.append((lab["doc"], ng["text"], "removed or altered"))
        found = sum(v[0] for v in per_cat.values()); total = sum(v[1] for v in per_cat.values())
        ex = {k: v for k, v in per_cat.items() if k not in ("EMPLOYER", "INSTITUTION")}
        f2 = sum(v[0] for v in ex.values()); t2 = sum(v[1] for v in ex.values())
        print(f"\nHELD-OUT SET 19 (US claims, legal and military documents that travel with imaging): {len(receipt)} documents through aiminer deid")
        print(f"RECALL overall: {found}/{total} = {found/total:.1%}   (without INSTITUTION and EMPLOYER: {f2}/{t2} = {f2/t2:.1%})")
        print(f"NAME tokens (3+ letters, each counted): {tok[0]}/{tok[1]} = {tok[0]/max(tok[1],1):.1%}")
        print(f"HARD NEGATIVES kept: {neg[0]}/{neg[1]} = {neg[0]/max(neg[1],1):.1%}")
        print("\nPer category:")
        for k in sorted(per_cat, key=lambda k: -per_cat[k][1]):
            f_, t_ = per_cat[k]; print(f"  {k:12s} {f_:4d}/{t_:4d}  {f_/t_:6.1%}")
        print("\nPer world (docs | items found | name tokens | negatives kept):")
        for k in sorted(per_lang, key=lambda k: -per_lang[k]["items"][1]):
            L = per_lang[k]; i_, t_, n_ = L["items"], L["tok"], L["neg"]
            print(f"  {k:3s} {L['docs']:2d} | {i_[0]:4d}/{i_[1]:4d} {i_[0]/max(i_[1],1):6.1%} | "
                  f"{t_[0]:3d}/{t_[1]:3d} {t_[0]/max(t_[1],1):6.1%} | {n_[0]:3d}/{n_[1]:3d} {n_[0]/max(n_[1],1):6.1%}")
        print(f"\nQuarantined/rejected documents: {len(quarantined)}")
        for q in quarantined: print(f"  {q}")
        print(f"\nMISSED ITEMS ({len(misses)}):")
        for d, c, t, cx in misses: print(f"  {d} | {c} | {t!r} | {cx}")
        print(f"\nLEAKED NAME TOKENS ({len(tok_misses)}):")
        for d, t, full, cx in tok_misses: print(f"  {d} | {t!r} (of {full!r}) | {cx}")
        print(f"\nLOST NEGATIVES ({len(lost)}):")
        for d, t, why in lost: print(f"  {d} | {t!r} | {why}")
        Path(args.json).write_text(json.dumps({
            "recall": found / total, "found": found, "total": total, "per_category": per_cat,
            "name_tokens": tok, "negatives": neg, "per_country": per_lang, "quarantined": quarantined, "misses": misses,
            "token_misses": tok_misses, "lost_negatives": lost}, indent=1, ensure_ascii=False))
        if args.keep:
            shutil.copytree(out, args.keep, dirs_exist_ok=True)
            (Path(args.keep) / "_receipt_map.json").write_text(json.dumps(
                {k: v.get("output") for k, v in receipt.items()}, indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
