#!/bin/sh
# Held-out set 15 (docs/reports.md, "Held-out check"): 30 hand-written documents from the paperwork around moving
# images between organisations (CD/DVD import and reconciliation logs, image-exchange notifications and audit logs,
# release-of-information, subpoenas and subject access requests, prior authorisations, portal messages, peer review,
# incident reports, teaching-file and research e-mails, AI triage output, interpreter notes, second opinions from
# abroad, a transfer-centre log, coding queries), one `aiminer deid` run, then the reviewer's score.
# Usage: bench/heldout15/run.sh   (from anywhere; writes bench/heldout15/results.json, which git ignores)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$here"
"$repo/.venv/bin/python" check_labels.py
"$repo/.venv/bin/python" score.py --aiminer "$repo/.venv/bin/aiminer" "$@"
