"""Alternations grouped by first letter (aiminer.text.alternation) match exactly what the plain ones match."""

from __future__ import annotations

import random
import re

import pytest

from aiminer.text import names
from aiminer.text.alternation import by_first_letter, split_alternatives
from aiminer.text.synthetic import generate_reports


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("a|b", ["a", "b"]),
        (r"dr\.?|(?:son|daughter)-in-law|x", [r"dr\.?", "(?:son|daughter)-in-law", "x"]),
        (r"[|a]b|c\|d|e", ["[|a]b", r"c\|d", "e"]),
        (r"[]|]x|y", ["[]|]x", "y"]),
        (r"[^]|]x|y", ["[^]|]x", "y"]),
        (r"(?i:a|b)|c", ["(?i:a|b)", "c"]),
    ],
)
def test_split_alternatives_respects_groups_classes_and_escapes(pattern: str, expected: list[str]) -> None:
    assert split_alternatives(pattern) == expected


def _matches(regex: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], dict[str, str | None]]]:
    return [(m.span(), m.groupdict()) for m in regex.finditer(text)]


#: Characters that case folding ties to ASCII letters (Kelvin sign, long s, dotless i, dotted capital I), other
#: scripts the cue list holds, and separators.
_TRICKY = "\u212a\u017f\u0131\u0130ſK \t\n:#-.,'()病人姓名환자ασθενήςżonaépouse"


def _texts() -> list[str]:
    texts = [r.text for r in generate_reports(150, seed=11)]
    rng = random.Random(5)
    words = [*re.findall(r"[A-Za-z]+", names._TITLES + names._ROLES), "Smith", "Okafor", "by", "per"]
    for _ in range(300):
        parts = []
        for _ in range(rng.randint(3, 25)):
            w = rng.choice(words)
            w = rng.choice([w, w.upper(), w.title(), w.lower()])
            parts.append(w + "".join(rng.choice(_TRICKY) for _ in range(rng.randint(0, 2))))
        texts.append(" ".join(parts))
    return texts


def test_the_name_cue_regex_matches_as_its_plain_alternation_does() -> None:
    plain = re.compile(names._cue_pattern(names._TITLES, names._ROLES), re.IGNORECASE)
    assert plain.pattern != names._CUE_RE.pattern
    total = 0
    for text in _texts():
        expected = _matches(plain, text)
        assert _matches(names._CUE_RE, text) == expected, text
        total += len(expected)
    assert total > 1000  # the texts do exercise the cues


def test_random_alternations_match_as_the_plain_ones_do() -> None:
    rng = random.Random(7)
    pieces = ["dr", "Dr", "doc", "k", "s?x", "(?:ab|b)c", "[a-c]d", "ı", "sa", "Sam", r"\.x", "é", "kx", "a b"]
    alphabet = "abcdkKsSx .\u212a\u017f\u0131\u0130é"
    for _ in range(400):
        alternation = "|".join(rng.sample(pieces, rng.randint(1, 8)))
        flags = rng.choice([0, re.IGNORECASE])
        plain = re.compile(f"(?P<g>{alternation})", flags)
        grouped = re.compile(f"(?P<g>{by_first_letter(alternation)})", flags)
        for _ in range(10):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
            assert _matches(grouped, text) == _matches(plain, text), (alternation, flags, text)
