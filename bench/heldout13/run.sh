#!/bin/sh
# Held-out set 13 (docs/reports.md, "Held-out check"): 30 hand-written documents whose PHI sits in embedded
# structure and odd layouts (page footers, fax banners, key:value blocks, fixed-width tables, FHIR JSON and CDA XML,
# an HL7 message pasted into a note, audit trails, logs, labels), one `aiminer deid` run, then the reviewer's score.
# Usage: bench/heldout13/run.sh   (from anywhere; writes bench/heldout13/results/, which git ignores)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$here"
"$repo/.venv/bin/python" build.py > /dev/null
"$repo/.venv/bin/python" check_labels.py | tail -1
mkdir -p results
"$repo/.venv/bin/python" score.py --aiminer "$repo/.venv/bin/aiminer" --report "results/run-$(date +%Y%m%d-%H%M%S).md" "$@"
