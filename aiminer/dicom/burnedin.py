"""Burned-in text: decide whether pixels may carry identity text, and mask known layouts.

A file is *at risk* when it says so (BurnedInAnnotation = YES) or when its modality or SOP class usually carries
text in the pixels (ultrasound, secondary capture, screen captures, photographs); an ophthalmic image or a whole
slide is at risk unless it declares BurnedInAnnotation NO (a slide's label and overview always are). A risk is
either cleaned by a mask rule (rectangles for a known modality/manufacturer/model/size,
``data/burned_in_masks.toml`` plus any file the user adds) when the pixels are native (uncompressed), or the file
is quarantined with ``burned_in_risk``.
It is never passed through silently.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from aiminer.errors import PolicyError

#: Modalities that usually carry burned-in text, whatever the file says (PS3.15 E.3.1 discussion; CTP and TCIA
#: practice): ultrasound, captures, photographs, endoscopy, microscopy photographs, documents.
RISK_MODALITIES = frozenset({"US", "SC", "OT", "XC", "ES", "GM", "DOC", "IVUS"})

#: SOP classes that are screen captures or photographs whatever their modality says.
RISK_SOP_CLASS_PREFIXES = (
    "1.2.840.10008.5.1.4.1.1.7",  # Secondary Capture family (incl. multi-frame SC)
    "1.2.840.10008.5.1.4.1.1.77.1.1",  # VL endoscopic, video endoscopic
    "1.2.840.10008.5.1.4.1.1.77.1.2",  # VL microscopic, video microscopic
    "1.2.840.10008.5.1.4.1.1.77.1.3",  # VL slide-coordinates microscopic
    "1.2.840.10008.5.1.4.1.1.77.1.4",  # VL photographic, video photographic (a face, a tattoo, a wound)
    "1.2.840.10008.5.1.4.1.1.3.1",  # US multi-frame
    "1.2.840.10008.5.1.4.1.1.6",  # US image
)

#: Modalities and SOP classes at risk unless the file declares BurnedInAnnotation NO: a fundus camera, an OCT and a
#: slide scanner write text into some of their images (a date strip, a slide's label) and their makers say which.
#: Until red team 6 (2026-12-06) they were at risk whatever the file said, and no retina photograph, OCT or tissue
#: slide of a research export passed. A slide's label and overview images are at risk whatever they say.
DECLARED_RISK_MODALITIES = frozenset({"OP", "OPT", "SM"})
DECLARED_RISK_SOP_CLASS_PREFIXES = (
    "1.2.840.10008.5.1.4.1.1.77.1.5",  # ophthalmic photography and tomography
    "1.2.840.10008.5.1.4.1.1.77.1.6",  # VL whole slide microscopy
)
#: Whole-slide image types that show the slide's label (its barcode, often the patient's name).
LABEL_IMAGE_TYPES = frozenset({"LABEL", "OVERVIEW"})


@dataclass(frozen=True)
class MaskRule:
    """One known screen layout and the rectangles (x, y, width, height) that hold text."""

    id: str
    regions: tuple[tuple[int, int, int, int], ...]
    modality: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    rows: int | None = None
    columns: int | None = None
    extra: dict[str, str] = field(default_factory=dict)
    description: str = ""

    def matches(self, attrs: dict[str, str]) -> bool:
        """True when every condition the rule states holds for ``attrs`` (keyword -> value as text)."""
        if self.modality is not None and attrs.get("Modality", "").upper() != self.modality.upper():
            return False
        if self.manufacturer is not None and self.manufacturer.lower() not in attrs.get("Manufacturer", "").lower():
            return False
        if self.model is not None and self.model.lower() not in attrs.get("ManufacturerModelName", "").lower():
            return False
        if self.rows is not None and attrs.get("Rows") != str(self.rows):
            return False
        if self.columns is not None and attrs.get("Columns") != str(self.columns):
            return False
        return all(v.lower() in attrs.get(k, "").lower() for k, v in self.extra.items())


def _parse_rules(data: dict[str, object], origin: str) -> list[MaskRule]:
    rules: list[MaskRule] = []
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list):
        raise PolicyError(detail=f"{origin}: 'rule' must be an array of tables")
    for i, raw in enumerate(raw_rules):
        if not isinstance(raw, dict):
            raise PolicyError(detail=f"{origin}: rule {i} is not a table")
        regions = raw.get("regions")
        if not isinstance(regions, list) or not regions:
            raise PolicyError(detail=f"{origin}: rule {i} has no regions")
        parsed: list[tuple[int, int, int, int]] = []
        for reg in regions:
            if not (isinstance(reg, list) and len(reg) == 4 and all(isinstance(v, int) and v >= 0 for v in reg)):
                raise PolicyError(detail=f"{origin}: rule {i} region must be [x, y, width, height] of ints >= 0")
            parsed.append((reg[0], reg[1], reg[2], reg[3]))
        extra = raw.get("extra", {})
        rules.append(
            MaskRule(
                id=str(raw.get("id", f"{origin}#{i}")),
                regions=tuple(parsed),
                modality=raw.get("modality"),
                manufacturer=raw.get("manufacturer"),
                model=raw.get("model"),
                rows=raw.get("rows"),
                columns=raw.get("columns"),
                extra={str(k): str(v) for k, v in extra.items()} if isinstance(extra, dict) else {},
                description=str(raw.get("description", "")),
            )
        )
    return rules


@lru_cache(maxsize=16)
def load_mask_rules(extra_files: tuple[str | Path, ...] = ()) -> tuple[MaskRule, ...]:
    """The packaged rule table plus the user's own files (added, not replacing); cached per file list."""
    rules: list[MaskRule] = []
    packaged = resources.files("aiminer.dicom").joinpath("data", "burned_in_masks.toml")
    if packaged.is_file():
        rules.extend(_parse_rules(tomllib.loads(packaged.read_text(encoding="utf-8")), "burned_in_masks.toml"))
    for path in extra_files:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise PolicyError(detail=f"cannot read mask rules {path}: {exc.__class__.__name__}") from exc
        rules.extend(_parse_rules(data, str(path)))
    return tuple(rules)


def at_risk(attrs: dict[str, str]) -> bool:
    """Whether pixels may carry burned-in identity text."""
    declared = attrs.get("BurnedInAnnotation", "").strip().upper()
    if declared == "YES":
        return True
    image_type = attrs.get("ImageType", "").upper()
    if "SCREEN" in image_type or attrs.get("ConversionType"):
        return True
    modality = attrs.get("Modality", "").strip().upper()
    sop = attrs.get("SOPClassUID", "")
    if modality in RISK_MODALITIES or _in_family(sop, RISK_SOP_CLASS_PREFIXES):
        return True
    if modality in DECLARED_RISK_MODALITIES or _in_family(sop, DECLARED_RISK_SOP_CLASS_PREFIXES):
        return declared != "NO" or not LABEL_IMAGE_TYPES.isdisjoint(v.strip() for v in image_type.split("\\"))
    return False


def _in_family(sop: str, prefixes: tuple[str, ...]) -> bool:
    return any(sop == p or sop.startswith(p + ".") for p in prefixes)


def regions_for(attrs: dict[str, str], rules: tuple[MaskRule, ...]) -> tuple[tuple[int, int, int, int], ...]:
    """Union of the regions of every matching rule (empty when no rule knows this layout)."""
    out: list[tuple[int, int, int, int]] = []
    for rule in rules:
        if rule.matches(attrs):
            out.extend(rule.regions)
    return tuple(out)


@dataclass(frozen=True)
class FrameGeometry:
    """Layout of one native (uncompressed) frame."""

    rows: int
    columns: int
    samples: int
    bytes_per_sample: int
    planar: bool

    @property
    def frame_bytes(self) -> int:
        """Bytes of one frame."""
        return self.rows * self.columns * self.samples * self.bytes_per_sample


def mask_frame(frame: bytearray, geo: FrameGeometry, regions: tuple[tuple[int, int, int, int], ...]) -> None:
    """Zero every region of one frame in place (all samples, both planar layouts)."""
    bpp = geo.bytes_per_sample
    for x, y, w, h in regions:
        x0, y0 = min(x, geo.columns), min(y, geo.rows)
        x1, y1 = min(x + w, geo.columns), min(y + h, geo.rows)
        if x1 <= x0 or y1 <= y0:
            continue
        if geo.planar:
            plane = geo.rows * geo.columns * bpp
            span = (x1 - x0) * bpp
            zeros = bytes(span)
            for s in range(geo.samples):
                for row in range(y0, y1):
                    start = s * plane + (row * geo.columns + x0) * bpp
                    frame[start : start + span] = zeros
        else:
            pixel = geo.samples * bpp
            span = (x1 - x0) * pixel
            zeros = bytes(span)
            for row in range(y0, y1):
                start = (row * geo.columns + x0) * pixel
                frame[start : start + span] = zeros
