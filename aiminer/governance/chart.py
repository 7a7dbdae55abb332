"""A small PNG bar chart of a usage summary, drawn with Pillow (imported lazily: an optional extra)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from aiminer.governance.usage import UsageSummary

_GB = 2**30


def usage_chart(summary: UsageSummary, path: Path, width: int = 720, height: int = 420) -> Path:
    """Write a PNG with two panels: objects per measure, GB per measure (+ GB-months stored)."""
    try:
        from PIL import Image, ImageDraw
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError("the PNG chart needs Pillow: pip install 'aiminer[dev]' or pillow") from exc
    kinds = ("received", "deidentified", "quarantined", "delivered")
    colors = ("#4C72B0", "#55A868", "#C44E52", "#8172B2", "#CCB974")
    objects = [float(getattr(summary, f"{k}_objects")) for k in kinds]
    gbs = [getattr(summary, f"{k}_bytes") / _GB for k in kinds] + [summary.stored_gb_months]
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    draw.text((10, 8), f"AI MINER usage: project {summary.project}, {summary.month}", fill="black")
    panels = (("objects", list(kinds), objects), ("GB", [*kinds, "GB-months"], gbs))
    panel_w = (width - 30) // 2
    for p, (title, labels, values) in enumerate(panels):
        x0, y0, y1 = 10 + p * (panel_w + 10), 40, height - 40
        draw.text((x0, y0 - 14), title, fill="black")
        draw.line((x0, y1, x0 + panel_w, y1), fill="black")
        top = max(values) or 1.0
        bar_w = panel_w // (len(values) * 2)
        for i, (label, value) in enumerate(zip(labels, values, strict=True)):
            bx = x0 + bar_w // 2 + i * 2 * bar_w
            bh = int((y1 - y0 - 20) * value / top)
            draw.rectangle((bx, y1 - bh, bx + bar_w, y1), fill=colors[i % len(colors)])
            draw.text((bx, y1 - bh - 12), f"{value:.3g}", fill="black")
            draw.text((bx - 4, y1 + 4 + (i % 2) * 12), label[:12], fill="black")
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, format="PNG")
    return path
