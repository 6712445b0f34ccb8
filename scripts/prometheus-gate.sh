#!/usr/bin/env bash
# The deploy gates of .github/workflows/deploy.yml: evaluates expressions of ops/gates/canary-gates.yml against
# Prometheus. Each NAME is the `record:` or `alert:` name of a rule there; its `expr` is sent, as it stands in the
# file, to /api/v1/query, and a non-empty result closes the gate. (The file is not installed as rules in
# Prometheus; promtool tests the same text: ops/gates/gates.test.yml.)
#
#   scripts/prometheus-gate.sh [--url URL] [--rules FILE] [--wait SECONDS] [--interval SECONDS] [--show NAME]... NAME...
#
#   --url URL        Prometheus base URL (default: $PROMETHEUS_URL)
#   --rules FILE     default: ops/gates/canary-gates.yml
#   --wait SECONDS   while a gate is closed, query it again every --interval (default 60) seconds, up to SECONDS;
#                    default 0: one query
#   --show NAME      print NAME's result (e.g. the by-track values) without gating on it
#
# Exit: 0 every gate open; 1 a gate closed (at the end of --wait); 2 usage, rules file, Prometheus or query error
# (never a pass). Every gate is evaluated and printed before the exit. With $GITHUB_STEP_SUMMARY set, the verdicts
# are appended to the job summary too.
# Needs curl, jq and yq (mikefarah yq v4 as on GitHub's runners, or the Python yq; the filters below work in both;
# $YQ overrides the binary).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
URL="${PROMETHEUS_URL:-}"
RULES="$ROOT/ops/gates/canary-gates.yml"
WAIT=0
INTERVAL=60
YQ="${YQ:-yq}"
SHOW=()
GATES=()

usage() {
  sed -n '/^#   scripts\/prometheus-gate.sh/,/^#   --show/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

while (($#)); do
  case "$1" in
    --url) URL="${2:-}"; shift 2 ;;
    --rules) RULES="${2:-}"; shift 2 ;;
    --wait) WAIT="${2:-}"; shift 2 ;;
    --interval) INTERVAL="${2:-}"; shift 2 ;;
    --show) SHOW+=("${2:-}"); shift 2 ;;
    -h|--help) usage ;;
    -*) echo "prometheus-gate: unknown option $1" >&2; usage ;;
    *) GATES+=("$1"); shift ;;
  esac
done

fail() {
  echo "prometheus-gate: $*" >&2
  exit 2
}

[[ -n "$URL" ]] || fail "no Prometheus URL: set PROMETHEUS_URL or pass --url (a gate that cannot ask Prometheus does not pass)"
[[ -r "$RULES" ]] || fail "rules file $RULES not readable"
[[ "$WAIT" =~ ^[0-9]+$ && "$INTERVAL" =~ ^[1-9][0-9]*$ ]] || fail "--wait and --interval take whole seconds"
((${#GATES[@]} + ${#SHOW[@]})) || fail "name at least one gate"
for tool in curl jq "$YQ"; do
  command -v "$tool" >/dev/null || fail "$tool not found"
done
URL="${URL%/}"

summary() {
  [[ -n "${GITHUB_STEP_SUMMARY:-}" ]] && printf '%s\n' "$@" >> "$GITHUB_STEP_SUMMARY"
  return 0
}

# The expression of the rule named $1; exactly one rule of the file must carry that name.
expr_of() {
  local name="$1" filter count expr
  [[ "$name" =~ ^[A-Za-z_:][A-Za-z0-9_:]*$ ]] || fail "not a rule name: '$name'"
  filter=".groups[].rules[] | select(.record == \"$name\" or .alert == \"$name\")"
  count=$("$YQ" -r "[$filter] | length" "$RULES") || fail "$YQ could not read $RULES"
  [[ "$count" == 1 ]] || fail "$RULES has $count rules named $name (want exactly 1)"
  expr=$("$YQ" -r "$filter | .expr" "$RULES") || fail "$YQ could not read $RULES"
  [[ -n "${expr//[[:space:]]/}" && "$expr" != null ]] || fail "$name has no expr in $RULES"
  printf '%s' "$expr"
}

# Runs the query of rule $1; prints one line per series and sets RESULT_COUNT. Any error exits 2.
RESULT_COUNT=0
RESULT_LINES=""
query() {
  local name="$1" expr body
  expr=$(expr_of "$name") || exit 2
  body=$(curl -fsS --retry 3 --retry-delay 5 --retry-connrefused --max-time 120 \
    --data-urlencode "query=$expr" "$URL/api/v1/query") || fail "$name: query to $URL/api/v1/query failed"
  jq -e '.status == "success" and .data.resultType == "vector"' >/dev/null 2>&1 <<<"$body" ||
    fail "$name: unexpected answer from Prometheus: $(head -c 500 <<<"$body")"
  RESULT_COUNT=$(jq '.data.result | length' <<<"$body")
  RESULT_LINES=$(jq -r '.data.result[] |
      "  {" + (.metric | to_entries | sort_by(.key) | map("\(.key)=\"\(.value)\"") | join(", ")) + "} " + .value[1]' <<<"$body")
}

for name in "${SHOW[@]}"; do
  query "$name"
  echo "$name: $RESULT_COUNT series"
  [[ -n "$RESULT_LINES" ]] && echo "$RESULT_LINES"
  summary "- \`$name\`: $RESULT_COUNT series"
  [[ -n "$RESULT_LINES" ]] && summary '  ```' "$RESULT_LINES" '  ```'
done

status=0
for name in "${GATES[@]}"; do
  deadline=$(($(date +%s) + WAIT))
  for (( attempt = 1; ; attempt++ )); do
    query "$name"
    now=$(date +%s)
    if ((RESULT_COUNT == 0)); then
      echo "gate $name: open (empty result)"
      summary "- gate \`$name\`: open"
      break
    fi
    if ((now >= deadline)); then
      echo "gate $name: CLOSED, $RESULT_COUNT series:"
      echo "$RESULT_LINES"
      ((WAIT > 0)) && echo "  (still non-empty after waiting ${WAIT}s)"
      summary "- gate \`$name\`: **closed** ($RESULT_COUNT series)" '  ```' "$RESULT_LINES" '  ```'
      status=1
      break
    fi
    echo "gate $name: closed ($RESULT_COUNT series), asking again in ${INTERVAL}s (until $(date -u -d "@$deadline" +%H:%M:%SZ)):"
    echo "$RESULT_LINES"
    sleep $((INTERVAL < deadline - now ? INTERVAL : deadline - now))
  done
done
exit $status
