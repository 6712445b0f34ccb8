#!/usr/bin/env bash
# Fetches Temporal's time-skipping test server (Java, part of the Java SDK) and its runtime dependency jars into
# .tools/temporal-test-server, and writes .tools/bin/temporal-test-server: the executable test/support/time-skipping.ts
# hands to @temporalio/testing (server.executable `existing-path`) instead of the download the SDK would make.
# The SDK's core runs it as `temporal-test-server <port> [extra args]` and stops it by killing that process,
# so the launcher execs the JVM.
# Idempotent: a second run compares version stamps and finishes in well under a second.
set -euo pipefail

TEST_SERVER_VERSION=1.38.0     # io.temporal:temporal-test-server (Java SDK release)
SLF4J_VERSION=1.7.36           # the slf4j-api the server depends on; slf4j-simple gives its warnings a place

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.tools/temporal-test-server"
launcher="$root/.tools/bin/temporal-test-server"
mkdir -p "$dest" "$root/.tools/bin"
# Test files may run in parallel and call this script: one at a time.
exec 9>"$root/.tools/.provision-test-server.lock"
flock 9
say() { echo "provision-test-server: $*"; }
command -v "${JAVA_HOME:+$JAVA_HOME/bin/}java" >/dev/null || { say "needs a Java runtime (17 or later) on PATH or in JAVA_HOME" >&2; exit 1; }

stamp="temporal-test-server $TEST_SERVER_VERSION slf4j-simple $SLF4J_VERSION"

# 1. The server jar and its runtime closure, resolved by Maven from a throwaway pom (the jar is not shaded).
if [[ -s "$dest/lib/temporal-test-server-$TEST_SERVER_VERSION.jar" && "$(cat "$dest/version" 2>/dev/null)" == "$stamp" ]]; then
  say "$stamp already present"
else
  say "fetching $stamp and its dependencies into .tools/temporal-test-server"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  cat > "$tmp/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.provision</groupId>
  <artifactId>temporal-test-server-closure</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>$TEST_SERVER_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>$SLF4J_VERSION</version></dependency>
  </dependencies>
</project>
EOF
  mvn -B -q -f "$tmp/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp/lib"
  [[ -s "$tmp/lib/temporal-test-server-$TEST_SERVER_VERSION.jar" ]] || { say "temporal-test-server-$TEST_SERVER_VERSION.jar missing after fetch" >&2; exit 1; }
  # Swapped in whole, stamp last: an interrupted fetch is fetched again, and no jar of another version stays behind.
  rm -rf "$dest/lib" "$dest/version" "$dest/test-server.jsa" "$dest/test-server.jsa.stamp"
  mv "$tmp/lib" "$dest/lib"
  echo "$stamp" > "$dest/version"
fi

# 2. The launcher. SDK core gives the server 5 s to answer; the class-data archive (step 3) brings the JVM's start
#    from about 1.5 s to about 0.5 s, which matters on a busy CI machine.
cat > "$launcher.tmp" <<'EOF'
#!/usr/bin/env bash
# Written by scripts/provision-test-server.sh. Temporal's time-skipping test server:
#   temporal-test-server <port> [--enable-time-skipping]
# @temporalio/testing passes the port (and its extraArgs); time skipping starts locked and the SDK unlocks it
# while a test awaits a workflow's result or calls env.sleep.
set -euo pipefail
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../temporal-test-server" && pwd)"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
cds=()
[[ -r "$dir/test-server.jsa" ]] && cds=(-XX:SharedArchiveFile="$dir/test-server.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off)
# The SDK stops the server by killing this process, so it execs into the JVM. When the test process dies without
# stopping it (a runner's timeout, kill -9), nobody would: a watcher ends the JVM once its parent is gone.
parent=$PPID
(
  while kill -0 "$parent" 2>/dev/null && kill -0 $$ 2>/dev/null; do sleep 2; done
  kill -0 $$ 2>/dev/null && kill -KILL $$
) </dev/null >/dev/null 2>&1 &
exec "$java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "${cds[@]}" ${TEMPORAL_TEST_SERVER_JAVA_OPTS:-} \
  -Dorg.slf4j.simpleLogger.defaultLogLevel="${TEMPORAL_TEST_SERVER_LOG_LEVEL:-error}" \
  -cp "$dir/lib/*" io.temporal.testserver.TestServer "$@"
EOF
chmod +x "$launcher.tmp"
if cmp -s "$launcher.tmp" "$launcher"; then rm "$launcher.tmp"; else mv "$launcher.tmp" "$launcher"; say "wrote .tools/bin/temporal-test-server"; fi

# 3. A class-data-sharing archive of the server's start, made once per server version and JDK. Optional: without
#    it (or with a JDK it does not match) the launcher still runs, only slower to start.
jdk="$("${JAVA_HOME:+$JAVA_HOME/bin/}java" -version 2>&1 | tr '\n' ' ')"
jsa_stamp="$stamp / $jdk"
if [[ -s "$dest/test-server.jsa" && "$(cat "$dest/test-server.jsa.stamp" 2>/dev/null)" == "$jsa_stamp" ]]; then
  say "class-data archive present"
else
  say "recording a class-data archive of the server's start"
  rm -f "$dest/test-server.jsa" "$dest/test-server.jsa.stamp"
  port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})' 2>/dev/null ||
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || true)"
  if [[ -z "$port" ]]; then
    say "no node or python3 to find a free port: no class-data archive; the server starts without it" >&2
    exit 0
  fi
  "${JAVA_HOME:+$JAVA_HOME/bin/}java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:ArchiveClassesAtExit="$dest/test-server.jsa" \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=error -cp "$dest/lib/*" io.temporal.testserver.TestServer "$port" \
    > "$dest/test-server.jsa.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do
    (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [[ -s "$dest/test-server.jsa" ]]; then
    echo "$jsa_stamp" > "$dest/test-server.jsa.stamp"
  else
    say "no class-data archive (see .tools/temporal-test-server/test-server.jsa.log); the server starts without it" >&2
    rm -f "$dest/test-server.jsa"
  fi
fi
