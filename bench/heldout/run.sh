#!/bin/sh
# The held-out report check (docs/reports.md, "Held-out check"): one `aiminer deid` run over 45 hand-written
# documents (reports, HL7, tables) in styles the synthetic generator does not produce, then the score per category.
# Usage: bench/heldout/run.sh   (from anywhere; writes bench/heldout/run/, which git ignores)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
py="$repo/.venv/bin/python"
rm -rf "$here/run" && mkdir -p "$here/run"
cd "$here"
"$repo/.venv/bin/aiminer" deid corpus --out run/out --project HELDOUT --site "Held Out General" \
  --crosswalk run/crosswalk.sqlite --receipt run/receipt.jsonl --workers 1 \
  --table-schema schema/tables_schema.toml > run/stdout.txt 2> run/stderr.txt
"$py" score.py --run run --json run/results.json
