#!/usr/bin/env bash
# Idempotent provisioning for the demo, the tests and CI. Everything downloaded is cached under .tools/.
# A second run only checks and finishes in seconds.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mkdir -p .tools/bin
step() { printf '\033[1m[provision]\033[0m %s\n' "$*"; }

TEMPORAL_CLI_VERSION=v1.5.1
APT_PACKAGES=(chromium fonts-noto-cjk poppler-utils prometheus prometheus-alertmanager redis-server postgresql)

# 1. Debian packages: Chromium for the PDF renderer, Noto CJK for Korean glyphs; for tests, poppler (pdftotext)
#    and Prometheus (a real scrape of the worker, promtool for the alert rules).
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  step "apt: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}" \
    || { $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; }
else
  step "apt: ${APT_PACKAGES[*]} present"
fi

# 2. Temporal CLI (dev server + Web UI), pinned; later tags carry a replace directive that go install refuses.
if [ -x .tools/bin/temporal ] && [ "$(cat .tools/bin/temporal.version 2>/dev/null)" = "$TEMPORAL_CLI_VERSION" ]; then
  step "temporal CLI $TEMPORAL_CLI_VERSION present"
else
  step "temporal CLI: go install github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION (a few minutes the first time)"
  GOBIN="$ROOT/.tools/bin" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
  echo "$TEMPORAL_CLI_VERSION" > .tools/bin/temporal.version
fi

# 3. npm dependencies, reinstalled only when package-lock.json changed. Puppeteer uses Debian's Chromium.
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -d node_modules ] && [ "$(cat .tools/npm-lock.sha256 2>/dev/null)" = "$lock_sum" ]; then
  step "npm: node_modules up to date"
else
  step "npm ci (puppeteer's browser download skipped)"
  PUPPETEER_SKIP_DOWNLOAD=true npm ci --no-audit --no-fund
  echo "$lock_sum" > .tools/npm-lock.sha256
fi

# 4. Eclipse RDF4J Server (GraphDB's open-source core, same REST API) for the SPARQL integration tests.
step "rdf4j server"
bash scripts/provision-rdf4j.sh

# 5. helm, kubeconform (go install) and offline Kubernetes schemas for the chart's checks in npm test.
step "helm tools"
bash scripts/provision-helm-tools.sh

step "done"
