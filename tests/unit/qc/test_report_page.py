"""The QC report page: counts, verdict, thumbnails, escaping, no external resources; and a real browser render."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PIL import Image

from aiminer.qc.checks import QcFinding, QcResult
from aiminer.qc.report import ObjectQc, render_report
from tests.unit.qc.conftest import demo_submission

if TYPE_CHECKING:
    from collections.abc import Callable

    from aiminer.samples import Corpus
    from tests.unit.qc.conftest import Deidentified

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def demo(corpus: Corpus, deid: Callable[..., Deidentified]) -> tuple[list[ObjectQc], dict[str, object]]:
    return demo_submission(corpus, deid)


def test_blocked_page_shows_counts_verdict_and_findings(demo: tuple[list[ObjectQc], dict[str, object]]) -> None:
    # GIVEN a submission with clean objects, one object with two planted errors, and ingest quarantines
    results, summary = demo
    failed = [o for o in results if not o.result.passed]
    assert len(failed) == 1

    # WHEN the page is rendered
    page = render_report("SUB-2026-0042", results, summary)

    # THEN the verdict blocks approval with the error count, and the counts and reasons are shown
    assert "Blocked by automated QC: 2 errors" in page
    assert f'<div class="n">{len(results)}</div><div class="l">objects checked</div>' in page
    assert f'<div class="n">{len(results) - 1}</div><div class="l">passed</div>' in page
    assert '<div class="n">1</div><div class="l">failed</div>' in page
    assert '<div class="n">4</div><div class="l">quarantined at ingest</div>' in page
    assert "<code>burned_in_risk</code></td><td>1</td>" in page
    assert "SUB-2026-0042" in page and "PRJ-QC" in page and "aiminer-safe-harbor@1" in page
    for site in summary["sites"]:  # type: ignore[attr-defined]
        assert site in page
    # AND the failed object's findings are listed by code and location
    assert "<code>residual_phi</code> NAME in ImageComments (0020,4000)" in page
    assert "<code>date_not_year_only</code> date at StudyDate (0008,0020)" in page
    assert failed[0].key in page


def test_thumbnails_are_inline_with_alt_text_and_marks(demo: tuple[list[ObjectQc], dict[str, object]]) -> None:
    # GIVEN the demo submission (CT, MR, masked US, one failed MR)
    results, summary = demo
    with_thumbs = [o for o in results if o.result.thumbnail]

    # WHEN the page is rendered
    page = render_report("SUB-1", results, summary)

    # THEN each thumbnail is a data: URI image with alt text; the failed one is outlined, the US labelled masked
    images = re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="([^"]+)">', page)
    assert len(images) == len(with_thumbs) >= 5
    assert all(alt.startswith("First frame of ") for alt in images)
    assert page.count('<figure class="failed">') == 1
    masked = sum(o.result.masked for o in with_thumbs)
    assert masked >= 1
    assert sum("burned-in text masked" in alt for alt in images) == masked
    assert '<span class="badge masked">masked</span>' in page


def test_clean_submission_is_ready_for_approval(demo: tuple[list[ObjectQc], dict[str, object]]) -> None:
    # GIVEN only the objects that passed
    results, _ = demo
    clean = [o for o in results if o.result.passed]

    # WHEN the page is rendered
    page = render_report("SUB-2", clean, {"project": "PRJ-QC"})

    # THEN the verdict says ready, and nothing says blocked
    assert "Ready for approval" in page
    assert "Blocked" not in page


def test_warnings_alone_do_not_block() -> None:
    # GIVEN one object with only a warning
    result = QcResult((QcFinding("time_present", "warning", "time at StudyTime (0008,0030)"),), True)

    # WHEN the page is rendered
    page = render_report("SUB-3", [ObjectQc("PRJ/S-ABC123/x.dcm", "dicom", result)], {})

    # THEN it is ready, with the warning to review
    assert "Ready for approval" in page
    assert "1 warning to review" in page


def test_everything_is_escaped() -> None:
    # GIVEN hostile strings in the key, the submission ID, the summary and a finding
    result = QcResult((QcFinding("residual_phi", "error", HOSTILE),), False, None)
    objects = [ObjectQc(HOSTILE, HOSTILE, result)]
    summary: dict[str, object] = {"project": HOSTILE, "sites": [HOSTILE], "quarantined": {HOSTILE: 2}}

    # WHEN the page is rendered
    page = render_report(HOSTILE, objects, summary)

    # THEN no markup gets through: only the escaped form appears
    assert "<script" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_page_loads_nothing_from_outside(demo: tuple[list[ObjectQc], dict[str, object]]) -> None:
    # GIVEN the demo page
    page = render_report("SUB-4", *demo)

    # WHEN its resource references are listed
    sources = re.findall(r'(?:src|href)="([^"]*)"', page)

    # THEN every image is inline, links are in-page anchors, and a CSP forbids anything else
    assert sources
    assert all(s.startswith(("data:image/png;base64,", "#obj-")) for s in sources)
    assert "<link" not in page and "<script" not in page and "url(" not in page
    assert "default-src 'none'" in page


def _chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="chromium not installed (run scripts/install-chromium.sh)")
def test_page_renders_in_headless_chromium(demo: tuple[list[ObjectQc], dict[str, object]], tmp_path: Path) -> None:
    # GIVEN the demo page written to a file
    results, summary = demo
    html = tmp_path / "qc-report.html"
    html.write_text(render_report("SUB-2026-0042", results, summary), encoding="utf-8")
    png = tmp_path / "qc-report.png"

    # WHEN headless Chromium screenshots it at 1280 px wide (no network, no profile, no GPU)
    chromium = _chromium()
    assert chromium is not None
    _screenshot(chromium, html, png, tmp_path / "profile", height=900)

    # THEN the screenshot exists, has the window size, and is not blank (every band has contrast)
    assert png.is_file() and png.stat().st_size > 20_000
    with Image.open(png) as img:
        assert img.size == (1280, 900)
        rgb = img.convert("RGB")
        extrema: list[tuple[int, int]] = list(rgb.getextrema())  # type: ignore[arg-type]
        colours = rgb.getcolors(maxcolors=1_000_000) or []
    assert all(hi - lo > 100 for lo, hi in extrema)  # every band has contrast
    assert len(colours) > 50  # text, badges, thumbnails: not a flat page
    # The documentation's screenshot (docs/img/qc-report.png) is taken the same way, taller, when asked.
    target = os.environ.get("AIMINER_QC_SCREENSHOT")
    if target:
        _screenshot(chromium, html, Path(target), tmp_path / "profile", height=1500)


def _screenshot(chromium: str, html: Path, png: Path, profile: Path, height: int) -> None:
    """Headless Chromium, no network, no GPU, a throwaway profile; 1280 px wide."""
    cmd = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--screenshot={png}",
        f"--window-size=1280,{height}",
        html.as_uri(),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
