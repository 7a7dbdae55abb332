"""Shared matching rules for check_labels.py and score.py."""
import re

NAME_CATS = {"NAME_PATIENT", "NAME_RELATIVE", "NAME_STAFF"}
# honorifics, degrees and particles that are not identifying on their own
NOT_TOKENS = {
    "mr", "mrs", "ms", "miss", "dr", "dre", "prof", "herrn", "frau", "med", "sri", "late", "jr", "sr", "sn",
    "staff", "nurse", "charge", "legal", "md", "rn", "pa", "crna", "dnp", "aprn", "arnp", "np", "facs",
    "frcpc", "mbbs", "fracgp", "frcpa", "ccm", "van", "der", "den", "del", "von", "bte", "bin", "binti",
}
MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-zéû]*\.?|janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre|fév\.?"


def pattern(text: str, bounded: bool) -> re.Pattern:
    parts = [re.escape(p) for p in text.split()]
    core = r"\s+".join(parts)
    if bounded:
        pre = r"(?<![0-9A-Za-zÀ-ÿ])" if re.match(r"[0-9A-Za-zÀ-ÿ]", text.strip()[:1] or " ") else ""
        post = r"(?![0-9A-Za-zÀ-ÿ])" if re.match(r"[0-9A-Za-zÀ-ÿ]", text.strip()[-1:] or " ") else ""
        core = pre + core + post
    return re.compile(core, re.IGNORECASE)


def bounded_in(text: str, doc: str) -> bool:
    """Does the item occur in the source document as a whole word (not glued)?"""
    return bool(pattern(text, True).search(doc))


def present(text: str, out: str, doc: str) -> re.Match | None:
    return pattern(text, bounded_in(text, doc)).search(out)


def name_tokens(text: str) -> list[str]:
    toks = re.findall(r"[^\W\d_]+", text)
    seen, res = set(), []
    for t in toks:
        if len(t) >= 3 and t.lower() not in NOT_TOKENS and t.lower() not in seen:
            seen.add(t.lower()); res.append(t)
    return res


def date_core(text: str) -> str | None:
    """Month/day part of a date with the year (and any time) removed, or None if the date has no
    separable month+day part (compact YYYYMMDD, month/year only, year missing)."""
    t = re.sub(r"[@T ]?\d{1,2}:\d{2}(:\d{2})?", "", text).strip()
    if re.fullmatch(r"\d{8,14}", t):
        return None
    y4 = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
    if y4.search(t):
        t = y4.sub("", t)
    else:
        m = re.fullmatch(r"(.+?[/\-.])(\d{2})", t)  # d/m/yy
        if m and len(re.findall(r"[/\-.]", t)) >= 2:
            t = m.group(1)
        else:
            return None  # no year: the whole text is the item
    t = re.sub(r"^[\s,/\-.]+|[\s,/\-.]+$", "", t)
    comps = re.findall(r"\d+|" + MONTHS, t, flags=re.I)
    if len(comps) < 2:
        return None
    return t
