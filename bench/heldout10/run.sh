#!/bin/sh
# Held-out set 10 (docs/reports.md, "Held-out check"): one `aiminer deid` run over 30 hand-written documents (26 US, 4 from the UK, Australia, India and Ireland),
# then the reviewer's score per category.
# Usage: bench/heldout10/run.sh   (from anywhere; writes bench/heldout10/run/, run.log and receipt.jsonl, which git ignores)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
rm -rf "$here/run" "$here/receipt.jsonl" && mkdir -p "$here/run"
cd "$here"
"$repo/.venv/bin/aiminer" deid corpus --out run --project HELDOUT10 --site "Held Out General" \
  --crosswalk "$here/.crosswalk.sqlite" --receipt receipt.jsonl --workers 2 > run.log 2>&1 || true
rm -f "$here/.crosswalk.sqlite" "$here/.crosswalk.sqlite-wal" "$here/.crosswalk.sqlite-shm"
"$repo/.venv/bin/python" score.py
