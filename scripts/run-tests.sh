#!/usr/bin/env bash
# The test suites of `npm test`, then the redaction check over every log line they wrote.
# Every test has a deadline (--test-timeout; TEST_TIMEOUT_MS overrides): a hung test fails, never stalls CI.
# Tests register the secrets they create (dev/test-secrets.ts); no registered value, and nothing shaped
# like a token or a URL with a password, may appear in the log file.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
out=.data/test-logs
mkdir -p "$out"
rm -f "$out/npm-test.jsonl" "$out/secrets.txt"
export LOG_FILE="$ROOT/$out/npm-test.jsonl" TEST_SECRETS_FILE="$ROOT/$out/secrets.txt"
run() { node --import tsx --test --test-concurrency="$1" --test-timeout="${TEST_TIMEOUT_MS:-900000}" "${@:2}"; }
status=0
if (($#)); then
  run 2 "$@" || status=1
else
  # Two files at a time, then alone the ones that load both cores for minutes (the batch at 10,000 companies, the
  # chart's topology as separate processes):
  # beside them, the embedded store's longest checks would miss their heartbeat deadline.
  alone=(test/integration/batch-scale.test.ts test/integration/topology-month.test.ts)
  files=()
  for f in test/unit/*.test.ts test/integration/*.test.ts test/faults/*.test.ts; do
    [[ " ${alone[*]} " == *" $f "* ]] || files+=("$f")
  done
  run 2 "${files[@]}" || status=1
  run 1 "${alone[@]}" || status=1
fi
npx tsx scripts/check-log-redaction.ts "$LOG_FILE" "$TEST_SECRETS_FILE" || status=1
exit $status
