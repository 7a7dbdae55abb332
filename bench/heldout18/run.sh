#!/bin/sh
# Held-out set 18: 30 English-language imaging reports and the documents that travel with them (MLC reports,
# PCPNDT forms, discharge summaries, referral letters, MDT notes, request forms, pre-authorisations, TB/HIV
# programme forms) from South Asia, Africa, South-East Asia, the Middle East and the Caribbean;
# one `aiminer deid` run, then the reviewer's score.
# Usage: /work/heldout18/run.sh   (from anywhere; writes results.json next to it, nothing under /work/main)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$here"
"$repo/.venv/bin/python" check_labels.py
"$repo/.venv/bin/python" score.py --aiminer "$repo/.venv/bin/aiminer" "$@"
