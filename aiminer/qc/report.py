"""The QC report page: one self-contained HTML file a curator reads before approving a submission.

:func:`render_report` turns the per-object QC results of one submission into a single page: a verdict banner,
the counts (objects, passed, failed, quarantined by reason), the findings of every object, and a grid of
first-frame thumbnails (failed ones outlined in red, masked ones labelled). Everything is inline (CSS, images as
``data:`` URIs) and a Content-Security-Policy forbids any other resource, so the page can be stored next to the
submission, attached to the approval task, and opened offline. Every string is escaped.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections import Counter
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

from aiminer.qc.checks import CODES

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from aiminer.qc.checks import QcResult

#: One line per code for the legend of the report (what the finding means for the curator).
CODE_MEANINGS: dict[str, str] = {
    "parse_error": "The object could not be read as its type.",
    "decode_error": "The bytes are not text in a supported encoding.",
    "private_attribute": "A private (vendor) attribute survived that the project's policy does not allow.",
    "identity_not_removed": "PatientIdentityRemoved is not YES.",
    "method_not_recorded": "The de-identification method (text or code 113100) is not recorded.",
    "date_not_year_only": "A date or date-time keeps more than the year.",
    "time_present": "A time of day is present.",
    "residual_phi": "Text still contains something that looks like PHI (category given).",
    "age_over_89": "An age over 89 is not aggregated to 090Y, or the birth date of such a patient remains.",
    "burned_in_unresolved": "Pixels may carry burned-in text and no Clean Pixel Data was recorded.",
    "recognizable_features": "The image is flagged as showing recognizable visual features.",
    "coded_id_malformed": "A coded identifier or instance UID does not have the AI MINER shape.",
    "uid_not_remapped": "A UID is neither a registered (well-known) UID nor remapped under 2.25.",
    "formula_cell": "A table cell would run as a spreadsheet formula.",
    "findings_truncated": "More findings than the page lists for this object.",
}


@dataclass(frozen=True)
class ObjectQc:
    """QC of one object of a submission. ``key`` is the PHI-free object key (coded path)."""

    key: str
    kind: str
    result: QcResult


_CSS = """
:root{--ink:#1b1f24;--muted:#5b6470;--line:#d9dde3;--bg:#f6f7f9;--ok:#1a7f37;--okbg:#e6f4ea;
--bad:#c62828;--badbg:#fdecea;--warn:#8a5a00;--warnbg:#fff4d6;--accent:#0b4f8a}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);
background:var(--bg)}
header.top{background:#10263d;color:#fff;padding:18px 32px}
header.top h1{margin:0;font-size:22px;font-weight:600}
header.top .sub{color:#c4d3e3;font-size:13px;margin-top:4px}
main{max-width:1240px;margin:0 auto;padding:20px 32px 48px}
dl.meta{display:grid;grid-template-columns:max-content 1fr max-content 1fr;gap:4px 16px;margin:0 0 14px}
dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;font-weight:600;overflow-wrap:anywhere}
.verdict{border-radius:8px;padding:12px 20px;font-size:20px;font-weight:700;margin:0 0 18px;display:flex;
align-items:center;gap:12px}
.verdict.ok{background:var(--okbg);color:var(--ok);border:2px solid var(--ok)}
.verdict.bad{background:var(--badbg);color:var(--bad);border:2px solid var(--bad)}
.verdict .icon{font-size:26px}.verdict small{display:block;font-size:14px;font-weight:400;color:var(--ink)}
.cards{display:grid;grid-template-columns:repeat(5,1fr);gap:12px;margin-bottom:18px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 14px}
.card .n{font-size:26px;font-weight:700}.card .l{color:var(--muted);font-size:13px}
.card.bad .n{color:var(--bad)}.card.ok .n{color:var(--ok)}.card.warn .n{color:var(--warn)}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 18px;margin-bottom:18px}
section h2{margin:0 0 10px;font-size:16px}
.two{display:grid;grid-template-columns:3fr 2fr;gap:18px;align-items:start}.two section{margin-bottom:18px}
table{width:100%;border-collapse:collapse;font-size:14px}
th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid var(--line)}
th{background:#eef1f4;font-weight:600}
td.key{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12.5px;overflow-wrap:anywhere;width:42%}
tr.failed td.key{border-left:4px solid var(--bad)}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px;font-weight:600;white-space:nowrap}
.badge.error,.badge.failed{background:var(--badbg);color:var(--bad)}
.badge.warning{background:var(--warnbg);color:var(--warn)}
.badge.passed{background:var(--okbg);color:var(--ok)}
.badge.masked{background:#e8eefc;color:#1f3f99}
ul.findings{margin:0;padding:0;list-style:none}ul.findings li{margin:0 0 3px}
code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12.5px}
.none{color:var(--muted)}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:14px}
figure{margin:0;background:#fff;border:2px solid var(--line);border-radius:8px;padding:8px;position:relative}
figure.failed{border:3px solid var(--bad)}
figure a{display:block;background:#000;border-radius:4px;text-align:center}
figure img{display:block;width:100%;height:150px;object-fit:contain}
figure .tags{position:absolute;top:12px;left:12px;display:flex;gap:4px}
figcaption{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:11px;margin-top:6px;
white-space:nowrap;overflow:hidden;text-overflow:ellipsis;color:var(--muted)}
.legend td:first-child{white-space:nowrap}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:12px}
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _as_counts(value: object) -> dict[str, int]:
    if not isinstance(value, dict):
        return {}
    out: dict[str, int] = {}
    for k, v in value.items():
        try:
            out[str(k)] = int(v)
        except (TypeError, ValueError):
            continue
    return out


def _as_list(value: object) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(str(v) for v in value)
    return [str(value)]


def _short_key(key: str) -> str:
    """Series code and the end of the instance name: what fits under a thumbnail (the full key is in the title)."""
    parts = key.split("/")
    name = parts[-1].removesuffix(".dcm")
    tail = name if len(name) <= 8 else "\u2026" + name[-6:]
    return f"{parts[-2]} \u00b7 {tail}" if len(parts) > 1 else tail


def _status(result: QcResult) -> str:
    return "passed" if result.passed else "failed"


def _findings_html(result: QcResult) -> str:
    if not result.findings:
        return '<span class="none">no findings</span>'
    items = "".join(
        f'<li><span class="badge {_e(f.severity)}">{_e(f.severity)}</span> '
        f"<code>{_e(f.code)}</code> {_e(f.detail)}</li>"
        for f in result.findings
    )
    return f'<ul class="findings">{items}</ul>'


def _thumb_html(index: int, obj: ObjectQc) -> str:
    result = obj.result
    assert result.thumbnail is not None
    uri = "data:image/png;base64," + base64.b64encode(result.thumbnail).decode("ascii")
    status = _status(result)
    alt = f"First frame of {obj.key}, QC {status}" + (", burned-in text masked" if result.masked else "")
    tags = f'<span class="badge {status}">{status}</span>'
    if result.masked:
        tags += '<span class="badge masked">masked</span>'
    return (
        f'<figure class="{status}"><a href="#obj-{index}"><img src="{uri}" alt="{_e(alt)}"></a>'
        f'<div class="tags">{tags}</div><figcaption title="{_e(obj.key)}">{_e(_short_key(obj.key))}</figcaption>'
        "</figure>"
    )


def _ingest_table(quarantined: dict[str, int], rejected: dict[str, int]) -> str:
    rows = [("quarantined", k, v) for k, v in sorted(quarantined.items(), key=lambda kv: (-kv[1], kv[0]))]
    rows += [("rejected", k, v) for k, v in sorted(rejected.items(), key=lambda kv: (-kv[1], kv[0]))]
    if not rows:
        body = '<p class="none">Every uploaded object was de-identified; none was quarantined or rejected.</p>'
    else:
        body = (
            "<table><thead><tr><th>outcome</th><th>reason</th><th>objects</th></tr></thead><tbody>"
            + "".join(
                f'<tr><td><span class="badge warning">{_e(o)}</span></td><td><code>{_e(k)}</code></td><td>{v}</td></tr>'
                for o, k, v in rows
            )
            + "</tbody></table>"
        )
    return f"<section><h2>At ingest (never reached the repository)</h2>{body}</section>"


def _legend(results: Iterable[ObjectQc]) -> str:
    per_code: Counter[str] = Counter()
    for obj in results:
        per_code.update(set(obj.result.codes))
    if not per_code:
        return '<section><h2>Findings by check</h2><p class="none">No check found anything.</p></section>'
    rows = "".join(
        f'<tr><td><code>{_e(code)}</code></td><td><span class="badge {_e(CODES.get(code, "error"))}">'
        f"{_e(CODES.get(code, 'error'))}</span></td><td>{n}</td><td>{_e(CODE_MEANINGS.get(code, ''))}</td></tr>"
        for code, n in sorted(per_code.items(), key=lambda kv: (CODES.get(kv[0]) != "error", -kv[1], kv[0]))
    )
    return (
        '<section class="legend"><h2>Findings by check</h2><table><thead><tr><th>code</th><th>severity</th>'
        f"<th>objects</th><th>meaning</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _row_id(index: int) -> str:
    return f' id="obj-{index}"'


def _objects_table(title: str, items: Sequence[tuple[int, ObjectQc]], anchors: bool) -> str:
    rows = "".join(
        f'<tr{_row_id(i) if anchors else ""} class="{_status(o.result)}"><td class="key">{_e(o.key)}</td>'
        f'<td>{_e(o.kind)}</td><td><span class="badge {_status(o.result)}">{_status(o.result)}</span>'
        + (' <span class="badge masked">masked</span>' if o.result.masked else "")
        + f"</td><td>{_findings_html(o.result)}</td></tr>"
        for i, o in items
    )
    return (
        f"<section><h2>{_e(title)}</h2><table><thead><tr><th>object key</th><th>type</th>"
        f"<th>QC</th><th>findings</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def render_report(submission_id: str, results: Sequence[ObjectQc], summary: Mapping[str, Any]) -> str:
    """Render the QC report of one submission as one self-contained HTML page.

    Parameters
    ----------
    submission_id
        The submission's identifier (PHI-free).
    results
        QC of every de-identified object of the submission (keys are coded, PHI-free paths).
    summary
        Submission facts, all optional: ``project`` (str), ``sites`` (str or list of coded site IDs),
        ``quarantined`` and ``rejected`` (reason -> count, from the ingest receipts), ``policy`` (policy id),
        ``generated_at`` (str; defaults to now, UTC).

    Returns
    -------
    str
        The HTML page. It loads nothing from outside (inline CSS, ``data:`` thumbnails, CSP ``default-src
        'none'``) and every value is HTML-escaped.
    """
    quarantined = _as_counts(summary.get("quarantined"))
    rejected = _as_counts(summary.get("rejected"))
    failed = [o for o in results if not o.result.passed]
    errors = sum(o.result.errors for o in results)
    warnings = sum(len(o.result.findings) - o.result.errors for o in results)
    generated = str(summary.get("generated_at") or dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))
    sites = _as_list(summary.get("sites", summary.get("site")))
    n_quarantined = sum(quarantined.values())

    if errors or failed:
        verdict = (
            f'<div class="verdict bad" role="alert"><span class="icon" aria-hidden="true">&#10007;</span><div>'
            f"Blocked by automated QC: {errors} error{'s' if errors != 1 else ''}"
            f"<small>{len(failed)} of {len(results)} objects failed. Fix or withdraw them before approval.</small>"
            "</div></div>"
        )
    else:
        note = f"{warnings} warning{'s' if warnings != 1 else ''} to review. " if warnings else ""
        verdict = (
            '<div class="verdict ok" role="status"><span class="icon" aria-hidden="true">&#10003;</span><div>'
            f"Ready for approval<small>All {len(results)} objects passed automated QC. {_e(note)}"
            "A curator still decides.</small></div></div>"
        )

    meta = (
        '<dl class="meta">'
        f"<dt>Submission</dt><dd>{_e(submission_id)}</dd>"
        f"<dt>Project</dt><dd>{_e(summary.get('project', '') or '-')}</dd>"
        f"<dt>Sites</dt><dd>{_e(', '.join(sites) or '-')}</dd>"
        f"<dt>Policy</dt><dd>{_e(summary.get('policy', '') or '-')}</dd>"
        "</dl>"
    )
    cards = (
        '<div class="cards">'
        f'<div class="card"><div class="n">{len(results)}</div><div class="l">objects checked</div></div>'
        f'<div class="card ok"><div class="n">{len(results) - len(failed)}</div><div class="l">passed</div></div>'
        f'<div class="card bad"><div class="n">{len(failed)}</div><div class="l">failed</div></div>'
        f'<div class="card warn"><div class="n">{n_quarantined}</div><div class="l">quarantined at ingest</div></div>'
        f'<div class="card warn"><div class="n">{warnings}</div><div class="l">warnings</div></div>'
        "</div>"
    )

    ordered = sorted(enumerate(results), key=lambda io: (io[1].result.passed, -io[1].result.errors, io[0]))
    attention = [(i, o) for i, o in ordered if not o.result.passed]
    failed_table = _objects_table(f"Failed objects ({len(attention)})", attention, False) if attention else ""
    table = _objects_table(f"All objects ({len(results)})", ordered, True)
    thumbs = [(i, o) for i, o in ordered if o.result.thumbnail]
    grid = (
        f'<section><h2>Images ({len(thumbs)} thumbnails, first frame)</h2><div class="grid">'
        + "".join(_thumb_html(i, o) for i, o in thumbs)
        + "</div></section>"
        if thumbs
        else ""
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
        "style-src 'unsafe-inline'\">"
        f"<title>QC report {_e(submission_id)}</title><style>{_CSS}</style></head><body>"
        f'<header class="top"><h1>AI MINER &middot; QC report</h1><div class="sub">Submission {_e(submission_id)}'
        f" &middot; generated {_e(generated)}</div></header><main>"
        f"{verdict}{meta}{cards}"
        f'<div class="two">{_legend(results)}{_ingest_table(quarantined, rejected)}</div>'
        f"{failed_table}{grid}{table}"
        "<footer>Automated QC checks the de-identified objects only; quarantined objects never reached the "
        "repository. Details name attributes and positions, never values.</footer>"
        "</main></body></html>\n"
    )
