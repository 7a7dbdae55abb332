#!/bin/sh
# Held-out set 16 (docs/reports.md, "Held-out check"): 30 everyday dictated radiology reports of every modality as a
# speech-recognition system and an EHR export them (CT, MR, US, XR, mammography, fluoroscopy, NM/PET, IR, DEXA,
# cardiac; three left all in small letters), one `aiminer deid` run, then the reviewer's score.
# Usage: bench/heldout16/run.sh   (from anywhere; writes bench/heldout16/results.json, which git ignores)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$here"
"$repo/.venv/bin/python" check_labels.py
"$repo/.venv/bin/python" score.py --aiminer "$repo/.venv/bin/aiminer" "$@"
