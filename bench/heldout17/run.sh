#!/bin/sh
# Held-out set 17 (docs/reports.md, "Held-out check"): 30 radiology and imaging reports written in the partner site's
# own language (German, French, Spanish, Portuguese, Italian, Dutch, Polish, Czech, Greek, Turkish, Danish, Swedish,
# Norwegian), one `aiminer deid` run, then the reviewer's score.
# Usage: bench/heldout17/run.sh   (from anywhere; writes bench/heldout17/results.json, which git ignores)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$here"
"$repo/.venv/bin/python" check_labels.py
"$repo/.venv/bin/python" score.py --aiminer "$repo/.venv/bin/aiminer" "$@"
