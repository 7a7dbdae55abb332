#!/usr/bin/env python3
"""Blind held-out set 13 scorer: run `aiminer deid` on docs/, score recall of labelled PHI and keep-rate of
hard negatives.  Usage: score.py [--aiminer PATH] [--report FILE.md] [--keep-work]"""
import argparse, collections, json, pathlib, re, shutil, subprocess, sys, tempfile
from matching import NAME_CATS, name_tokens, date_core, pattern, present, bounded_in

ROOT = pathlib.Path(__file__).resolve().parent


def ctx(text, m, width=45):
    a, b = max(0, m.start() - width), min(len(text), m.end() + width)
    return re.sub(r"\s+", " ", text[a:b]).strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aiminer", default="/work/main/.venv/bin/aiminer")
    ap.add_argument("--report", default=None)
    ap.add_argument("--keep-work", action="store_true")
    args = ap.parse_args()

    work = pathlib.Path(tempfile.mkdtemp(prefix="heldout13-"))
    docs_dir = ROOT / "docs"
    out, cw, receipt = work / "out", work / "private" / "cw.db", work / "private" / "receipt.jsonl"
    cw.parent.mkdir(parents=True)
    cmd = [args.aiminer, "deid", str(docs_dir), "--out", str(out), "--project", "P1", "--site", "Saint Brendan",
           "--crosswalk", str(cw), "--receipt", str(receipt)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    rec = {}
    if receipt.exists():
        for line in receipt.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                rec[pathlib.Path(r["input"]).name] = r

    found = collections.Counter(); total = collections.Counter()
    misses, lost, kept_n, tot_n, doc_rows, special = [], [], 0, 0, [], []
    for lf in sorted((ROOT / "labels").glob("*.json")):
        lab = json.loads(lf.read_text(encoding="utf-8"))
        name = lab["doc"]
        doc = (docs_dir / name).read_bytes().decode("utf-8")
        r = rec.get(name)
        status = r["status"] if r else "missing"
        outtext = None
        if status == "deidentified" and r.get("output"):
            outtext = (out / r["output"]).read_bytes().decode("utf-8", errors="replace")
        else:
            special.append((name, status, (r or {}).get("reason")))
        d_found = d_total = 0

        def score(cat, text, is_found, m, src_text):
            nonlocal d_found, d_total
            total[cat] += 1; d_total += 1
            if is_found:
                found[cat] += 1; d_found += 1
            else:
                misses.append((name, cat, src_text, ctx(outtext, m) if m else ""))

        for it in lab["phi"]:
            cat, t = it["category"], it["text"]
            if outtext is None:
                score(cat, t, True, None, t)
                if cat in NAME_CATS:
                    for tok in name_tokens(t):
                        score("NAME_TOKEN", tok, True, None, tok)
                continue
            if cat == "AGE_OVER_89":  # an aggregated "90+" (or "[AGE 90+]") is the allowed replacement
                m = present(t, re.sub(r"\b90\s*\+|\[AGE[^\]]*\]", lambda x: " " * len(x.group()), outtext), doc)
            else:
                m = present(t, outtext, doc)
            if cat == "DATE" and not m:
                c = date_core(t)
                if c:
                    m2 = None
                    for mc in pattern(c, True).finditer(outtext):
                        # month/day kept next to a year or a year tag: "03/14/2024", "03/14/[DATE 2024]"
                        near = outtext[max(0, mc.start() - 3):mc.start()] + outtext[mc.end():mc.end() + 3]
                        if re.search(r"[0-9\[\]]", near):
                            m2 = mc; break
                    if m2:
                        score(cat, t, False, m2, f"{t}  (month/day '{c}' kept)")
                        continue
            score(cat, t, not m, m, t)
            if cat in NAME_CATS:
                for tok in name_tokens(t):
                    mt = present(tok, outtext, doc)
                    score("NAME_TOKEN", tok, not mt, mt, f"{tok}  (token of '{t}')")
        d_kept = 0
        for n in lab["negatives"]:
            tot_n += 1
            ok = outtext is not None and present(n, outtext, doc) is not None
            if ok:
                kept_n += 1; d_kept += 1
            else:
                m = pattern(n, False).search(doc)
                lost.append((name, n, status, ctx(doc, m) if m else ""))
        doc_rows.append((name, status, d_found, d_total, d_kept, len(lab["negatives"])))

    whole = {k: v for k, v in total.items() if k != "NAME_TOKEN"}
    wf = sum(found[k] for k in whole); wt = sum(whole.values())
    af, at = sum(found.values()), sum(total.values())
    L = []
    L.append(f"aiminer deid exit code {proc.returncode}; {len(rec)} receipt lines for {len(doc_rows)} documents")
    L.append("")
    L.append(f"**Recall, labelled items (whole): {wf}/{wt} = {100*wf/wt:.1f} %**  ")
    L.append(f"**Recall, items + name tokens: {af}/{at} = {100*af/at:.1f} %**  ")
    L.append(f"**Hard negatives kept: {kept_n}/{tot_n} = {100*kept_n/tot_n:.1f} %**")
    L.append("")
    L.append("| category | found | total | recall |")
    L.append("| --- | ---: | ---: | ---: |")
    for k in sorted(total, key=lambda k: (-total[k], k)):
        L.append(f"| {k} | {found[k]} | {total[k]} | {100*found[k]/total[k]:.1f} % |")
    L.append("")
    if special:
        L.append("Documents not de-identified (items counted found, negatives counted lost):")
        for n, s, why in special:
            L.append(f"- {n}: {s} ({why})")
        L.append("")
    L.append("| document | status | items found | negatives kept |")
    L.append("| --- | --- | ---: | ---: |")
    for n, s, f, t, k, nt in doc_rows:
        L.append(f"| {n} | {s} | {f}/{t} | {k}/{nt} |")
    L.append("")
    L.append(f"## Missed items ({len(misses)})")
    L.append("")
    for n, c, t, cx in misses:
        L.append(f"- `{n}` {c}: `{t}` -- …{cx}…")
    L.append("")
    L.append(f"## Lost hard negatives ({len(lost)})")
    L.append("")
    for n, t, s, cx in lost:
        L.append(f"- `{n}` ({s}): `{t}` -- input: …{cx}…")
    text = "\n".join(L) + "\n"
    print(text)
    if args.report:
        pathlib.Path(args.report).write_text(text, encoding="utf-8")
    if proc.returncode not in (0,):
        print("aiminer stderr:\n" + proc.stderr[-3000:], file=sys.stderr)
    if args.keep_work:
        print(f"work dir kept: {work}", file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
