#!/usr/bin/env bash
# Idempotent Temporal setup for the tax-report workers, safe to run any number of times:
#   1. the namespace: created with the retention, or its retention updated when it differs
#   2. the custom search attributes of temporal-config/search-attributes.json: added when missing,
#      left alone when present with the same type, an error when present with another type
# Prints every action. Used by operators once per cluster and by the chart's post-install/upgrade hook Job.
#
#   temporal-config/setup.sh [--address HOST:PORT] [--namespace NS] [--retention 90d] [--skip-namespace] [--dry-run]
#
# Defaults come from the workers' variables: TEMPORAL_ADDRESS (127.0.0.1:7233), TEMPORAL_NAMESPACE (default).
# The CLI is $TEMPORAL_CLI, else .tools/bin/temporal (scripts/provision.sh), else `temporal` on PATH.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"

ADDRESS="${TEMPORAL_ADDRESS:-127.0.0.1:7233}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_RETENTION:-90d}"
ATTRIBUTES_FILE="$HERE/search-attributes.json"
SKIP_NAMESPACE=0
DRY_RUN=0

while (($#)); do
  case "$1" in
    --address) ADDRESS="$2"; shift 2 ;;
    --namespace) NAMESPACE="$2"; shift 2 ;;
    --retention) RETENTION="$2"; shift 2 ;;
    --attributes) ATTRIBUTES_FILE="$2"; shift 2 ;;
    --skip-namespace) SKIP_NAMESPACE=1; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup: unknown argument $1" >&2; exit 2 ;;
  esac
done

say() { printf '[temporal-setup] %s\n' "$*"; }

if [ -n "${TEMPORAL_CLI:-}" ]; then CLI="$TEMPORAL_CLI"
elif [ -x "$ROOT/.tools/bin/temporal" ]; then CLI="$ROOT/.tools/bin/temporal"
elif command -v temporal >/dev/null 2>&1; then CLI="$(command -v temporal)"
else echo "setup: no temporal CLI (set TEMPORAL_CLI, run scripts/provision.sh, or put temporal on PATH)" >&2; exit 1
fi
t() { "$CLI" "$@" --address "$ADDRESS" --namespace "$NAMESPACE"; }
run() {
  say "\$ temporal $*"
  if ((DRY_RUN)); then return 0; fi
  t "$@"
}

# "90d" / "72h" / "3600s" → seconds
to_seconds() {
  local v="$1"
  case "$v" in
    *d) echo $(( ${v%d} * 86400 )) ;;
    *h) echo $(( ${v%h} * 3600 )) ;;
    *s) echo "${v%s}" ;;
    *) echo "setup: retention $v: use Nd, Nh or Ns" >&2; return 1 ;;
  esac
}

say "cluster $ADDRESS, namespace $NAMESPACE, CLI $CLI"

# 1. Namespace
if ((SKIP_NAMESPACE)); then
  say "namespace: skipped (--skip-namespace)"
elif described="$(t operator namespace describe -o json 2>/dev/null)"; then
  want="$(to_seconds "$RETENTION")"
  have="$(node -e 'const c=JSON.parse(require("fs").readFileSync(0,"utf8")).config||{};process.stdout.write(String(parseInt(c.workflowExecutionRetentionTtl||"0",10)))' <<<"$described")"
  if [ "$have" = "$want" ]; then
    say "namespace $NAMESPACE exists, retention $RETENTION: unchanged"
  else
    say "namespace $NAMESPACE exists, retention ${have}s -> $RETENTION"
    run operator namespace update --retention "$RETENTION"
  fi
else
  say "namespace $NAMESPACE missing: creating with retention $RETENTION"
  run operator namespace create --retention "$RETENTION"
fi

# 2. Search attributes. A namespace created a moment ago may take a few seconds to be seen by every service.
existing=""
for attempt in $(seq 1 30); do
  if existing="$(t operator search-attribute list -o json 2>/dev/null)"; then break; fi
  if ((DRY_RUN)); then existing='{}'; break; fi
  ((attempt == 30)) && { echo "setup: cannot list search attributes of $NAMESPACE" >&2; exit 1; }
  sleep 1
done

# One line per attribute: NAME TYPE STATE (STATE: missing | same | conflict:<existing type>)
plan="$(EXISTING="$existing" node -e '
  const wanted = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const listed = JSON.parse(process.env.EXISTING || "{}");
  const have = { ...(listed.customAttributes || {}) };
  const norm = (t) => String(t).replace(/^INDEXED_VALUE_TYPE_/, "").replace(/_/g, "").toLowerCase();
  for (const [name, type] of Object.entries(wanted)) {
    const current = have[name];
    const state = current === undefined ? "missing" : norm(current) === norm(type) ? "same" : "conflict:" + current;
    console.log(`${name} ${type} ${state}`);
  }' "$ATTRIBUTES_FILE")"

create_args=()
while read -r name type state; do
  [ -n "$name" ] || continue
  case "$state" in
    same) say "search attribute $name ($type): present" ;;
    missing) say "search attribute $name ($type): missing, adding"; create_args+=(--name "$name" --type "$type") ;;
    conflict:*) echo "setup: search attribute $name exists as ${state#conflict:}, wanted $type; remove or rename it by hand" >&2; exit 1 ;;
  esac
done <<<"$plan"

if ((${#create_args[@]})); then
  run operator search-attribute create "${create_args[@]}"
fi
say "done"
