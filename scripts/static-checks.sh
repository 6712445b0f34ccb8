#!/usr/bin/env bash
# The static checks of `npm test` side by side (each is single-threaded): tsc, ESLint, Prettier. Fails when any fails,
# with that check's output; prints each one's wall time.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
checks=(typecheck lint format:check)
pids=()
for check in "${checks[@]}"; do
  (start=$SECONDS; npm run --silent "$check" >"$logs/$check.log" 2>&1; rc=$?; echo "$((SECONDS - start))" >"$logs/$check.seconds"; exit $rc) &
  pids+=($!)
done
status=0
for i in "${!checks[@]}"; do
  check="${checks[$i]}"
  if wait "${pids[$i]}"; then
    echo "[static-checks] $check passed in $(cat "$logs/$check.seconds") s"
  else
    status=1
    echo "[static-checks] $check FAILED:"
    cat "$logs/$check.log"
  fi
done
exit $status
