#!/bin/sh
# Held-out set 19: 30 US documents that travel with imaging into research exports from the worlds of claims, law
# and the military (workers' compensation, IME/UR, auto/no-fault, Social Security disability, personal-injury
# litigation, subpoenas, VA and DoD records, occupational-health B-reads and surveillance, HR/return-to-work);
# one `aiminer deid` run, then the reviewer's score.
# Usage: /work/heldout19/run.sh   (from anywhere; writes results.json next to it, nothing under /work/main)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
[ -x "$repo/.venv/bin/aiminer" ] || repo=/work/main
cd "$here"
"$repo/.venv/bin/python" check_labels.py
"$repo/.venv/bin/python" score.py --aiminer "$repo/.venv/bin/aiminer" "$@"
