#!/usr/bin/env bash
# The test suites of `npm test`, then the redaction check over every log line they wrote.
# Every test has a deadline (--test-timeout; TEST_TIMEOUT_MS overrides): a hung test fails, never stalls CI.
# Tests register the secrets they create (dev/test-secrets.ts); no registered value, and nothing shaped
# like a token or a URL with a password, may appear in the log file.
# Node: the suites run on Node 24. When the host's node is another major, .tools/node24/bin (scripts/provision.sh) goes
# first on PATH, so node, tsx and every child a test spawns with process.execPath run on 24, and the unit tests then
# run once more on the host's node as the compatibility check. TEST_NODE=host runs every suite on the host's node
# (CI's Node 20 leg).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
out=.data/test-logs
mkdir -p "$out"
rm -f "$out/npm-test.jsonl" "$out/secrets.txt" "$out"/durations-*.txt
export LOG_FILE="$ROOT/$out/npm-test.jsonl" TEST_SECRETS_FILE="$ROOT/$out/secrets.txt"
host_node="$(command -v node)" host_version="$(node --version)" host_path="$PATH"
compat=0
if [[ "$host_version" != v24.* && "${TEST_NODE:-}" != host ]]; then
  if [ ! -x "$ROOT/.tools/node24/bin/node" ]; then
    echo "run-tests: the host's node is $host_version and .tools/node24 is missing: run bash scripts/provision.sh test" >&2
    exit 1
  fi
  export PATH="$ROOT/.tools/node24/bin:$PATH"
  compat=1
fi
echo "[run-tests] test suites on Node $(node --version) ($(command -v node))"
# run NAME CONCURRENCY FILE...: besides the spec output, scripts/file-durations-reporter.mjs writes where the run's
# time went into durations-NAME.txt (printed at the end).
run() {
  node --import tsx --test --test-concurrency="$2" --test-timeout="${TEST_TIMEOUT_MS:-900000}" \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=./scripts/file-durations-reporter.mjs --test-reporter-destination="$out/durations-$1.txt" "${@:3}"
}
status=0
if (($#)); then
  run given 2 "$@" || status=1
else
  # Two files at a time, and beside them, as a third lane, the worker crashes: each waits out the 60 s heartbeat
  # timeout of a SIGKILLed worker, idle most of its 6 minutes. Then alone the ones that load both cores for minutes
  # (the batch at 10,000 companies, the chart's topology as separate processes): beside them, the embedded store's
  # longest checks would miss their heartbeat deadline.
  waiting=(test/faults/worker-crash.test.ts)
  alone=(test/integration/batch-scale.test.ts test/integration/topology-month.test.ts)
  files=()
  for f in test/unit/*.test.ts test/workflows/*.test.ts test/integration/*.test.ts test/faults/*.test.ts; do
    [[ " ${alone[*]} ${waiting[*]} " == *" $f "* ]] || files+=("$f")
  done
  run waiting 1 "${waiting[@]}" > "$out/waiting-lane.log" 2>&1 &
  waiting_lane=$!
  run suites 2 "${files[@]}" || status=1
  wait "$waiting_lane" || status=1
  echo "[run-tests] the waiting lane (${waiting[*]}):"
  cat "$out/waiting-lane.log"
  run alone 1 "${alone[@]}" || status=1
fi
if ((compat)); then
  # The compatibility check: the unit and workflow tests (of the files given, those under test/unit/ and
  # test/workflows/) on the host's node.
  units=()
  if (($#)); then given=("$@"); else given=(test/unit/*.test.ts test/workflows/*.test.ts); fi
  for f in "${given[@]}"; do [[ "$f" == *test/unit/* || "$f" == *test/workflows/* ]] && units+=("$f"); done
  if ((${#units[@]})); then
    echo "[run-tests] compatibility: ${#units[@]} unit test file(s) on the host's Node $host_version ($host_node)"
    (export PATH="$host_path"; run compat 2 "${units[@]}") || status=1
  fi
fi
cat "$out"/durations-*.txt 2>/dev/null
npx tsx scripts/check-log-redaction.ts "$LOG_FILE" "$TEST_SECRETS_FILE" || status=1
exit $status
