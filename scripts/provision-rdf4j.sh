#!/usr/bin/env bash
# Fetches the RDF4J Server war and a Jetty runner into .tools/rdf4j so the
# integration tests can run a real RDF4J repository (the GraphDB REST API subset we use).
# Idempotent: files already present are left alone.
set -euo pipefail

RDF4J_VERSION=5.0.3            # javax-servlet (Spring 5) webapp, so it runs on Jetty 9.4
JETTY_VERSION=9.4.58.v20250814

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.tools/rdf4j"
mkdir -p "$dest"

# fetch <groupId:artifactId:version[:packaging]> <resulting file name>
fetch() {
  local artifact="$1" file="$2"
  if [[ -s "$dest/$file" ]]; then
    echo "provision-rdf4j: $file already present"
    return
  fi
  echo "provision-rdf4j: fetching $artifact into .tools/rdf4j"
  mvn -B -q dependency:copy -Dartifact="$artifact" -DoutputDirectory="$dest"
  [[ -s "$dest/$file" ]] || { echo "provision-rdf4j: $file missing after fetch" >&2; exit 1; }
}

fetch "org.eclipse.rdf4j:rdf4j-http-server:$RDF4J_VERSION:war" "rdf4j-http-server-$RDF4J_VERSION.war"
fetch "org.eclipse.jetty:jetty-runner:$JETTY_VERSION" "jetty-runner-$JETTY_VERSION.jar"
