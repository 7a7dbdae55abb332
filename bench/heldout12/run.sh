#!/bin/sh
# Held-out set 12 (docs/reports.md, "Held-out check"): one `aiminer deid` run over 30 hand-written documents (24 US, 6 from the UK, Canada, Australia, Ireland, India and South Africa),
# then the reviewer's score per category.
# Usage: bench/heldout12/run.sh   (from anywhere; writes bench/heldout12/run/, run.log and receipt.jsonl, which git ignores)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
rm -rf "$here/run" "$here/receipt.jsonl" && mkdir -p "$here/run"
cd "$here"
"$repo/.venv/bin/aiminer" deid corpus --out run --project HELDOUT12 --site "Held Out General" \
  --crosswalk "$here/.crosswalk.sqlite" --receipt receipt.jsonl --workers 2 > run.log 2>&1 || true
rm -f "$here/.crosswalk.sqlite" "$here/.crosswalk.sqlite-wal" "$here/.crosswalk.sqlite-shm"
"$repo/.venv/bin/python" score.py
