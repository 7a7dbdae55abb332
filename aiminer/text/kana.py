"""Japanese kana in Latin letters (Hepburn), for the phonetic group of a DICOM person name.

A Japanese PN often holds the name in kanji and kana only ("=黒岩^さゆり=くろいわ^さゆり"), while a comment or a
report on the same file spells it in Latin letters ("Kuroiwa Sayuri-san"). The phonetic group says how the name
is read, so it can be written in Latin letters the way a person would: modified Hepburn, with the long vowels
written three ways (``おお``/``おう`` as "oo", "o" and "oh": Oono, Ono, Ohno).
"""

from __future__ import annotations

from functools import lru_cache

_BASE = {
    "あ": "a", "い": "i", "う": "u", "え": "e", "お": "o",
    "か": "ka", "き": "ki", "く": "ku", "け": "ke", "こ": "ko",
    "さ": "sa", "し": "shi", "す": "su", "せ": "se", "そ": "so",
    "た": "ta", "ち": "chi", "つ": "tsu", "て": "te", "と": "to",
    "な": "na", "に": "ni", "ぬ": "nu", "ね": "ne", "の": "no",
    "は": "ha", "ひ": "hi", "ふ": "fu", "へ": "he", "ほ": "ho",
    "ま": "ma", "み": "mi", "む": "mu", "め": "me", "も": "mo",
    "や": "ya", "ゆ": "yu", "よ": "yo",
    "ら": "ra", "り": "ri", "る": "ru", "れ": "re", "ろ": "ro",
    "わ": "wa", "ゐ": "i", "ゑ": "e", "を": "o", "ん": "n",
    "が": "ga", "ぎ": "gi", "ぐ": "gu", "げ": "ge", "ご": "go",
    "ざ": "za", "じ": "ji", "ず": "zu", "ぜ": "ze", "ぞ": "zo",
    "だ": "da", "ぢ": "ji", "づ": "zu", "で": "de", "ど": "do",
    "ば": "ba", "び": "bi", "ぶ": "bu", "べ": "be", "ぼ": "bo",
    "ぱ": "pa", "ぴ": "pi", "ぷ": "pu", "ぺ": "pe", "ぽ": "po",
    "ゔ": "vu",
    "ぁ": "a", "ぃ": "i", "ぅ": "u", "ぇ": "e", "ぉ": "o",
}  # fmt: skip
#: A consonant's kana before a small ya, yu or yo: きゃ is "kya", しゃ "sha", じゃ "ja".
_YOON_HEAD = {"し": "sh", "ち": "ch", "じ": "j", "ぢ": "j"}
_SMALL_Y = {"ゃ": "a", "ゅ": "u", "ょ": "o"}
_KATAKANA_OFFSET = 0x60


def _hiragana(text: str) -> str:
    """Katakana as hiragana (ヤマダ -> やまだ); the long-vowel mark stays."""
    return "".join(chr(ord(c) - _KATAKANA_OFFSET) if "\u30a1" <= c <= "\u30f6" else c for c in text)


def _romaji(text: str) -> str | None:
    """``text`` (kana) in Hepburn with long vowels written twice ("oo", "ou", "uu"), or ``None`` when it holds
    anything but kana."""
    kana = _hiragana(text)
    out: list[str] = []
    double_next = False
    i = 0
    while i < len(kana):
        c = kana[i]
        nxt = kana[i + 1] if i + 1 < len(kana) else ""
        if c == "っ":  # a doubled consonant: the next syllable's first letter twice
            double_next = True
            i += 1
            continue
        if c == "ー":  # a long vowel in katakana: the vowel again
            if out:
                out.append(out[-1][-1])
            i += 1
            continue
        if c not in _BASE:
            return None
        if nxt in _SMALL_Y and c not in "あいうえおやゆよわん":
            head = _YOON_HEAD.get(c, _BASE[c][:-1] + "y")
            syllable = head + _SMALL_Y[nxt]
            i += 2
        else:
            syllable = _BASE[c]
            i += 1
        if double_next:
            syllable = ("t" if syllable.startswith("ch") else syllable[0]) + syllable
            double_next = False
        out.append(syllable)
    return "".join(out) if out else None


@lru_cache(maxsize=1024)
def romanize(text: str) -> tuple[str, ...]:
    """The ways ``text`` (kana) is written in Latin letters, capitalised: Hepburn with long vowels as written
    ("Oono"), shortened ("Ono") and with an h ("Ohno"); empty when ``text`` is not all kana."""
    base = _romaji(text.strip())
    if not base:
        return ()
    variants = {base}
    for long, short, with_h in (("ou", "o", "oh"), ("oo", "o", "oh"), ("uu", "u", "u")):
        for v in list(variants):
            if long in v:
                variants.add(v.replace(long, short))
                variants.add(v.replace(long, with_h))
    return tuple(sorted(v.capitalize() for v in variants))
