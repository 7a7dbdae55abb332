"""Faster long alternations: the same regex, its alternatives grouped by their first letter.

Python's ``re`` tries the alternatives of ``(?:a|b|...)`` one by one at every position it reaches. Under
``re.IGNORECASE`` it cannot reject an alternative by its first character before entering it, so a cue list of ~300
titles and roles cost about 10 microseconds at each word of a text (1.2 s per megabyte). :func:`by_first_letter`
rewrites such an alternation so that one lookahead per first letter picks the few alternatives that can match there:
``(?=d)(?:Dr|Drs|Doctor|...)|(?=m)(?:Mr|Mrs|...)|...``.

The rewrite matches exactly what the original matches, with the same groups, at every position:

- an alternative whose first character is an ASCII letter (not made optional by a quantifier) goes to that
  letter's group; the lookahead ``(?=d)`` and the alternative's own first literal are the same test under the same
  flags, so a group is entered exactly where its alternatives could start, case folding included (``(?=k)`` also
  takes the Kelvin sign, as ``k`` does);
- any other alternative (a group, a class, another script) is put into every letter's group, and into a last
  group for the other characters, keeping the original order within each group; so, at any position, the group
  entered holds every alternative that can match there, in the original order, and leftmost-first alternation
  picks the same one.
"""

from __future__ import annotations


def split_alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of ``pattern`` (``|`` outside groups, classes and escapes)."""
    out: list[str] = []
    depth = 0
    class_start = -1  # where the class being read opened, or -1
    current: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            current.append(pattern[i : i + 2])
            i += 2
            continue
        if class_start >= 0:
            # a "]" first in a class ("[]a]", "[^]a]") is a literal
            if ch == "]" and i > class_start + 1 and pattern[class_start + 1 : i] != "^":
                class_start = -1
        elif ch == "[":
            class_start = i
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append("".join(current))
            current = []
            i += 1
            continue
        current.append(ch)
        i += 1
    out.append("".join(current))
    return out


def _first_letter(alternative: str) -> str | None:
    """The ASCII letter every match of ``alternative`` starts with (lower-cased), or None when unsure."""
    if not alternative or not (alternative[0].isascii() and alternative[0].isalpha()):
        return None
    if len(alternative) > 1 and alternative[1] in "?*{":
        return None  # "s?" may start elsewhere
    return alternative[0].lower()


def by_first_letter(alternation: str) -> str:
    """Rewrite ``alternation`` (``a|b|...``, no enclosing group) into letter-dispatched groups (module docstring).

    For a pattern compiled with ``re.IGNORECASE``; put the result inside a group, as the original would be.
    """
    alternatives = split_alternatives(alternation)
    letters = sorted({k for a in alternatives if (k := _first_letter(a)) is not None})
    if not letters:
        return alternation
    wild = [a for a in alternatives if _first_letter(a) is None]
    groups = [f"(?={k})(?:{'|'.join(a for a in alternatives if _first_letter(a) in (k, None))})" for k in letters]
    if wild:
        groups.append(f"(?![{''.join(letters)}])(?:{'|'.join(wild)})")
    return "|".join(groups)
