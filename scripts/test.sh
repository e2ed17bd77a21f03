#!/usr/bin/env bash
# The README's "test" command.
#
#   scripts/test.sh [PYTEST ARGS...]
#
# 1. set-up with the test extras and the system packages (scripts/setup.sh),
# 2. ruff check . and ruff format --check .
# 3. the whole pytest suite on SQLite (LEARNINGHUB_TEST_* unset for that run),
# 4. and, at the same time, on PostgreSQL + Redis when LEARNINGHUB_TEST_DATABASE_URL
#    is set (with LEARNINGHUB_TEST_REDIS_URL when that is set too); each pass's log
#    is printed whole when it ends.
# Extra arguments go to both pytest runs. Any pytest exit code other than 0 fails,
# including 5 (no tests collected). The last two lines are a verdict and a
# "summary: N passed, N failed, N skipped" line adding up both runs.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

VPY="$ROOT/.venv/bin/python"
LOGDIR=$(mktemp -d "${TMPDIR:-/tmp}/lh-test.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$LOGDIR"' EXIT

failed=0
report=()
total_passed=0
total_failed=0
total_skipped=0

finish() {
  local verdict=OK
  [ "$failed" -eq 0 ] || verdict=FAILED
  echo
  local IFS=';'
  echo "test.sh: ${verdict} —${report[*]}"
  echo "summary: ${total_passed} passed, ${total_failed} failed, ${total_skipped} skipped"
  exit "$failed"
}

if ! "$ROOT/scripts/setup.sh" test,postgresql --system-deps; then
  echo "test.sh: ERROR: set-up failed (scripts/setup.sh)" >&2
  failed=1
  report+=(" set-up failed")
  finish
fi

# --- lint ---------------------------------------------------------------------------
echo "test.sh: ruff check . && ruff format --check ." >&2
if "$ROOT/.venv/bin/ruff" check . && "$ROOT/.venv/bin/ruff" format --check . >/dev/null; then
  report+=(" ruff ok")
else
  echo "test.sh: ERROR: ruff check or ruff format --check failed (run: .venv/bin/ruff format .)" >&2
  failed=1
  report+=(" ruff FAILED")
fi

# --- pytest ---------------------------------------------------------------------------
# Prints "passed failed skipped" read from the closing line of a pytest log
# (errors count as failed).
pytest_counts() {
  "$VPY" - "$1" <<'PY'
import re, sys
text = re.sub(r"\x1b\[[0-9;]*m", "", open(sys.argv[1], errors="replace").read())
counts = {"passed": 0, "failed": 0, "error": 0, "skipped": 0}
for line in reversed(text.splitlines()):
    if re.search(r"\bin \d+(\.\d+)?s\b", line) and re.search(r"\d+ (passed|failed|skipped|errors?|deselected|xfailed|xpassed)|no tests ran", line):
        for n, word in re.findall(r"(\d+) (passed|failed|skipped|errors?)\b", line):
            counts[word.rstrip("s") if word.startswith("error") else word] += int(n)
        break
print(counts["passed"], counts["failed"] + counts["error"], counts["skipped"])
PY
}

# Both passes run at the same time (one core each on a 2-core machine: the suite is
# single-threaded); each writes its own log, printed whole when it ends, so the two
# outputs never interleave.
declare -A PIDS=()

start_pytest() {
  # start_pytest LABEL [env assignments / -u NAME ...] -- [pytest args]
  local label="$1"; shift
  local envargs=()
  while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do envargs+=("$1"); shift; done
  shift
  local log="$LOGDIR/pytest-$label.log"
  echo "test.sh: pytest [$label] started (log printed when it ends)" >&2
  env "${envargs[@]}" PYTHONUNBUFFERED=1 "$VPY" -m pytest "$@" >"$log" 2>&1 &
  PIDS[$label]=$!
}

finish_pytest() {
  local label="$1"
  local log="$LOGDIR/pytest-$label.log"
  local rc=0
  wait "${PIDS[$label]}" || rc=$?
  echo "test.sh: ----- pytest [$label] -----" >&2
  cat "$log"
  local p f s
  read -r p f s < <(pytest_counts "$log" || echo "0 0 0")
  total_passed=$((total_passed + p))
  total_failed=$((total_failed + f))
  total_skipped=$((total_skipped + s))
  case "$rc" in
    0) report+=(" pytest $label ok ($p passed, $f failed, $s skipped)") ;;
    5)
      echo "test.sh: ERROR: pytest [$label] collected no tests (exit 5); a run without tests is a failure" >&2
      failed=1
      report+=(" pytest $label FAILED: no tests collected (exit 5)") ;;
    *)
      echo "test.sh: ERROR: pytest [$label] exited with $rc" >&2
      failed=1
      report+=(" pytest $label FAILED (exit $rc: $p passed, $f failed, $s skipped)") ;;
  esac
}

start_pytest sqlite -u LEARNINGHUB_TEST_DATABASE_URL -u LEARNINGHUB_TEST_REDIS_URL -- "$@"

if [ -n "${LEARNINGHUB_TEST_DATABASE_URL:-}" ]; then
  [ -n "${LEARNINGHUB_TEST_REDIS_URL:-}" ] \
    || echo "test.sh: note: LEARNINGHUB_TEST_REDIS_URL is not set; Redis tests run without it" >&2
  start_pytest postgresql -- "$@"
fi

finish_pytest sqlite
if [ -n "${PIDS[postgresql]:-}" ]; then
  finish_pytest postgresql
else
  report+=(" PostgreSQL run skipped (LEARNINGHUB_TEST_DATABASE_URL not set)")
fi

finish
