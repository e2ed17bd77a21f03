#!/usr/bin/env bash
# Set up .venv (scripts/setup.sh) and run the benchmark harness with its Python.
#   scripts/bench/bench.sh [run_bench.py options]   e.g. --duration 5 --only-baseline
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
"$ROOT/scripts/setup.sh" postgresql
exec "$ROOT/.venv/bin/python" "$ROOT/scripts/bench/run_bench.py" "$@"
