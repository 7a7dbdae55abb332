#!/bin/sh
# Held-out set 14 (docs/reports.md, "Held-out check"): 30 hand-written documents from imaging-adjacent specialties
# (cardiology and electrophysiology, nuclear medicine and PET, radiation oncology, interventional radiology, breast
# and dental imaging), one `aiminer deid` run, then the reviewer's score.
# Usage: bench/heldout14/run.sh   (from anywhere; writes bench/heldout14/results.json, which git ignores)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$here"
"$repo/.venv/bin/python" check_labels.py
"$repo/.venv/bin/python" score.py --aiminer "$repo/.venv/bin/aiminer" "$@"
