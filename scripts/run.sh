#!/usr/bin/env bash
# The README's "run" command: set up .venv, migrate the SQLite database under var/,
# seed the demo tenant (idempotent) and serve http://localhost:6543.
#
# Environment: PORT (default 6543), HOST (default 0.0.0.0),
# LEARNINGHUB_CONFIG (default development.ini).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

"$ROOT/scripts/setup.sh" postgresql

CONFIG="${LEARNINGHUB_CONFIG:-development.ini}"
LH="$ROOT/.venv/bin/learninghub"

mkdir -p var
"$LH" --config "$CONFIG" db upgrade
"$LH" --config "$CONFIG" demo
echo "run.sh: serving on http://localhost:${PORT:-6543} (Ctrl-C to stop)" >&2
exec "$LH" --config "$CONFIG" serve --host "${HOST:-0.0.0.0}" --port "${PORT:-6543}"
