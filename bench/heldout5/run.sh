#!/bin/sh
# Held-out set 5 (docs/reports.md, "Held-out check"): one `aiminer deid` run over 30 hand-written documents in 30
# styles, 25 of them from US academic centres, then the reviewer's score per category.
# Usage: bench/heldout5/run.sh   (from anywhere; writes bench/heldout5/run/ and receipt.jsonl, which git ignores)
# No table schema is given: the billing and research exports (22_billing_export.txt, 23_csv_export.txt) are
# quarantined `no_table_schema`, so their items count as caught and their negatives as lost.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
rm -rf "$here/run" "$here/receipt.jsonl" && mkdir -p "$here/run"
cd "$here"
"$repo/.venv/bin/aiminer" deid corpus --out run --project HELDOUT5 --site "Held Out General" \
  --crosswalk "$here/run/../.crosswalk.sqlite" --receipt receipt.jsonl --workers 2 > /dev/null 2>&1 || true
rm -f "$here/.crosswalk.sqlite" "$here/.crosswalk.sqlite-wal" "$here/.crosswalk.sqlite-shm"
"$repo/.venv/bin/python" score.py
