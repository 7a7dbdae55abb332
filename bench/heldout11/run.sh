#!/bin/sh
# Held-out set 11: one `aiminer deid` run over 30 hand-written documents (22 US, 8 from Canada, New Zealand, South Africa, Singapore, Nigeria, Scotland, Hong Kong and Israel),
# then the reviewer's score per category.
# Usage: bench/heldout11/run.sh   (from anywhere; writes bench/heldout11/run/, run.log and receipt.jsonl, which git ignores)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
rm -rf "$here/run" "$here/receipt.jsonl" && mkdir -p "$here/run"
cd "$here"
"$repo/.venv/bin/aiminer" deid corpus --out run --project HELDOUT11 --site "Held Out General" \
  --crosswalk "$here/.crosswalk.sqlite" --receipt receipt.jsonl --workers 2 > run.log 2>&1 || true
rm -f "$here/.crosswalk.sqlite" "$here/.crosswalk.sqlite-wal" "$here/.crosswalk.sqlite-shm"
"$repo/.venv/bin/python" score.py
